//! Deterministic elementary functions (exp, ln, tanh, sin, cos) for the trainer.
//!
//! `f64::exp`, `tanh`, `sin`, ... call the platform's libm, and libms differ in the last bit between
//! glibc, macOS and the wasm32 build, which would make "same seed, same numbers on every machine" false.
//! These versions use only IEEE-754 basic operations (+ - * / and `floor`, all exactly specified) in
//! f64, so they give the same bits everywhere. Their accuracy (a few f64 ulps) is far finer than the
//! f32 the trainer keeps, which is all that matters here. This module owns nothing else; it is not a
//! general-purpose math library (no care for huge arguments to `sin`/`cos`, which the trainer never
//! passes).

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that `k * LN2_HI` is exact for |k| < 2^11 (fdlibm's `ln2_hi`, `ln2_lo`, given by their bits).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// pi/2 split the same way (fdlibm's `pio2_1`, `pio2_1t`).
const PIO2_HI: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_LO: f64 = f64::from_bits(0x3dd0_b461_1a62_6331);

/// 1/n! for n = 0..=14, evaluated at compile time with the same IEEE arithmetic as at run time.
const INV_FACTORIAL: [f64; 15] = {
    let mut table = [1.0; 15];
    let mut n = 1;
    while n < 15 {
        table[n] = table[n - 1] / n as f64;
        n += 1;
    }
    table
};

/// e^x.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.7 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    // x = k ln2 + r with |r| <= ln2/2, so e^x = 2^k e^r.
    let k = (x * LOG2_E + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series to r^14 in Horner form with the coefficients 1/n! precomputed (multiplications
    // only: this runs once per tanh/GELU/softmax element). The tail is below 1e-17.
    let mut p = INV_FACTORIAL[14];
    for &c in INV_FACTORIAL[..14].iter().rev() {
        p = p * r + c;
    }
    scale_by_pow2(p, k as i32)
}

/// Natural logarithm; NaN for negative input, -Inf at 0.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut x, mut e) = (x, 0i32);
    if x < f64::MIN_POSITIVE {
        x *= pow2(54);
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1023;
    // m in [1, 2), then in [sqrt(1/2), sqrt(2)) so that |s| below is at most 0.1716.
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1); s^2 <= 0.0295.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for n in (0..13).rev() {
        series = 1.0 / f64::from(2 * n + 1) + s2 * series;
    }
    let k = f64::from(e);
    (2.0 * s * series + k * LN2_LO) + k * LN2_HI
}

/// log2 x: exact at powers of two (the exponent of the bits), otherwise `e + ln(m)/ln 2` for
/// x = m 2^e; NaN for negative input, -Inf at 0.
pub fn log2(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return ln(x);
    }
    let (mut x, mut e) = (x, 0i32);
    if x < f64::MIN_POSITIVE {
        x *= pow2(54);
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i32 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m == 1.0 {
        f64::from(e)
    } else {
        f64::from(e) + ln(m) * LOG2_E
    }
}

/// log10 x, a whole number wherever the result is within four ulps of one, so the powers of ten
/// (and the doubles nearest the negative ones, 0.001) give their exponents exactly, as a correctly
/// rounded log10 does: the decade of a value never depends on the platform.
pub fn log10(x: f64) -> f64 {
    let y = ln(x) / std::f64::consts::LN_10;
    let k = y.round();
    if y.is_finite() && (y - k).abs() <= 4.0 * f64::EPSILON * k.abs().max(1.0) {
        k
    } else {
        y
    }
}

/// Hyperbolic tangent.
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    if x.is_nan() {
        return x;
    }
    if a > 20.0 {
        return 1f64.copysign(x);
    }
    if a < 1e-3 {
        // tanh x = x - x^3/3 + 2x^5/15 - ...; the next term is below 1e-20 relative.
        let a2 = a * a;
        return (a * (1.0 - a2 / 3.0 + 2.0 * a2 * a2 / 15.0)).copysign(x);
    }
    let e = exp(2.0 * a);
    ((e - 1.0) / (e + 1.0)).copysign(x)
}

/// Sine, for |x| up to about 1e6 (the reduction by pi/2 uses a two-part constant).
pub fn sin(x: f64) -> f64 {
    let (quadrant, r) = reduce(x);
    match quadrant {
        0 => sin_poly(r),
        1 => cos_poly(r),
        2 => -sin_poly(r),
        _ => -cos_poly(r),
    }
}

/// Cosine, for |x| up to about 1e6.
pub fn cos(x: f64) -> f64 {
    let (quadrant, r) = reduce(x);
    match quadrant {
        0 => cos_poly(r),
        1 => -sin_poly(r),
        2 => -cos_poly(r),
        _ => sin_poly(r),
    }
}

/// x = k pi/2 + r with |r| <= pi/4; returns (k mod 4, r).
fn reduce(x: f64) -> (u8, f64) {
    let k = (x * std::f64::consts::FRAC_2_PI + 0.5).floor();
    let r = (x - k * PIO2_HI) - k * PIO2_LO;
    ((k as i64).rem_euclid(4) as u8, r)
}

/// Taylor series of sin on [-pi/4, pi/4], to r^19 (tail below 1e-19).
fn sin_poly(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = 1.0;
    // sin r = r (1 - r^2/(2*3) (1 - r^2/(4*5) (1 - ...)))
    for n in (1..=9).rev() {
        let n = f64::from(n);
        p = 1.0 - r2 / ((2.0 * n) * (2.0 * n + 1.0)) * p;
    }
    r * p
}

/// Taylor series of cos on [-pi/4, pi/4], to r^20.
fn cos_poly(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = 1.0;
    // cos r = 1 - r^2/(1*2) (1 - r^2/(3*4) (1 - ...))
    for n in (1..=10).rev() {
        let n = f64::from(n);
        p = 1.0 - r2 / ((2.0 * n - 1.0) * (2.0 * n)) * p;
    }
    p
}

/// p * 2^k for k in [-1080, 1030], exact unless the result is subnormal.
fn scale_by_pow2(mut p: f64, mut k: i32) -> f64 {
    if k > 1000 {
        p *= pow2(1000);
        k -= 1000;
    } else if k < -1000 {
        p *= pow2(-1000);
        k += 1000;
    }
    p * pow2(k)
}

fn pow2(k: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&k));
    f64::from_bits(((k + 1023) as u64) << 52)
}
