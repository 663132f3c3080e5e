//! Number formatting for readouts: short human text and the exact machine-readable `data-value`.
//! Decimal digits come from `formats::decimal` (the text Rust's `{}` and `{:e}` print, without the
//! standard library's float printing in the WebAssembly).

use crate::formats::decimal;

/// The `data-value` attribute of a numeric readout: a decimal string that parses back (with
/// `parseFloat` or Rust's `str::parse`) to exactly the same `f64`; `nan`, `inf`, `-inf` for specials.
///
/// ```
/// use precision_lab::present::number::data_value;
/// assert_eq!(data_value(0.1), "1e-1");
/// assert_eq!(data_value(-0.0), "-0e0");
/// assert_eq!(data_value(f64::NEG_INFINITY), "-inf");
/// assert_eq!(data_value(65504.0).parse::<f64>().unwrap(), 65504.0);
/// ```
pub fn data_value(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        // The shortest digits that read back to the same f64 (`{:e}`'s text).
        decimal::scientific(x)
    }
}

/// A value for reading: the shortest round-trip digits of the `f64`, in plain notation for
/// moderate magnitudes and scientific otherwise (`0.1`, `65504`, `3.4028234663852886e38`).
///
/// ```
/// use precision_lab::present::number::short;
/// assert_eq!(short(0.1), "0.1");
/// assert_eq!(short(65504.0), "65504");
/// assert_eq!(short(2f64.powi(-24)), "5.960464477539063e-8");
/// assert_eq!(short(-0.0), "-0");
/// assert_eq!(short(f64::INFINITY), "+Inf");
/// ```
pub fn short(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let magnitude = x.abs();
    if x == 0.0 || (1e-5..1e16).contains(&magnitude) {
        decimal::plain(x)
    } else {
        decimal::scientific(x)
    }
}

/// A value rounded to `digits` significant digits for a compact readout (`1.49e-9`), marked as
/// approximate by the caller where it matters.
///
/// ```
/// use precision_lab::present::number::sig;
/// assert_eq!(sig(1.4901161193847656e-9, 3), "1.49e-9");
/// assert_eq!(sig(0.00390625, 3), "0.00391");
/// assert_eq!(sig(123456.0, 3), "1.23e5");
/// assert_eq!(sig(0.0, 3), "0");
/// assert_eq!(sig(-9.9996, 4), "-10");
/// assert_eq!(sig(100.0, 3), "100");
/// assert_eq!(sig(-0.000123456, 2), "-0.00012");
/// ```
pub fn sig(x: f64, digits: usize) -> String {
    if !x.is_finite() || x == 0.0 {
        return short(x);
    }
    let digits = digits.max(1);
    // Plain notation for moderate magnitudes: never trailing zeros that would claim more digits.
    decimal::rounded_text(x, digits, |exponent| {
        (-4..digits as i32).contains(&exponent)
    })
}

/// `x` as a power of two when it is one (`2^-14`), for facts like min normal.
///
/// ```
/// use precision_lab::present::number::power_of_two;
/// assert_eq!(power_of_two(2f64.powi(-14)).as_deref(), Some("2^-14"));
/// assert_eq!(power_of_two(1.0).as_deref(), Some("2^0"));
/// assert_eq!(power_of_two(3.0), None);
/// ```
pub fn power_of_two(x: f64) -> Option<String> {
    if !(x.is_finite() && x > 0.0) {
        return None;
    }
    let bits = x.to_bits();
    let exponent_field = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let exponent = if exponent_field == 0 {
        // A subnormal f64 is a power of two when exactly one fraction bit is set.
        if fraction.count_ones() != 1 {
            return None;
        }
        -1074 + fraction.trailing_zeros() as i32
    } else if fraction == 0 {
        exponent_field - 1023
    } else {
        return None;
    };
    Some(format!("2^{exponent}"))
}

/// An integer with thousands separators (`72,706,203,648`).
///
/// ```
/// assert_eq!(precision_lab::present::number::grouped(63488), "63,488");
/// ```
pub fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
