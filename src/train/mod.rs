//! The toy mixed-precision trainer: data, model, precision policies, loss scaling, and the CPU backend.
//!
//! Owns everything needed to train a small MLP on a Playground-style dataset under a precision recipe
//! (fp32, pure fp16, fp16 with master weights, fp16 AMP with `GradScaler`, bf16 mixed, fp8 with delayed
//! scaling) and to record, per step, what the formats did to the gradients. It is pure and
//! synchronous: no web dependencies, no clock, no threads, no OS randomness, and the same numbers on
//! every machine (its exp/ln/tanh/sin/cos and its random numbers come from `crate::base`). It does
//! not draw (that is `plot`/`ui`) or schedule (a view calls [`Run::step_n`] between yields);
//! `crate::gpu` is a second backend, checked against `cpu`.
//!
//! Entry points for a view: build a [`RunConfig`], [`Run::new`], then repeatedly [`Run::step_n`]
//! (records per step), [`Run::history`] (scalars for every step), [`Run::evaluate`],
//! [`Run::decision_grid`] / [`Run::prediction_curve`], and [`Run::stopped`].
//!
//! Module map: `precision` (rounding into fp16/bf16/fp8), `data` (datasets), `model` (MLP, activations, losses), `cpu`
//! (forward/backward with rounding points), `stats` (flush/subnormal/overflow counts, log2
//! histograms), `scaler` (`GradScaler`, fp8 amax history), `optim` (SGD, Adam), `policy` (recipes),
//! `run` (the step loop and records).

pub mod block;
pub mod config;
pub mod cpu;
pub mod data;
pub mod model;
pub mod optim;
pub mod policy;
pub mod precision;
pub mod record;
pub mod run;
pub mod scaler;
pub mod stats;

pub use block::{BlockKind, BlockStats, Nvfp4Switches};
pub use config::{ConfigError, RunConfig, MAX_LOSS_SHIFT};
pub use data::{Data, DataConfig, DatasetKind, Targets};
pub use model::{
    Activation, BatchTargets, Dense, DenseGrad, Loss, Mlp, MAX_HIDDEN_LAYERS, MAX_WIDTH,
};
pub use optim::{Optimizer, UpdateOutcome};
pub use policy::{Policy, Scaling, TensorFormats};
pub use precision::{Overflow, Precision, ValueClass};
pub use record::{
    Amax, DecisionGrid, Divergence, Eval, PassOutcome, PlannedStep, StepPlan, StepRecord,
    StepSummary, Stopped,
};
pub use run::{Checkpoint, Run};
pub use scaler::{AmaxHistory, Fp8Config, GradScaler, ScalerConfig};
pub use stats::{
    Log2Histogram, TensorKind, TensorRecord, TensorStats, HIST_BINS, HIST_MAX_EXP, HIST_MIN_EXP,
};
