//! The shared foundations: deterministic logarithms exact where a plot or a table needs them to
//! be, and the seeded generator's output function.

use precision_lab::base::detmath;
use precision_lab::base::rng::{mix, SplitMix64};

#[test]
fn log2_and_log10_are_exact_at_powers_and_close_elsewhere() {
    for e in -1074..=1023 {
        let x = if e >= -1022 {
            f64::from_bits(((e + 1023) as u64) << 52)
        } else {
            f64::from_bits(1u64 << (e + 1074))
        };
        assert_eq!(detmath::log2(x), f64::from(e), "2^{e}");
    }
    for k in -20..=22 {
        let x: f64 = format!("1e{k}").parse().unwrap();
        assert_eq!(detmath::log10(x), f64::from(k), "1e{k}");
    }
    for x in [3.0, 0.1, 12_345.678, 1e-300, 7e300, 0.999_999] {
        assert!(
            (detmath::log2(x) - x.log2()).abs() <= 1e-14 * x.log2().abs().max(1.0),
            "log2 {x}"
        );
        assert!(
            (detmath::log10(x) - x.log10()).abs() <= 1e-14 * x.log10().abs().max(1.0),
            "log10 {x}"
        );
    }
    assert!(detmath::log2(-1.0).is_nan() && detmath::log10(f64::NAN).is_nan());
    assert_eq!(detmath::log2(0.0), f64::NEG_INFINITY);
    assert_eq!(detmath::log10(f64::INFINITY), f64::INFINITY);
}

#[test]
fn the_generator_is_splitmix64() {
    // The first outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
    let mut rng = SplitMix64::new(0);
    assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    assert_eq!(
        mix(0),
        0xe220_a839_7b1d_cdaf,
        "mix is the first output of a generator seeded so"
    );
}
