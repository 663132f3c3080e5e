//! The one native integration-test binary (see ARCHITECTURE.md, "Tests").

mod formats;
mod layers;
mod memory;
mod plot;
mod present;
mod present_memory;
mod route;
mod train;
