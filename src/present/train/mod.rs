//! The Trainer view's model: its state in the URL, the runs it builds from that state, the pacing of
//! training slices, and every readout (progress, per-run figures, explanations).
//!
//! Owns the parameters of `?view=train` (dataset, noise, seed, network, optimizer, learning rate,
//! batch, policies, the "make it hard" knob, the weight scale), their parsing with notices for
//! hostile values, the scenarios, and [`Session`]: the runs of one configuration advanced slice by
//! slice. It is pure: it never reads a clock (the view passes the time in milliseconds) and never
//! schedules anything (the view yields to the browser between slices). The numbers come from
//! `crate::train`; the pictures from `crate::plot`.
//!
//! `state` is the URL state and its parsing, `session` the runs and their readouts, `pacing` the
//! slice sizes and steps per second, `plots` the pictures, `backend` the backend choice, `bench`
//! the benchmarks' fixed workloads.

mod backend;
mod bench;
mod pacing;
mod plots;
mod session;
mod state;

pub use backend::{BackendChoice, BackendKind};
pub use bench::{bench_config, BENCH_NETWORKS, GPU_BENCH_WIDTHS};
pub use pacing::{SliceSizer, Throughput};
pub use plots::{TrainPlots, HEAT_RESOLUTION};
pub use session::{progress_text, Lane, LaneSummary, Session};
pub use state::{
    dataset_label, hidden_text, parse_hidden, parse_policies, policies_text, policy_label,
    policy_short_label, recipe_text, OptimizerKind, Scenario, TrainState,
};

/// Runs shown side by side at most.
pub const MAX_RUNS: usize = 4;
/// Points in every dataset of the view.
pub const POINTS: usize = 256;
/// The most steps a run may be asked to take (its history stays small enough to draw).
pub const MAX_STEPS: u64 = 50_000;
/// Where the runs stop unless the reader sets another step count (`steps=`): enough for every
/// scenario's story to play out, few enough that the raw loss stays readable.
pub const DEFAULT_STEPS: u64 = 2_000;
/// Largest "make it hard" shift the view offers (the engine accepts up to 60).
pub const MAX_HARD: u32 = 40;
/// Largest learning rate accepted.
pub const MAX_LR: f32 = 10.0;
/// Largest weight scale accepted.
pub const MAX_WEIGHT_SCALE: f32 = 1e4;
/// Largest `GradScaler` growth interval accepted.
pub const MAX_INTERVAL: u32 = 100_000;
/// The shift of the "make it hard" scenario: the loss times 2^-20, so logit gradients sit around 2^-25,
/// below fp16's smallest subnormal 2^-24 (Micikevicius et al.'s experiment in miniature).
pub const HARD_SHIFT: u32 = 20;

/// The widest hidden layer the view offers. The engine takes up to `train::MAX_WIDTH` (512, for the
/// GPU benchmark); in the page a wider network would make every redraw of the decision maps slow.
pub const MAX_VIEW_WIDTH: usize = 64;

/// The policies shown when the URL names none.
pub const DEFAULT_POLICIES: [&str; 4] = ["fp32", "fp16-pure", "fp16-amp", "bf16-mixed"];
