//! Number formats: exact encode/decode, rounding and format facts. Pure: no web dependencies.
//!
//! This module owns every number format a learner meets (IEEE floats, bf16/tf32, the FP8/FP6/FP4
//! families, the MX E8M0 scale, integers, NF4) as a [`Format`] value; decoding a code to its exact value
//! and explaining it ([`Decoded`]); correctly rounded encoding from an `f64` or from exact text
//! ([`parse_input`]) under every [`Rounding`] mode and [`Overflow`] policy; neighbours, ulps and
//! `torch.finfo`-style [`Facts`]; OCP MX block quantization ([`mx`]) and NVFP4 ([`nvfp4`]), named alike as [`block::BlockFormat`]
//! values. It does not draw anything, hold
//! UI state or know about training: `plot`, `ui` and `train` call into it.
//!
//! Exactness: every value of every format is exactly an `f64` (constructors refuse formats where that
//! would fail), so decode is exact and rounding is decided on exact integers, never on a rounded `f64`.

mod bignum;
pub mod block;
mod catalogue;
pub mod decimal;
mod exact;
mod explain;
mod fast;
mod float;
mod format;
mod grid;
pub mod mx;
pub mod nvfp4;
mod parse;
mod rounding;
mod spec;

pub use catalogue::{catalogue, CatalogueEntry, Group};
pub use exact::{exact_decimal, Exact};
pub use explain::{Class, Decoded};
pub use format::{EncodeReport, Facts, Format, Structure};
pub use parse::{parse_input, Input, InputError};
pub use rounding::{Overflow, Rounding};
pub use spec::{Family, FloatSpec, FormatError, Signedness, Subnormals};
