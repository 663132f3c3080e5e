//! Explanations: formulas, exact decimals, shortest round-trip decimals, neighbours and ulps.

use precision_lab::formats::{exact_decimal, parse_input, Class, Overflow, Rounding};

use super::oracle::SMALL;
use super::{format, TestRng};

#[test]
#[allow(clippy::unusual_byte_groupings)] // codes grouped as sign_exponent_mantissa
fn formulas_and_fields() {
    let cases: [(&str, u64, &str, Class); 10] = [
        (
            "e4m3fn",
            0b0_0100_101,
            "(-1)^0 x 2^(4-7) x 1.101b = 0.203125",
            Class::Normal,
        ),
        (
            "e4m3fn",
            0b1_0000_011,
            "(-1)^1 x 2^(1-7) x 0.011b = -0.005859375",
            Class::Subnormal,
        ),
        (
            "e4m3fn",
            0x7f,
            "NaN: exponent and mantissa all ones (no infinities in this format)",
            Class::Nan,
        ),
        ("e4m3fn", 0x80, "(-1)^1 x 0 = -0", Class::Zero),
        (
            "fp16",
            0x7c00,
            "(-1)^0 x infinity (exponent all ones, mantissa 0) = inf",
            Class::Infinite,
        ),
        (
            "e4m3fnuz",
            0x80,
            "NaN: the negative-zero code (no infinities, no -0 in this format)",
            Class::Nan,
        ),
        ("e8m0fnu", 0x00, "", Class::Normal),
        ("e2m1fn", 0x7, "(-1)^0 x 2^(3-1) x 1.1b = 6", Class::Normal),
        (
            "int4",
            0b1101,
            "two's complement 1101b = -3; -3 x 1 = -3",
            Class::Normal,
        ),
        (
            "nf4",
            1,
            "nf4 level 1 = -0.696192800998687744140625 ; x absmax 1 = -0.696192800998687744140625",
            Class::Normal,
        ),
    ];
    for (name, code, formula, class) in cases {
        let d = format(name).explain(code);
        // 2^-127 has 127 decimal places; spelled out below rather than in the table.
        let formula = if formula.is_empty() {
            "2^(0-127) = 0.0000000000000000000000000000000000000058774717541114375398436826861112283890933277838604376075437585313920862972736358642578125"
        } else {
            formula
        };
        assert_eq!(d.formula, formula, "{name} {code:#x}");
        assert_eq!(d.class, class, "{name} {code:#x}");
    }
    let d = format("fp16").explain(0x3555);
    assert_eq!(
        (d.exponent_field, d.mantissa_field, d.exponent),
        (Some(13), Some(0x155), Some(-2))
    );
    assert_eq!(d.bits, "0 01101 0101010101");
    assert_eq!(d.exact_decimal, "0.333251953125");
    assert_eq!(d.shortest_decimal, "0.3333");
    assert!(d.significand == Some(1.0 + 341.0 / 1024.0) && !d.negative);
    assert_eq!(format("e8m0fnu").explain(0x7f).bits, "01111111");
}

#[test]
fn exact_decimals_have_every_digit() {
    assert_eq!(
        exact_decimal(0.1f32 as f64),
        "0.100000001490116119384765625"
    );
    assert_eq!(
        exact_decimal(0.1),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    assert_eq!(exact_decimal(65504.0), "65504");
    assert_eq!(exact_decimal(2f64.powi(70)), "1180591620717411303424");
    let tiny = exact_decimal(5e-324);
    assert!(
        tiny.starts_with("0.000") && tiny.ends_with("625") && tiny.len() == 1076,
        "{}",
        tiny.len()
    );
    assert_eq!(exact_decimal(f64::NEG_INFINITY), "-inf");
    // Every exact decimal parses back to the same f64.
    let mut rng = TestRng(7);
    for _ in 0..2000 {
        let x = f64::from_bits(rng.next_u64());
        if x.is_finite() {
            assert_eq!(
                exact_decimal(x).parse::<f64>().map(f64::to_bits),
                Ok(x.to_bits())
            );
        }
    }
}

#[test]
fn shortest_decimals_round_trip_in_every_small_format() {
    for book in SMALL.iter().filter(|b| b.bits <= 8) {
        let f = format(book.name);
        for code in 0..book.codes() {
            if f.is_nan_code(code) {
                continue;
            }
            let text = f.shortest_decimal(code);
            let back = parse_input(&f, &text).expect("shortest parses").encode(
                &f,
                Rounding::NearestEven,
                Overflow::Default,
            );
            let same_value = f.decode(back) == f.decode(code)
                && f.decode(back).is_sign_negative() == f.decode(code).is_sign_negative();
            assert!(
                same_value,
                "{} {code:#x}: `{text}` reads back as {back:#x}",
                book.name
            );
        }
    }
}

#[test]
fn shortest_decimals_match_rust_for_fp32_and_fp64() {
    // Rust prints the shortest round-trip decimal, closest to the value among the shortest.
    let fp32 = format("fp32");
    let fp64 = format("fp64");
    let mut rng = TestRng(32);
    for _ in 0..400 {
        let code = rng.next_u64() >> 32;
        let x = f32::from_bits(code as u32);
        if x.is_finite() {
            let ours: f64 = fp32.shortest_decimal(code).parse().expect("decimal");
            let rust: f64 = x.to_string().parse().expect("decimal");
            assert_eq!(
                ours,
                rust,
                "fp32 {code:#x}: ours {} rust {x}",
                fp32.shortest_decimal(code)
            );
        }
        let bits = rng.next_u64();
        let y = f64::from_bits(bits);
        // fp64 values reach 1074 decimal places: a quarter of the samples keeps the debug run short.
        if y.is_finite() && code.is_multiple_of(4) {
            assert_eq!(
                fp64.shortest_decimal(bits).parse::<f64>().map(f64::to_bits),
                Ok(bits)
            );
            let digits = |s: &str| {
                s.trim_start_matches('-')
                    .split('e')
                    .next()
                    .unwrap_or("")
                    .replace('.', "")
                    .trim_matches('0')
                    .len()
            };
            assert_eq!(
                digits(&fp64.shortest_decimal(bits)),
                digits(&format!("{y:e}")),
                "fp64 {y:e}"
            );
        }
    }
}

#[test]
fn neighbours_and_ulps() {
    let e4m3 = format("e4m3fn");
    assert_eq!(e4m3.next_up(0x7e), None);
    assert_eq!(e4m3.next_up(0x7d), Some(0x7e));
    assert_eq!(e4m3.next_down(0x00), Some(0x81));
    assert_eq!(e4m3.next_down(0x01), Some(0x00));
    assert_eq!(e4m3.next_up(0x81), Some(0x80));
    assert_eq!(e4m3.next_up(0x7f), None);
    let fnuz = format("e4m3fnuz");
    assert_eq!(fnuz.next_up(0x81), Some(0x00)); // no -0 to land on
    assert_eq!(fnuz.next_down(0x00), Some(0x81));
    let fp16 = format("fp16");
    assert_eq!(fp16.next_down(0xfc00), None);
    assert_eq!(fp16.next_up(0xfc00), Some(0xfbff));
    assert_eq!(fp16.next_down(0x7c00), Some(0x7bff));
    assert_eq!(fp16.next_down(0xfbff), Some(0xfc00));
    let e8m0 = format("e8m0fnu");
    assert_eq!(
        (e8m0.next_down(0x00), e8m0.next_up(0xfe), e8m0.next_up(0x00)),
        (None, None, Some(0x01))
    );
    let int8 = format("int8");
    assert_eq!(
        (int8.next_up(0x7f), int8.next_up(0xff), int8.next_down(0x80)),
        (None, Some(0x00), None)
    );
    // next_up walks every finite value of each small format in increasing order.
    for book in SMALL.iter().filter(|b| b.bits <= 8) {
        let f = format(book.name);
        let mut code = book.sorted()[0].1;
        let mut steps = 1;
        while let Some(next) = f.next_up(code) {
            if !f.decode(next).is_finite() {
                break;
            }
            assert!(
                f.decode(next) > f.decode(code) || (f.decode(code) == 0.0 && f.decode(next) == 0.0),
                "{} {code:#x}",
                book.name
            );
            if f.decode(next) != 0.0 || f.decode(code) != 0.0 {
                steps += 1;
            }
            code = next;
        }
        assert_eq!(
            steps,
            book.sorted().len(),
            "{} next_up visits every value",
            book.name
        );
    }
    assert_eq!(fp16.ulp(1.0), 2f64.powi(-10));
    assert_eq!(fp16.ulp(1e-7), 2f64.powi(-24));
    assert_eq!(fp16.ulp(0.0), 2f64.powi(-24));
    assert_eq!(fp16.ulp(1e9), 32.0);
    assert!(fp16.ulp(f64::NAN).is_nan());
    assert_eq!(format("int8").ulp(3.3), 1.0);
    assert_eq!(format("nf4").ulp(0.9), 1.0 - 0.7229568362236023);
    assert_eq!(format("e8m0fnu").ulp(3.0), 2.0);
}

#[test]
fn reports_flag_what_happened() {
    let fp16 = format("fp16");
    let rne = Rounding::NearestEven;
    let r = fp16.encode_report(0.1, rne, Overflow::Default);
    assert!(!r.exact && !r.overflowed && !r.underflowed_to_zero && !r.became_subnormal);
    assert_eq!(r.abs_error, (0.0999755859375f64 - 0.1).abs());
    assert_eq!(r.rel_error, Some(r.abs_error / 0.1));
    let r = fp16.encode_report(1e-8, rne, Overflow::Default);
    assert!(r.underflowed_to_zero && r.stored == 0.0);
    let r = fp16.encode_report(-1e-6, rne, Overflow::Default);
    assert!(r.became_subnormal && r.stored < 0.0);
    let r = fp16.encode_report(7e4, rne, Overflow::Saturate);
    assert!(r.overflowed && r.stored == 65504.0);
    let r = fp16.encode_report(2.0, rne, Overflow::Default);
    assert!(r.exact && r.abs_error == 0.0 && r.rel_error == Some(0.0));
    let r = format("e2m1fn").encode_report(f64::NAN, rne, Overflow::Default);
    assert!(r.invalid && r.code == 0);
    let r = format("uint8").encode_report(-3.0, rne, Overflow::Default);
    assert!(r.overflowed && r.code == 0);
    assert_eq!(
        fp16.encode_slice(&[1.0, 2.0, f64::INFINITY], rne, Overflow::Default),
        [0x3c00, 0x4000, 0x7c00]
    );
}
