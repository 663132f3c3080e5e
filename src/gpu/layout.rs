//! Where the host and the kernels meet: the per-step scalars' slots, the summary's words and the
//! `params.mode` codes, each the twin of a constant in `shaders/common.wgsl` (a test checks that
//! every pair agrees).

use crate::train::stats::HIST_BINS;

/// Layers the summary has room for (`MAX_LAYERS`: 4 hidden + the output layer).
pub const MAX_LAYERS: usize = 5;

/// The per-step scalars' slots (`STEP_*`).
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
/// fp8 scales: `STEP_SCALES + 3 * layer + (0 input, 1 weight, 2 output gradient)`; under
/// current scaling the kernels write them (`blocks.wgsl`).
pub const STEP_SCALES: usize = 16;
/// Block recipes' stochastic-rounding seeds: `STEP_SEEDS + 8 * layer + 4 * copy + i`, a 64-bit seed
/// as four 16-bit parts (lowest first), each an f32 integer; copy 0 is the output gradient along
/// its rows, 1 down its columns.
pub const STEP_SEEDS: usize = STEP_SCALES + 3 * MAX_LAYERS;
/// NVFP4's tensor scales `S_enc`, written by the kernels: `STEP_ENC + 6 * layer + operand`
/// (`OPERAND_*`); the host writes 1.
pub const STEP_ENC: usize = STEP_SEEDS + 8 * MAX_LAYERS;
/// Words of the per-step scalars buffer.
pub const STEP_WORDS: usize = STEP_ENC + 6 * MAX_LAYERS;

/// The operands a block-scaled layer quantizes: the input and weights of the forward GEMM, the
/// output gradient along its rows and the weights along theirs (data gradient), the input and the
/// output gradient down their columns (weight gradient).
pub const OPERAND_INPUT: usize = 0;
pub const OPERAND_WEIGHT: usize = 1;
pub const OPERAND_GRAD_ROWS: usize = 2;
pub const OPERAND_WEIGHT_ROWS: usize = 3;
pub const OPERAND_INPUT_COLUMNS: usize = 4;
pub const OPERAND_GRAD_COLUMNS: usize = 5;

/// A block-scaled layer's words in the summary, after the statistics records: the operands'
/// amaxes (`BLOCK_AMAX + operand`, f32 bits), the counts of the output gradient's row-wise
/// quantization, its sums (f32 bits) and those of the column-wise one, and its `S_enc`.
pub const BLOCK_AMAX: usize = 0;
pub const BLOCK_COUNT: usize = 6;
pub const BLOCK_SATURATED: usize = 7;
pub const BLOCK_UNDERFLOWED: usize = 8;
pub const BLOCK_FLUSHED: usize = 9;
pub const BLOCK_NONZERO: usize = 10;
pub const BLOCK_ERROR_SQ: usize = 11;
pub const BLOCK_VALUE_SQ: usize = 12;
pub const BLOCK_READ_ABS: usize = 13;
pub const BLOCK_VALUE_ABS: usize = 14;
pub const BLOCK_T_ERROR_SQ: usize = 15;
pub const BLOCK_T_VALUE_SQ: usize = 16;
pub const BLOCK_ENCODE: usize = 17;
pub const BLOCK_WORDS: usize = 18;

/// The first of layer `l`'s block words in a summary of `n_layers` layers.
pub fn block_base(n_layers: usize, l: usize) -> usize {
    STAT_BASE + 2 * n_layers * STAT_WORDS + BLOCK_WORDS * l
}

/// The summary's words (`SUM_*`, `STAT_*`): flags, the layers whose parameters went non-finite,
/// update counts, correct rows, the amaxes, then one statistics record per tensor.
pub const SUM_FLAGS: usize = 0;
pub const SUM_BAD_LAYERS: usize = 1;
pub const SUM_ATTEMPTED: usize = 2;
pub const SUM_LOST: usize = 3;
pub const SUM_CORRECT: usize = 4;
pub const SUM_AMAX: usize = 5;
pub const STAT_BASE: usize = SUM_AMAX + 3 * MAX_LAYERS;
pub const STAT_WORDS: usize = 5 + HIST_BINS + 4;
/// `SUM_FLAGS` bit: a gradient was Inf or NaN (the step is skipped).
pub const FLAG_INF_GRAD: u32 = 2;

/// GEMM `params.mode` bits (`matmul.wgsl`): A transposed (the weight gradient xᵀ·dz), B transposed
/// (the input gradient dz·Wᵀ), add the bias before the rounding (the forward epilogue), keep the
/// value before rounding (for the statistics).
pub const GEMM_TRANSPOSE_A: u32 = 1;
pub const GEMM_TRANSPOSE_B: u32 = 2;
pub const GEMM_ADD_BIAS: u32 = 4;
pub const GEMM_KEEP_RAW: u32 = 8;
/// Quantize `params.mode`: also keep the scaled value before rounding.
pub const QUANTIZE_KEEP_SCALED: u32 = 1;
/// `block_quantize`'s `params.mode` bits: NVFP4 (else MXFP8); blocks down columns, or 16x16
/// tiles (else along rows); stochastic rounding; keep the element inputs and codes and count.
pub const BLOCK_NVFP4: u32 = 1;
pub const BLOCK_COLUMNS: u32 = 2;
pub const BLOCK_TILES: u32 = 4;
pub const BLOCK_STOCHASTIC: u32 = 8;
pub const BLOCK_PROBE: u32 = 16;
/// The blocks `block_quantize` cuts a `rows x cols` operand into under `mode` (one thread each).
pub fn block_count(rows: usize, cols: usize, mode: u32) -> usize {
    let size = if mode & BLOCK_NVFP4 != 0 { 16 } else { 32 };
    if mode & BLOCK_TILES != 0 {
        rows.div_ceil(16) * cols.div_ceil(16)
    } else if mode & BLOCK_COLUMNS != 0 {
        cols * rows.div_ceil(size)
    } else {
        rows * cols.div_ceil(size)
    }
}

/// `block_errors`' `params.mode`: the column-wise copy (its two sums only).
pub const BLOCK_ERRORS_TRANSPOSED: u32 = 1;
/// Activation `params.mode`.
pub const ACT_RELU: u32 = 0;
pub const ACT_TANH: u32 = 1;
pub const ACT_GELU: u32 = 2;
/// Loss `params.mode`: softmax cross-entropy, MSE against a one-hot class, MSE against values.
pub const LOSS_CROSS_ENTROPY: u32 = 0;
pub const LOSS_MSE_CLASS: u32 = 1;
pub const LOSS_MSE_VALUES: u32 = 2;
