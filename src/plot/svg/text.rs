//! How numbers read on a plot: exact decimals, powers of two, `≈` for what is not exact, percents.

use super::axis::{floor_log2, pow2};
use crate::base::detmath;

/// `2⁻²⁴`-style label of a power of two.
pub fn pow2_label(p: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::from("2");
    if p < 0 {
        out.push('⁻');
    }
    for c in p.unsigned_abs().to_string().chars() {
        out.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    out
}

/// A value as a learner should read it: every digit when that is short (`0.0999755859375`,
/// `65504`), `2⁻²⁴` for a power of two, else nine significant digits marked `≈`
/// (`≈0.100000001`). Never a rounded number without the `≈`.
pub fn value_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "−Inf" } else { "+Inf" }.to_string();
    }
    let exact = crate::formats::exact_decimal(x);
    if exact.len() <= 16 {
        return exact.replace('-', "−");
    }
    if x != 0.0 {
        let p = floor_log2(x);
        if x.abs() == pow2(p) {
            let sign = if x < 0.0 { "−" } else { "" };
            return format!("{sign}{}", pow2_label(p));
        }
    }
    approx(x)
}

/// `≈` and nine significant digits, enough to tell any two fp32 values apart (plain notation
/// between 10^-4 and 10^7, else scientific), trailing zeros dropped.
pub(crate) fn approx(x: f64) -> String {
    let magnitude = x.abs();
    let text = if (1e-4..1e7).contains(&magnitude) {
        let digits = (8 - detmath::log10(magnitude).floor() as i32).max(0) as usize;
        let plain = format!("{x:.digits$}");
        if plain.contains('.') {
            plain
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            plain
        }
    } else {
        let sci = format!("{x:.8e}");
        match sci.split_once('e') {
            Some((m, e)) => {
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.')
                } else {
                    m
                };
                format!("{m}e{e}")
            }
            None => sci,
        }
    };
    format!("≈{}", text.replace('-', "−"))
}

/// The editor's input value as typed: the shortest decimal that reads back as the same `f64`
/// (Rust's `Display`), in scientific notation when that is shorter.
pub fn input_text(x: f64) -> String {
    if !x.is_finite() {
        return value_text(x);
    }
    let plain = format!("{x}");
    let sci = format!("{x:e}");
    if sci.len() < plain.len() {
        sci
    } else {
        plain
    }
}

/// A percentage for a share in 0..=1, with just enough digits: `0%`, `<0.1%`, `12.3%`, `100%`;
/// never rounded to 0% or 100% when it is not.
pub(crate) fn percent(share: f64) -> String {
    if share == 0.0 {
        "0%".to_string()
    } else if share < 0.001 {
        "<0.1%".to_string()
    } else if share == 1.0 {
        "100%".to_string()
    } else if share > 0.999 {
        ">99.9%".to_string()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}
