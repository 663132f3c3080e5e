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
/// fp8 scales: `STEP_SCALES + 3 * layer + (0 input, 1 weight, 2 output gradient)`.
pub const STEP_SCALES: usize = 16;
/// Words of the per-step scalars buffer.
pub const STEP_WORDS: usize = STEP_SCALES + 3 * MAX_LAYERS;

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
/// Activation `params.mode`.
pub const ACT_RELU: u32 = 0;
pub const ACT_TANH: u32 = 1;
pub const ACT_GELU: u32 = 2;
/// Loss `params.mode`: softmax cross-entropy, MSE against a one-hot class, MSE against values.
pub const LOSS_CROSS_ENTROPY: u32 = 0;
pub const LOSS_MSE_CLASS: u32 = 1;
pub const LOSS_MSE_VALUES: u32 = 2;
