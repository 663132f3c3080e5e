//! Block-scaled GEMM operands: how the MXFP8 and NVFP4 training recipes quantize a tensor before a
//! matrix product, and what that did to it.
//!
//! Owns [`BlockRecipe`] (which block format, and the NVFP4 recipe's switches), the quantizers of one
//! operand ([`quantize`]: blocks along a GEMM's reduction dimension, or 16x16 tiles), the random
//! Hadamard transform ([`hadamard_columns`]), per-tensor current scaling ([`current_scale`]) and the
//! counts the view shows ([`BlockStats`]). It does not decide which operand is quantized how (that is
//! `cpu`) and it is pure `f32` arithmetic on `crate::base` only, like the rest of the trainer; the
//! site's format engine (`crate::formats::mx`, `crate::formats::nvfp4`) is the reference the tests
//! hold it to, value for value and stochastic draw for stochastic draw.
//!
//! The arithmetic:
//!
//! - **MXFP8** (OCP Microscaling v1.0; Transformer Engine's `MXFP8BlockScaling`): 32 values share a
//!   power-of-two scale X (E8M0); elements are E4M3, `q_i = e4m3(x_i / X)`, saturating. X is the
//!   smallest power of two with `amax / X <= 448`, so nothing clips (Transformer Engine rounds the
//!   exponent up; OCP's own rule, `floor(log2 amax) - 8`, lets the largest value clip). Transformer
//!   Engine reaches it in `f32` as `amax x f32(1/448)` rounded up to a power of two, which can land one
//!   power lower when that product rounds onto a power of two; the largest element then saturates
//!   at 448. The operand handed to the GEMM is `q_i X`, exact in `f32`.
//! - **NVFP4** (NVIDIA, "Pretraining Large Language Models with NVFP4", arXiv:2509.25149, sections 2
//!   and 4; Transformer Engine's `NVFP4BlockScaling`): 16 values share an E4M3 scale `s`, the tensor
//!   an fp32 scale `S_enc = 448 x 6 / amax`; `q_i = e2m1(clamp(x_i x 1/(s / S_enc), -6, 6))`, in the
//!   order of Transformer Engine's reference quantizer (`formats::nvfp4` has the same steps). The
//!   operand handed to the GEMM is `q_i s` (exact) and the product is multiplied by `1 / S_enc` of
//!   each operand, as the GEMM's epilogue does. Weights use 16x16 tiles, so the weight and its
//!   transpose share one quantization; gradients round stochastically.
//!
//! Where `train::cpu` quantizes, layer by layer (Transformer Engine's places):
//!
//! - forward: the input along its rows (the GEMM reduces over its columns); the weights down their
//!   columns (MXFP8) or in 16x16 tiles (NVFP4);
//! - backward, data gradient: the output gradient along its rows; MXFP8 quantizes the weights again
//!   along their rows, NVFP4's tiles serve both GEMMs;
//! - backward, weight gradient: the input and the output gradient down their columns (the batch is
//!   the reduction), after the random Hadamard transform when it is on;
//! - a layer the recipe keeps in bf16 rounds its operands to bf16 instead.
//!
//! So the tape keeps the unquantized operands. The GPU backend (`crate::gpu`, `blocks.wgsl`)
//! quantizes the same operands at the same places, one thread per block.

use super::precision::{pow2_f64, round_e2m1, round_stochastic_e2m1, Overflow, Precision};
use crate::base::rng::mix;

/// Which block format a recipe's GEMM operands take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// E4M3 elements in blocks of 32 with an E8M0 (power-of-two) scale.
    Mxfp8,
    /// E2M1 elements in blocks of 16 with an E4M3 scale and an fp32 tensor scale.
    Nvfp4,
}

/// The NVFP4 recipe's tricks, each of which a learner can turn off (arXiv:2509.25149, section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Nvfp4Switches {
    /// Gradients round stochastically (unbiased), weights and activations to nearest-even.
    pub stochastic: bool,
    /// A random 16x16 Hadamard transform on both inputs of the weight-gradient GEMM.
    pub hadamard: bool,
    /// The last layer's GEMMs in bf16 instead of NVFP4.
    pub bf16_last: bool,
    /// The fp32 per-tensor scale (off: `S_enc = 1`, block scales must fit E4M3 by themselves).
    pub tensor_scale: bool,
}

impl Nvfp4Switches {
    /// The published recipe: every trick on.
    pub const ALL_ON: Nvfp4Switches = Nvfp4Switches {
        stochastic: true,
        hadamard: true,
        bf16_last: true,
        tensor_scale: true,
    };
}

/// A block-scaled recipe as the GEMMs apply it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockRecipe {
    pub kind: BlockKind,
    /// NVFP4's switches (MXFP8 rounds everything to nearest-even, keeps every layer and has no
    /// tensor scale or transform).
    pub switches: Nvfp4Switches,
    /// The random signs of the Hadamard transform, bit `i` for row `i` of a 16-row chunk (drawn
    /// once per run from its seed).
    pub signs: u16,
}

impl BlockRecipe {
    /// Whether the recipe keeps layer `l` of `n_layers` in bf16 (NVFP4's last layer).
    pub fn keeps_in_bf16(&self, l: usize, n_layers: usize) -> bool {
        l + 1 == n_layers && self.kind == BlockKind::Nvfp4 && self.switches.bf16_last
    }

    /// Whether NVFP4's fp32 tensor scale is on (MXFP8 has none).
    pub fn tensor_scale(&self) -> bool {
        self.kind == BlockKind::Nvfp4 && self.switches.tensor_scale
    }

    /// Whether gradients round stochastically (NVFP4's switch).
    pub fn stochastic(&self) -> bool {
        self.kind == BlockKind::Nvfp4 && self.switches.stochastic
    }

    /// Whether the weight-gradient GEMM's inputs get the Hadamard transform (NVFP4's switch).
    pub fn hadamard(&self) -> bool {
        self.kind == BlockKind::Nvfp4 && self.switches.hadamard
    }

    /// The format of the elements: E4M3 for MXFP8, E2M1 for NVFP4.
    pub fn element_format(&self) -> Precision {
        match self.kind {
            BlockKind::Mxfp8 => Precision::E4m3,
            BlockKind::Nvfp4 => Precision::E2m1,
        }
    }
}

/// Which copy of a layer's output gradient a stochastic seed is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradientCopy {
    /// Along its rows, for the data-gradient GEMM.
    Rows = 1,
    /// Down its columns, for the weight-gradient GEMM.
    Columns = 2,
}

/// The stochastic-rounding seed of layer `l`'s output gradient, in `copy`, in the step whose seed is
/// `step_seed` (`Run::step_seed`). The one derivation both backends use (the GPU's host writes it
/// into the step's scalars).
pub fn gradient_seed(step_seed: u64, l: usize, copy: GradientCopy) -> u64 {
    mix(mix(step_seed ^ mix(l as u64)) ^ copy as u64)
}

/// How an operand is cut into blocks, relative to its row-major `rows x cols` layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocks {
    /// Consecutive values of a row (the reduction dimension is the columns).
    AlongRows,
    /// Consecutive values of a column (the reduction dimension is the rows).
    AlongColumns,
    /// 16x16 tiles (NVFP4 weights).
    Tiles,
}

/// What quantizing one tensor did to it, for the view's readouts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockStats {
    /// Blocks quantized.
    pub blocks: u32,
    /// Blocks whose scale was clipped at the scale format's largest value, so their largest
    /// elements saturate: for NVFP4, a wanted scale past 464, where nearest-even would have gone
    /// above E4M3's 448 (between 448 and 464 it rounds to 448 anyway, and the tensor's own
    /// largest block lands there by the f32 rounding of `S_enc` alone).
    pub saturated: u32,
    /// Blocks with a nonzero value whose scale underflowed: to zero for NVFP4's E4M3 scale (every
    /// element reads back as 0), to E8M0's smallest power 2^-127 for MXFP8.
    pub underflowed: u32,
    /// Nonzero values that read back as zero.
    pub flushed: u32,
    /// Values counted.
    pub values: u32,
    /// Nonzero values.
    pub nonzero: u32,
    /// Sum of squared errors of the values as read back, and of squared values (relative error).
    pub error_sq: f64,
    pub value_sq: f64,
    /// Sum of magnitudes as read back and as given: below 1 when rounding shrinks values on
    /// average (nearest-even flushing small values to zero), 1 on average when it is unbiased.
    pub read_abs: f64,
    pub value_abs: f64,
    /// The same tensor as the weight-gradient GEMM reads it (down its columns, after the Hadamard
    /// transform when it is on): squared errors and squared values.
    pub transposed_error_sq: f64,
    pub transposed_value_sq: f64,
}

impl BlockStats {
    /// Adds another tensor's counts.
    pub fn add(&mut self, other: &BlockStats) {
        self.blocks += other.blocks;
        self.saturated += other.saturated;
        self.underflowed += other.underflowed;
        self.flushed += other.flushed;
        self.values += other.values;
        self.nonzero += other.nonzero;
        self.error_sq += other.error_sq;
        self.value_sq += other.value_sq;
        self.read_abs += other.read_abs;
        self.value_abs += other.value_abs;
        self.transposed_error_sq += other.transposed_error_sq;
        self.transposed_value_sq += other.transposed_value_sq;
    }

    /// [`relative_error`](Self::relative_error) of the copy the weight-gradient GEMM reads.
    pub fn transposed_relative_error(&self) -> f64 {
        if self.transposed_value_sq > 0.0 {
            (self.transposed_error_sq / self.transposed_value_sq).sqrt()
        } else {
            0.0
        }
    }

    /// The magnitudes read back over the magnitudes given (1 for a zero tensor).
    pub fn magnitude_kept(&self) -> f64 {
        if self.value_abs > 0.0 {
            self.read_abs / self.value_abs
        } else {
            1.0
        }
    }

    /// The root-mean-square error relative to the root-mean-square value (0 for a zero tensor).
    pub fn relative_error(&self) -> f64 {
        if self.value_sq > 0.0 {
            (self.error_sq / self.value_sq).sqrt()
        } else {
            0.0
        }
    }
}

/// The values of one quantized operand, in the GEMM's scaled domain, and what it took.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quantized {
    /// `q_i X` (MXFP8) or `q_i s` (NVFP4), laid out like the input.
    pub values: Vec<f32>,
    /// What the GEMM multiplies its accumulator by for this operand: 1 (MXFP8) or `1 / S_enc`.
    pub decode: f32,
    /// The elements before rounding (`x_i / X`, `x_i S_enc / s`, unclipped) and the element codes'
    /// values `q_i`, for the gradient statistics.
    pub element_inputs: Vec<f32>,
    pub elements: Vec<f32>,
    pub stats: BlockStats,
}

/// The seed of block `block` under `seed`: the format engine's `Rounding::Stochastic { seed }`
/// derived per block (`formats::nvfp4::quantize`), as [`draw_in_block`] then derives it per
/// element.
fn block_seed(seed: u64, block: usize) -> u64 {
    mix(seed ^ mix(block as u64))
}

/// `mix(i)` for the indices of a 16x16 tile, computed once (two of a draw's three mixes remain).
const INDEX_MIX: [u64; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = mix(i as u64);
        i += 1;
    }
    table
};

/// The draw for element `index` of a block seeded `block_seed`.
#[inline(always)]
fn draw_in_block(block_seed: u64, index: usize) -> u64 {
    let index_mix = match INDEX_MIX.get(index) {
        Some(&m) => m,
        None => mix(index as u64),
    };
    mix(mix(block_seed ^ index_mix))
}

/// Per-tensor current scaling (Transformer Engine's `Float8CurrentScaling`,
/// `compute_scale_from_amax` with no epsilon and no power-of-two rounding): `fp8_max / amax` in
/// `f32`; 1 for an amax of 0, Inf or NaN; `f32::MAX` if the quotient overflows.
pub fn current_scale(amax: f32, fp8_max: f32) -> f32 {
    if amax == 0.0 || !amax.is_finite() {
        return 1.0;
    }
    let scale = fp8_max / amax;
    if scale.is_infinite() {
        f32::MAX
    } else {
        scale
    }
}

/// The indices of each block of a `rows x cols` operand, in order, handed to `visit` with the block's
/// number.
fn for_each_block(
    rows: usize,
    cols: usize,
    blocks: Blocks,
    size: usize,
    mut visit: impl FnMut(usize, &[usize]),
) {
    let mut index: Vec<usize> = Vec::with_capacity(size * size);
    let mut number = 0;
    match blocks {
        Blocks::AlongRows => {
            for r in 0..rows {
                for left in (0..cols).step_by(size) {
                    index.clear();
                    index.extend(r * cols + left..r * cols + (left + size).min(cols));
                    visit(number, &index);
                    number += 1;
                }
            }
        }
        Blocks::AlongColumns => {
            for c in 0..cols {
                for top in (0..rows).step_by(size) {
                    index.clear();
                    index.extend((top..(top + size).min(rows)).map(|r| r * cols + c));
                    visit(number, &index);
                    number += 1;
                }
            }
        }
        Blocks::Tiles => {
            for top in (0..rows).step_by(size) {
                for left in (0..cols).step_by(size) {
                    index.clear();
                    for r in top..(top + size).min(rows) {
                        index.extend(r * cols + left..r * cols + (left + size).min(cols));
                    }
                    visit(number, &index);
                    number += 1;
                }
            }
        }
    }
}

/// Largest magnitude, NaN if any value is NaN: the largest of the magnitudes' bit patterns, as
/// NaN's lie above infinity's.
fn amax_of(values: &[f32], index: &[usize]) -> f32 {
    let bits = index
        .iter()
        .fold(0u32, |m, &i| m.max(values[i].to_bits() & 0x7fff_ffff));
    f32::from_bits(bits)
}

/// The MXFP8 block exponent: the smallest e with `amax / 2^e <= 448`, within E8M0's -127..=127.
pub fn mx_exponent(amax: f32) -> i32 {
    if amax == 0.0 {
        return -127;
    }
    let a = f64::from(amax);
    let floor_log2 = (a.to_bits() >> 52) as i32 - 1023;
    // 448 = 1.75 x 2^8: a guess one low at most.
    let guess = floor_log2 - 8;
    let e = if a * pow2_f64(-guess) <= 448.0 {
        guess
    } else {
        guess + 1
    };
    e.clamp(-127, 127)
}

/// Quantizes the row-major `rows x cols` operand `x` as `kind` says, blocks cut as `blocks` says;
/// `stochastic` draws from `seed` (NVFP4 only), `tensor_scale` turns NVFP4's fp32 scale on. Only with
/// `probe` are the value counts and error sums of [`BlockStats`] kept (the block counts always are),
/// and the element inputs and codes for the statistics.
#[allow(clippy::too_many_arguments)]
pub fn quantize(
    x: &[f32],
    rows: usize,
    cols: usize,
    kind: BlockKind,
    blocks: Blocks,
    stochastic: Option<u64>,
    tensor_scale: bool,
    probe: bool,
    out: &mut Quantized,
) {
    out.values.clear();
    out.values.resize(x.len(), 0.0);
    out.element_inputs.clear();
    out.elements.clear();
    if probe {
        out.element_inputs.resize(x.len(), 0.0);
        out.elements.resize(x.len(), 0.0);
    }
    out.stats = BlockStats::default();
    match kind {
        BlockKind::Mxfp8 => {
            out.decode = 1.0;
            for_each_block(rows, cols, blocks, 32, |_, index| {
                mx_block(x, index, probe, out);
            });
        }
        BlockKind::Nvfp4 => {
            let (encode, decode) = if tensor_scale {
                let bits = x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff));
                let amax = f32::from_bits(bits);
                let raw = (448.0f32 * 6.0) / amax;
                let encode = if raw == 0.0 || raw.is_nan() {
                    1.0
                } else {
                    raw.min(f32::MAX)
                };
                (encode, 1.0 / encode)
            } else {
                (1.0, 1.0)
            };
            out.decode = decode;
            for_each_block(rows, cols, blocks, 16, |number, index| {
                nvfp4_block(
                    x,
                    index,
                    encode,
                    decode,
                    stochastic.map(|seed| block_seed(seed, number)),
                    probe,
                    out,
                );
            });
        }
    }
    if !probe {
        return;
    }
    for (&v, &q) in x.iter().zip(&out.values) {
        if v.is_finite() {
            let read = f64::from(q) * f64::from(out.decode);
            out.stats.error_sq += (read - f64::from(v)).powi(2);
            out.stats.value_sq += f64::from(v).powi(2);
            out.stats.read_abs += read.abs();
            out.stats.value_abs += f64::from(v).abs();
        }
    }
}

/// Counts a block and returns its amax; `None` for a block with a NaN, whose values all become
/// NaN.
fn open_block(x: &[f32], index: &[usize], out: &mut Quantized) -> Option<f32> {
    let amax = amax_of(x, index);
    out.stats.blocks += 1;
    if amax.is_nan() {
        for &i in index {
            out.values[i] = f32::NAN;
        }
        return None;
    }
    Some(amax)
}

fn mx_block(x: &[f32], index: &[usize], probe: bool, out: &mut Quantized) {
    let Some(amax) = open_block(x, index, out) else {
        return;
    };
    let stats = &mut out.stats;
    // The exponent E8M0 cannot go below: amax / 2^-128 <= 448 would want -128 or less.
    if amax > 0.0 && f64::from(amax) * pow2_f64(128) <= 448.0 {
        stats.underflowed += 1;
    }
    let e = mx_exponent(amax);
    let (down, up) = (pow2_f64(-e), pow2_f64(e));
    for &i in index {
        let v = x[i];
        let input = (f64::from(v) * down) as f32;
        let q = Precision::E4m3.round_with(input, Overflow::Saturate);
        out.values[i] = (f64::from(q) * up) as f32;
        if probe {
            count(stats, v, q);
            out.element_inputs[i] = input;
            out.elements[i] = q;
        }
    }
}

#[inline(always)]
fn count(stats: &mut BlockStats, v: f32, q: f32) {
    stats.values += 1;
    if v != 0.0 {
        stats.nonzero += 1;
        if q == 0.0 {
            stats.flushed += 1;
        }
    }
}

fn nvfp4_block(
    x: &[f32],
    index: &[usize],
    encode: f32,
    decode: f32,
    stochastic: Option<u64>,
    probe: bool,
    out: &mut Quantized,
) {
    let Some(amax) = open_block(x, index, out) else {
        return;
    };
    let stats = &mut out.stats;
    let wanted = (amax * (encode * (1.0f32 / 6.0))).min(f32::MAX);
    if wanted > 464.0 {
        stats.saturated += 1;
    }
    let scale = Precision::E4m3.round_with(wanted.clamp(-448.0, 448.0), Overflow::Saturate);
    let underflowed = scale == 0.0 && amax > 0.0;
    if underflowed {
        stats.underflowed += 1;
    }
    // For the statistics, a block whose scale underflowed shows its elements where they would
    // have sat (each over the block's amax / 6) and as stored: zero. The arithmetic's own factor
    // for it is f32's largest value, which places them nowhere a reader could use.
    let place = if underflowed { 6.0 / amax } else { 0.0 };
    let factor = (1.0 / (scale * decode)).min(f32::MAX);
    for (k, &i) in index.iter().enumerate() {
        let v = x[i];
        let input = v * factor;
        // Comparisons, not `clamp`: wasm's f32.min/max carry NaN and signed-zero rules that cost
        // a sequence of instructions each (the input is not NaN here).
        #[allow(clippy::manual_clamp)]
        let clipped = if input > 6.0 {
            6.0
        } else if input < -6.0 {
            -6.0
        } else {
            input
        };
        let q = match stochastic {
            Some(seed) => round_stochastic_e2m1(clipped, draw_in_block(seed, k)),
            None => round_e2m1(clipped),
        };
        let value = q * scale;
        out.values[i] = value;
        if probe {
            count(stats, v, value);
            if underflowed {
                out.element_inputs[i] = v * place;
                out.elements[i] = 0.0;
            } else {
                out.element_inputs[i] = input;
                out.elements[i] = q;
            }
        }
    }
}

/// The 16x16 random Hadamard transform on every full chunk of 16 rows of each column of a row-major
/// `rows x cols` matrix, in place: `y = (1/4) H_16 D x` with `H_16` Sylvester's Hadamard matrix
/// (`H[j][i] = (-1)^popcount(i & j)`) and `D` the diagonal of random signs (`signs` bit `i`: -1).
/// The transform is orthogonal, so applied to both inputs of the weight-gradient GEMM (whose
/// reduction runs over the rows) it leaves the exact product unchanged, while it spreads an outlier
/// over its chunk before the block scales are chosen (arXiv:2509.25149, section 4.2). Rows past the
/// last full chunk are left as they are (the identity is orthogonal too). `H_16 D x` is computed by
/// the fast Walsh-Hadamard transform (four rounds of sums and differences of pairs 1, 2, 4, 8 apart,
/// in `f32`), then multiplied by 1/4, which is exact.
pub fn hadamard_columns(values: &mut [f32], rows: usize, cols: usize, signs: u16) {
    let mut chunk = [0.0f32; 16];
    for top in (0..rows.saturating_sub(15)).step_by(16) {
        for c in 0..cols {
            for (i, v) in chunk.iter_mut().enumerate() {
                let x = values[(top + i) * cols + c];
                *v = if signs >> i & 1 == 1 { -x } else { x };
            }
            let mut h = 1;
            while h < 16 {
                for start in (0..16).step_by(2 * h) {
                    for i in start..start + h {
                        let (a, b) = (chunk[i], chunk[i + h]);
                        chunk[i] = a + b;
                        chunk[i + h] = a - b;
                    }
                }
                h *= 2;
            }
            for (j, &v) in chunk.iter().enumerate() {
                values[(top + j) * cols + c] = v * 0.25;
            }
        }
    }
}
