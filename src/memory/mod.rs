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
//!
//! A user's own model: an `ArchSpec` is a `Copy` value the URL carries, so a shared link keeps an
//! imported model without its JSON: beside the dense fields it has optional parts, each `None` for a
//! plain transformer: `moe` (experts, experts per token, expert and shared widths, leading dense
//! layers), `latent` (multi-head latent attention) and `window` (sliding-window layers and how many
//! stay global). Every consumer reads shapes through `Architecture::tensors()` (role, count, place:
//! every layer, dense or MoE layers; whether a tensor is a routed expert's), so counts, quantization,
//! LoRA, tensor, expert and pipeline parallelism need no case of their own; the KV cache and the
//! activations ask for per-token widths per layer kind. `budget::training` builds one ledger per
//! pipeline stage (`tensors::Stage`) and shows the fullest; ZeRO-Offload moves terms to
//! `Report::host`. `memory::config` maps a `config.json` (`serde_json`) family by family onto an
//! `ArchSpec` and says which keys it used and which it left alone; in the page it is a part of its
//! own (`ui::memory::import`), downloaded when its panel first opens, and the Hub fetch is the only
//! request to another site (CSP `connect-src`). Tests: `tests/it/memory_models.rs`,
//! `tests/it/memory_config.rs` (published configs in `tests/it/configs/`), `tests/e2e/models.test.mjs`.

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
