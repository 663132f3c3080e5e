//! A user's own tensor: reading tensor files from their bytes and measuring what every format does
//! to the values. Pure: no web dependencies; a view streams a file's bytes through it in slices. It
//! does not know about the page.
//!
//! - [`file`](mod@file): safetensors, NumPy `.npy` and `.npz` headers (ZIP64, and deflated members inflated 16
//!   KiB at a time by `file::Inflater`, whole elements decoded and a partial one carried), element
//!   decoding.
//! - [`report`]: [`Analysis`], one row per signed catalogue format under no scale or a per-tensor
//!   absmax scale, or, for block scales, one per deployed scheme: MX with its E8M0 scale per 32,
//!   fp32 absmax groups of 64 and 128 (int4, nf4), GGUF's Q8_0, Q4_0 and Q4_K with llama.cpp's
//!   arithmetic ([`ggml`]; in the browser Q4_K's scale search runs four sub-blocks at a time in
//!   WebAssembly SIMD, `ggml_x4`), NVFP4 through `formats::nvfp4`, and asymmetric int4 per 128 as GPTQ's
//!   quantizer stores it. Block rows see whole blocks whatever the slices (a carry buffer).
//! - [`kernel`]: how a row stores one value: binary floats up to fp32 round on the `f64`'s own bits
//!   (the FPU's nearest-even at the subnormal spacing), integers arithmetically, NF4 by a level
//!   search, each saturating past its largest value; the exact engine for other formats.
//! - `runs`: the whole-tensor rows in sorted batches of 65,536, a few kernel calls per run of
//!   values that store alike.
//! - [`parts`]: a tensor in parts of 262,144 values, measured apart (in the page's workers)
//!   and merged in order into the streamed table.
//! - [`analysis`]: the tally of each row (overflow, underflow, exact, SQNR, largest relative error).
//! - [`demo`]: the demo tensors, generated from stated recipes.

pub mod analysis;
pub mod demo;
pub mod file;
pub mod ggml;
#[cfg(target_arch = "wasm32")]
mod ggml_x4;
pub mod kernel;
pub mod parts;
pub mod report;
mod runs;

pub use analysis::{absmax, absmax_factor, Scaling, Tally};
pub use demo::Demo;
pub use file::{Dtype, Endian, FileError, TensorInfo};
pub use parts::{measure_part, PartJob, PartRequest, PartResult};
pub use report::{Analysis, Mode, Row, PART};
