//! A user's own tensor (issue 18, first slice: the engine). This module owns reading tensor files
//! from their bytes ([`file`]: safetensors and `.npy` headers, element decoding) and measuring what
//! a format does to the values ([`analysis`]). Pure: no web dependencies; a view streams a file's
//! bytes through it in slices. It does not know about the page.

pub mod analysis;
pub mod demo;
pub mod file;
pub mod ggml;
pub mod kernel;
pub mod report;

pub use analysis::{absmax, absmax_factor, Scaling, Tally};
pub use demo::Demo;
pub use file::{Dtype, Endian, FileError, TensorInfo};
pub use report::{Analysis, Mode, Row};
