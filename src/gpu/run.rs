//! One run's network on the GPU, and a session of runs stepped there.
//!
//! A [`GpuLane`] holds one run's device state (parameters, optimizer state, the step's scalars and
//! a summary buffer) and the command list of one step, recorded once (`super::record`: the same
//! rounding points, GEMMs and statistics as `train::cpu`, in the same order). Each step uploads the
//! batch and the scalars [`Run::begin_step`] fixed, submits, and reads back only the summary (flags,
//! update counts, amax, per-tensor statistics, the rows' losses); [`Run::end_step`] then makes every
//! decision (loss scale, fp8 scales, divergence) exactly as for the CPU backend. Parameters come back
//! to the `Run` only at [`GpuLane::sync`] (after each slice), so the view's decision grid, the
//! evaluation and a fallback to the CPU all read an up-to-date network.

use wgpu::util::DeviceExt;

use super::kernels;
use super::layout::*;
use super::record::{self, LayerBuffers, Op, StepBuffers};
use super::{bytes_as_words, GpuContext, GpuError};
use crate::train::block::{gradient_seed, BlockRecipe, BlockStats, GradientCopy};
use crate::train::cpu::Gemm;
use crate::train::stats::{Log2Histogram, TensorKind, TensorRecord, TensorStats, HIST_BINS};
use crate::train::{
    Amax, Checkpoint, Optimizer, PassOutcome, Precision, Run, StepPlan, StepRecord, UpdateOutcome,
};

/// One run's network and step on the GPU.
pub struct GpuLane {
    layers: Vec<LayerBuffers>,
    batch: usize,
    input: wgpu::Buffer,
    classes: wgpu::Buffer,
    values: wgpu::Buffer,
    step: wgpu::Buffer,
    summary: wgpu::Buffer,
    row_loss: wgpu::Buffer,
    staging: wgpu::Buffer,
    params_staging: wgpu::Buffer,
    ops: Vec<Op>,
    fp8: bool,
    /// The fp8 scales come from this step's amaxes (`fp8-current`).
    current: bool,
    block: Option<BlockRecipe>,
    grad_format: Precision,
    adam: bool,
    sizes: Sizes,
    /// The buffers for several steps to a submission, made on first use.
    many: Option<Batched>,
}

/// Most steps one submission runs (`GpuLane::step_n`).
pub const MAX_BATCHED: usize = 32;

/// A run's per-step sizes.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    batch: usize,
    inputs: usize,
    outputs: usize,
    summary_words: usize,
}

impl Sizes {
    /// Words one step's readback takes: the summary and the rows' losses.
    fn slot_words(&self) -> usize {
        self.summary_words + self.batch
    }
}

/// Room for [`MAX_BATCHED`] steps' batches, scalars and readbacks.
struct Batched {
    inputs: wgpu::Buffer,
    classes: wgpu::Buffer,
    values: wgpu::Buffer,
    scalars: wgpu::Buffer,
    staging: wgpu::Buffer,
}

impl Batched {
    fn new(device: &wgpu::Device, sizes: &Sizes) -> Batched {
        let n = MAX_BATCHED;
        Batched {
            inputs: kernels::storage(device, "batched inputs", n * sizes.batch * sizes.inputs),
            classes: kernels::storage(device, "batched classes", n * sizes.batch),
            values: kernels::storage(device, "batched values", n * sizes.batch * sizes.outputs),
            scalars: kernels::storage(device, "batched scalars", n * STEP_WORDS),
            staging: kernels::staging(device, "batched readback", n * sizes.slot_words()),
        }
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Uploads `run`'s parameters and optimizer state (the state as the run has it: empty before its
/// first update, zeros).
fn upload_layers(device: &wgpu::Device, run: &Run) -> Vec<LayerBuffers> {
    let upload = |label: &str, data: &[f32]| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(if data.is_empty() { &[0.0f32] } else { data }),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        })
    };
    let state = |label: &str, values: &[f32], len: usize| {
        if values.len() == len {
            upload(label, values)
        } else {
            kernels::storage(device, label, len)
        }
    };
    let layers = run.model().layers().iter().zip(run.optimizer_state());
    layers
        .map(|(layer, (w_state, b_state))| {
            let (n_in, n_out) = (layer.inputs(), layer.outputs());
            LayerBuffers {
                n_in,
                n_out,
                weights: upload("weights", &layer.weights),
                bias: upload("bias", &layer.bias),
                state: [
                    state("weight state 1", &w_state.first, n_in * n_out),
                    state("weight state 2", &w_state.second, n_in * n_out),
                    state("bias state 1", &b_state.first, n_out),
                    state("bias state 2", &b_state.second, n_out),
                ],
            }
        })
        .collect()
}

impl GpuLane {
    /// Uploads `run`'s network and optimizer state and records its step: a run can move to the GPU
    /// at any step (the CPU backend keeps its whole state in the `Run`).
    pub fn new(context: &GpuContext, run: &Run) -> Result<GpuLane, GpuError> {
        let device = &context.device;
        let mlp = run.model();
        let n_layers = mlp.layers().len();
        if n_layers > MAX_LAYERS {
            return Err(GpuError(format!(
                "{n_layers} layers; the GPU backend handles at most {MAX_LAYERS}"
            )));
        }
        let batch = run.config().batch_size;
        let layers = upload_layers(device, run);
        let (in_dim, outputs) = (mlp.layers()[0].inputs(), mlp.output_dim());
        let buffer = |label: &str, len: usize| kernels::storage(device, label, len);
        let summary_words = block_base(n_layers, n_layers);
        let param_words: usize = layers
            .iter()
            .map(|l| 3 * (l.n_in * l.n_out + l.n_out))
            .sum();
        let (input, classes, values, step, summary, row_loss) = (
            buffer("batch inputs", batch * in_dim),
            buffer("batch classes", batch),
            buffer("batch values", batch * outputs),
            buffer("step scalars", STEP_WORDS),
            buffer("summary", summary_words),
            buffer("row losses", batch),
        );
        let io = StepBuffers {
            input: &input,
            classes: &classes,
            values: &values,
            step: &step,
            summary: &summary,
            row_loss: &row_loss,
        };
        let ops = record::record_step(context, run, &layers, &io);
        let numerics = run.numerics();
        Ok(GpuLane {
            layers,
            batch,
            input,
            classes,
            values,
            step,
            summary,
            row_loss,
            staging: kernels::staging(device, "summary readback", summary_words + batch),
            params_staging: kernels::staging(device, "parameter readback", param_words),
            ops,
            fp8: matches!(numerics.gemm, Gemm::Fp8 | Gemm::Fp8Current),
            current: numerics.gemm == Gemm::Fp8Current,
            block: match numerics.gemm {
                Gemm::Block(recipe) => Some(recipe),
                _ => None,
            },
            grad_format: numerics.grad,
            adam: matches!(run.effective_optimizer(), Optimizer::Adam { .. }),
            sizes: Sizes {
                batch,
                inputs: in_dim,
                outputs,
                summary_words,
            },
            many: None,
        })
    }

    /// Runs one step of `run` on the GPU; `Ok(None)` if the run has stopped.
    pub async fn step(
        &mut self,
        context: &GpuContext,
        run: &mut Run,
    ) -> Result<Option<StepRecord>, GpuError> {
        let Some(plan) = run.begin_step() else {
            return Ok(None);
        };
        let queue = &context.queue;
        let (inputs, classes, values) = run.batch();
        queue.write_buffer(&self.input, 0, bytemuck::cast_slice(inputs));
        if !classes.is_empty() {
            let labels: Vec<u32> = classes.iter().map(|&c| u32::from(c)).collect();
            queue.write_buffer(&self.classes, 0, bytemuck::cast_slice(&labels));
        }
        if !values.is_empty() {
            queue.write_buffer(&self.values, 0, bytemuck::cast_slice(values));
        }
        queue.write_buffer(
            &self.step,
            0,
            bytemuck::cast_slice(&step_scalars(run, &plan)),
        );
        let mut encoder = context.device.create_command_encoder(&Default::default());
        self.encode_step(context, &mut encoder, &self.staging, 0);
        queue.submit([encoder.finish()]);
        let words = bytes_as_words(&context.read(&self.staging).await?);
        let outcome = self.outcome(run, &plan, &words);
        Ok(Some(run.end_step(&plan, outcome)))
    }

    /// Records one step into `encoder` (the batch and scalars already in place): clears the
    /// summary, runs the command list, and copies the summary and the rows' losses into `staging`
    /// at byte `offset`.
    fn encode_step(
        &self,
        context: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        staging: &wgpu::Buffer,
        offset: u64,
    ) {
        encoder.clear_buffer(&self.summary, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for op in &self.ops {
                pass.set_pipeline((op.kernel)(&context.kernels));
                pass.set_bind_group(0, &op.group, &[]);
                pass.dispatch_workgroups(op.workgroups.0, op.workgroups.1, 1);
            }
        }
        let summary_bytes = self.summary.size();
        encoder.copy_buffer_to_buffer(&self.summary, 0, staging, offset, Some(summary_bytes));
        encoder.copy_buffer_to_buffer(
            &self.row_loss,
            0,
            staging,
            offset + summary_bytes,
            Some(4 * self.batch as u64),
        );
    }

    /// Runs up to `k` steps; stops early when the run stops. Recipes whose steps do not depend on
    /// the previous step's outcome (no loss scaler, no fp8 scaling) go [`MAX_BATCHED`] steps to a
    /// submission and one readback; the others one step at a time.
    pub async fn step_n(
        &mut self,
        context: &GpuContext,
        run: &mut Run,
        k: u32,
    ) -> Result<Vec<StepRecord>, GpuError> {
        let mut records = Vec::new();
        while records.len() < k as usize {
            let left = k as usize - records.len();
            let before = records.len();
            if left > 1 {
                self.steps_together(context, run, left.min(MAX_BATCHED), &mut records)
                    .await?;
            }
            if records.len() == before {
                match self.step(context, run).await? {
                    Some(r) => records.push(r),
                    None => break,
                }
            }
            if run.stopped().is_some() {
                break;
            }
        }
        Ok(records)
    }

    /// Up to `k` steps in one submission (`Run::begin_steps`): each step's batch and scalars are
    /// copied into place from one upload, and each step's summary out to its own slot of one
    /// readback. Appends the records; appends nothing when the recipe cannot run this way.
    async fn steps_together(
        &mut self,
        context: &GpuContext,
        run: &mut Run,
        k: usize,
        records: &mut Vec<StepRecord>,
    ) -> Result<(), GpuError> {
        let planned = run.begin_steps(k);
        if planned.is_empty() {
            return Ok(());
        }
        let device = &context.device;
        if self.many.is_none() {
            self.many = Some(Batched::new(device, &self.sizes));
        }
        let Some(many) = self.many.as_ref() else {
            return Ok(());
        };
        let sizes = &self.sizes;
        let (mut inputs, mut classes, mut values, mut scalars) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for p in &planned {
            inputs.extend_from_slice(&p.inputs);
            classes.extend(p.classes.iter().map(|&c| u32::from(c)));
            values.extend_from_slice(&p.values);
            scalars.extend_from_slice(&step_scalars(run, &p.plan));
        }
        let queue = &context.queue;
        queue.write_buffer(&many.inputs, 0, bytemuck::cast_slice(&inputs));
        if !classes.is_empty() {
            queue.write_buffer(&many.classes, 0, bytemuck::cast_slice(&classes));
        }
        if !values.is_empty() {
            queue.write_buffer(&many.values, 0, bytemuck::cast_slice(&values));
        }
        queue.write_buffer(&many.scalars, 0, bytemuck::cast_slice(&scalars));
        let mut encoder = device.create_command_encoder(&Default::default());
        let slot = 4 * sizes.slot_words() as u64;
        for i in 0..planned.len() as u64 {
            let copy = |encoder: &mut wgpu::CommandEncoder,
                        from: &wgpu::Buffer,
                        to: &wgpu::Buffer,
                        words: usize| {
                let bytes = 4 * words as u64;
                encoder.copy_buffer_to_buffer(from, i * bytes, to, 0, Some(bytes));
            };
            copy(
                &mut encoder,
                &many.inputs,
                &self.input,
                sizes.batch * sizes.inputs,
            );
            if !planned[0].classes.is_empty() {
                copy(&mut encoder, &many.classes, &self.classes, sizes.batch);
            }
            if !planned[0].values.is_empty() {
                copy(
                    &mut encoder,
                    &many.values,
                    &self.values,
                    sizes.batch * sizes.outputs,
                );
            }
            copy(&mut encoder, &many.scalars, &self.step, STEP_WORDS);
            self.encode_step(context, &mut encoder, &many.staging, i * slot);
        }
        queue.submit([encoder.finish()]);
        let words = bytes_as_words(&context.read(&many.staging).await?);
        let slot_words = sizes.slot_words();
        for (i, p) in planned.iter().enumerate() {
            let outcome = self.outcome(run, &p.plan, &words[i * slot_words..(i + 1) * slot_words]);
            records.push(run.end_step(&p.plan, outcome));
            if run.stopped().is_some() {
                break;
            }
        }
        Ok(())
    }

    /// Turns a step's summary into what `Run::end_step` expects.
    fn outcome(&self, run: &Run, plan: &StepPlan, words: &[u32]) -> PassOutcome {
        let n_layers = self.layers.len();
        let summary_words = self.sizes.summary_words;
        let mean_loss = words[summary_words..summary_words + self.batch]
            .iter()
            .map(|&w| f64::from(f32::from_bits(w)))
            .sum::<f64>()
            / self.batch as f64;
        let correct = words[SUM_CORRECT] as usize;
        if !mean_loss.is_finite() {
            return PassOutcome {
                mean_loss,
                correct,
                ..PassOutcome::default()
            };
        }
        let scales = run.fp8_scales();
        let mut tensors = Vec::with_capacity(2 * n_layers);
        for r in 0..2 * n_layers {
            let l = n_layers - 1 - r / 2;
            let layer = &self.layers[l];
            let output_grad = r % 2 == 0;
            let block = self.block_record(words, l, output_grad);
            let (kind, format, scale, count) = if output_grad {
                let (format, scale) = if let Some((format, scale, _)) = block {
                    (format, scale)
                } else if self.current {
                    let amax = f32::from_bits(words[SUM_AMAX + 3 * l + 2]);
                    let fp8_max = Precision::E5m2.max_finite();
                    (
                        Precision::E5m2,
                        crate::train::block::current_scale(amax, fp8_max),
                    )
                } else if self.fp8 {
                    (Precision::E5m2, scales.grad[l])
                } else {
                    (self.grad_format, plan.loss_scale)
                };
                (
                    TensorKind::OutputGrad { layer: l },
                    format,
                    scale,
                    self.batch * layer.n_out,
                )
            } else {
                let scale = if self.fp8 || self.block.is_some() {
                    1.0
                } else {
                    plan.loss_scale
                };
                (
                    TensorKind::WeightGrad { layer: l },
                    self.grad_format,
                    scale,
                    layer.n_in * layer.n_out,
                )
            };
            let base = STAT_BASE + r * STAT_WORDS;
            let s = &words[base..base + STAT_WORDS];
            let hist = &s[5..];
            let mut bins = [0u32; HIST_BINS];
            bins.copy_from_slice(&hist[..HIST_BINS]);
            tensors.push(TensorRecord {
                kind,
                format,
                scale,
                stats: TensorStats {
                    count: len_u32(count),
                    zeros: s[0],
                    flushed: s[1],
                    subnormal: s[2],
                    overflowed: s[3],
                    non_finite: s[4],
                    histogram: Log2Histogram {
                        bins,
                        zero: hist[HIST_BINS],
                        below: hist[HIST_BINS + 1],
                        above: hist[HIST_BINS + 2],
                        non_finite: hist[HIST_BINS + 3],
                    },
                },
                blocks: block.and_then(|b| b.2),
            });
        }
        let amax_of = |k: usize| -> Vec<f32> {
            (0..n_layers)
                .map(|l| f32::from_bits(words[SUM_AMAX + 3 * l + k]))
                .collect()
        };
        let bad = words[SUM_BAD_LAYERS];
        PassOutcome {
            mean_loss,
            correct,
            tensors,
            skipped: words[SUM_FLAGS] & FLAG_INF_GRAD != 0,
            updates: UpdateOutcome {
                attempted: words[SUM_ATTEMPTED],
                lost: words[SUM_LOST],
            },
            amax: Amax {
                input: amax_of(0),
                weight: amax_of(1),
                grad: amax_of(2),
            },
            bad_layer: (bad != 0).then(|| bad.trailing_zeros() as usize),
        }
    }

    /// Copies the parameters and optimizer state back into `run`, so that its model, its
    /// evaluation and a CPU continuation see the GPU's numbers.
    pub async fn sync(&self, context: &GpuContext, run: &mut Run) -> Result<(), GpuError> {
        let mut encoder = context.device.create_command_encoder(&Default::default());
        let mut offset = 0u64;
        for layer in &self.layers {
            let (nw, nb) = (layer.n_in * layer.n_out, layer.n_out);
            let mut parts = vec![
                (&layer.weights, nw),
                (&layer.bias, nb),
                (&layer.state[0], nw),
                (&layer.state[2], nb),
            ];
            if self.adam {
                parts.extend([(&layer.state[1], nw), (&layer.state[3], nb)]);
            }
            for (buffer, len) in parts {
                let bytes = 4 * len as u64;
                encoder.copy_buffer_to_buffer(buffer, 0, &self.params_staging, offset, Some(bytes));
                offset += bytes;
            }
        }
        context.queue.submit([encoder.finish()]);
        let words = bytes_as_words(&context.read(&self.params_staging).await?);
        let mut floats = words.into_iter().map(f32::from_bits);
        let updated = run.optimizer_steps() > 0;
        let adam = self.adam;
        let (mlp, states) = run.parts_mut();
        for ((layer, buffers), (w_state, b_state)) in mlp
            .layers_mut()
            .iter_mut()
            .zip(&self.layers)
            .zip(states.iter_mut())
        {
            let (nw, nb) = (buffers.n_in * buffers.n_out, buffers.n_out);
            let mut take = |n: usize| -> Vec<f32> { floats.by_ref().take(n).collect() };
            layer.weights = take(nw);
            layer.bias = take(nb);
            let (w1, b1) = (take(nw), take(nb));
            let (w2, b2) = if adam {
                (take(nw), take(nb))
            } else {
                (Vec::new(), Vec::new())
            };
            if updated {
                (w_state.first, w_state.second) = (w1, w2);
                (b_state.first, b_state.second) = (b1, b2);
            }
        }
        Ok(())
    }
}

/// The step's scalars, in `common.wgsl`'s STEP_* slots.
fn step_scalars(run: &Run, plan: &StepPlan) -> [f32; STEP_WORDS] {
    let mut s = [0.0f32; STEP_WORDS];
    s[STEP_LOSS_SCALE] = plan.loss_scale;
    s[STEP_INV_SCALE] = plan.inv_scale.unwrap_or(1.0);
    s[STEP_GRAD_COEF] = plan.grad_coefficient;
    match run.effective_optimizer() {
        Optimizer::Sgd { lr, momentum } => {
            s[STEP_LR_NEG] = -lr;
            s[STEP_MOMENTUM] = momentum;
            // PyTorch's momentum buffer starts as the first gradient.
            s[STEP_FIRST] = if plan.optimizer_step == 1 { 1.0 } else { 0.0 };
        }
        Optimizer::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => {
            let a = crate::train::optim::AdamScalars::new(lr, beta1, beta2, plan.optimizer_step);
            s[STEP_SIZE_NEG] = -a.step_size;
            s[STEP_BC2_SQRT] = a.bias_correction2_sqrt;
            s[STEP_ONE_MINUS_BETA1] = a.one_minus_beta1;
            s[STEP_ONE_MINUS_BETA2] = a.one_minus_beta2;
            s[STEP_BETA2] = beta2;
            s[STEP_EPS] = eps;
        }
    }
    let scales = run.fp8_scales();
    for l in 0..scales.input.len().min(MAX_LAYERS) {
        s[STEP_SCALES + 3 * l] = scales.input[l];
        s[STEP_SCALES + 3 * l + 1] = scales.weight[l];
        s[STEP_SCALES + 3 * l + 2] = scales.grad[l];
        // Block recipes: the seeds of the layer's gradient along its rows and down its columns,
        // as the CPU derives them, in 16-bit parts; NVFP4's tensor scales start at 1.
        let step_seed = run.step_seed(plan.step);
        for (i, copy) in [GradientCopy::Rows, GradientCopy::Columns]
            .into_iter()
            .enumerate()
        {
            let seed = gradient_seed(step_seed, l, copy);
            for part in 0..4 {
                s[STEP_SEEDS + 8 * l + 4 * i + part] = ((seed >> (16 * part)) & 0xffff) as f32;
            }
        }
        for operand in 0..6 {
            s[STEP_ENC + 6 * l + operand] = 1.0;
        }
    }
    s
}

impl GpuLane {
    /// Under a block recipe, the output gradient's record of layer `l` (`output_grad`): its format
    /// and scale as the CPU reports them, and its block counts from the summary (`None` for a
    /// layer kept in bf16). `None` for other recipes and for weight gradients.
    fn block_record(
        &self,
        words: &[u32],
        l: usize,
        output_grad: bool,
    ) -> Option<(Precision, f32, Option<BlockStats>)> {
        let recipe = self.block?;
        if !output_grad {
            return None;
        }
        let n_layers = self.layers.len();
        if recipe.keeps_in_bf16(l, n_layers) {
            return Some((Precision::Bf16, 1.0, None));
        }
        let w = &words[block_base(n_layers, l)..block_base(n_layers, l + 1)];
        let sum = |k: usize| f64::from(f32::from_bits(w[k]));
        let format = recipe.element_format();
        // The CPU reports 1 / decode, with decode = 1 / S_enc (1 for MXFP8).
        let encode = f32::from_bits(w[BLOCK_ENCODE]);
        let stats = BlockStats {
            blocks: w[BLOCK_COUNT],
            saturated: w[BLOCK_SATURATED],
            underflowed: w[BLOCK_UNDERFLOWED],
            flushed: w[BLOCK_FLUSHED],
            values: len_u32(self.batch * self.layers[l].n_out),
            nonzero: w[BLOCK_NONZERO],
            error_sq: sum(BLOCK_ERROR_SQ),
            value_sq: sum(BLOCK_VALUE_SQ),
            read_abs: sum(BLOCK_READ_ABS),
            value_abs: sum(BLOCK_VALUE_ABS),
            transposed_error_sq: sum(BLOCK_T_ERROR_SQ),
            transposed_value_sq: sum(BLOCK_T_VALUE_SQ),
        };
        Some((format, 1.0 / (1.0 / encode), Some(stats)))
    }
}

/// A set of runs on the GPU (the Trainer view's, in its order), with a checkpoint of each run as
/// of its last sync to fall back to. The runs stay their owner's: each call lends them.
pub struct GpuSession {
    lanes: Vec<GpuLane>,
    /// Each run's checkpoint after the last completed slice.
    synced: Vec<Checkpoint>,
}

impl GpuSession {
    /// Uploads every run.
    pub fn new(context: &GpuContext, runs: &mut [&mut Run]) -> Result<GpuSession, GpuError> {
        let lanes = runs
            .iter()
            .map(|run| GpuLane::new(context, run))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GpuSession {
            lanes,
            synced: runs.iter_mut().map(|run| run.checkpoint()).collect(),
        })
    }

    /// Advances every run still going by up to `steps` on the GPU, then syncs parameters back;
    /// returns the steps taken in all and each run's last record of the slice. On an error the
    /// runs are left mid-slice: call [`GpuSession::restore`] to continue on the CPU.
    pub async fn slice(
        &mut self,
        context: &GpuContext,
        runs: &mut [&mut Run],
        steps: u32,
    ) -> Result<(u64, Vec<Option<StepRecord>>), GpuError> {
        let mut taken = 0;
        let mut last = Vec::with_capacity(runs.len());
        for (gpu, run) in self.lanes.iter_mut().zip(runs.iter_mut()) {
            let mut records = gpu.step_n(context, run, steps).await?;
            taken += records.len() as u64;
            last.push(records.pop());
        }
        for (gpu, run) in self.lanes.iter().zip(runs.iter_mut()) {
            gpu.sync(context, run).await?;
        }
        self.synced = runs.iter_mut().map(|run| run.checkpoint()).collect();
        Ok((taken, last))
    }

    /// Puts every run back to its state at the last completed slice (parameters, optimizer state,
    /// history), for the CPU to continue from.
    pub fn restore(&self, runs: &mut [&mut Run]) {
        for (run, checkpoint) in runs.iter_mut().zip(&self.synced) {
            run.rewind(checkpoint);
        }
    }
}
