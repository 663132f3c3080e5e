//! One run's network on the GPU, and a session of runs stepped there.
//!
//! A [`GpuLane`] holds one run's device state (parameters, optimizer state, the tape, gradients, the
//! step's scalars and a summary buffer) and the command list of one step, recorded once: the same
//! rounding points, GEMMs and statistics as `train::cpu`, in the same order. Each step uploads the
//! batch and the scalars [`Run::begin_step`] fixed, submits, and reads back only the summary (flags,
//! update counts, amax, per-tensor statistics, the rows' losses); [`Run::end_step`] then makes every
//! decision (loss scale, fp8 scales, divergence) exactly as for the CPU backend. Parameters come back
//! to the `Run` only at [`GpuLane::sync`] (after each slice), so the view's decision grid, the
//! evaluation and a fallback to the CPU all read an up-to-date network.

use wgpu::util::DeviceExt;

use super::kernels::{self, format_code, Kernels, Params};
use super::{bytes_as_words, GpuContext, GpuError};
use crate::train::cpu::Gemm;
use crate::train::stats::{Log2Histogram, TensorKind, TensorRecord, TensorStats, HIST_BINS};
use crate::train::{
    Activation, Amax, Loss, Optimizer, PassOutcome, Precision, Run, StepPlan, StepRecord,
    UpdateOutcome,
};

/// Layers the summary has room for (`common.wgsl`'s MAX_LAYERS: 4 hidden + the output layer).
pub const MAX_LAYERS: usize = 5;
/// The per-step scalars' slots (`common.wgsl`'s STEP_* constants; a test checks they agree).
pub const STEP_LOSS_SCALE: usize = 0;
pub const STEP_INV_SCALE: usize = 1;
pub const STEP_GRAD_COEF: usize = 2;
pub const STEP_LR_NEG: usize = 3;
pub const STEP_MOMENTUM: usize = 4;
pub const STEP_FIRST: usize = 5;
pub const STEP_SIZE_NEG: usize = 6;
pub const STEP_BC2_SQRT: usize = 7;
pub const STEP_ONE_MINUS_BETA1: usize = 8;
pub const STEP_ONE_MINUS_BETA2: usize = 9;
pub const STEP_BETA2: usize = 10;
pub const STEP_EPS: usize = 11;
/// fp8 scales: `STEP_SCALES + 3 * layer + (0 input, 1 weight, 2 output gradient)`.
pub const STEP_SCALES: usize = 16;
/// Words of the per-step scalars buffer.
const STEP_WORDS: usize = STEP_SCALES + 3 * MAX_LAYERS;
/// Summary layout (`common.wgsl`'s SUM_* and STAT_* constants; a test checks they agree).
pub const SUM_FLAGS: usize = 0;
pub const SUM_BAD_LAYERS: usize = 1;
pub const SUM_ATTEMPTED: usize = 2;
pub const SUM_LOST: usize = 3;
pub const SUM_CORRECT: usize = 4;
pub const SUM_AMAX: usize = 5;
pub const STAT_BASE: usize = SUM_AMAX + 3 * MAX_LAYERS;
pub const STAT_WORDS: usize = 5 + HIST_BINS + 4;
const FLAG_INF_GRAD: u32 = 2;

/// One dispatch of a step's command list.
struct Op {
    kernel: fn(&Kernels) -> &wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    workgroups: (u32, u32),
}

/// A dense layer's buffers.
struct LayerBuffers {
    n_in: usize,
    n_out: usize,
    weights: wgpu::Buffer,
    bias: wgpu::Buffer,
    /// Optimizer state: momentum or first moment, and second moment, for weights and bias.
    state: [wgpu::Buffer; 4],
}

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

fn activation_code(a: Activation) -> u32 {
    match a {
        Activation::Relu => 0,
        Activation::Tanh => 1,
        Activation::Gelu => 2,
    }
}

/// Builds a step's command list.
struct Recorder<'a> {
    context: &'a GpuContext,
    ops: Vec<Op>,
}

impl Recorder<'_> {
    fn push(
        &mut self,
        kernel: fn(&Kernels) -> &wgpu::ComputePipeline,
        params: Params,
        buffers: &[(u32, &wgpu::Buffer)],
        workgroups: (u32, u32),
    ) {
        let device = &self.context.device;
        let uniform = kernels::params_buffer(device, params);
        let mut entries = vec![(0, &uniform)];
        entries.extend_from_slice(buffers);
        let group = self
            .context
            .kernels
            .bind(device, kernel(&self.context.kernels), &entries);
        self.ops.push(Op {
            kernel,
            group,
            workgroups,
        });
    }

    /// The statistics kernel over `params.n` values.
    fn stats(&mut self, params: Params, buffers: &[(u32, &wgpu::Buffer)]) {
        let groups = self.context.kernels.stats_workgroups(params.n);
        self.push(|k| &k.stats, params, buffers, (groups, 1));
    }

    /// An elementwise kernel over `n` values.
    fn each(
        &mut self,
        kernel: fn(&Kernels) -> &wgpu::ComputePipeline,
        params: Params,
        buffers: &[(u32, &wgpu::Buffer)],
    ) {
        let n = if params.n == 0 { params.cols } else { params.n };
        self.push(kernel, params, buffers, (n.div_ceil(64).max(1), 1));
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
        let config = run.config();
        let batch = config.batch_size;
        let numerics = *run.numerics();
        let fp8 = numerics.gemm == Gemm::Fp8;
        let (act, grad, weight) = (
            format_code(numerics.act),
            format_code(numerics.grad),
            format_code(numerics.weight),
        );
        let e4m3 = format_code(Precision::E4m3);
        let e5m2 = format_code(Precision::E5m2);
        let storage_fmt = format_code(run.storage());
        let activation = activation_code(mlp.activation());
        let classification = run.data().kind().is_classification();
        let loss_mode = match (config.loss, classification) {
            (Loss::CrossEntropy, _) => 0,
            (Loss::Mse, true) => 1,
            (Loss::Mse, false) => 2,
        };
        let adam = matches!(run.effective_optimizer(), Optimizer::Adam { .. });
        let has_scaler = run.has_scaler();

        let buffer = |label: &str, len: usize| kernels::storage(device, label, len);
        let upload = |label: &str, data: &[f32]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(if data.is_empty() { &[0.0f32] } else { data }),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            })
        };
        // The optimizer state as the run has it (empty before its first update: zeros).
        let state = |label: &str, values: &[f32], len: usize| {
            if values.len() == len {
                upload(label, values)
            } else {
                buffer(label, len)
            }
        };
        let layers: Vec<LayerBuffers> = mlp
            .layers()
            .iter()
            .zip(run.optimizer_state())
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
            .collect();
        let in_dim = mlp.layers()[0].inputs();
        let outputs = mlp.output_dim();
        let input = buffer("batch inputs", batch * in_dim);
        let classes = buffer("batch classes", batch);
        let values = buffer("batch values", batch * outputs);
        let step = buffer("step scalars", STEP_WORDS);
        let records = 2 * n_layers;
        let summary_words = STAT_BASE + records * STAT_WORDS;
        let summary = buffer("summary", summary_words);
        let row_loss = buffer("row losses", batch);
        let staging = kernels::staging(device, "summary readback", summary_words + batch);
        let param_words: usize = layers
            .iter()
            .map(|l| 3 * (l.n_in * l.n_out + l.n_out))
            .sum();
        let params_staging = kernels::staging(device, "parameter readback", param_words);
        let dummy_read = buffer("unused input", 1);
        let dummy_write = buffer("unused output", 1);

        // The tape and scratch, per layer.
        let per_layer =
            |label: &str, len: &dyn Fn(usize, &LayerBuffers) -> usize| -> Vec<wgpu::Buffer> {
                layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| buffer(label, len(i, l)))
                    .collect()
            };
        // Buffers only some recipes or layers use are one word elsewhere: the fp8 operands and
        // their scratch, the GEMM input copy past layer 0 (plain GEMMs read the previous
        // activations), the activations of the output layer (it has none).
        let fp8_only = |n: usize| if fp8 { n } else { 1 };
        let last = n_layers - 1;
        let x = per_layer("gemm input", &|i, l| {
            if i == 0 || fp8 {
                batch * l.n_in
            } else {
                1
            }
        });
        let x_tmp = buffer("cast input", fp8_only(batch * in_dim));
        let wq = per_layer("gemm weights", &|_, l| l.n_in * l.n_out);
        let w_tmp = per_layer("cast weights", &|_, l| fp8_only(l.n_in * l.n_out));
        let z = per_layer("pre-activations", &|_, l| batch * l.n_out);
        let h = per_layer("activations", &|i, l| {
            if i < last {
                batch * l.n_out
            } else {
                1
            }
        });
        let dz = per_layer("output gradient", &|_, l| batch * l.n_out);
        let dz_before = per_layer("output gradient before rounding", &|_, l| batch * l.n_out);
        let operand = per_layer("fp8 gradient operand", &|_, l| fp8_only(batch * l.n_out));
        let operand_before = per_layer("fp8 gradient before rounding", &|_, l| {
            fp8_only(batch * l.n_out)
        });
        let gw = per_layer("weight gradient", &|_, l| l.n_in * l.n_out);
        let gw_before = per_layer("weight gradient before rounding", &|_, l| l.n_in * l.n_out);
        let gb = per_layer("bias gradient", &|_, l| l.n_out);
        let dlogits = buffer("logit gradient", batch * outputs);

        let mut rec = Recorder {
            context,
            ops: Vec::new(),
        };
        let b32 = len_u32(batch);
        let scale_slot = |l: usize, k: usize| len_u32(STEP_SCALES + 3 * l + k);
        let pair = |a: u32, b: u32| if fp8 { a | (b << 16) } else { 0 };
        let kernels_of = &context.kernels;
        let tiles =
            |rows: usize, cols: usize| kernels_of.gemm_workgroups(len_u32(rows), len_u32(cols));

        // Forward.
        let mut gemm_inputs: Vec<&wgpu::Buffer> = Vec::new();
        for (l, layer) in layers.iter().enumerate() {
            let (n_in, n_out) = (layer.n_in, layer.n_out);
            let n_x = len_u32(batch * n_in);
            let n_w = len_u32(n_in * n_out);
            if l == 0 {
                let target = if fp8 { &x_tmp } else { &x[0] };
                rec.each(
                    |k| &k.cast,
                    Params {
                        n: n_x,
                        fmt: act,
                        ..Params::default()
                    },
                    &[(2, &input), (4, target)],
                );
            }
            let gemm_input = if fp8 {
                let source = if l == 0 { &x_tmp } else { &h[l - 1] };
                rec.each(
                    |k| &k.quantize,
                    Params {
                        n: n_x,
                        fmt: e4m3,
                        slot: len_u32(3 * l),
                        ..Params::default()
                    },
                    &[
                        (1, &step),
                        (2, source),
                        (4, &x[l]),
                        (5, &dummy_write),
                        (6, &summary),
                    ],
                );
                &x[l]
            } else if l == 0 {
                &x[0]
            } else {
                &h[l - 1]
            };
            gemm_inputs.push(gemm_input);
            let cast_target = if fp8 { &w_tmp[l] } else { &wq[l] };
            rec.each(
                |k| &k.cast,
                Params {
                    n: n_w,
                    fmt: weight,
                    ..Params::default()
                },
                &[(2, &layer.weights), (4, cast_target)],
            );
            if fp8 {
                rec.each(
                    |k| &k.quantize,
                    Params {
                        n: n_w,
                        fmt: e4m3,
                        slot: len_u32(3 * l + 1),
                        ..Params::default()
                    },
                    &[
                        (1, &step),
                        (2, &w_tmp[l]),
                        (4, &wq[l]),
                        (5, &dummy_write),
                        (6, &summary),
                    ],
                );
            }
            rec.push(
                |k| &k.matmul,
                Params {
                    rows: b32,
                    inner: len_u32(n_in),
                    cols: len_u32(n_out),
                    fmt: act,
                    fmt2: weight,
                    mode: 4,
                    slot: pair(scale_slot(l, 0), scale_slot(l, 1)),
                    ..Params::default()
                },
                &[
                    (1, &step),
                    (2, gemm_input),
                    (3, &wq[l]),
                    (4, &z[l]),
                    (5, &dummy_write),
                    (7, &layer.bias),
                ],
                tiles(batch, n_out),
            );
            if l + 1 < n_layers {
                rec.each(
                    |k| &k.act_forward,
                    Params {
                        n: len_u32(batch * n_out),
                        fmt: act,
                        mode: activation,
                        ..Params::default()
                    },
                    &[(2, &z[l]), (4, &h[l])],
                );
            }
        }
        // Loss.
        let last = n_layers - 1;
        rec.push(
            |k| &k.loss,
            Params {
                rows: b32,
                cols: len_u32(outputs),
                mode: loss_mode,
                ..Params::default()
            },
            &[
                (1, &step),
                (2, &z[last]),
                (3, &values),
                (4, &dlogits),
                (5, &row_loss),
                (6, &summary),
                (8, &classes),
            ],
            (b32.div_ceil(64), 1),
        );
        rec.each(
            |k| &k.cast,
            Params {
                n: len_u32(batch * outputs),
                fmt: grad,
                ..Params::default()
            },
            &[(2, &dlogits), (4, &dz[last])],
        );
        // Backward, last layer first; statistics records in the CPU's order.
        for l in (0..n_layers).rev() {
            let (n_in, n_out) = (layers[l].n_in, layers[l].n_out);
            let record = len_u32(2 * (last - l));
            let n_dz = len_u32(batch * n_out);
            let before = if l == last { &dlogits } else { &dz_before[l] };
            let gemm_operand = if fp8 {
                rec.each(
                    |k| &k.quantize,
                    Params {
                        n: n_dz,
                        fmt: e5m2,
                        mode: 1,
                        slot: len_u32(3 * l + 2),
                        ..Params::default()
                    },
                    &[
                        (1, &step),
                        (2, &dz[l]),
                        (4, &operand[l]),
                        (5, &operand_before[l]),
                        (6, &summary),
                    ],
                );
                rec.stats(
                    Params {
                        n: n_dz,
                        fmt: e5m2,
                        slot: record,
                        ..Params::default()
                    },
                    &[(2, &operand_before[l]), (3, &operand[l]), (6, &summary)],
                );
                &operand[l]
            } else {
                rec.stats(
                    Params {
                        n: n_dz,
                        fmt: grad,
                        slot: record,
                        ..Params::default()
                    },
                    &[(2, before), (3, &dz[l]), (6, &summary)],
                );
                &dz[l]
            };
            rec.push(
                |k| &k.matmul,
                Params {
                    rows: len_u32(n_in),
                    inner: b32,
                    cols: len_u32(n_out),
                    fmt: grad,
                    mode: 1 | 8,
                    slot: pair(scale_slot(l, 2), scale_slot(l, 0)),
                    ..Params::default()
                },
                &[
                    (1, &step),
                    (2, gemm_inputs[l]),
                    (3, gemm_operand),
                    (4, &gw[l]),
                    (5, &gw_before[l]),
                    (7, &dummy_read),
                ],
                tiles(n_in, n_out),
            );
            rec.stats(
                Params {
                    n: len_u32(n_in * n_out),
                    fmt: grad,
                    slot: record + 1,
                    ..Params::default()
                },
                &[(2, &gw_before[l]), (3, &gw[l]), (6, &summary)],
            );
            rec.each(
                |k| &k.bias_grad,
                Params {
                    rows: b32,
                    cols: len_u32(n_out),
                    fmt: grad,
                    ..Params::default()
                },
                &[(2, &dz[l]), (4, &gb[l])],
            );
            if l == 0 {
                break;
            }
            rec.push(
                |k| &k.matmul,
                Params {
                    rows: b32,
                    inner: len_u32(n_out),
                    cols: len_u32(n_in),
                    fmt: grad,
                    mode: 2 | 8,
                    slot: pair(scale_slot(l, 2), scale_slot(l, 1)),
                    ..Params::default()
                },
                &[
                    (1, &step),
                    (2, gemm_operand),
                    (3, &wq[l]),
                    (4, &dz[l - 1]),
                    (5, &dz_before[l - 1]),
                    (7, &dummy_read),
                ],
                tiles(batch, n_in),
            );
            rec.each(
                |k| &k.act_backward,
                Params {
                    n: len_u32(batch * n_in),
                    fmt: grad,
                    mode: activation,
                    ..Params::default()
                },
                &[
                    (2, &z[l - 1]),
                    (3, &h[l - 1]),
                    (4, &dz[l - 1]),
                    (5, &dz_before[l - 1]),
                ],
            );
        }
        // GradScaler.unscale_, then the optimizer (which skips itself on the flags).
        if has_scaler {
            for l in 0..n_layers {
                for (g, n) in [
                    (&gw[l], layers[l].n_in * layers[l].n_out),
                    (&gb[l], layers[l].n_out),
                ] {
                    rec.each(
                        |k| &k.unscale,
                        Params {
                            n: len_u32(n),
                            ..Params::default()
                        },
                        &[(1, &step), (4, g), (6, &summary)],
                    );
                }
            }
        }
        for (l, layer) in layers.iter().enumerate() {
            let parts = [
                (
                    &gw[l],
                    &layer.weights,
                    &layer.state[0],
                    &layer.state[1],
                    layer.n_in * layer.n_out,
                ),
                (
                    &gb[l],
                    &layer.bias,
                    &layer.state[2],
                    &layer.state[3],
                    layer.n_out,
                ),
            ];
            for (g, p, first, second, n) in parts {
                let params = Params {
                    n: len_u32(n),
                    fmt: storage_fmt,
                    slot: len_u32(l),
                    ..Params::default()
                };
                let mut bindings = vec![(1, &step), (2, g), (4, p), (5, first), (6, &summary)];
                if adam {
                    bindings.push((9, second));
                    rec.each(|k| &k.adam, params, &bindings);
                } else {
                    rec.each(|k| &k.sgd, params, &bindings);
                }
            }
        }
        let grad_format = numerics.grad;
        Ok(GpuLane {
            layers,
            batch,
            input,
            classes,
            values,
            step,
            summary,
            row_loss,
            staging,
            params_staging,
            ops: rec.ops,
            fp8,
            grad_format,
            adam,
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
        let summary_words = STAT_BASE + 2 * n_layers * STAT_WORDS;
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
            let (kind, format, scale, count) = if output_grad {
                let (format, scale) = if self.fp8 {
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
                let scale = if self.fp8 { 1.0 } else { plan.loss_scale };
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
    }
    s
}

/// A set of runs on the GPU (the Trainer view's, in its order), with a checkpoint of each run as
/// of its last sync to fall back to. The runs stay their owner's: each call lends them.
pub struct GpuSession {
    lanes: Vec<GpuLane>,
    /// `Run::checkpoint`s (no history) after the last completed slice.
    synced: Vec<Run>,
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
