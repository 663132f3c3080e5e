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
