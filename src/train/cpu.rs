//! The CPU backend: forward and backward passes of the MLP with low precision simulated at the points
//! where hardware rounds.
//!
//! Owns the arithmetic of one training step's passes: GEMMs with inputs in the recipe's formats and
//! f32 accumulation (as tensor cores do; a product of two fp16, bf16 or fp8 values is exact in f32, so
//! the only roundings are the f32 additions and the final cast), elementwise ops computed in f32 and
//! rounded once, and fp8 per-tensor scaling around the GEMMs. It also fills the per-tensor gradient
//! statistics. It does not own parameters (`model`), the loss scale or fp8 scale *choices* (`scaler`),
//! the optimizer (`optim`), or the step loop (`run`). The WebGPU backend (`crate::gpu`) reproduces
//! these numbers; this module is its reference (`tests/it/gpu.rs`).
//!
//! Determinism: every sum runs in a fixed order (ascending index) with separate multiply and add (Rust
//! never fuses them into FMA), so results are the same bits on every IEEE-754 machine.

use super::block::{self, BlockKind, BlockRecipe, Blocks, GradientCopy, Quantized};
use super::model::{Activation, Mlp};
use super::precision::{Overflow, Precision};
use super::stats::{TensorKind, TensorRecord, TensorStats};

/// Where a recipe rounds: the formats of activations, gradients and the weights the GEMMs read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Numerics {
    /// Format of activations between ops (GEMM outputs, activation outputs).
    pub act: Precision,
    /// Format of gradients between ops (GEMM outputs in the backward pass, elementwise backward ops).
    pub grad: Precision,
    /// Format the forward GEMMs read weights in (the per-step cast of the master weights).
    pub weight: Precision,
    /// Whether GEMM operands are additionally quantized to fp8 with per-tensor scales.
    pub gemm: Gemm,
}

/// How GEMM operands are formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gemm {
    /// Operands are the tensors as stored (already in `act` / `weight` / `grad`).
    Plain,
    /// Transformer Engine's HYBRID fp8: activations and weights quantized to E4M3, gradients to E5M2,
    /// each after multiplying by its per-tensor scale, saturating (`satfinite`); the f32 accumulator
    /// is multiplied by the inverse scales and kept in the high-precision format.
    Fp8,
    /// The same fp8 GEMMs with each scale taken from the tensor's own amax in this step
    /// (Transformer Engine's `Float8CurrentScaling`: `fp8_max / amax`, not a power of two).
    Fp8Current,
    /// Block-scaled operands (MXFP8 or NVFP4, `block`), each quantized along its GEMM's reduction
    /// dimension: a tensor read by two GEMMs is quantized twice, as Transformer Engine keeps a
    /// row-wise and a column-wise copy.
    Block(BlockRecipe),
}

/// Per-layer fp8 scales (all 1 for plain GEMMs): for the layer input, the weights and the gradient of
/// the layer output; and the seed of this step's stochastic rounding.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fp8Scales {
    pub input: Vec<f32>,
    pub weight: Vec<f32>,
    pub grad: Vec<f32>,
    pub seed: u64,
}

/// What the backward pass needs from the forward pass, plus fp8 amax observations. Reused across steps
/// to avoid allocation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tape {
    /// Per layer: the GEMM's input operand as it was fed (quantized for fp8).
    gemm_input: Vec<Vec<f32>>,
    /// Per layer: the GEMM's weight operand.
    gemm_weight: Vec<Vec<f32>>,
    /// Per layer: pre-activation outputs (the logits for the last layer).
    z: Vec<Vec<f32>>,
    /// Per hidden layer: activation outputs.
    h: Vec<Vec<f32>>,
    /// Per layer: max |input|, max |weight|, max |output gradient| before fp8 quantization.
    pub amax_input: Vec<f32>,
    pub amax_weight: Vec<f32>,
    pub amax_grad: Vec<f32>,
    /// Scratch buffers for the backward pass.
    dz: Vec<f32>,
    dz_before: Vec<f32>,
    /// Per layer: the scales the fp8 GEMMs used (delayed or current).
    scale_input: Vec<f32>,
    scale_weight: Vec<f32>,
    /// Block recipes: the first layer's GEMM input before quantization (the others' are the
    /// activations `h`; the weights are the network's own, fp32 under these recipes), and per layer
    /// what the forward GEMM multiplied by for the weights.
    raw_input: Vec<f32>,
    decode_weight: Vec<f32>,
    /// Block recipes' quantized operands (reused across steps).
    blocks: BlockScratch,
    dh: Vec<f32>,
    dh_before: Vec<f32>,
    operand: Vec<f32>,
    before: Vec<f32>,
}

impl Numerics {
    /// Everything in fp32.
    pub fn fp32() -> Self {
        Self::fp32_with_gemm(Gemm::Plain)
    }

    /// Everything between GEMMs in fp32, GEMM operands as `gemm` says.
    pub fn fp32_with_gemm(gemm: Gemm) -> Self {
        Numerics {
            act: Precision::F32,
            grad: Precision::F32,
            weight: Precision::F32,
            gemm,
        }
    }
}

impl Fp8Scales {
    pub fn ones(layers: usize) -> Self {
        Fp8Scales {
            input: vec![1.0; layers],
            weight: vec![1.0; layers],
            grad: vec![1.0; layers],
            seed: 0,
        }
    }
}

impl Tape {
    /// Block recipes: layer `l`'s GEMM input before quantization.
    fn unquantized_input(&self, l: usize) -> &[f32] {
        if l == 0 {
            &self.raw_input
        } else {
            &self.h[l - 1]
        }
    }

    /// The network output of the last forward pass, row-major `batch x outputs`.
    pub fn logits(&self) -> &[f32] {
        self.z.last().map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The forward pass on `batch` rows of `inputs` (f32 data; cast to the activation format first, as
/// autocast casts a linear layer's input). Leaves the logits in `tape.logits()`.
pub(crate) fn forward(
    mlp: &Mlp,
    numerics: &Numerics,
    scales: &Fp8Scales,
    inputs: &[f32],
    batch: usize,
    tape: &mut Tape,
) {
    let n_layers = mlp.layers.len();
    tape.gemm_input.resize_with(n_layers, Vec::new);
    tape.gemm_weight.resize_with(n_layers, Vec::new);
    tape.z.resize_with(n_layers, Vec::new);
    tape.h.resize_with(n_layers - 1, Vec::new);
    tape.amax_input.resize(n_layers, 0.0);
    tape.amax_weight.resize(n_layers, 0.0);
    tape.amax_grad.resize(n_layers, 0.0);
    tape.scale_input.resize(n_layers, 1.0);
    tape.scale_weight.resize(n_layers, 1.0);
    tape.decode_weight.resize(n_layers, 1.0);
    let activation = mlp.activation();
    for (l, layer) in mlp.layers.iter().enumerate() {
        let (n_in, n_out) = (layer.inputs(), layer.outputs());
        // The GEMM input operand.
        let mut x = std::mem::take(&mut tape.gemm_input[l]);
        x.clear();
        if l == 0 {
            x.extend(inputs.iter().map(|&v| numerics.act.round(v)));
        } else {
            x.extend_from_slice(&tape.h[l - 1]);
        }
        let mut w = std::mem::take(&mut tape.gemm_weight[l]);
        w.clear();
        w.extend(layer.weights.iter().map(|&v| numerics.weight.round(v)));
        let dequant = match numerics.gemm {
            Gemm::Plain => 1.0,
            Gemm::Fp8 | Gemm::Fp8Current => {
                let (ax, aw) = (amax(&x), amax(&w));
                tape.amax_input[l] = ax;
                tape.amax_weight[l] = aw;
                let (si, sw) = if numerics.gemm == Gemm::Fp8 {
                    (scales.input[l], scales.weight[l])
                } else {
                    let e4 = Precision::E4m3.max_finite();
                    (block::current_scale(ax, e4), block::current_scale(aw, e4))
                };
                tape.scale_input[l] = si;
                tape.scale_weight[l] = sw;
                quantize(&mut x, si, Precision::E4m3);
                quantize(&mut w, sw, Precision::E4m3);
                // Delayed scales are powers of two, so the inverses and their product are exact;
                // current scales are not, and the f32 inverses and their product round, once each.
                (1.0 / si) * (1.0 / sw)
            }
            Gemm::Block(recipe) => {
                let shape = (batch, n_in, n_out);
                block_forward(&recipe, (l, n_layers), &mut x, &mut w, shape, tape)
            }
        };
        let mut z = std::mem::take(&mut tape.z[l]);
        matmul(&x, &w, batch, n_in, n_out, &mut z);
        // The bias is cast like the weights; it is added to the f32 accumulator before the single
        // rounding of the output (a GEMM epilogue).
        for row in z.chunks_mut(n_out) {
            for (v, &b) in row.iter_mut().zip(&layer.bias) {
                let acc = if dequant == 1.0 { *v } else { *v * dequant };
                *v = numerics.act.round(acc + numerics.weight.round(b));
            }
        }
        if l + 1 < n_layers {
            let h = &mut tape.h[l];
            h.clear();
            h.extend(z.iter().map(|&v| numerics.act.round(activation.apply(v))));
        }
        tape.gemm_input[l] = x;
        tape.gemm_weight[l] = w;
        tape.z[l] = z;
    }
}

/// The backward pass from `dlogits` (f32, already multiplied by the loss scale), writing the parameter
/// gradients as the recipe's GEMMs deliver them (still scaled) into `grads`, and, if `records` is
/// given, one [`TensorRecord`] per watched tensor. `loss_scale` is only reported in the records.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward(
    mlp: &Mlp,
    numerics: &Numerics,
    scales: &Fp8Scales,
    tape: &mut Tape,
    dlogits: &[f32],
    batch: usize,
    loss_scale: f32,
    grads: &mut Vec<super::model::DenseGrad>,
    mut records: Option<&mut Vec<TensorRecord>>,
) {
    let n_layers = mlp.layers.len();
    grads.resize_with(n_layers, Default::default);
    if let Some(r) = records.as_deref_mut() {
        r.clear();
    }
    let activation: Activation = mlp.activation();
    // dz: the stored gradient of the current layer's output; dz_before: the same before its rounding.
    let mut dz = std::mem::take(&mut tape.dz);
    let mut dz_before = std::mem::take(&mut tape.dz_before);
    let mut dh = std::mem::take(&mut tape.dh);
    let mut dh_before = std::mem::take(&mut tape.dh_before);
    let mut operand = std::mem::take(&mut tape.operand);
    let mut before = std::mem::take(&mut tape.before);
    let mut scratch = std::mem::take(&mut tape.blocks);
    dz_before.clear();
    dz_before.extend_from_slice(dlogits);
    dz.clear();
    dz.extend(dlogits.iter().map(|&v| numerics.grad.round(v)));
    for l in (0..n_layers).rev() {
        let layer = &mlp.layers[l];
        let (n_in, n_out) = (layer.inputs(), layer.outputs());
        // The output-gradient operand of both backward GEMMs, and its statistics.
        operand.clear();
        operand.extend_from_slice(&dz);
        let (out_format, out_scale, dequant_w, dequant_x) = match numerics.gemm {
            Gemm::Plain => {
                if let Some(r) = records.as_deref_mut() {
                    r.push(TensorRecord {
                        kind: TensorKind::OutputGrad { layer: l },
                        format: numerics.grad,
                        scale: loss_scale,
                        stats: TensorStats::of_rounding(&dz_before, &dz, numerics.grad),
                        blocks: None,
                    });
                }
                (numerics.grad, loss_scale, 1.0, 1.0)
            }
            Gemm::Fp8 | Gemm::Fp8Current => {
                tape.amax_grad[l] = amax(&dz);
                let s = if numerics.gemm == Gemm::Fp8 {
                    scales.grad[l]
                } else {
                    block::current_scale(tape.amax_grad[l], Precision::E5m2.max_finite())
                };
                let record = fp8_gradient(&dz, s, l, &mut before, &mut operand);
                if let Some(r) = records.as_deref_mut() {
                    r.push(record);
                }
                let inv_g = 1.0 / s;
                (
                    numerics.grad,
                    1.0,
                    inv_g * (1.0 / tape.scale_input[l]),
                    inv_g * (1.0 / tape.scale_weight[l]),
                )
            }
            Gemm::Block(recipe) => {
                let operands = BlockOperands {
                    dz: &dz,
                    input: tape.unquantized_input(l),
                    weights: &layer.weights,
                    decode_weight: tape.decode_weight[l],
                };
                let (record, dw, dx) = block_gradient(
                    &recipe,
                    &operands,
                    (batch, n_in, n_out),
                    (l, n_layers, scales.seed),
                    (&mut scratch, &mut operand),
                );
                if let Some(r) = records.as_deref_mut() {
                    r.push(record);
                }
                (numerics.grad, 1.0, dw, dx)
            }
        };
        // The operands of the two backward GEMMs: block recipes quantize each for its own GEMM.
        let blocked = matches!(numerics.gemm, Gemm::Block(r) if !r.keeps_in_bf16(l, n_layers));
        let (wgrad_x, wgrad_dy, dgrad_dy): (&[f32], &[f32], &[f32]) = if blocked {
            let b = &scratch;
            (&b.wgrad_x.values, &b.wgrad_dy.values, &b.dgrad_dy.values)
        } else {
            (&tape.gemm_input[l], &operand, &operand)
        };
        let dgrad_w: &[f32] = match numerics.gemm {
            Gemm::Block(r) if blocked && r.kind == BlockKind::Mxfp8 => &scratch.dgrad_w.values,
            _ => &tape.gemm_weight[l],
        };
        // Weight gradient: input^T . dz, f32 accumulation over the batch, one rounding.
        let grad = &mut grads[l];
        matmul_at_b(wgrad_x, wgrad_dy, batch, n_in, n_out, &mut before);
        if dequant_w != 1.0 {
            before.iter_mut().for_each(|v| *v *= dequant_w);
        }
        grad.weights.clear();
        grad.weights
            .extend(before.iter().map(|&v| out_format.round(v)));
        if let Some(r) = records.as_deref_mut() {
            r.push(TensorRecord {
                kind: TensorKind::WeightGrad { layer: l },
                format: out_format,
                scale: out_scale,
                stats: TensorStats::of_rounding(&before, &grad.weights, out_format),
                blocks: None,
            });
        }
        bias_gradient(&dz, n_out, out_format, &mut grad.bias);
        if l == 0 {
            break;
        }
        // Gradient of the layer input (the previous layer's activation): dz . W^T, one rounding.
        matmul_a_bt(dgrad_dy, dgrad_w, batch, n_out, n_in, &mut dh_before);
        if dequant_x != 1.0 {
            dh_before.iter_mut().for_each(|v| *v *= dequant_x);
        }
        dh.clear();
        dh.extend(dh_before.iter().map(|&v| numerics.grad.round(v)));
        // Through the previous layer's activation: computed in f32, rounded once. The "before" value
        // chains the unrounded GEMM output, so a value lost at either rounding counts as flushed.
        let (z_prev, h_prev) = (&tape.z[l - 1], &tape.h[l - 1]);
        dz.clear();
        dz_before.clear();
        for i in 0..dh.len() {
            let d = activation.derivative(z_prev[i], h_prev[i]);
            dz.push(numerics.grad.round(dh[i] * d));
            dz_before.push(dh_before[i] * d);
        }
    }
    tape.dz = dz;
    tape.dz_before = dz_before;
    tape.dh = dh;
    tape.dh_before = dh_before;
    tape.operand = operand;
    tape.before = before;
    tape.blocks = scratch;
}

/// The fp8 operand of the backward GEMMs: the output gradient `dz` times its scale `s` in
/// `before`, rounded to E5M2 (saturating) in `operand`; returns the record.
fn fp8_gradient(
    dz: &[f32],
    s: f32,
    l: usize,
    before: &mut Vec<f32>,
    operand: &mut Vec<f32>,
) -> TensorRecord {
    before.clear();
    before.extend(dz.iter().map(|&v| v * s));
    operand.clear();
    operand.extend(
        before
            .iter()
            .map(|&v| Precision::E5m2.round_with(v, Overflow::Saturate)),
    );
    TensorRecord {
        kind: TensorKind::OutputGrad { layer: l },
        format: Precision::E5m2,
        scale: s,
        stats: TensorStats::of_rounding(before, operand, Precision::E5m2),
        blocks: None,
    }
}

/// The bias gradient: column sums of the output gradient (the high-precision one for fp8 and
/// block recipes), in ascending row, rounded once.
fn bias_gradient(dz: &[f32], n_out: usize, format: Precision, bias: &mut Vec<f32>) {
    bias.clear();
    bias.resize(n_out, 0.0);
    for row in dz.chunks(n_out) {
        for (g, &v) in bias.iter_mut().zip(row) {
            *g += v;
        }
    }
    bias.iter_mut().for_each(|g| *g = format.round(*g));
}

/// A block recipe's quantized operands: a forward operand (`forward`, one at a time), the output
/// gradient along its rows and the weights along theirs (the data-gradient GEMM), the input and
/// the gradient down their columns (the weight-gradient GEMM), and the Hadamard transforms of those
/// two before their quantization.
#[derive(Clone, Debug, Default)]
struct BlockScratch {
    forward: Quantized,
    dgrad_dy: Quantized,
    dgrad_w: Quantized,
    wgrad_x: Quantized,
    wgrad_dy: Quantized,
    x_transformed: Vec<f32>,
    dy_transformed: Vec<f32>,
}

/// What a block recipe's backward pass quantizes for one layer: the output gradient, the GEMM
/// input and the weights as they were before quantization, and the forward GEMM's factor for the
/// weights (NVFP4's tiles serve the data-gradient GEMM as they are).
struct BlockOperands<'a> {
    dz: &'a [f32],
    input: &'a [f32],
    weights: &'a [f32],
    decode_weight: f32,
}

/// A block recipe's forward operands, quantized in place: the input along its rows (the GEMM
/// reduces over its columns), the weights down their columns (MXFP8) or in 16x16 tiles (NVFP4), or
/// both in bf16 for a layer the recipe keeps there. Keeps the first layer's unquantized input for
/// the backward GEMMs and returns the accumulator's factor.
fn block_forward(
    recipe: &BlockRecipe,
    (l, n_layers): (usize, usize),
    x: &mut Vec<f32>,
    w: &mut Vec<f32>,
    (batch, n_in, n_out): (usize, usize, usize),
    tape: &mut Tape,
) -> f32 {
    if l == 0 {
        tape.raw_input.clone_from(x);
    }
    if recipe.keeps_in_bf16(l, n_layers) {
        Precision::Bf16.round_slice(x, Overflow::Default);
        Precision::Bf16.round_slice(w, Overflow::Default);
        tape.decode_weight[l] = 1.0;
        return 1.0;
    }
    let scaled = recipe.tensor_scale();
    let q = &mut tape.blocks.forward;
    let rows = Blocks::AlongRows;
    block::quantize(x, batch, n_in, recipe.kind, rows, None, scaled, false, q);
    std::mem::swap(x, &mut q.values);
    let decode_input = q.decode;
    let tiles = match recipe.kind {
        BlockKind::Mxfp8 => Blocks::AlongColumns,
        BlockKind::Nvfp4 => Blocks::Tiles,
    };
    block::quantize(w, n_in, n_out, recipe.kind, tiles, None, scaled, false, q);
    std::mem::swap(w, &mut q.values);
    tape.decode_weight[l] = q.decode;
    decode_input * q.decode
}

/// A block recipe's backward operands for layer `l` (not one it keeps in bf16), into `b`: the output
/// gradient along its rows (the data-gradient GEMM reduces over the outputs), the weights along
/// their rows (MXFP8; NVFP4's 16x16 tiles serve both GEMMs as they are), the input and the gradient
/// down their columns (the weight-gradient GEMM reduces over the batch),
/// after NVFP4's random Hadamard transform when it is on. Gradients round stochastically when the
/// recipe says so, seeded from the step's seed. Returns the weight-gradient and data-gradient
/// accumulators' factors.
fn block_backward(
    recipe: &BlockRecipe,
    o: &BlockOperands<'_>,
    (batch, n_in, n_out): (usize, usize, usize),
    step_seed: u64,
    l: usize,
    b: &mut BlockScratch,
) -> (f32, f32) {
    let kind = recipe.kind;
    let scaled = recipe.tensor_scale();
    let stochastic = |copy| {
        recipe
            .stochastic()
            .then(|| block::gradient_seed(step_seed, l, copy))
    };
    let BlockScratch {
        dgrad_dy,
        dgrad_w,
        wgrad_x,
        wgrad_dy,
        x_transformed,
        dy_transformed,
        ..
    } = b;
    let (rows, columns) = (Blocks::AlongRows, Blocks::AlongColumns);
    let seed = stochastic(GradientCopy::Rows);
    block::quantize(o.dz, batch, n_out, kind, rows, seed, scaled, true, dgrad_dy);
    let decode_w = if kind == BlockKind::Mxfp8 {
        block::quantize(
            o.weights, n_in, n_out, kind, rows, None, scaled, false, dgrad_w,
        );
        dgrad_w.decode
    } else {
        o.decode_weight
    };
    let (x, dy): (&[f32], &[f32]) = if recipe.hadamard() {
        x_transformed.clear();
        x_transformed.extend_from_slice(o.input);
        dy_transformed.clear();
        dy_transformed.extend_from_slice(o.dz);
        block::hadamard_columns(x_transformed, batch, n_in, recipe.signs);
        block::hadamard_columns(dy_transformed, batch, n_out, recipe.signs);
        (x_transformed, dy_transformed)
    } else {
        (o.input, o.dz)
    };
    block::quantize(x, batch, n_in, kind, columns, None, scaled, false, wgrad_x);
    let seed = stochastic(GradientCopy::Columns);
    block::quantize(
        dy, batch, n_out, kind, columns, seed, scaled, true, wgrad_dy,
    );
    dgrad_dy.stats.transposed_error_sq = wgrad_dy.stats.error_sq;
    dgrad_dy.stats.transposed_value_sq = wgrad_dy.stats.value_sq;
    (wgrad_x.decode * wgrad_dy.decode, dgrad_dy.decode * decode_w)
}

/// A block recipe's output gradient for layer `l`: its record, and the weight-gradient and
/// data-gradient accumulators' factors. The GEMM operands land in `scratch` ([`block_backward`]), or, for
/// a layer the recipe keeps in bf16, the gradient rounded to bf16 in `operand`.
fn block_gradient(
    recipe: &BlockRecipe,
    o: &BlockOperands<'_>,
    shape: (usize, usize, usize),
    (l, n_layers, step_seed): (usize, usize, u64),
    (scratch, operand): (&mut BlockScratch, &mut Vec<f32>),
) -> (TensorRecord, f32, f32) {
    let bf16 = recipe.keeps_in_bf16(l, n_layers);
    let (dw, dx) = if bf16 {
        operand.clear();
        operand.extend(o.dz.iter().map(|&v| Precision::Bf16.round(v)));
        (1.0, 1.0)
    } else {
        block_backward(recipe, o, shape, step_seed, l, scratch)
    };
    let record = block_record(recipe, bf16, l, o.dz, operand, &scratch.dgrad_dy);
    (record, dw, dx)
}

/// The record of a block recipe's output gradient as the data-gradient GEMM reads it: the element
/// inputs against the element codes, with the block counts; the bf16 values for a layer kept in
/// bf16 (`bf16`).
fn block_record(
    recipe: &BlockRecipe,
    bf16: bool,
    l: usize,
    dz: &[f32],
    rounded: &[f32],
    rows: &Quantized,
) -> TensorRecord {
    let kind = TensorKind::OutputGrad { layer: l };
    if bf16 {
        return TensorRecord {
            kind,
            format: Precision::Bf16,
            scale: 1.0,
            stats: TensorStats::of_rounding(dz, rounded, Precision::Bf16),
            blocks: None,
        };
    }
    let format = recipe.element_format();
    TensorRecord {
        kind,
        format,
        scale: 1.0 / rows.decode,
        stats: TensorStats::of_rounding(&rows.element_inputs, &rows.elements, format),
        blocks: Some(rows.stats),
    }
}

/// Largest magnitude (NaN-propagating, so a NaN shows up as a non-finite amax).
pub(crate) fn amax(values: &[f32]) -> f32 {
    let mut m = 0.0f32;
    for &v in values {
        let a = v.abs();
        if a > m || a.is_nan() {
            m = a;
        }
    }
    m
}

/// Multiplies by `scale` and rounds to the fp8 `format`, saturating.
fn quantize(values: &mut [f32], scale: f32, format: Precision) {
    for v in values {
        *v = format.round_with(*v * scale, Overflow::Saturate);
    }
}

/// out (rows x cols) = a (rows x inner) . b (inner x cols); each sum in ascending k, from +0.
pub(crate) fn matmul(
    a: &[f32],
    b: &[f32],
    rows: usize,
    inner: usize,
    cols: usize,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(rows * cols, 0.0);
    for (a_row, out_row) in a.chunks_exact(inner).zip(out.chunks_exact_mut(cols)) {
        for (&a_ik, b_row) in a_row.iter().zip(b.chunks_exact(cols)) {
            for (o, &b_kj) in out_row.iter_mut().zip(b_row) {
                *o += a_ik * b_kj;
            }
        }
    }
}

/// out (inner x cols) = a^T . d, with a (rows x inner) and d (rows x cols); sums in ascending row.
fn matmul_at_b(a: &[f32], d: &[f32], rows: usize, inner: usize, cols: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(inner * cols, 0.0);
    for (a_row, d_row) in a.chunks_exact(inner).zip(d.chunks_exact(cols)).take(rows) {
        for (&a_ik, out_row) in a_row.iter().zip(out.chunks_exact_mut(cols)) {
            for (o, &d_ij) in out_row.iter_mut().zip(d_row) {
                *o += a_ik * d_ij;
            }
        }
    }
}

/// out (rows x inner) = d . w^T, with d (rows x cols) and w (inner x cols); sums in ascending column.
fn matmul_a_bt(d: &[f32], w: &[f32], rows: usize, cols: usize, inner: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(rows * inner, 0.0);
    for (d_row, out_row) in d
        .chunks_exact(cols)
        .zip(out.chunks_exact_mut(inner))
        .take(rows)
    {
        for (o, w_row) in out_row.iter_mut().zip(w.chunks_exact(cols)) {
            let mut acc = 0.0f32;
            for (&x, &y) in d_row.iter().zip(w_row) {
                acc += x * y;
            }
            *o = acc;
        }
    }
}
