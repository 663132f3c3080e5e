//! `formats::decimal` prints what Rust's own float formatting prints (`{}`, `{:e}`, `{:.N e}`),
//! for random bit patterns, every power of two and ten, the binade boundaries, subnormals and ties.

use precision_lab::formats::decimal::{plain, scientific, scientific_rounded};

use super::TestRng;

#[track_caller]
fn agree(x: f64) {
    assert_eq!(
        plain(x),
        format!("{x}"),
        "{{}} of {x:e} ({:#x})",
        x.to_bits()
    );
    assert_eq!(
        scientific(x),
        format!("{x:e}"),
        "{{:e}} of {x:e} ({:#x})",
        x.to_bits()
    );
    for fraction in [0, 1, 2, 3, 5, 8, 16, 20] {
        assert_eq!(
            scientific_rounded(x, fraction),
            format!("{x:.fraction$e}"),
            "{{:.{fraction}e}} of {x:e} ({:#x})",
            x.to_bits()
        );
    }
}

fn values(random: usize) -> Vec<f64> {
    let mut rng = TestRng(0x0dec_13a1);
    let mut xs: Vec<f64> = (0..random)
        .map(|_| f64::from_bits(rng.next_u64()))
        .collect();
    // Values near the decimal magnitudes people read, with random low bits.
    for _ in 0..random {
        let bits = rng.next_u64();
        let exponent = 1023 - 40 + (bits >> 58) as i64 + ((bits >> 52) & 0x1f) as i64;
        xs.push(f64::from_bits(
            ((exponent as u64) << 52) | (bits & ((1 << 52) - 1)),
        ));
    }
    for p in -1074..=1023 {
        let two = if p >= -1022 {
            f64::from_bits(((p + 1023) as u64) << 52)
        } else {
            f64::from_bits(1 << (p + 1074))
        };
        xs.extend([
            two,
            f64::from_bits(two.to_bits() + 1),
            f64::from_bits(two.to_bits().saturating_sub(1)),
        ]);
    }
    for p in -323..=308 {
        let ten: f64 = format!("1e{p}").parse().unwrap();
        xs.extend([
            ten,
            f64::from_bits(ten.to_bits() + 1),
            f64::from_bits(ten.to_bits() - 1),
        ]);
    }
    // Exact decimal ties at a few digits (0.125, 2.5, 0.5, 1.25e-1...) and small integers.
    for n in 0..20_000u32 {
        xs.push(n as f64);
        xs.push(n as f64 / 8.0);
        xs.push(n as f64 / 1024.0);
    }
    xs.extend([
        0.0,
        -0.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::from_bits(1),
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.1,
        0.2,
        0.3,
        1.0 / 3.0,
        65504.0,
        5e-324,
        1.7976931348623157e308,
        9007199254740993.0,
    ]);
    xs.extend(xs.clone().iter().map(|x| -x));
    xs
}

#[test]
fn decimal_text_is_what_rust_prints() {
    let random = if std::env::var_os("PRECISION_LAB_FULL_SWEEP").is_some() {
        2_000_000
    } else {
        20_000
    };
    for x in values(random) {
        agree(x);
    }
}

#[test]
fn every_f32_value_in_a_sample_prints_as_rust_prints_it_widened() {
    // Values the site shows are mostly small formats' values, exactly f32s.
    let mut rng = TestRng(0xf32);
    for _ in 0..50_000 {
        agree(f32::from_bits((rng.next_u64() >> 32) as u32) as f64);
    }
}

/// `present::number::sig` as it was written on Rust's `{:.N e}` (the reference the digits-based
/// version must equal).
fn sig_reference(x: f64, digits: usize) -> String {
    if !x.is_finite() || x == 0.0 {
        return precision_lab::present::number::short(x);
    }
    let digits = digits.max(1);
    let scientific = format!("{:.*e}", digits - 1, x);
    let (mantissa, exponent) = scientific.split_once('e').unwrap();
    let exponent: i32 = exponent.parse().unwrap();
    let trim = |t: &str| -> String {
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t.to_string()
        }
    };
    let mantissa = trim(mantissa);
    if (-4..digits as i32).contains(&exponent) {
        let (sign, mantissa) = match mantissa.strip_prefix('-') {
            Some(rest) => ("-", rest.to_string()),
            None => ("", mantissa.clone()),
        };
        let figures: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let point = exponent + 1;
        let plain = if point <= 0 {
            format!("0.{}{figures}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= figures.len() {
            format!("{figures}{}", "0".repeat(point as usize - figures.len()))
        } else {
            let (whole, fraction) = figures.split_at(point as usize);
            format!("{whole}.{fraction}")
        };
        format!("{sign}{}", trim(&plain))
    } else {
        format!("{mantissa}e{exponent}")
    }
}

#[test]
fn significant_figures_read_as_rounding_the_exact_value_does() {
    use precision_lab::present::number::sig;
    for x in values(5_000) {
        for digits in [1, 2, 3, 4, 6, 17] {
            assert_eq!(
                sig(x, digits),
                sig_reference(x, digits),
                "sig({x:e}, {digits})"
            );
        }
    }
}
