//! Plots as pure functions from data to SVG strings. Pure: no web dependencies.
pub mod memory;
