//! The storage formats the trainer simulates, and how a value is rounded into one of them.
//!
//! This module owns [`Precision`] (fp32, fp16, bf16, OCP E4M3, OCP E5M2), round-to-nearest-even into
//! each with the format's own overflow rule or saturation ([`Overflow`]), and the facts the statistics
//! need (largest finite value, smallest normal). It does not know where a training recipe rounds (that
//! is `policy` and `cpu`), and it is not the site's general format engine (`crate::formats`): it is a
//! fast, f32-in/f32-out rounder for the few formats training uses. Every value of these formats is
//! exactly an `f32`, so "rounding into the format" returns the nearest such `f32`.
//!
//! Why not `half` on the hot path: one generic bit-trick rounder serves all five formats, and the tests
//! check it against `half::f16` and `half::bf16` (the same RNE as hardware casts), which also vouches
//! for the fp8 instances of the same code; `tests/it/train.rs`
//! (`trainer_rounding_agrees_with_the_format_engine`) checks all four formats against the site's
//! exact format engine too, around every code and midpoint, under both overflow rules.

/// A number format a training recipe keeps some tensor in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precision {
    /// IEEE binary32: the reference; rounding is the identity.
    F32,
    /// IEEE binary16: 5 exponent bits, 10 mantissa bits, max 65504, min normal 2^-14, min subnormal 2^-24.
    F16,
    /// bfloat16: fp32's exponent range with 7 mantissa bits; max ~3.39e38, min subnormal 2^-133.
    Bf16,
    /// OCP FP8 E4M3 ("e4m3fn"): max 448, min normal 2^-6, min subnormal 2^-9; no Inf, overflow is NaN.
    E4m3,
    /// OCP FP8 E5M2: IEEE-like, max 57344, min normal 2^-14, min subnormal 2^-16; overflow is Inf.
    E5m2,
    /// OCP FP4 E2M1 (NVFP4's and MXFP4's element): magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6; no Inf or
    /// NaN, so a value past 6 saturates under either overflow rule.
    E2m1,
}

pub use crate::base::Overflow;

/// The sort of value a rounded number is, within its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueClass {
    /// +0 or -0.
    Zero,
    /// Nonzero and below the smallest normal: fewer significant bits than the format's mantissa.
    Subnormal,
    /// A normal finite value.
    Normal,
    /// Inf or NaN.
    NonFinite,
}

impl Precision {
    /// Every precision, in the order the UI lists them.
    pub const ALL: [Precision; 6] = [
        Precision::F32,
        Precision::F16,
        Precision::Bf16,
        Precision::E4m3,
        Precision::E5m2,
        Precision::E2m1,
    ];

    /// The catalogue name (the same spelling as `crate::formats`: `fp32 fp16 bf16 e4m3fn e5m2`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "fp32",
            Precision::F16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::E4m3 => "e4m3fn",
            Precision::E5m2 => "e5m2",
            Precision::E2m1 => "e2m1fn",
        }
    }

    /// Explicit mantissa bits (excluding the implicit leading one).
    pub fn mantissa_bits(self) -> u32 {
        self.spec().mantissa_bits
    }

    /// The largest finite value.
    pub fn max_finite(self) -> f32 {
        self.spec().max_finite
    }

    /// The smallest positive normal value, 2^(1 - bias).
    pub fn min_normal(self) -> f32 {
        pow2(self.spec().min_normal_exp)
    }

    /// The smallest positive subnormal value, 2^(1 - bias - mantissa_bits).
    pub fn min_subnormal(self) -> f32 {
        let spec = self.spec();
        pow2(spec.min_normal_exp - spec.mantissa_bits as i32)
    }

    /// Rounds `x` to the nearest value of this format, ties to even, with the format's own overflow
    /// rule ([`Overflow::Default`]). NaN stays NaN and the sign of zero is kept.
    #[inline]
    pub fn round(self, x: f32) -> f32 {
        self.round_with(x, Overflow::Default)
    }

    /// Rounds `x` to the nearest value of this format, ties to even, with the given overflow rule.
    #[inline]
    pub fn round_with(self, x: f32, overflow: Overflow) -> f32 {
        match self {
            Precision::F32 => x,
            // Eight magnitudes: a ladder of comparisons beats the generic bit path (NVFP4 rounds
            // every element of every GEMM operand); the tests hold it to the format engine.
            Precision::E2m1 => round_e2m1(x),
            _ => round_minifloat(x, &self.spec(), overflow),
        }
    }

    /// Rounds every element of `values` in place (a no-op for fp32).
    pub fn round_slice(self, values: &mut [f32], overflow: Overflow) {
        if self == Precision::F32 {
            return;
        }
        let spec = self.spec();
        for v in values {
            *v = round_minifloat(*v, &spec, overflow);
        }
    }

    /// Rounds `x` into this format stochastically: up to the next value with probability equal to
    /// the fraction of the gap `x` has crossed, read as 64 bits and compared with `draw` (up when
    /// `draw < fraction`), so the same draw gives the site's format engine's answer
    /// (`formats::Rounding::Stochastic`, whose draw is `base::rng::mix` of its seed). Saturates at
    /// the largest finite value; NaN stays NaN; the sign is kept. fp32 is returned as it is.
    pub fn round_stochastic(self, x: f32, draw: u64) -> f32 {
        if self == Precision::F32 || x.is_nan() || x == 0.0 {
            return x;
        }
        if self == Precision::E2m1 {
            return round_stochastic_e2m1(x, draw);
        }
        let spec = self.spec();
        let magnitude = f64::from(x.abs()).min(f64::from(spec.max_finite));
        // The quantum where |x| lies: 2^(e - m) for normal values, 2^(emin - m) below.
        // An f32 is a normal f64, so its exponent field is floor(log2 |x|).
        let exponent = ((magnitude.to_bits() >> 52) as i32 - 1023).max(spec.min_normal_exp);
        let quantum_exp = exponent - spec.mantissa_bits as i32;
        // Exact: |x| is an f32 and the quantum a power of two within f64's range.
        let scaled = magnitude * pow2_f64(-quantum_exp);
        // Below 2^25 (the largest value over its quantum), so truncating through u64 is floor.
        let whole = (scaled as u64) as f64;
        // The first 64 bits of the fraction (2^64 times a number below 1, truncated).
        let fraction = ((scaled - whole) * 18_446_744_073_709_551_616.0) as u64;
        let up = draw < fraction;
        let rounded = ((whole + f64::from(u8::from(up))) * pow2_f64(quantum_exp)) as f32;
        rounded.min(spec.max_finite).copysign(x)
    }

    /// Classifies a value already in this format (zero, subnormal, normal, Inf/NaN).
    pub fn classify(self, value: f32) -> ValueClass {
        if !value.is_finite() {
            ValueClass::NonFinite
        } else if value == 0.0 {
            ValueClass::Zero
        } else if value.abs() < self.min_normal() {
            ValueClass::Subnormal
        } else {
            ValueClass::Normal
        }
    }

    fn spec(self) -> Spec {
        match self {
            Precision::F32 => Spec {
                mantissa_bits: 23,
                min_normal_exp: -126,
                max_finite: f32::MAX,
                overflow_value: f32::INFINITY,
            },
            Precision::F16 => Spec {
                mantissa_bits: 10,
                min_normal_exp: -14,
                max_finite: 65504.0,
                overflow_value: f32::INFINITY,
            },
            Precision::Bf16 => Spec {
                mantissa_bits: 7,
                min_normal_exp: -126,
                // 0x7F7F: exponent 254, mantissa all ones: (2 - 2^-7) * 2^127.
                max_finite: f32::from_bits(0x7F7F_0000),
                overflow_value: f32::INFINITY,
            },
            Precision::E4m3 => Spec {
                mantissa_bits: 3,
                min_normal_exp: -6,
                // S.1111.111 is NaN, so the largest finite value is 1.110b * 2^8 = 448.
                max_finite: 448.0,
                overflow_value: f32::NAN,
            },
            Precision::E5m2 => Spec {
                mantissa_bits: 2,
                min_normal_exp: -14,
                max_finite: 57344.0,
                overflow_value: f32::INFINITY,
            },
            Precision::E2m1 => Spec {
                mantissa_bits: 1,
                min_normal_exp: 0,
                max_finite: 6.0,
                overflow_value: 6.0,
            },
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Nearest-even into E2M1 (0, 0.5, 1, 1.5, 2, 3, 4, 6), saturating at 6: each midpoint goes to
/// the neighbour whose code is even (0.25 to 0, 0.75 to 1, 1.25 to 1, 1.75 to 2, 2.5 to 2, 3.5 to 4,
/// 5 to 4). NaN stays NaN; the sign is kept.
#[inline(always)]
pub(crate) fn round_e2m1(x: f32) -> f32 {
    let m = x.abs();
    let r: f32 = if m <= 0.25 {
        0.0
    } else if m < 0.75 {
        0.5
    } else if m <= 1.25 {
        1.0
    } else if m < 1.75 {
        1.5
    } else if m <= 2.5 {
        2.0
    } else if m < 3.5 {
        3.0
    } else if m <= 5.0 {
        4.0
    } else if m.is_nan() {
        return x;
    } else {
        6.0
    };
    r.copysign(x)
}

/// [`Precision::round_stochastic`] into E2M1 (x not NaN; zero stays zero), in `f32`: the quantum is 0.5
/// below 2, 1 below 4 and 2 above; `|x| / quantum` is exact, and so is its fraction.
#[inline(always)]
pub(crate) fn round_stochastic_e2m1(x: f32, draw: u64) -> f32 {
    let m = if x.abs() > 6.0 { 6.0 } else { x.abs() };
    let quantum: f32 = if m < 2.0 {
        0.5
    } else if m < 4.0 {
        1.0
    } else {
        2.0
    };
    let scaled = m / quantum;
    let whole = (scaled as u32) as f32;
    let fraction = (f64::from(scaled - whole) * 18_446_744_073_709_551_616.0) as u64;
    let up = draw < fraction;
    ((whole + f32::from(u8::from(up))) * quantum).copysign(x)
}

/// 2^e as an f64, for e in f64's normal range.
pub(crate) fn pow2_f64(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The facts the rounder needs about a binary floating-point format narrower than f32.
#[derive(Clone, Copy, Debug)]
struct Spec {
    mantissa_bits: u32,
    /// Exponent of the smallest normal value (1 - bias).
    min_normal_exp: i32,
    max_finite: f32,
    /// What a too-large value becomes under `Overflow::Default`.
    overflow_value: f32,
}

/// 2^e as an f32, for e in [-149, 127] (below -126 it is an f32 subnormal, still exact).
fn pow2(e: i32) -> f32 {
    debug_assert!((-149..=127).contains(&e));
    if e >= -126 {
        f32::from_bits(((e + 127) as u32) << 23)
    } else {
        f32::from_bits(1 << (e + 149))
    }
}

/// Round-to-nearest-even of an f32 into a narrower binary format, returned as the f32 it equals.
///
/// Two regimes:
///
/// - **Subnormal range** (|x| < 2^emin): the format's values there are the multiples of
///   q = 2^(emin - m). Adding C = q * 2^23 puts |x| + C in [C, 2C), where f32's spacing is exactly q,
///   so the f32 addition itself rounds |x| to a multiple of q with ties to even (IEEE RNE); subtracting
///   C again is exact. The result can be 2^emin itself (rounding up into the normal range), which is
///   correct. This needs no branches on the exponent and works for f32 subnormal inputs too (no FTZ on
///   our targets: x86-64 SSE and wasm32 both keep subnormals).
/// - **Normal range**: keep the top m of f32's 23 mantissa bits. With d = 23 - m dropped bits, adding
///   2^(d-1) - 1 + (bit d of x) and clearing the low d bits rounds to nearest, ties to even: below
///   half the carry never reaches bit d; above half it always does; exactly at half it does only if
///   bit d (the kept lsb) was 1, making the result even. A carry out of the mantissa bumps the
///   exponent, which is the right answer (1.11..1 rounds up to 10.0). Inf stays Inf.
///
/// Then overflow: with unbounded exponent RNE the result exceeds the largest finite value exactly when
/// the IEEE rule sends it to Inf (|x| >= max + ulp(max)/2; the tie goes to the even neighbour above
/// max). The same test gives OCP E4M3's rule, where 480 (S.1111.111) is NaN: |x| > 464 becomes NaN.
#[inline]
fn round_minifloat(x: f32, spec: &Spec, overflow: Overflow) -> f32 {
    if x.is_nan() {
        return x;
    }
    let magnitude = x.abs();
    let rounded = if magnitude < pow2(spec.min_normal_exp) {
        let c = pow2(spec.min_normal_exp - spec.mantissa_bits as i32 + 23);
        (magnitude + c) - c
    } else {
        let dropped = 23 - spec.mantissa_bits;
        let bits = magnitude.to_bits();
        let kept_lsb = (bits >> dropped) & 1;
        let bits = (bits + (1 << (dropped - 1)) - 1 + kept_lsb) & !((1u32 << dropped) - 1);
        f32::from_bits(bits)
    };
    let rounded = if rounded > spec.max_finite {
        match overflow {
            Overflow::Default => spec.overflow_value,
            Overflow::Saturate => spec.max_finite,
        }
    } else {
        rounded
    };
    if rounded.is_nan() {
        rounded
    } else {
        rounded.copysign(x)
    }
}
