//! A training run: one network, one dataset, one precision policy, advanced a bounded number of steps
//! at a time.
//!
//! Owns the step loop ([`Run::step`], [`Run::step_n`]): batching, the scaled loss, unscaling and the
//! Inf/NaN check, skipped steps, the optimizer call, fp8 scale updates, divergence detection. What
//! a run is asked to do is `config`'s; what it reports is `record`'s. It is pure and
//! synchronous: it never sleeps, reads a clock or yields; a view calls `step_n(k)` with a small `k`
//! and yields to the browser between calls. It does not draw anything and does not know about
//! Leptos.

use super::block::BlockStats;
use super::config::ConfigError;
use super::config::RunConfig;
use super::cpu::{self, Fp8Scales, Numerics, Tape};
use super::data::{Data, Targets};
use super::model::{self, BatchTargets, DenseGrad, Mlp};
use super::optim::{self, Optimizer, ParamState};
use super::policy::Policy;
use super::precision::Precision;
use super::record::Amax;
use super::record::DecisionGrid;
use super::record::Divergence;
use super::record::Eval;
use super::record::PassOutcome;
use super::record::PlannedStep;
use super::record::StepPlan;
use super::record::StepRecord;
use super::record::StepSummary;
use super::record::Stopped;
use super::scaler::{AmaxHistory, Fp8Config, GradScaler};
use crate::base::SplitMix64;

/// A run's state (network, optimizer state, scaler, fp8 scale history, data position) without its
/// per-step history, which grows with the run: a backend that checkpoints after every slice would
/// otherwise copy it every time. [`Run::rewind`] goes back to it and keeps the history up to it.
#[derive(Clone, Debug)]
pub struct Checkpoint(Run);

/// A training run in progress.
#[derive(Clone, Debug)]
pub struct Run {
    config: RunConfig,
    data: Data,
    mlp: Mlp,
    numerics: Numerics,
    /// The optimizer with the "make it hard" compensation applied.
    optimizer: Optimizer,
    storage: Precision,
    /// Per layer: weight state, bias state.
    optimizer_state: Vec<(ParamState, ParamState)>,
    optimizer_steps: u64,
    scaler: Option<GradScaler>,
    fp8: Option<Fp8State>,
    scales: Fp8Scales,
    batch_rng: SplitMix64,
    order: Vec<usize>,
    cursor: usize,
    steps: u64,
    stopped: Option<Stopped>,
    history: Vec<StepSummary>,
    /// Block recipes: what the block scales did to the output gradients, summed over every step.
    block_totals: BlockStats,
    // Reused buffers.
    tape: Tape,
    grads: Vec<DenseGrad>,
    dlogits: Vec<f32>,
    batch_inputs: Vec<f32>,
    batch_classes: Vec<u8>,
    batch_values: Vec<f32>,
}

#[derive(Clone, Debug)]
struct Fp8State {
    config: Fp8Config,
    input: Vec<AmaxHistory>,
    weight: Vec<AmaxHistory>,
    grad: Vec<AmaxHistory>,
}

impl Run {
    /// Generates the data, initialises the network and the recipe's state.
    pub fn new(config: RunConfig) -> Result<Run, ConfigError> {
        config.validate()?;
        let data = config.data.generate();
        let kind = config.data.kind;
        let mut mlp = Mlp::new(
            kind.input_dim(),
            &config.hidden,
            kind.output_dim(),
            config.activation,
            config.weight_scale,
            config.seed,
        )
        .ok_or(ConfigError::Hidden {
            hidden: config.hidden.clone(),
        })?;
        let formats = config.policy.formats();
        let storage = formats.storage;
        // `model.half()`: the stored weights themselves become fp16.
        for layer in &mut mlp.layers {
            storage.round_slice(&mut layer.weights, super::precision::Overflow::Default);
            storage.round_slice(&mut layer.bias, super::precision::Overflow::Default);
        }
        let n_layers = mlp.layers.len();
        // 2^shift and 2^-shift are exact in f32 for shift <= 60 < 126.
        let up = f32::from_bits((127 + config.loss_shift) << 23);
        let down = f32::from_bits((127 - config.loss_shift) << 23);
        let optimizer = match config.optimizer {
            Optimizer::Sgd { lr, momentum } => Optimizer::Sgd {
                lr: lr * up,
                momentum,
            },
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps: eps * down,
            },
        };
        let scaler = match config.policy {
            Policy::Fp16Amp(s) => Some(GradScaler::new(s)),
            _ => None,
        };
        let fp8 = match config.policy {
            Policy::Fp8(c) => Some(Fp8State {
                config: c,
                input: vec![AmaxHistory::new(c.history_len); n_layers],
                weight: vec![AmaxHistory::new(c.history_len); n_layers],
                grad: vec![AmaxHistory::new(c.history_len); n_layers],
            }),
            _ => None,
        };
        let mut batch_rng = SplitMix64::new(config.seed ^ 0x0062_6174_6368_6573); // "batches"
        let mut order: Vec<usize> = (0..data.len()).collect();
        shuffle(&mut order, &mut batch_rng);
        let mut numerics = config.policy.numerics();
        if let cpu::Gemm::Block(recipe) = &mut numerics.gemm {
            // The Hadamard transform's random signs, fixed for the run ("hadamar").
            let mut signs = SplitMix64::new(config.seed ^ 0x0068_6164_616d_6172);
            recipe.signs = signs.next_u64() as u16;
        }
        Ok(Run {
            numerics,
            optimizer,
            storage,
            optimizer_state: vec![Default::default(); n_layers],
            optimizer_steps: 0,
            scaler,
            fp8,
            scales: Fp8Scales::ones(n_layers),
            batch_rng,
            order,
            cursor: 0,
            steps: 0,
            stopped: None,
            history: Vec::new(),
            block_totals: BlockStats::default(),
            tape: Tape::default(),
            grads: Vec::new(),
            dlogits: Vec::new(),
            batch_inputs: Vec::new(),
            batch_classes: Vec::new(),
            batch_values: Vec::new(),
            config,
            data,
            mlp,
        })
    }

    /// Runs up to `k` steps, stopping early if the run stops; returns their records (empty once
    /// stopped). A view calls this with a small `k` and yields between calls.
    pub fn step_n(&mut self, k: u32) -> Vec<StepRecord> {
        let mut records = Vec::with_capacity(k as usize);
        for _ in 0..k {
            match self.step() {
                Some(r) => records.push(r),
                None => break,
            }
        }
        records
    }

    /// Runs one step; `None` if the run has stopped.
    pub fn step(&mut self) -> Option<StepRecord> {
        let plan = self.begin_step()?;
        let outcome = self.cpu_passes(&plan);
        Some(self.end_step(&plan, outcome))
    }

    /// Starts a step: `None` if the run has stopped; otherwise draws the next batch (see
    /// [`Run::batch`]) and fixes the scalars the passes use. A backend then runs the passes (forward,
    /// loss, backward, unscale, optimizer) and hands what they produced to [`Run::end_step`]; the CPU
    /// backend does this in [`Run::step`], `crate::gpu` on the GPU.
    pub fn begin_step(&mut self) -> Option<StepPlan> {
        if self.stopped.is_some() {
            return None;
        }
        self.next_batch();
        self.scales.seed = self.step_seed(self.steps);
        let loss_scale = self.scaler.as_ref().map_or(1.0, GradScaler::scale);
        let down = f64::from(f32::from_bits((127 - self.config.loss_shift) << 23));
        let multiplier = (f64::from(loss_scale) * down) as f32;
        Some(StepPlan {
            step: self.steps,
            loss_scale,
            grad_multiplier: multiplier,
            inv_scale: self.scaler.as_ref().map(GradScaler::inv_scale),
            grad_coefficient: model::grad_coefficient(
                self.config.loss,
                multiplier,
                self.config.batch_size,
                self.mlp.output_dim(),
            ),
            optimizer_step: self.optimizer_steps + 1,
        })
    }

    /// Starts up to `k` steps at once, for a backend that runs several steps before it reports
    /// back (`crate::gpu` submits them together): each with its plan and a copy of its batch
    /// ([`PlannedStep`]). Only for recipes whose steps do not depend on
    /// the previous step's outcome: no loss scaler (which may skip a step or change the scale) and
    /// no fp8 scaling (whose scales follow the amax); otherwise, or once stopped, it returns
    /// nothing. Hand every outcome to [`Run::end_step`] in order, and stop at the first step after
    /// which [`Run::stopped`] is set.
    pub fn begin_steps(&mut self, k: usize) -> Vec<PlannedStep> {
        if self.scaler.is_some() || self.fp8.is_some() {
            return Vec::new();
        }
        let (steps, optimizer_steps) = (self.steps, self.optimizer_steps);
        let mut planned = Vec::with_capacity(k);
        for i in 0..k as u64 {
            let Some(mut plan) = self.begin_step() else {
                break;
            };
            // Without a scaler no step is skipped, so step i updates the optimizer's i-th time.
            plan.step = steps + i;
            plan.optimizer_step = optimizer_steps + i + 1;
            planned.push(PlannedStep {
                plan,
                inputs: self.batch_inputs.clone(),
                classes: self.batch_classes.clone(),
                values: self.batch_values.clone(),
            });
        }
        planned
    }

    /// The CPU backend's passes for `plan` (the reference every other backend is tested against).
    fn cpu_passes(&mut self, plan: &StepPlan) -> PassOutcome {
        let batch = self.config.batch_size;
        cpu::forward(
            &self.mlp,
            &self.numerics,
            &self.scales,
            &self.batch_inputs,
            batch,
            &mut self.tape,
        );
        let targets = if self.data.kind().is_classification() {
            BatchTargets::Classes(&self.batch_classes)
        } else {
            BatchTargets::Values(&self.batch_values)
        };
        let loss = model::loss_gradient(
            self.config.loss,
            self.tape.logits(),
            targets,
            self.mlp.output_dim(),
            plan.grad_multiplier,
            &mut self.dlogits,
        );
        let mut outcome = PassOutcome {
            mean_loss: loss.mean_loss,
            correct: loss.correct,
            ..PassOutcome::default()
        };
        if !loss.mean_loss.is_finite() {
            return outcome;
        }
        cpu::backward(
            &self.mlp,
            &self.numerics,
            &self.scales,
            &mut self.tape,
            &self.dlogits,
            batch,
            plan.loss_scale,
            &mut self.grads,
            Some(&mut outcome.tensors),
        );
        // GradScaler.unscale_: check for Inf/NaN, multiply by the f32 inverse scale.
        if let Some(inv_scale) = plan.inv_scale {
            let mut found_inf = false;
            for g in &mut self.grads {
                for v in g.weights.iter_mut().chain(g.bias.iter_mut()) {
                    found_inf |= !v.is_finite();
                    *v *= inv_scale;
                }
            }
            outcome.skipped = found_inf;
        }
        if !outcome.skipped {
            for ((layer, grad), (w_state, b_state)) in self
                .mlp
                .layers
                .iter_mut()
                .zip(&self.grads)
                .zip(&mut self.optimizer_state)
            {
                let (o, s, t) = (&self.optimizer, self.storage, plan.optimizer_step);
                outcome.updates +=
                    optim::update(o, s, t, &mut layer.weights, &grad.weights, w_state);
                outcome.updates += optim::update(o, s, t, &mut layer.bias, &grad.bias, b_state);
            }
        }
        outcome.amax = Amax {
            input: self.tape.amax_input.clone(),
            weight: self.tape.amax_weight.clone(),
            grad: self.tape.amax_grad.clone(),
        };
        outcome.bad_layer = self
            .mlp
            .layers
            .iter()
            .position(|l| l.weights.iter().chain(&l.bias).any(|v| !v.is_finite()));
        outcome
    }

    /// Ends the step `plan` began with what its passes produced: the record, the optimizer's step
    /// count, the loss scaler's and fp8 scales' updates, and divergence.
    pub fn end_step(&mut self, plan: &StepPlan, outcome: PassOutcome) -> StepRecord {
        let accuracy = self
            .data
            .kind()
            .is_classification()
            .then(|| outcome.correct as f32 / self.config.batch_size as f32);
        let mut record = StepRecord {
            step: plan.step,
            loss: outcome.mean_loss as f32,
            accuracy,
            loss_scale: plan.loss_scale,
            skipped: false,
            updates_lost: 0.0,
            tensors: Vec::new(),
        };
        if !outcome.mean_loss.is_finite() {
            self.finish_step(&record, Some(Divergence::LossNotFinite));
            return record;
        }
        record.tensors = outcome.tensors;
        for t in &record.tensors {
            if let Some(b) = &t.blocks {
                self.block_totals.add(b);
            }
        }
        record.skipped = outcome.skipped;
        if !record.skipped {
            self.optimizer_steps += 1;
            let u = outcome.updates;
            record.updates_lost = if u.attempted == 0 {
                0.0
            } else {
                u.lost as f32 / u.attempted as f32
            };
        }
        if let Some(scaler) = &mut self.scaler {
            scaler.update(record.skipped);
        }
        if let Some(fp8) = &mut self.fp8 {
            let (m, e4, e5) = (
                fp8.config.margin,
                Precision::E4m3.max_finite(),
                Precision::E5m2.max_finite(),
            );
            let amax = &outcome.amax;
            for l in 0..self.mlp.layers.len() {
                let get = |v: &[f32]| v.get(l).copied().unwrap_or(0.0);
                fp8.input[l].record(get(&amax.input), e4, m);
                fp8.weight[l].record(get(&amax.weight), e4, m);
                fp8.grad[l].record(get(&amax.grad), e5, m);
                self.scales.input[l] = fp8.input[l].scale();
                self.scales.weight[l] = fp8.weight[l].scale();
                self.scales.grad[l] = fp8.grad[l].scale();
            }
        }
        self.finish_step(
            &record,
            outcome
                .bad_layer
                .map(|layer| Divergence::WeightsNotFinite { layer }),
        );
        record
    }

    /// Loss and accuracy over the whole dataset with the recipe's forward numerics (and the current
    /// fp8 scales), without touching the run's state.
    pub fn evaluate(&self) -> Eval {
        let mut tape = Tape::default();
        let n = self.data.len();
        cpu::forward(
            &self.mlp,
            &self.numerics,
            &self.scales,
            self.data.inputs(),
            n,
            &mut tape,
        );
        let targets = match self.data.targets() {
            Targets::Classes(c) => BatchTargets::Classes(c),
            Targets::Values(v) => BatchTargets::Values(v),
        };
        let mut dlogits = Vec::new();
        let outcome = model::loss_gradient(
            self.config.loss,
            tape.logits(),
            targets,
            self.mlp.output_dim(),
            1.0,
            &mut dlogits,
        );
        Eval {
            loss: outcome.mean_loss as f32,
            accuracy: self
                .data
                .kind()
                .is_classification()
                .then(|| outcome.correct as f32 / n as f32),
        }
    }

    /// Class-1 probabilities on a `resolution x resolution` grid over the data's bounds, with the
    /// recipe's forward numerics; `None` for regression or `resolution == 0`.
    pub fn decision_grid(&self, resolution: usize) -> Option<DecisionGrid> {
        if !self.data.kind().is_classification() || resolution == 0 {
            return None;
        }
        let (x_range, y_range) = self.data.bounds();
        let centre = |range: [f32; 2], i: usize| {
            range[0] + (range[1] - range[0]) * ((i as f32 + 0.5) / resolution as f32)
        };
        let mut inputs = Vec::with_capacity(resolution * resolution * 2);
        for row in 0..resolution {
            for col in 0..resolution {
                inputs.extend([centre(x_range, col), centre(y_range, row)]);
            }
        }
        let logits = self.forward(&inputs, resolution * resolution);
        let probabilities = logits
            .chunks(2)
            .map(|z| {
                // p1 = 1 / (1 + e^(z0 - z1)), the two-class softmax.
                (1.0 / (1.0 + crate::base::detmath::exp(f64::from(z[0]) - f64::from(z[1])))) as f32
            })
            .collect();
        Some(DecisionGrid {
            resolution,
            x_range,
            y_range,
            probabilities,
        })
    }

    /// The network's prediction at `points` evenly spaced x over the data's range, as (x, y) pairs;
    /// `None` for classification or `points < 2`.
    pub fn prediction_curve(&self, points: usize) -> Option<Vec<[f32; 2]>> {
        if self.data.kind().is_classification() || points < 2 {
            return None;
        }
        let ([low, high], _) = self.data.bounds();
        let xs: Vec<f32> = (0..points)
            .map(|i| low + (high - low) * (i as f32 / (points - 1) as f32))
            .collect();
        let ys = self.forward(&xs, points);
        Some(xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect())
    }

    /// The configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The training data.
    pub fn data(&self) -> &Data {
        &self.data
    }

    /// The network as stored (fp32 master weights, or fp16 values for pure fp16).
    pub fn model(&self) -> &Mlp {
        &self.mlp
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Why the run stopped, if it has.
    pub fn stopped(&self) -> Option<Stopped> {
        self.stopped
    }

    /// Whether `step` would do anything.
    pub fn is_running(&self) -> bool {
        self.stopped.is_none()
    }

    /// The loss scale the next step will use (1 without dynamic loss scaling).
    pub fn loss_scale(&self) -> f32 {
        self.scaler.as_ref().map_or(1.0, GradScaler::scale)
    }

    /// The run's state to go back to with [`Run::rewind`].
    pub fn checkpoint(&mut self) -> Checkpoint {
        let history = std::mem::take(&mut self.history);
        let copy = self.clone();
        self.history = history;
        Checkpoint(copy)
    }

    /// Goes back to `checkpoint`: its state, and this run's history cut back to the checkpoint's
    /// step.
    pub fn rewind(&mut self, checkpoint: &Checkpoint) {
        let mut history = std::mem::take(&mut self.history);
        history.truncate(checkpoint.0.steps as usize);
        *self = checkpoint.0.clone();
        self.history = history;
    }

    /// The seed of step `step`'s stochastic rounding: from the run's seed and the step alone, so
    /// slicing changes nothing and another backend can derive it for any step it was handed.
    pub(crate) fn step_seed(&self, step: u64) -> u64 {
        crate::base::rng::mix(self.config.seed ^ crate::base::rng::mix(step))
    }

    /// Block recipes: the block counts of every step so far, summed (zero otherwise).
    pub fn block_totals(&self) -> &BlockStats {
        &self.block_totals
    }

    /// The scalar record of every step so far.
    pub fn history(&self) -> &[StepSummary] {
        &self.history
    }

    fn forward(&self, inputs: &[f32], rows: usize) -> Vec<f32> {
        let mut tape = Tape::default();
        cpu::forward(
            &self.mlp,
            &self.numerics,
            &self.scales,
            inputs,
            rows,
            &mut tape,
        );
        tape.logits().to_vec()
    }

    /// The batch [`Run::begin_step`] drew: inputs (row-major), and the class labels or regression
    /// targets (whichever the dataset has; the other is empty).
    pub fn batch(&self) -> (&[f32], &[u8], &[f32]) {
        (&self.batch_inputs, &self.batch_classes, &self.batch_values)
    }

    /// Where the recipe rounds (for another backend).
    pub(crate) fn numerics(&self) -> &Numerics {
        &self.numerics
    }

    /// The optimizer with the "make it hard" compensation applied, as the update uses it.
    pub fn effective_optimizer(&self) -> Optimizer {
        self.optimizer
    }

    /// The format the parameters and optimizer state are stored in.
    pub fn storage(&self) -> Precision {
        self.storage
    }

    /// Optimizer steps taken (skipped steps excluded).
    pub fn optimizer_steps(&self) -> u64 {
        self.optimizer_steps
    }

    /// Whether the recipe has a dynamic loss scaler (whose unscale checks for Inf/NaN).
    pub fn has_scaler(&self) -> bool {
        self.scaler.is_some()
    }

    /// The current fp8 scales (all 1 without fp8).
    pub(crate) fn fp8_scales(&self) -> &Fp8Scales {
        &self.scales
    }

    /// The optimizer state per layer (weights, bias), for a backend that keeps it elsewhere.
    pub(crate) fn optimizer_state(&self) -> &[(ParamState, ParamState)] {
        &self.optimizer_state
    }

    /// The network, for a backend that keeps the parameters elsewhere and writes them back.
    pub(crate) fn parts_mut(&mut self) -> (&mut Mlp, &mut [(ParamState, ParamState)]) {
        (&mut self.mlp, &mut self.optimizer_state)
    }

    fn finish_step(&mut self, record: &StepRecord, divergence: Option<Divergence>) {
        let (flushed, count) = record.tensors.iter().fold((0u64, 0u64), |(f, c), t| {
            (f + u64::from(t.stats.flushed), c + u64::from(t.stats.count))
        });
        self.history.push(StepSummary {
            step: record.step,
            loss: record.loss,
            accuracy: record.accuracy,
            loss_scale: record.loss_scale,
            skipped: record.skipped,
            updates_lost: record.updates_lost,
            flushed: if count == 0 {
                0.0
            } else {
                (flushed as f64 / count as f64) as f32
            },
        });
        self.steps = record.step + 1;
        if let Some(reason) = divergence {
            self.stopped = Some(Stopped::Diverged {
                step: record.step,
                reason,
            });
        } else if self.config.max_steps.is_some_and(|max| self.steps >= max) {
            self.stopped = Some(Stopped::Finished { steps: self.steps });
        }
    }

    /// Fills the batch buffers with the next `batch_size` points of the shuffled order, reshuffling at
    /// the end of an epoch (a partial tail is skipped, like `drop_last=True`).
    fn next_batch(&mut self) {
        let batch = self.config.batch_size;
        if self.cursor + batch > self.order.len() {
            shuffle(&mut self.order, &mut self.batch_rng);
            self.cursor = 0;
        }
        let dim = self.data.kind().input_dim();
        let outputs = self.data.kind().output_dim();
        self.batch_inputs.clear();
        self.batch_classes.clear();
        self.batch_values.clear();
        for &i in &self.order[self.cursor..self.cursor + batch] {
            self.batch_inputs
                .extend_from_slice(&self.data.inputs()[i * dim..(i + 1) * dim]);
            match self.data.targets() {
                Targets::Classes(c) => self.batch_classes.push(c[i]),
                Targets::Values(v) => self
                    .batch_values
                    .extend_from_slice(&v[i * outputs..(i + 1) * outputs]),
            }
        }
        self.cursor += batch;
    }
}

/// Fisher-Yates shuffle with the run's generator.
fn shuffle(order: &mut [usize], rng: &mut SplitMix64) {
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
}
