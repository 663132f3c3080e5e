//! The memory-budget model for training and inference. Pure: no web dependencies, no clocks, no
//! threads; it compiles for wasm32 and every function returns instead of panicking.
//!
//! This module owns the question "will this model fit, and where does the memory go?": parsed
//! inputs ([`Inputs`], [`ParamCount`], [`Architecture`], presets, formats, GPUs), the accounting
//! ([`estimate`] -> [`Report`], a ledger of [`Term`]s with exact byte counts and formulas), the
//! seed document's worked examples ([`seed_check`]) and the URL round trip ([`from_query`],
//! [`to_query`]). It does not render anything: the view shows a [`Report`], and
//! `plot::memory` draws it.
//!
//! Units: every byte count is an exact integer ([`Bytes`]); text always says GB (10^9) or GiB
//! (2^30), never a bare "G".

pub mod arch;
pub mod budget;
pub mod config;
pub mod dtype;
pub mod error;
pub mod gpu;
pub mod inputs;
pub mod params;
pub mod presets;
pub mod query;
pub mod seed;
pub mod settings;
pub mod units;

pub use arch::{ArchSpec, Architecture};
pub use budget::{estimate, Category, Fit, Largest, Report, Term};
pub use dtype::{DoubleQuant, KvFormat, WeightFormat};
pub use error::MemoryError;
pub use gpu::{Gpu, GPUS};
pub use inputs::{Inputs, Mode, ModelChoice};
pub use params::{ParamCount, ParamParseError};
pub use presets::Preset;
pub use query::{from_query, to_query, Notice};
pub use seed::{seed_check, SeedExample};
pub use units::{Bytes, UnitLead};
