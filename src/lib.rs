//! Precision Lab: see how deep-learning number formats and mixed-precision training behave.
//!
//! The crate is a pure numeric core with a thin browser UI on top (see `ARCHITECTURE.md`):
//!
//! - [`base`]: deterministic maths and the seeded random generator every layer shares.
//! - [`formats`]: every number format, exact encode/decode, rounding, format facts.
//! - [`memory`]: the memory-budget model for training and inference.
//! - [`plot`]: pure functions from data to SVG strings.
//! - [`present`]: view models: each view's readouts as plain data and text, from its URL state.
//! - [`route`]: the view and its state in the URL query string.
//! - [`train`]: the toy mixed-precision trainer (model, data, precision policies, CPU backend).
//! - [`gpu`]: the trainer's WebGPU backend (WGSL kernels through `wgpu`), checked against `train::cpu`.
//! - `ui` (browser build only): Leptos components; depends on all of the above, nothing depends on it.
//!
//! Architecture Invariant: the core modules (and `route`) never import `leptos`, `web_sys`, `wasm_bindgen` or
//! `wgpu`; `gpu` uses `wgpu` but never `leptos`; `tests/it/layers.rs` enforces both.

pub mod base;
pub mod formats;
pub mod gpu;
pub mod memory;
pub mod plot;
pub mod present;
pub mod route;
pub mod tensor;
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod ui;
