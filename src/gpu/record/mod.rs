//! A step's command list, recorded once per lane: the same rounding points, GEMMs and statistics
//! as `train::cpu`, in the same order. [`record_step`] allocates the tape (the buffers one pass
//! hands the next) and records the forward pass, the loss, the backward pass (last layer first),
//! the loss scaler's unscale and the optimizer, each in a method of its own.

mod block;

use super::kernels::{self, format_code, Kernels, Params};
use super::layout::*;
use super::GpuContext;
use crate::train::block::{BlockKind, BlockRecipe};
use crate::train::cpu::Gemm;
use crate::train::{Activation, Loss, Optimizer, Precision, Run};

/// A GEMM's two operands and its `slot`.
type Operands<'a> = (&'a wgpu::Buffer, &'a wgpu::Buffer, u32);

/// One dispatch of a step's command list.
pub(super) struct Op {
    pub kernel: fn(&Kernels) -> &wgpu::ComputePipeline,
    pub group: wgpu::BindGroup,
    pub workgroups: (u32, u32),
}

/// A dense layer's parameters and optimizer state on the device.
pub(super) struct LayerBuffers {
    pub n_in: usize,
    pub n_out: usize,
    pub weights: wgpu::Buffer,
    pub bias: wgpu::Buffer,
    /// Optimizer state: momentum or first moment, and second moment, for weights and bias.
    pub state: [wgpu::Buffer; 4],
}

/// The buffers the host writes before a step and reads after it.
pub(super) struct StepBuffers<'a> {
    pub input: &'a wgpu::Buffer,
    pub classes: &'a wgpu::Buffer,
    pub values: &'a wgpu::Buffer,
    pub step: &'a wgpu::Buffer,
    pub summary: &'a wgpu::Buffer,
    pub row_loss: &'a wgpu::Buffer,
}

/// What a run's recipe sets in the kernels' parameters: format codes and modes.
struct KernelCodes {
    /// fp8 GEMM operands, with delayed scales from the host or, `current`, scales the kernels
    /// derive from this step's amaxes.
    fp8: bool,
    current: bool,
    /// A block-scaled recipe (`record::block`).
    block: Option<BlockRecipe>,
    adam: bool,
    has_scaler: bool,
    act: u32,
    grad: u32,
    weight: u32,
    storage: u32,
    activation: u32,
    loss: u32,
}

impl KernelCodes {
    fn of(run: &Run) -> KernelCodes {
        let numerics = run.numerics();
        let classification = run.data().kind().is_classification();
        KernelCodes {
            fp8: matches!(numerics.gemm, Gemm::Fp8 | Gemm::Fp8Current),
            current: numerics.gemm == Gemm::Fp8Current,
            block: match numerics.gemm {
                Gemm::Block(recipe) => Some(recipe),
                _ => None,
            },
            adam: matches!(run.effective_optimizer(), Optimizer::Adam { .. }),
            has_scaler: run.has_scaler(),
            act: format_code(numerics.act),
            grad: format_code(numerics.grad),
            weight: format_code(numerics.weight),
            storage: format_code(run.storage()),
            activation: match run.model().activation() {
                Activation::Relu => ACT_RELU,
                Activation::Tanh => ACT_TANH,
                Activation::Gelu => ACT_GELU,
            },
            loss: match (run.config().loss, classification) {
                (Loss::CrossEntropy, _) => LOSS_CROSS_ENTROPY,
                (Loss::Mse, true) => LOSS_MSE_CLASS,
                (Loss::Mse, false) => LOSS_MSE_VALUES,
            },
        }
    }
}

/// The tape and scratch, one buffer per layer unless named otherwise. Buffers only some recipes
/// or layers use are one word elsewhere: the fp8 operands and their scratch, the GEMM input copy
/// past layer 0 (plain GEMMs read the previous activations), the activations of the output layer
/// (it has none).
struct Tape {
    /// GEMM inputs: the rounded batch (layer 0) or the fp8-quantized activations.
    x: Vec<wgpu::Buffer>,
    /// The batch rounded to the activation format, before fp8 quantization.
    x_tmp: wgpu::Buffer,
    /// GEMM weights: rounded to the weight format (and quantized to e4m3 under fp8).
    wq: Vec<wgpu::Buffer>,
    w_tmp: Vec<wgpu::Buffer>,
    /// Pre-activations and activations.
    z: Vec<wgpu::Buffer>,
    h: Vec<wgpu::Buffer>,
    /// Output gradients, after and before their rounding.
    dz: Vec<wgpu::Buffer>,
    dz_before: Vec<wgpu::Buffer>,
    /// fp8 gradient operands (e5m2), after and before their rounding.
    operand: Vec<wgpu::Buffer>,
    operand_before: Vec<wgpu::Buffer>,
    /// Weight gradients, after and before their rounding; bias gradients.
    gw: Vec<wgpu::Buffer>,
    gw_before: Vec<wgpu::Buffer>,
    gb: Vec<wgpu::Buffer>,
    /// The loss's gradient with respect to the logits.
    dlogits: wgpu::Buffer,
    /// Block recipes: the output gradient's element values (its element inputs are in
    /// `operand_before`), the weights along their rows (MXFP8), the input and output gradient
    /// down their columns, and their Hadamard transforms.
    elements: Vec<wgpu::Buffer>,
    w_rows: Vec<wgpu::Buffer>,
    x_cols: Vec<wgpu::Buffer>,
    dz_cols: Vec<wgpu::Buffer>,
    x_rht: Vec<wgpu::Buffer>,
    dz_rht: Vec<wgpu::Buffer>,
    /// Bound where a kernel's binding is unused (two writable ones, which may not alias).
    dummy_read: wgpu::Buffer,
    dummy_write: wgpu::Buffer,
    dummy_write2: wgpu::Buffer,
}

impl Tape {
    fn new(
        device: &wgpu::Device,
        layers: &[LayerBuffers],
        batch: usize,
        codes: &KernelCodes,
    ) -> Tape {
        let fp8 = codes.fp8;
        let block = codes.block.is_some();
        let mx = codes.block.is_some_and(|r| r.kind == BlockKind::Mxfp8);
        let rht = codes.block.is_some_and(|r| r.hadamard());
        let buffer = |label: &str, len: usize| kernels::storage(device, label, len);
        let per_layer = |label: &str, len: &dyn Fn(usize, &LayerBuffers) -> usize| {
            let buffers = layers
                .iter()
                .enumerate()
                .map(|(i, l)| buffer(label, len(i, l)));
            buffers.collect::<Vec<_>>()
        };
        let fp8_only = |n: usize| if fp8 || block { n } else { 1 };
        let when = |on: bool, n: usize| if on { n } else { 1 };
        let last = layers.len() - 1;
        let (in_dim, outputs) = (layers[0].n_in, layers[last].n_out);
        Tape {
            x: per_layer("gemm input", &|i, l| {
                if i == 0 || fp8 || block {
                    batch * l.n_in
                } else {
                    1
                }
            }),
            x_tmp: buffer("cast input", fp8_only(batch * in_dim)),
            wq: per_layer("gemm weights", &|_, l| l.n_in * l.n_out),
            w_tmp: per_layer("cast weights", &|_, l| when(fp8, l.n_in * l.n_out)),
            z: per_layer("pre-activations", &|_, l| batch * l.n_out),
            h: per_layer("activations", &|i, l| {
                if i < last {
                    batch * l.n_out
                } else {
                    1
                }
            }),
            dz: per_layer("output gradient", &|_, l| batch * l.n_out),
            dz_before: per_layer("output gradient before rounding", &|_, l| batch * l.n_out),
            operand: per_layer("fp8 gradient operand", &|_, l| fp8_only(batch * l.n_out)),
            operand_before: per_layer("fp8 gradient before rounding", &|_, l| {
                fp8_only(batch * l.n_out)
            }),
            gw: per_layer("weight gradient", &|_, l| l.n_in * l.n_out),
            gw_before: per_layer("weight gradient before rounding", &|_, l| l.n_in * l.n_out),
            gb: per_layer("bias gradient", &|_, l| l.n_out),
            dlogits: buffer("logit gradient", batch * outputs),
            elements: per_layer("gradient elements", &|_, l| when(block, batch * l.n_out)),
            w_rows: per_layer("weights along rows", &|_, l| when(mx, l.n_in * l.n_out)),
            x_cols: per_layer("input down columns", &|_, l| when(block, batch * l.n_in)),
            dz_cols: per_layer("gradient down columns", &|_, l| {
                when(block, batch * l.n_out)
            }),
            x_rht: per_layer("transformed input", &|_, l| when(rht, batch * l.n_in)),
            dz_rht: per_layer("transformed gradient", &|_, l| when(rht, batch * l.n_out)),
            dummy_read: buffer("unused input", 1),
            dummy_write: buffer("unused output", 1),
            dummy_write2: buffer("unused output", 1),
        }
    }

    /// What layer `l`'s GEMMs read as their input: the fp8-quantized copy, the rounded batch, or
    /// the previous layer's activations.
    fn gemm_input(&self, l: usize, fp8: bool) -> &wgpu::Buffer {
        if fp8 || l == 0 {
            &self.x[l]
        } else {
            &self.h[l - 1]
        }
    }
}

/// Records `run`'s step over `layers` and `io`: the command list a lane submits for every step.
pub(super) fn record_step(
    context: &GpuContext,
    run: &Run,
    layers: &[LayerBuffers],
    io: &StepBuffers<'_>,
) -> Vec<Op> {
    let batch = run.config().batch_size;
    let codes = KernelCodes::of(run);
    let tape = Tape::new(&context.device, layers, batch, &codes);
    let mut rec = Recorder {
        context,
        ops: Vec::new(),
        codes: &codes,
        layers,
        io,
        tape: &tape,
        batch,
    };
    if codes.block.is_some() {
        rec.forward_blocks();
        rec.loss();
        rec.backward_blocks();
    } else {
        rec.forward();
        rec.loss();
        rec.backward();
    }
    if codes.has_scaler {
        rec.unscale();
    }
    rec.update();
    rec.ops
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds a step's command list.
struct Recorder<'a> {
    context: &'a GpuContext,
    ops: Vec<Op>,
    codes: &'a KernelCodes,
    layers: &'a [LayerBuffers],
    io: &'a StepBuffers<'a>,
    tape: &'a Tape,
    batch: usize,
}

impl<'a> Recorder<'a> {
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

    /// A GEMM producing a `rows` x `cols` result.
    fn gemm(&mut self, params: Params, buffers: &[(u32, &wgpu::Buffer)]) {
        let tiles = self
            .context
            .kernels
            .gemm_workgroups(params.rows, params.cols);
        self.push(|k| &k.matmul, params, buffers, tiles);
    }

    /// The `slot` of a GEMM that multiplies by two fp8 inverse scales: layer `l`'s scales `a` and
    /// `b` (0 input, 1 weight, 2 output gradient) in the low and high 16 bits; 0 without fp8.
    fn scale_pair(&self, l: usize, a: usize, b: usize) -> u32 {
        let slot = |k: usize| len_u32(STEP_SCALES + 3 * l + k);
        if self.codes.fp8 {
            slot(a) | (slot(b) << 16)
        } else {
            0
        }
    }

    /// Quantizes `n` values of `source` into `target` with layer `l`'s fp8 scale `k`, recording
    /// the amax; with `keep`, also the scaled values before rounding.
    fn quantize(
        &mut self,
        n: usize,
        fmt: Precision,
        slot: usize,
        source: &wgpu::Buffer,
        target: &wgpu::Buffer,
        keep: Option<&wgpu::Buffer>,
    ) {
        let (tape, io) = (self.tape, self.io);
        let params = Params {
            n: len_u32(n),
            fmt: format_code(fmt),
            mode: if keep.is_some() {
                QUANTIZE_KEEP_SCALED
            } else {
                0
            },
            slot: len_u32(slot),
            ..Params::default()
        };
        let before = keep.unwrap_or(&tape.dummy_write);
        let bindings = [
            (1, io.step),
            (2, source),
            (4, target),
            (5, before),
            (6, io.summary),
        ];
        self.each(|k| &k.quantize, params, &bindings);
    }

    /// Under current scaling, the scale of `n` values of `source` for fp8 scale slot `slot`: their
    /// amax into the summary, then `fmt_max / amax` into the step scalars, where the quantize
    /// kernel and the GEMM read it. Nothing under delayed scaling (the host wrote the scale).
    fn current_scale(&mut self, n: usize, fmt: Precision, slot: usize, source: &wgpu::Buffer) {
        if !self.codes.current {
            return;
        }
        self.amax(n, source, SUM_AMAX + slot);
        let params = Params {
            fmt: format_code(fmt),
            slot: len_u32(slot),
            ..Params::default()
        };
        let io = self.io;
        self.push(
            |k| &k.current_scale,
            params,
            &[(1, io.step), (6, io.summary)],
            (1, 1),
        );
    }

    /// The largest |value| of `n` values of `source` into summary word `word` (f32 bits).
    fn amax(&mut self, n: usize, source: &wgpu::Buffer, word: usize) {
        let params = Params {
            n: len_u32(n),
            slot: len_u32(word),
            ..Params::default()
        };
        let io = self.io;
        self.each(|k| &k.amax, params, &[(2, source), (6, io.summary)]);
    }

    /// Rounds `n` values of `source` into `target` in format `fmt`.
    fn cast(&mut self, n: usize, fmt: u32, source: &wgpu::Buffer, target: &wgpu::Buffer) {
        let params = Params {
            n: len_u32(n),
            fmt,
            ..Params::default()
        };
        self.each(|k| &k.cast, params, &[(2, source), (4, target)]);
    }

    /// Each layer: its input and weights rounded (and quantized under fp8), the GEMM with the
    /// bias, the activation.
    fn forward(&mut self) {
        let (tape, io, layers, r) = (self.tape, self.io, self.layers, self.codes);
        let batch = self.batch;
        for (l, layer) in layers.iter().enumerate() {
            let (n_in, n_out) = (layer.n_in, layer.n_out);
            if l == 0 {
                let target = if r.fp8 { &tape.x_tmp } else { &tape.x[0] };
                self.cast(batch * n_in, r.act, io.input, target);
            }
            if r.fp8 {
                let source = if l == 0 { &tape.x_tmp } else { &tape.h[l - 1] };
                self.current_scale(batch * n_in, Precision::E4m3, 3 * l, source);
                self.quantize(
                    batch * n_in,
                    Precision::E4m3,
                    3 * l,
                    source,
                    &tape.x[l],
                    None,
                );
            }
            let cast_target = if r.fp8 { &tape.w_tmp[l] } else { &tape.wq[l] };
            self.cast(n_in * n_out, r.weight, &layer.weights, cast_target);
            if r.fp8 {
                let (source, target) = (&tape.w_tmp[l], &tape.wq[l]);
                self.current_scale(n_in * n_out, Precision::E4m3, 3 * l + 1, source);
                self.quantize(
                    n_in * n_out,
                    Precision::E4m3,
                    3 * l + 1,
                    source,
                    target,
                    None,
                );
            }
            let slot = self.scale_pair(l, 0, 1);
            self.forward_gemm(l, tape.gemm_input(l, r.fp8), slot);
        }
    }

    /// Layer `l`'s forward GEMM of `input` and the GEMM weights (their inverse scales in `slot`),
    /// with the bias, and the activation of a hidden layer.
    fn forward_gemm(&mut self, l: usize, input: &wgpu::Buffer, slot: u32) {
        let (tape, io, r) = (self.tape, self.io, self.codes);
        let batch = self.batch;
        let layer = &self.layers[l];
        let (n_in, n_out) = (layer.n_in, layer.n_out);
        let params = Params {
            rows: len_u32(batch),
            inner: len_u32(n_in),
            cols: len_u32(n_out),
            fmt: r.act,
            fmt2: r.weight,
            mode: GEMM_ADD_BIAS,
            slot,
            ..Params::default()
        };
        self.gemm(
            params,
            &[
                (1, io.step),
                (2, input),
                (3, &tape.wq[l]),
                (4, &tape.z[l]),
                (5, &tape.dummy_write),
                (7, &layer.bias),
            ],
        );
        if l + 1 < self.layers.len() {
            let params = Params {
                n: len_u32(batch * n_out),
                fmt: r.act,
                mode: r.activation,
                ..Params::default()
            };
            self.each(
                |k| &k.act_forward,
                params,
                &[(2, &tape.z[l]), (4, &tape.h[l])],
            );
        }
    }

    /// The loss and its gradient with respect to the logits, rounded to the gradient format.
    fn loss(&mut self) {
        let (tape, io, r) = (self.tape, self.io, self.codes);
        let last = self.layers.len() - 1;
        let (rows, cols) = (len_u32(self.batch), len_u32(self.layers[last].n_out));
        let params = Params {
            rows,
            cols,
            mode: r.loss,
            ..Params::default()
        };
        self.push(
            |k| &k.loss,
            params,
            &[
                (1, io.step),
                (2, &tape.z[last]),
                (3, io.values),
                (4, &tape.dlogits),
                (5, io.row_loss),
                (6, io.summary),
                (8, io.classes),
            ],
            (rows.div_ceil(64), 1),
        );
        let n = self.batch * self.layers[last].n_out;
        self.cast(n, r.grad, &tape.dlogits, &tape.dz[last]);
    }

    /// Last layer first: the output gradient's statistics (quantized to e5m2 under fp8), the
    /// weight gradient and its statistics, the bias gradient, then the input gradient through
    /// the activation. Statistics records come in the CPU's order.
    fn backward(&mut self) {
        let (tape, io, layers, r) = (self.tape, self.io, self.layers, self.codes);
        let batch = self.batch;
        let last = layers.len() - 1;
        for l in (0..layers.len()).rev() {
            let n_out = layers[l].n_out;
            let record = len_u32(2 * (last - l));
            let n_dz = batch * n_out;
            let gemm_operand = if r.fp8 {
                let (target, before) = (&tape.operand[l], &tape.operand_before[l]);
                self.current_scale(n_dz, Precision::E5m2, 3 * l + 2, &tape.dz[l]);
                self.quantize(
                    n_dz,
                    Precision::E5m2,
                    3 * l + 2,
                    &tape.dz[l],
                    target,
                    Some(before),
                );
                let params = Params {
                    n: len_u32(n_dz),
                    fmt: format_code(Precision::E5m2),
                    slot: record,
                    ..Params::default()
                };
                self.stats(params, &[(2, before), (3, target), (6, io.summary)]);
                target
            } else {
                let before = if l == last {
                    &tape.dlogits
                } else {
                    &tape.dz_before[l]
                };
                let params = Params {
                    n: len_u32(n_dz),
                    fmt: r.grad,
                    slot: record,
                    ..Params::default()
                };
                self.stats(params, &[(2, before), (3, &tape.dz[l]), (6, io.summary)]);
                &tape.dz[l]
            };
            let wgrad = (
                tape.gemm_input(l, r.fp8),
                gemm_operand,
                self.scale_pair(l, 2, 0),
            );
            let dgrad = (gemm_operand, &tape.wq[l], self.scale_pair(l, 2, 1));
            self.backward_gemms(l, wgrad, dgrad);
        }
    }

    /// The end of layer `l`'s backward pass, for every recipe: the weight-gradient GEMM over
    /// `wgrad` (A transposed, B, slot) and its statistics, the bias gradient, and, above layer 0,
    /// the data-gradient GEMM over `dgrad` (A, B transposed, slot) and the activation's derivative.
    fn backward_gemms(&mut self, l: usize, wgrad: Operands<'a>, dgrad: Operands<'a>) {
        let (tape, io, r) = (self.tape, self.io, self.codes);
        let batch = self.batch;
        let (n_in, n_out) = (self.layers[l].n_in, self.layers[l].n_out);
        let record = len_u32(2 * (self.layers.len() - 1 - l));
        let weight_grad = Params {
            rows: len_u32(n_in),
            inner: len_u32(batch),
            cols: len_u32(n_out),
            fmt: r.grad,
            mode: GEMM_TRANSPOSE_A | GEMM_KEEP_RAW,
            slot: wgrad.2,
            ..Params::default()
        };
        self.gemm(
            weight_grad,
            &[
                (1, io.step),
                (2, wgrad.0),
                (3, wgrad.1),
                (4, &tape.gw[l]),
                (5, &tape.gw_before[l]),
                (7, &tape.dummy_read),
            ],
        );
        let params = Params {
            n: len_u32(n_in * n_out),
            fmt: r.grad,
            slot: record + 1,
            ..Params::default()
        };
        self.stats(
            params,
            &[(2, &tape.gw_before[l]), (3, &tape.gw[l]), (6, io.summary)],
        );
        let params = Params {
            rows: len_u32(batch),
            cols: len_u32(n_out),
            fmt: r.grad,
            ..Params::default()
        };
        self.each(
            |k| &k.bias_grad,
            params,
            &[(2, &tape.dz[l]), (4, &tape.gb[l])],
        );
        if l == 0 {
            return;
        }
        let input_grad = Params {
            rows: len_u32(batch),
            inner: len_u32(n_out),
            cols: len_u32(n_in),
            fmt: r.grad,
            mode: GEMM_TRANSPOSE_B | GEMM_KEEP_RAW,
            slot: dgrad.2,
            ..Params::default()
        };
        self.gemm(
            input_grad,
            &[
                (1, io.step),
                (2, dgrad.0),
                (3, dgrad.1),
                (4, &tape.dz[l - 1]),
                (5, &tape.dz_before[l - 1]),
                (7, &tape.dummy_read),
            ],
        );
        let params = Params {
            n: len_u32(batch * n_in),
            fmt: r.grad,
            mode: r.activation,
            ..Params::default()
        };
        self.each(
            |k| &k.act_backward,
            params,
            &[
                (2, &tape.z[l - 1]),
                (3, &tape.h[l - 1]),
                (4, &tape.dz[l - 1]),
                (5, &tape.dz_before[l - 1]),
            ],
        );
    }

    /// `GradScaler.unscale_`: every gradient times the inverse loss scale, flagging Inf/NaN.
    fn unscale(&mut self) {
        let (tape, io) = (self.tape, self.io);
        for (l, layer) in self.layers.iter().enumerate() {
            for (g, n) in [
                (&tape.gw[l], layer.n_in * layer.n_out),
                (&tape.gb[l], layer.n_out),
            ] {
                let params = Params {
                    n: len_u32(n),
                    ..Params::default()
                };
                self.each(
                    |k| &k.unscale,
                    params,
                    &[(1, io.step), (4, g), (6, io.summary)],
                );
            }
        }
    }

    /// The optimizer over every parameter (it skips itself on the summary's flags), storing the
    /// result in the storage format.
    fn update(&mut self) {
        let (tape, io, r) = (self.tape, self.io, self.codes);
        for (l, layer) in self.layers.iter().enumerate() {
            let [w_first, w_second, b_first, b_second] = &layer.state;
            let parts = [
                (
                    &tape.gw[l],
                    &layer.weights,
                    w_first,
                    w_second,
                    layer.n_in * layer.n_out,
                ),
                (&tape.gb[l], &layer.bias, b_first, b_second, layer.n_out),
            ];
            for (g, p, first, second, n) in parts {
                let params = Params {
                    n: len_u32(n),
                    fmt: r.storage,
                    slot: len_u32(l),
                    ..Params::default()
                };
                let mut bindings = vec![(1, io.step), (2, g), (4, p), (5, first), (6, io.summary)];
                if r.adam {
                    bindings.push((9, second));
                    self.each(|k| &k.adam, params, &bindings);
                } else {
                    self.each(|k| &k.sgd, params, &bindings);
                }
            }
        }
    }
}
