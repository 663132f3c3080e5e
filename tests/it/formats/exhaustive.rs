//! Every code of every small catalogue format against the textbook decoder, re-encoded; fp16 and bf16
//! against `half`; fp32 against Rust's `f32` casts.

use precision_lab::formats::{Format, Overflow, Rounding};

use super::oracle::{Specials, SMALL};
use super::{check, check_code, format, same, TestRng};

const RNE: Rounding = Rounding::NearestEven;
const DEFAULT: Overflow = Overflow::Default;

#[test]
fn every_code_of_every_small_format_decodes_like_the_textbook_and_reencodes_to_itself() {
    for book in SMALL {
        let f = format(book.name);
        assert_eq!(f.total_bits(), book.bits, "{} width", book.name);
        for code in 0..book.codes() {
            let want = book.value(code);
            let got = f.decode(code);
            assert!(
                same(got, want),
                "{} decode({code:#x}) = {got:?}, textbook says {want:?}",
                book.name
            );
            assert_eq!(
                f.is_nan_code(code),
                want.is_nan(),
                "{} is_nan_code({code:#x})",
                book.name
            );
            let back = f.encode(got, RNE, DEFAULT);
            if want.is_nan() {
                assert!(
                    f.is_nan_code(back),
                    "{} NaN re-encodes to {back:#x}",
                    book.name
                );
            } else {
                check_code(&f, &format!("encode(decode({code:#x}))"), back, code);
            }
        }
    }
}

#[test]
fn codes_above_the_format_width_are_ignored() {
    let f = format("e4m3fn");
    check("decode(0x17e)", f.decode(0x17e), 448.0);
    check("int4 decode(0xf8)", format("int4").decode(0xf8), -8.0);
}

#[test]
fn fp16_and_bf16_agree_with_half_on_every_code_and_every_midpoint() {
    let f16 = format("fp16");
    let b16 = format("bf16");
    let mut x_values = Vec::new();
    for code in 0..=u16::MAX {
        let h = half::f16::from_bits(code).to_f64();
        check(
            &format!("fp16 {code:#06x} vs half"),
            f16.decode(code as u64),
            h,
        );
        let b = half::bf16::from_bits(code).to_f64();
        check(
            &format!("bf16 {code:#06x} vs half"),
            b16.decode(code as u64),
            b,
        );
        x_values.push((h, b));
    }
    // Midpoints between consecutive codes and one f32 ulp either side, converted by half from f32.
    // (half's `from_f64` drops the low 32 bits of an f64 before rounding, so just above a tie it can
    // round the wrong way; `f16::from_f64(2^-25 x (1 + 2^-52))` is 0, not the correct 2^-24. Our f64
    // ties are checked against the oracle in `ties.rs` instead.)
    for pair in x_values.windows(2) {
        let (h0, b0) = pair[0];
        let (h1, b1) = pair[1];
        for (a, b, is_fp16) in [(h0, h1, true), (b0, b1, false)] {
            if !(a.is_finite() && b.is_finite()) {
                continue;
            }
            let mid = (a + (b - a) / 2.0) as f32;
            assert_eq!(
                mid as f64,
                a + (b - a) / 2.0,
                "midpoints of 16-bit formats are f32 values"
            );
            for x in [mid.next_down(), mid, mid.next_up()] {
                let x64 = x as f64;
                if is_fp16 {
                    let want = half::f16::from_f32(x).to_bits() as u64;
                    check_code(
                        &f16,
                        &format!("encode({x:e}) vs half"),
                        f16.encode(x64, RNE, DEFAULT),
                        want,
                    );
                } else {
                    let want = half::bf16::from_f32(x).to_bits() as u64;
                    check_code(
                        &b16,
                        &format!("encode({x:e}) vs half"),
                        b16.encode(x64, RNE, DEFAULT),
                        want,
                    );
                }
            }
        }
    }
    // The case half's f64 path gets wrong, settled by the definition: just above the 0 / 2^-24 tie.
    let x = 2f64.powi(-25) * (1.0 + f64::EPSILON);
    check_code(
        &f16,
        "just above the first tie",
        f16.encode(x, RNE, DEFAULT),
        0x0001,
    );
}

fn check_fp32(f: &Format, x: f64) {
    let want = (x as f32).to_bits() as u64;
    let got = f.encode(x, RNE, DEFAULT);
    if (x as f32).is_nan() {
        assert!(f.is_nan_code(got), "fp32 encode(NaN) = {got:#x}");
    } else {
        assert!(
            got == want,
            "fp32 encode({x:e}) = {got:#x}, `as f32` gives {want:#x}"
        );
    }
}

/// Random f64 values spread over fp32's range and beyond, plus values one f64 ulp around fp32 midpoints.
#[test]
fn fp32_agrees_with_rust_casts_on_random_values() {
    let f = format("fp32");
    let mut rng = TestRng(0x5eed_f32f_32f3_2f32);
    let count: usize = std::env::var("PRECISION_LAB_FP32_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300_000);
    for _ in 0..count {
        // Any f64 whose exponent is within fp32's range +-30 binades, random mantissa and sign.
        let r = rng.next_u64();
        let exponent = (r >> 53) % 320; // 0..320 -> 2^-190 .. 2^130
        let bits = (r & 0x800f_ffff_ffff_ffff) | ((exponent + 1023 - 190) << 52);
        check_fp32(&f, f64::from_bits(bits));
        // Around the midpoint between a random fp32 code and the next one.
        let code = (rng.next_u64() >> 33) as u32;
        let a = f32::from_bits(code) as f64;
        let b = f32::from_bits(code.wrapping_add(1)) as f64;
        assert!(same(f.decode(code as u64), a), "fp32 decode({code:#x})");
        if a.is_finite() && b.is_finite() && code & 0x7fff_ffff != 0x7fff_ffff {
            let mid = a + (b - a) / 2.0;
            for x in [mid.next_down(), mid, mid.next_up()] {
                check_fp32(&f, x);
            }
        }
    }
    for x in [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.0,
        -0.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
    ] {
        check_fp32(&f, x);
    }
}

/// All 2^32 fp32 codes, decoded, re-encoded, and the midpoint to the next code with one f64 ulp either
/// side (only with `PRECISION_LAB_FULL_SWEEP=1`; run it with `--release`). Spread over all cores.
#[test]
fn fp32_full_sweep_when_asked() {
    if std::env::var("PRECISION_LAB_FULL_SWEEP").as_deref() != Ok("1") {
        return;
    }
    let f = format("fp32");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per_thread = (1u64 << 32).div_ceil(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let f = &f;
            scope.spawn(move || {
                let end = ((t + 1) * per_thread).min(1 << 32);
                for code in (t * per_thread..end).map(|c| c as u32) {
                    let x = f32::from_bits(code);
                    assert!(
                        same(f.decode(code as u64), x as f64),
                        "fp32 decode({code:#x})"
                    );
                    if x.is_nan() {
                        continue;
                    }
                    assert_eq!(
                        f.encode(x as f64, RNE, DEFAULT),
                        code as u64,
                        "fp32 re-encode {code:#x}"
                    );
                    let next = f32::from_bits(code.wrapping_add(1));
                    if x.is_finite() && next.is_finite() && code & 0x7fff_ffff != 0x7fff_ffff {
                        let mid = (x as f64 + next as f64) / 2.0;
                        for y in [mid.next_down(), mid, mid.next_up()] {
                            check_fp32(f, y);
                        }
                    }
                }
            });
        }
    });
}

#[test]
fn fp64_decode_and_encode_are_the_identity() {
    let f = format("fp64");
    let mut rng = TestRng(64);
    for _ in 0..100_000 {
        let bits = rng.next_u64();
        let x = f64::from_bits(bits);
        assert!(same(f.decode(bits), x), "fp64 decode({bits:#x})");
        if !x.is_nan() {
            assert_eq!(f.encode(x, RNE, DEFAULT), bits, "fp64 encode({x:e})");
        }
    }
}

#[test]
fn textbook_covers_the_families_it_claims() {
    // Guards the oracle itself: the specials it knows about appear where the specifications put
    // them (docs/sources.md, "Format definitions").
    let find = |name: &str| {
        SMALL
            .iter()
            .find(|b| b.name == name)
            .copied()
            .expect("in SMALL")
    };
    assert!(find("e4m3fn").value(0x7f).is_nan() && find("e4m3fn").value(0x7e) == 448.0);
    assert!(find("e4m3fnuz").value(0x80).is_nan() && find("e4m3fnuz").value(0x7f) == 240.0);
    assert_eq!(find("e8m0fnu").specials, Specials::E8m0);
    assert_eq!(find("e2m1fn").value(0x7), 6.0);
    for level in super::oracle::NF4 {
        assert_eq!(
            level as f32 as f64, level,
            "NF4 level {level} is a float32 value"
        );
    }
}
