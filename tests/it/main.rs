//! The one native integration-test binary (see ARCHITECTURE.md, "Tests").

mod base;
mod formats;
mod gpu;
mod layers;
mod memory;
mod memory_config;
mod memory_models;
mod plot;
mod present;
mod present_learn;
mod present_memory;
mod present_train;
mod route;
mod tensor;
mod tensor_ggml;
mod tensor_parts;
mod tidy;
mod train;
mod train_block;
