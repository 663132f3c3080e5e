//! An `f64` as decimal text, the same text as Rust's `{}`, `{:e}` and `{:.N e}`, computed on exact
//! integers with the engine's own big integers instead of the standard library's float printing
//! (Grisu with a Dragon4 fallback), which would add about 16 KB of WebAssembly to every page that
//! shows a number. `tests/it/formats/decimal.rs` holds every function here to the standard
//! library's text, for millions of values and every boundary case.
//!
//! Shortest digits: the fewest significant digits whose decimal value reads back (round to nearest,
//! ties to even) to the same `f64`, and of those the closest to it (Steele and White, "How to print
//! floating-point numbers accurately", PLDI 1990; the interval rule of Adams, "Ryū", PLDI 2018).

use super::bignum::BigUint;
use super::exact::decompose;

/// Significant decimal digits (ASCII, the first non-zero, no trailing zeros) and the power of ten
/// of the first: `digits[0].digits[1..] x 10^exponent`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Digits {
    digits: Vec<u8>,
    exponent: i32,
}

/// Each of `ns` times `2^shift` for `shift >= 0`, or times `5^-shift / 10^-shift` otherwise (the
/// power of five computed once): their decimal digits as integers, and how many of those digits
/// are after the point.
fn scaled<const N: usize>(ns: [u64; N], shift: i32) -> ([BigUint; N], u32) {
    if shift >= 0 {
        (ns.map(|n| BigUint::from_u64(n).shl(shift as u64)), 0)
    } else {
        let places = shift.unsigned_abs();
        let five = BigUint::pow(5, places);
        (ns.map(|n| BigUint::from_u64(n).mul(&five)), places)
    }
}

/// ASCII digits of `n`, left-padded with zeros to `width`.
fn padded(n: &BigUint, width: usize) -> Vec<u8> {
    let text = n.to_decimal().into_bytes();
    let mut out = vec![b'0'; width.saturating_sub(text.len())];
    out.extend_from_slice(&text);
    out
}

/// `digits + 1` as a decimal number of the same width, or `None` when it carries out (all nines).
fn increment(digits: &[u8]) -> Option<Vec<u8>> {
    let mut out = digits.to_vec();
    for d in out.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return Some(out);
        }
    }
    None
}

/// `digits` (an integer's, `point` of them after the decimal point) as significant digits.
fn significant(mut digits: Vec<u8>, point: i64) -> Digits {
    let width = digits.len() as i64;
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    Digits {
        digits,
        exponent: (width - 1 - lead as i64 - point) as i32,
    }
}

/// The shortest digits of a finite, non-zero `|x|` that read back to `x`.
fn shortest(x: f64) -> Digits {
    let (m, e) = decompose(x.abs());
    // The interval of reals that round to x, in units of 2^(e-2): [4m - 2, 4m + 2], or
    // [4m - 1, 4m + 2] at the bottom of a binade (the gap below is half the gap above). Its ends
    // round to x only when m is even (ties go to the even significand).
    let boundary = m == 1 << 52 && e > -1074;
    let ([low, mid, high], point) = scaled(
        [4 * m - if boundary { 1 } else { 2 }, 4 * m, 4 * m + 2],
        e - 2,
    );
    let inclusive = m % 2 == 0;
    let high = high.to_decimal().into_bytes();
    let width = high.len();
    let (low, mid) = (padded(&low, width), padded(&mid, width));
    // The coarsest power of ten 10^t with a multiple in the interval: x's digits cut after
    // `keep = width - t`, or those digits plus one, whichever lie in it (and of two, the nearer).
    for keep in 1..=width {
        let t = width - keep;
        let floor = &mid[..keep];
        let zeros = |d: &[u8]| d.iter().all(|&c| c == b'0');
        let floor_in = match floor.cmp(&low[..keep]) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => inclusive && zeros(&low[keep..]),
            std::cmp::Ordering::Less => false,
        };
        let ceil = if zeros(&mid[keep..]) {
            None
        } else {
            increment(floor)
        };
        let ceil_in = ceil
            .as_ref()
            .is_some_and(|c| match c.as_slice().cmp(&high[..keep]) {
                std::cmp::Ordering::Less => true,
                // c x 10^t is at most the high end, and below it unless the rest is zeros.
                std::cmp::Ordering::Equal => inclusive || !zeros(&high[keep..]),
                std::cmp::Ordering::Greater => false,
            });
        let chosen = match (floor_in, ceil_in) {
            (false, false) => continue,
            (true, false) => floor.to_vec(),
            (false, true) => ceil.unwrap_or_default(),
            // Both: the nearer; at the exact middle the larger, as the standard library's
            // Dragon4 does.
            (true, true) if mid[keep] >= b'5' => ceil.unwrap_or_default(),
            (true, true) => floor.to_vec(),
        };
        let mut digits = chosen;
        digits.extend(std::iter::repeat_n(b'0', t));
        return significant(digits, point as i64);
    }
    // The whole of x's digits always lie in the interval (keep == width above).
    significant(mid, point as i64)
}

/// A finite, non-zero `|x|` correctly rounded to `count >= 1` significant digits, ties to even.
fn rounded(x: f64, count: usize) -> Digits {
    let (m, e) = decompose(x.abs());
    let ([n], point) = scaled([m], e);
    let exact = significant(n.to_decimal().into_bytes(), point as i64);
    if exact.digits.len() <= count {
        return exact;
    }
    let (kept, rest) = exact.digits.split_at(count);
    let up = match rest[0].cmp(&b'5') {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            rest[1..].iter().any(|&d| d != b'0') || kept[count - 1] % 2 == 1
        }
    };
    if !up {
        return significant(kept.to_vec(), count as i64 - 1 - exact.exponent as i64);
    }
    match increment(kept) {
        Some(digits) => significant(digits, count as i64 - 1 - exact.exponent as i64),
        None => Digits {
            digits: vec![b'1'],
            exponent: exact.exponent + 1,
        },
    }
}

/// A finite, non-zero `x` correctly rounded to `count >= 1` significant digits (ties to even),
/// without trailing zeros: in plain notation when `plain` accepts the power of ten of the rounded
/// value's first digit, else in scientific notation.
///
/// ```
/// use precision_lab::formats::decimal::rounded_text;
/// assert_eq!(rounded_text(1.4901161193847656e-9, 3, |_| false), "1.49e-9");
/// assert_eq!(rounded_text(-9.9996, 4, |_| true), "-10");
/// assert_eq!(rounded_text(0.00390625, 3, |_| true), "0.00391");
/// ```
pub fn rounded_text(x: f64, count: usize, plain: impl Fn(i32) -> bool) -> String {
    let d = rounded(x, count.max(1));
    if plain(d.exponent) {
        placed(x, &d)
    } else {
        exponential(x, &d, 0)
    }
}

/// The text for a NaN, an infinity or a zero (`Some`), as Rust prints them; `None` otherwise.
fn special(x: f64, zero: &str) -> Option<String> {
    if x.is_nan() {
        Some("NaN".into())
    } else if x.is_infinite() {
        Some(if x > 0.0 { "inf" } else { "-inf" }.into())
    } else if x == 0.0 {
        Some(format!(
            "{}{zero}",
            if x.is_sign_negative() { "-" } else { "" }
        ))
    } else {
        None
    }
}

/// Digits in plain notation, never an exponent, with a sign.
fn placed(x: f64, d: &Digits) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let digits: String = d.digits.iter().map(|&c| c as char).collect();
    let count = digits.len() as i32;
    if d.exponent < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-d.exponent - 1) as usize))
    } else if d.exponent + 1 >= count {
        format!(
            "{sign}{digits}{}",
            "0".repeat((d.exponent + 1 - count) as usize)
        )
    } else {
        let (whole, fraction) = digits.split_at(d.exponent as usize + 1);
        format!("{sign}{whole}.{fraction}")
    }
}

/// `d.ddd...e<exponent>` with a sign.
fn exponential(x: f64, d: &Digits, min_fraction: usize) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let first = d.digits[0] as char;
    let mut fraction: String = d.digits[1..].iter().map(|&c| c as char).collect();
    while fraction.len() < min_fraction {
        fraction.push('0');
    }
    if fraction.is_empty() {
        format!("{sign}{first}e{}", d.exponent)
    } else {
        format!("{sign}{first}.{fraction}e{}", d.exponent)
    }
}

/// The shortest round-trip digits in plain notation, never an exponent: Rust's `{}` for `f64`.
///
/// ```
/// use precision_lab::formats::decimal::plain;
/// assert_eq!(plain(0.1), "0.1");
/// assert_eq!(plain(65504.0), "65504");
/// assert_eq!(plain(1e-7), "0.0000001");
/// assert_eq!(plain(-0.0), "-0");
/// assert_eq!(plain(f64::NEG_INFINITY), "-inf");
/// ```
pub fn plain(x: f64) -> String {
    if let Some(text) = special(x, "0") {
        return text;
    }
    placed(x, &shortest(x))
}

/// The shortest round-trip digits in scientific notation: Rust's `{:e}` for `f64`.
///
/// ```
/// use precision_lab::formats::decimal::scientific;
/// assert_eq!(scientific(0.1), "1e-1");
/// assert_eq!(scientific(65504.0), "6.5504e4");
/// assert_eq!(scientific(-0.0), "-0e0");
/// ```
pub fn scientific(x: f64) -> String {
    if let Some(text) = special(x, "0e0") {
        return text;
    }
    exponential(x, &shortest(x), 0)
}

/// `x` correctly rounded to `fraction + 1` significant digits (ties to even) in scientific
/// notation, with exactly `fraction` digits after the point: Rust's `{:.fraction$e}` for `f64`.
///
/// ```
/// use precision_lab::formats::decimal::scientific_rounded;
/// assert_eq!(scientific_rounded(1.4901161193847656e-9, 2), "1.49e-9");
/// assert_eq!(scientific_rounded(0.125, 1), "1.2e-1");
/// assert_eq!(scientific_rounded(100.0, 2), "1.00e2");
/// ```
pub fn scientific_rounded(x: f64, fraction: usize) -> String {
    if let Some(text) = special(x, "0") {
        return if x == 0.0 && fraction > 0 {
            format!("{}.{}e0", text, "0".repeat(fraction))
        } else if x == 0.0 {
            format!("{text}e0")
        } else {
            text
        };
    }
    exponential(x, &rounded(x, fraction + 1), fraction)
}
