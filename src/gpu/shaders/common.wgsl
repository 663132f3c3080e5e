// Shared by every kernel: the per-dispatch parameters, the per-step scalars, and rounding an f32 into
// the trainer's formats with u32 bit operations, bit for bit as `train::precision::round_minifloat`.
// Format codes: 0 fp32, 1 fp16, 2 bf16, 3 e4m3fn, 4 e5m2, 5 e2m1fn (`gpu::kernels::format_code`).
// Overflow codes: 0 the format's own rule (Inf, or NaN for e4m3fn), 1 saturate to the largest finite.

// What one dispatch works on; each kernel documents how it reads the fields.
struct Params {
    n: u32,
    rows: u32,
    inner: u32,
    cols: u32,
    fmt: u32,
    fmt2: u32,
    mode: u32,
    slot: u32,
}

// Per-step scalars, written by the host before each step (`gpu::layout`, `gpu::run::step_scalars`).
const STEP_LOSS_SCALE: u32 = 0u;
const STEP_INV_SCALE: u32 = 1u;
const STEP_GRAD_COEF: u32 = 2u;
const STEP_LR_NEG: u32 = 3u;
const STEP_MOMENTUM: u32 = 4u;
const STEP_FIRST: u32 = 5u;
const STEP_SIZE_NEG: u32 = 6u;
const STEP_BC2_SQRT: u32 = 7u;
const STEP_ONE_MINUS_BETA1: u32 = 8u;
const STEP_ONE_MINUS_BETA2: u32 = 9u;
const STEP_BETA2: u32 = 10u;
const STEP_EPS: u32 = 11u;
// fp8 scales: STEP_SCALES + 3 * layer + (0 input, 1 weight, 2 output gradient).
const STEP_SCALES: u32 = 16u;
// Block recipes (`gpu::layout`): stochastic-rounding seeds, four 16-bit parts each, and NVFP4's
// tensor scales, which the kernels write; the host passes their indices in `params`.
const STEP_SEEDS: u32 = 31u;
const STEP_ENC: u32 = 71u;

// Summary words (atomics), cleared at the start of each step (`gpu::layout`, read by
// `GpuLane::outcome`).
const SUM_FLAGS: u32 = 0u;        // bit 0: the loss was Inf/NaN; bit 1: a gradient was Inf/NaN
const SUM_BAD_LAYERS: u32 = 1u;   // bit l: layer l's parameters became Inf/NaN
const SUM_ATTEMPTED: u32 = 2u;
const SUM_LOST: u32 = 3u;
const SUM_CORRECT: u32 = 4u;
const SUM_AMAX: u32 = 5u;         // + 3 * layer + (0 input, 1 weight, 2 output gradient): f32 bits
// Tensor statistics start at SUM_AMAX + 3 * MAX_LAYERS; each record is STAT_WORDS words:
// zeros, flushed, subnormal, overflowed, non_finite, then the histogram (HIST_BINS bins, zero,
// below, above, non_finite).
const MAX_LAYERS: u32 = 5u;
const STAT_BASE: u32 = 20u;
const STAT_WORDS: u32 = 69u;
const HIST_MIN_EXP: i32 = -40;
const HIST_MAX_EXP: i32 = 20;
const HIST_BINS: u32 = 60u;

// params.mode of the kernels that take one (`gpu::layout`; a test checks they agree).
// GEMM bits: A transposed, B transposed, add the bias (forward epilogue), keep the value before rounding.
const GEMM_TRANSPOSE_A: u32 = 1u;
const GEMM_TRANSPOSE_B: u32 = 2u;
const GEMM_ADD_BIAS: u32 = 4u;
const GEMM_KEEP_RAW: u32 = 8u;
// quantize: also keep the scaled value before rounding.
const QUANTIZE_KEEP_SCALED: u32 = 1u;
// block_quantize bits, block_errors' mode, and a block-scaled layer's summary words.
const BLOCK_NVFP4: u32 = 1u;
const BLOCK_COLUMNS: u32 = 2u;
const BLOCK_TILES: u32 = 4u;
const BLOCK_STOCHASTIC: u32 = 8u;
const BLOCK_PROBE: u32 = 16u;
const BLOCK_ERRORS_TRANSPOSED: u32 = 1u;
const BLOCK_COUNT: u32 = 6u;
const BLOCK_SATURATED: u32 = 7u;
const BLOCK_UNDERFLOWED: u32 = 8u;
const BLOCK_FLUSHED: u32 = 9u;
const BLOCK_NONZERO: u32 = 10u;
const BLOCK_ERROR_SQ: u32 = 11u;
const BLOCK_T_ERROR_SQ: u32 = 15u;
const BLOCK_ENCODE: u32 = 17u;
// Activations.
const ACT_RELU: u32 = 0u;
const ACT_TANH: u32 = 1u;
const ACT_GELU: u32 = 2u;
// Losses: softmax cross-entropy, MSE against a one-hot class, MSE against regression values.
const LOSS_CROSS_ENTROPY: u32 = 0u;
const LOSS_MSE_CLASS: u32 = 1u;
const LOSS_MSE_VALUES: u32 = 2u;

const FLAG_LOSS: u32 = 1u;
const FLAG_INF_GRAD: u32 = 2u;

struct Spec {
    mantissa: u32,
    min_normal_exp: i32,
    max_bits: u32,
    overflow_bits: u32,
}

fn spec(fmt: u32) -> Spec {
    switch fmt {
        case 1u: { return Spec(10u, -14, 0x477fe000u, 0x7f800000u); }
        case 2u: { return Spec(7u, -126, 0x7f7f0000u, 0x7f800000u); }
        case 3u: { return Spec(3u, -6, 0x43e00000u, 0x7fc00000u); }
        // E2M1: no Inf or NaN, a value past 6 saturates.
        case 5u: { return Spec(1u, 0, 0x40c00000u, 0x40c00000u); }
        default: { return Spec(2u, -14, 0x47600000u, 0x7f800000u); }
    }
}

// k * 2^q as f32 bits, exactly, for k < 2^24 and q >= -149.
fn from_scaled(k: u32, q: i32) -> u32 {
    if (k == 0u) {
        return 0u;
    }
    let p = i32(firstLeadingBit(k));
    let e = q + p;
    if (e >= -126) {
        return (u32(e + 127) << 23u) | ((k << u32(23 - p)) & 0x7fffffu);
    }
    return k << u32(q + 149);
}

// Round-to-nearest-even of the f32 with bits `x` into format `fmt` with overflow rule `ovf`, as the
// bits of the f32 it equals. NaN is returned unchanged; the sign of zero is kept; Inf follows the
// overflow rule (Inf, NaN for e4m3fn, or the largest finite value when saturating).
fn round_emulated(x: u32, fmt: u32, ovf: u32) -> u32 {
    let s = spec(fmt);
    let mag = x & 0x7fffffffu;
    if (mag > 0x7f800000u) {
        return x;
    }
    var r = mag;
    if (mag != 0x7f800000u && mag != 0u) {
        let biased = mag >> 23u;
        var sig = mag & 0x7fffffu;
        var e = -126;
        if (biased != 0u) {
            e = i32(biased) - 127;
            sig = sig | 0x800000u;
        }
        // The quantum: 2^(e - m) for normal results, 2^(emin - m) below the smallest normal.
        let q = max(e, s.min_normal_exp) - i32(s.mantissa);
        let shift = u32(min(q - (e - 23), 31));
        var k = sig >> shift;
        let rem = sig & ((1u << shift) - 1u);
        let half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (k & 1u) == 1u)) {
            k = k + 1u;
        }
        r = from_scaled(k, q);
    }
    if (r > s.max_bits) {
        if (ovf == 1u) {
            r = s.max_bits;
        } else if (s.overflow_bits > 0x7f800000u) {
            return s.overflow_bits;
        } else {
            r = s.overflow_bits;
        }
    }
    return r | (x & 0x80000000u);
}

fn round_bits(x: u32, fmt: u32, ovf: u32) -> u32 {
    if (fmt == 0u) {
        return x;
    }
    if (fmt == 1u) {
        return round_f16(x, ovf);
    }
    return round_emulated(x, fmt, ovf);
}

fn rnd(v: f32, fmt: u32) -> f32 {
    return bitcast<f32>(round_bits(bitcast<u32>(v), fmt, 0u));
}

fn rnd_sat(v: f32, fmt: u32) -> f32 {
    return bitcast<f32>(round_bits(bitcast<u32>(v), fmt, 1u));
}

fn is_finite_bits(x: u32) -> bool {
    return (x & 0x7f800000u) != 0x7f800000u;
}

fn is_finite(v: f32) -> bool {
    return is_finite_bits(bitcast<u32>(v));
}
