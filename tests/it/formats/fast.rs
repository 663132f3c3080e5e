//! The f32 fast path gives exactly the generic engine's codes.

use precision_lab::formats::{catalogue, Overflow, Rounding};

use super::TestRng;

fn inputs() -> Vec<f32> {
    let mut rng = TestRng(0xfa57);
    let mut xs: Vec<f32> = (0..200_000)
        .map(|_| f32::from_bits((rng.next_u64() >> 32) as u32))
        .collect();
    // Every f32 whose exponent is near a small format's range, with low mantissa bits that make ties.
    for exponent in 0u32..=255 {
        for low in [
            0u32, 1, 0x7, 0x8, 0x800, 0x7fff, 0x8000, 0x8001, 0xfffff, 0x100000, 0x7fffff,
        ] {
            for sign in [0, 1u32 << 31] {
                xs.push(f32::from_bits(sign | exponent << 23 | low));
                xs.push(f32::from_bits(sign | exponent << 23 | (0x7fffff - low)));
            }
        }
    }
    xs.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-45,
    ]);
    xs
}

#[test]
fn fast_path_equals_the_generic_engine() {
    let xs = inputs();
    let mut fast = vec![0u16; xs.len()];
    let mut covered = Vec::new();
    for entry in catalogue() {
        let f = entry.format();
        if !f.has_f32_fast_path(Rounding::NearestEven) {
            continue;
        }
        covered.push(entry.name);
        for overflow in [Overflow::Default, Overflow::Saturate] {
            assert_eq!(
                f.encode_f32_into_u16(&xs, &mut fast, Rounding::NearestEven, overflow),
                xs.len()
            );
            for (&x, &got) in xs.iter().zip(&fast) {
                let want = f.encode(x as f64, Rounding::NearestEven, overflow);
                // A NaN stays a NaN; the fp16 path (handed to `half`) keeps its sign and payload bits.
                let both_nan = x.is_nan() && f.is_nan_code(got as u64) && f.is_nan_code(want);
                assert!(
                    got as u64 == want || both_nan,
                    "{} {overflow:?} {x:e} ({:#x}): fast {got:#x}, generic {want:#x}",
                    entry.name,
                    x.to_bits()
                );
            }
        }
    }
    assert_eq!(
        covered,
        [
            "fp16", "bf16", "e5m2", "e4m3fn", "e4m3fnuz", "e5m2fnuz", "e4m3", "e3m4", "e3m2fn",
            "e2m3fn", "e2m1fn"
        ]
    );
}

#[test]
fn other_modes_and_formats_fall_back_to_the_generic_engine() {
    let xs = [1.3f32, -2.7, 1e9, 0.1];
    let mut out = [0u16; 4];
    for (name, rounding) in [
        ("fp16", Rounding::TowardZero),
        ("int8", Rounding::NearestEven),
        ("e8m0fnu", Rounding::NearestEven),
    ] {
        let f = super::format(name);
        assert_eq!(
            f.encode_f32_into_u16(&xs, &mut out, rounding, Overflow::Default),
            4
        );
        for (&x, &got) in xs.iter().zip(&out) {
            assert_eq!(
                got as u64,
                f.encode(x as f64, rounding, Overflow::Default),
                "{name} {x}"
            );
        }
    }
    let mut short = [0u16; 2];
    assert_eq!(
        super::format("fp16").encode_f32_into_u16(
            &xs,
            &mut short,
            Rounding::NearestEven,
            Overflow::Default
        ),
        2
    );
    assert_eq!(
        super::format("fp32").encode_f32_into_u16(
            &xs,
            &mut out,
            Rounding::NearestEven,
            Overflow::Default
        ),
        0
    );
}
