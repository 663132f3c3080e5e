//! Stochastic rounding: reproducible per seed, always one of the two neighbours, unbiased on average.

use precision_lab::formats::{Overflow, Rounding};

use super::format;

#[test]
fn stochastic_rounding_is_unbiased_within_statistical_bounds() {
    // (format, x, lower neighbour, upper neighbour)
    let cases: [(&str, f64, f64, f64); 5] = [
        (
            "fp16",
            1.0 + 0.3 * 2f64.powi(-10),
            1.0,
            1.0 + 2f64.powi(-10),
        ),
        ("e4m3fn", 0.3, 0.28125, 0.3125),
        (
            "bf16",
            -(1.0 + 0.9 * 2f64.powi(-7)),
            -(1.0 + 2f64.powi(-7)),
            -1.0,
        ),
        ("int8", 2.25, 2.0, 3.0),
        ("fp16", 3e-8, 0.0, 2f64.powi(-24)),
    ];
    let draws = 20_000u64;
    for (name, x, lo, hi) in cases {
        let f = format(name);
        let mut ups = 0u64;
        for seed in 0..draws {
            let v = f.round(x, Rounding::Stochastic { seed }, Overflow::Default);
            assert!(v == lo || v == hi, "{name} {x}: {v} is not a neighbour");
            ups += u64::from(v == hi);
        }
        let p = (x - lo) / (hi - lo);
        let observed = ups as f64 / draws as f64;
        let sigma = (p * (1.0 - p) / draws as f64).sqrt();
        // Five standard deviations: a correct implementation fails this about once in 3.5 million runs.
        assert!(
            (observed - p).abs() < 5.0 * sigma,
            "{name} {x}: P(up) {observed} vs {p} (sigma {sigma})"
        );
        // The mean of the stored values is x, within the same bound scaled by the gap.
        let mean = lo + observed * (hi - lo);
        assert!(
            (mean - x).abs() < 5.0 * sigma * (hi - lo),
            "{name} mean {mean} vs {x}"
        );
    }
}

#[test]
fn stochastic_rounding_is_reproducible_and_exact_values_stay() {
    let f = format("fp16");
    let values: Vec<f64> = (0..1000).map(|i| 1.0 + i as f64 * 1e-4).collect();
    let a = f.encode_slice(
        &values,
        Rounding::Stochastic { seed: 42 },
        Overflow::Default,
    );
    let b = f.encode_slice(
        &values,
        Rounding::Stochastic { seed: 42 },
        Overflow::Default,
    );
    let c = f.encode_slice(
        &values,
        Rounding::Stochastic { seed: 43 },
        Overflow::Default,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    // A slice of identical values is not rounded the same way everywhere (one seed per element).
    let same = f.encode_slice(
        &[1.0 + 0.5 * 2f64.powi(-10); 64],
        Rounding::Stochastic { seed: 1 },
        Overflow::Default,
    );
    assert!(same.contains(&0x3c00) && same.contains(&0x3c01));
    for seed in 0..100 {
        assert_eq!(
            f.encode(1.5, Rounding::Stochastic { seed }, Overflow::Default),
            0x3e00
        );
    }
}
