//! What a run reports: each step's plan and outcome, the record a view plots, the per-step summary
//! kept in the history, evaluations and decision grids, and why a run stopped.

use super::optim::UpdateOutcome;
use super::stats::TensorRecord;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stopped {
    /// The loss or the weights became Inf/NaN at `step`.
    Diverged { step: u64, reason: Divergence },
    /// `max_steps` reached.
    Finished { steps: u64 },
}

/// What went non-finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Divergence {
    /// The batch loss was Inf or NaN: the forward pass overflowed (an activation or logit beyond the
    /// format's range) or the weights had already gone bad.
    LossNotFinite,
    /// An optimizer step wrote Inf/NaN into this layer's parameters: an Inf/NaN gradient or update
    /// was applied because no loss scaler was there to skip the step.
    WeightsNotFinite { layer: usize },
}

/// Everything recorded about one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    /// Index of this step, from 0.
    pub step: u64,
    /// Mean batch loss (unscaled, without the "make it hard" factor), as the recipe computed it.
    pub loss: f32,
    /// Share of the batch classified correctly; `None` for regression.
    pub accuracy: Option<f32>,
    /// The loss scale this step used (1 without dynamic loss scaling).
    pub loss_scale: f32,
    /// Whether the optimizer step was skipped because a gradient was Inf/NaN (loss scaling only).
    pub skipped: bool,
    /// Of the parameters whose computed update was nonzero, the share whose stored value did not
    /// change: updates lost to rounding (swamping). 0 when the step was skipped.
    pub updates_lost: f32,
    /// Per watched tensor: output gradient and weight gradient of every layer, last layer first.
    pub tensors: Vec<TensorRecord>,
}

/// The scalars of one step, fixed by [`Run::begin_step`](super::Run::begin_step) for the backend that runs its passes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepPlan {
    /// Index of the step, from 0.
    pub step: u64,
    /// The loss scale (1 without dynamic loss scaling).
    pub loss_scale: f32,
    /// `GradScaler`'s f32 inverse scale, when the recipe unscales gradients.
    pub inv_scale: Option<f32>,
    /// The loss scale times the "make it hard" factor 2^-loss_shift.
    pub grad_multiplier: f32,
    /// d(loss)/d(logit) per unit of (prediction - target), with the loss scale, the "make it hard"
    /// factor and the mean's 1/N folded in (see `model::grad_coefficient`).
    pub grad_coefficient: f32,
    /// The optimizer's step count if this step updates (Adam's bias correction uses it).
    pub optimizer_step: u64,
}

/// A step started by [`Run::begin_steps`](super::Run::begin_steps): its plan and its batch (as [`Run::batch`](super::Run::batch) gives it).
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    pub plan: StepPlan,
    pub inputs: Vec<f32>,
    /// Class labels (classification), else empty.
    pub classes: Vec<u8>,
    /// Regression targets, else empty.
    pub values: Vec<f32>,
}

/// What a backend's passes produced for one step, for [`Run::end_step`](super::Run::end_step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassOutcome {
    /// Mean batch loss (Inf/NaN stops the run; nothing else is read then).
    pub mean_loss: f64,
    /// Correct argmax predictions in the batch (classification).
    pub correct: usize,
    /// Per watched tensor, last layer first, as `cpu::backward` records them.
    pub tensors: Vec<TensorRecord>,
    /// A gradient was Inf/NaN after the backward pass and the loss scaler skipped the optimizer.
    pub skipped: bool,
    /// Updates attempted and lost to rounding by the optimizer.
    pub updates: UpdateOutcome,
    /// fp8 amax observations per layer (empty or zeros without fp8).
    pub amax: Amax,
    /// The first layer whose parameters are Inf/NaN after the step.
    pub bad_layer: Option<usize>,
}

/// Per layer: max |GEMM input|, max |weight|, max |output gradient| before fp8 quantization.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Amax {
    pub input: Vec<f32>,
    pub weight: Vec<f32>,
    pub grad: Vec<f32>,
}

/// The scalar part of a [`StepRecord`], kept for every step of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepSummary {
    pub step: u64,
    pub loss: f32,
    pub accuracy: Option<f32>,
    pub loss_scale: f32,
    pub skipped: bool,
    pub updates_lost: f32,
    /// Share of all watched gradient values that flushed to zero this step.
    pub flushed: f32,
}

/// Loss and accuracy over the whole dataset, with the recipe's forward numerics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eval {
    pub loss: f32,
    pub accuracy: Option<f32>,
}

/// Class-1 probabilities over a grid covering the data (for a Playground-style heat map).
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionGrid {
    /// Cells per side.
    pub resolution: usize,
    pub x_range: [f32; 2],
    pub y_range: [f32; 2],
    /// `probabilities[row * resolution + col]`: softmax probability of class 1 at the cell centre;
    /// `col` runs along x from `x_range[0]`, `row` along y from `y_range[0]` (bottom row first).
    pub probabilities: Vec<f32>,
}

impl Stopped {
    /// A sentence for the view.
    pub fn explanation(&self) -> String {
        match self {
            Stopped::Finished { steps } => format!("Finished after {steps} steps."),
            Stopped::Diverged { step, reason } => {
                format!("Diverged at step {step}: {}", reason.explanation())
            }
        }
    }
}

impl Divergence {
    /// Why this happens, in a sentence.
    pub fn explanation(&self) -> &'static str {
        match self {
            Divergence::LossNotFinite => {
                "the loss became Inf or NaN: a value in the forward pass overflowed the format's range, \
                 or the weights were already non-finite."
            }
            Divergence::WeightsNotFinite { .. } => {
                "an optimizer step wrote Inf or NaN into the weights: a gradient or update overflowed and \
                 no loss scaler was there to skip the step."
            }
        }
    }
}
