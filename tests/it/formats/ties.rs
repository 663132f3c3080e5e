//! Every tie between neighbouring values, and one f64 ulp either side, in every small format, for every
//! rounding mode and both overflow policies, against the reference rounding in `oracle.rs`; and the same
//! ties typed as decimal strings, which must not be double-rounded through f64.

use precision_lab::formats::{
    parse_input, Exact, Family, FloatSpec, Format, Input, Overflow, Rounding,
};

use super::oracle::{Mode, Reference, Specials, Textbook, MODES, SMALL};
use super::{check_code, format};

fn library(mode: Mode) -> Rounding {
    match mode {
        Mode::NearestEven => Rounding::NearestEven,
        Mode::NearestAway => Rounding::NearestAway,
        Mode::TowardZero => Rounding::TowardZero,
        Mode::TowardPositive => Rounding::TowardPositive,
        Mode::TowardNegative => Rounding::TowardNegative,
    }
}

/// Points to test for each neighbour pair: both values, the midpoint and one f64 ulp either side.
fn points(a: f64, b: f64) -> [f64; 4] {
    let mid = a + (b - a) / 2.0;
    [a, mid.next_down(), mid, mid.next_up()]
}

#[test]
fn every_tie_in_every_small_format_rounds_like_the_reference_in_every_mode() {
    for book in SMALL {
        if book.name == "tf32" {
            continue; // 2^19 codes: covered by the exhaustive decode test; ties here would be slow in debug
        }
        let f = format(book.name);
        let reference = Reference::new(book);
        let mut xs: Vec<f64> = Vec::new();
        for pair in reference.sorted.windows(2) {
            // The values themselves are re-encoded in `exhaustive.rs`; here the three points around the tie.
            xs.extend(&points(pair[0].0, pair[1].0)[1..]);
        }
        // Past the ends: the tie with the virtual next value, and beyond.
        let last = reference.sorted.last().expect("values").0;
        let ulp_top = last - reference.sorted[reference.sorted.len() - 2].0;
        for x in points(last, last + ulp_top)
            .into_iter()
            .chain([last + 2.0 * ulp_top, last * 4.0])
        {
            xs.push(x);
            if book.sign || !book.is_float() {
                xs.push(-x);
            }
        }
        xs.push(-0.0);
        for &x in &xs {
            for mode in MODES {
                let want = reference.round(x, mode, false);
                let got = f.encode(x, library(mode), Overflow::Default);
                check_code(&f, &format!("encode({x:e}, {mode:?})"), got, want);
            }
            let want = reference.round(x, Mode::NearestEven, true);
            let got = f.encode(x, Rounding::NearestEven, Overflow::Saturate);
            check_code(&f, &format!("encode({x:e}, saturate)"), got, want);
        }
    }
}

#[test]
fn exact_inputs_round_like_f64_inputs_at_every_tie_of_the_8_bit_formats() {
    for book in SMALL.iter().filter(|b| b.bits <= 8) {
        let f = format(book.name);
        let reference = Reference::new(*book);
        for pair in reference.sorted.windows(2) {
            for x in points(pair[0].0, pair[1].0) {
                for mode in MODES {
                    let exact = Exact::from_f64(x);
                    let rounding = library(mode);
                    check_code(
                        &f,
                        &format!("encode_exact({x:e}, {mode:?})"),
                        f.encode_exact(&exact, rounding, Overflow::Default),
                        f.encode(x, rounding, Overflow::Default),
                    );
                }
            }
        }
    }
}

/// Writes a dyadic midpoint exactly as a decimal string (Rust prints the exact digits when asked for
/// enough of them), and strings 10^-30 beyond it in magnitude, above and below.
fn tie_strings(mid: f64) -> (String, String, String) {
    let text = format!("{:.1100}", mid.abs());
    let text = text.trim_end_matches('0');
    let sign = if mid < 0.0 { "-" } else { "" };
    let (above, below) = if let Some(int_part) = text.strip_suffix('.') {
        // An integer midpoint: 65488 -> 65488.000..1 and 65487.999..9.
        let n: u128 = int_part.parse().expect("integer midpoint");
        (
            format!("{int_part}.{}1", "0".repeat(29)),
            format!("{}.{}", n - 1, "9".repeat(30)),
        )
    } else {
        assert!(text.ends_with('5'), "a binary fraction ends in 5: {text}");
        (
            format!("{text}{}1", "0".repeat(29)),
            format!("{}4{}", &text[..text.len() - 1], "9".repeat(30)),
        )
    };
    let text = text.trim_end_matches('.');
    (
        format!("{sign}{text}"),
        format!("{sign}{above}"),
        format!("{sign}{below}"),
    )
}

fn parse_value(f: &Format, text: &str) -> Exact {
    match parse_input(f, text) {
        Ok(Input::Value(x)) => x,
        other => panic!("{text} should parse as a value, got {other:?}"),
    }
}

#[test]
fn ties_typed_as_decimal_strings_are_rounded_once() {
    // Every pair of the 8-bit formats, and every 97th pair of fp16 and bf16 (bignum work in debug).
    for book in SMALL
        .iter()
        .filter(|b| b.bits <= 16 && b.is_float() && b.name != "tf32")
    {
        let f = format(book.name);
        let reference = Reference::new(*book);
        let stride = if book.bits <= 8 { 1 } else { 97 };
        for pair in reference.sorted.windows(2).step_by(stride) {
            let (a, b) = (pair[0].0, pair[1].0);
            let mid = a + (b - a) / 2.0;
            let (exact, above, below) = tie_strings(mid);
            let rne = Rounding::NearestEven;
            let code = |text: &str| f.encode_exact(&parse_value(&f, text), rne, Overflow::Default);
            check_code(
                &f,
                &format!("tie {exact}"),
                code(&exact),
                reference.round(mid, Mode::NearestEven, false),
            );
            // Beyond the tie in magnitude: the f64 one ulp further from zero rounds the same way.
            let (further, nearer) = if mid > 0.0 {
                (mid.next_up(), mid.next_down())
            } else {
                (mid.next_down(), mid.next_up())
            };
            check_code(
                &f,
                &format!("above {exact}"),
                code(&above),
                reference.round(further, Mode::NearestEven, false),
            );
            check_code(
                &f,
                &format!("below {exact}"),
                code(&below),
                reference.round(nearer, Mode::NearestEven, false),
            );
        }
    }
}

#[test]
fn a_tie_plus_a_thirtieth_digit_differs_from_the_double_rounded_answer() {
    // 1 + 2^-11 is the fp16 tie between 1 and 1 + 2^-10. The string below is above it by 10^-30; its
    // nearest f64 is the tie itself, so rounding through f64 would give 1.0 (even); the exact answer is up.
    let fp16 = format("fp16");
    let text = "1.000488281250000000000000000001";
    let x = parse_value(&fp16, text);
    assert_eq!(x.to_f64(), 1.00048828125);
    check_code(
        &fp16,
        text,
        fp16.encode_exact(&x, Rounding::NearestEven, Overflow::Default),
        0x3c01,
    );
    check_code(
        &fp16,
        "via f64",
        fp16.encode(x.to_f64(), Rounding::NearestEven, Overflow::Default),
        0x3c00,
    );
    // Just below the tie 1 + 3 x 2^-11 between 0x3c01 and 0x3c02: through f64 it becomes the tie and
    // goes to the even 0x3c02; exactly, it is below and goes down.
    let text = "1.001464843749999999999999999999";
    let x = parse_value(&fp16, text);
    check_code(
        &fp16,
        text,
        fp16.encode_exact(&x, Rounding::NearestEven, Overflow::Default),
        0x3c01,
    );
    check_code(
        &fp16,
        "via f64",
        fp16.encode(x.to_f64(), Rounding::NearestEven, Overflow::Default),
        0x3c02,
    );
}

#[test]
fn directed_and_nearest_modes_on_hand_picked_values() {
    let e2m1 = format("e2m1fn");
    let rne = Rounding::NearestEven;
    let cases: [(&str, f64, Rounding, Overflow, f64); 12] = [
        ("e2m1fn", 5.0, rne, Overflow::Default, 4.0),
        ("e2m1fn", -5.0, rne, Overflow::Default, -4.0),
        ("e2m1fn", 5.0, Rounding::NearestAway, Overflow::Default, 6.0),
        ("e2m1fn", 7.0, rne, Overflow::Default, 6.0),
        ("e2m1fn", 100.0, rne, Overflow::Default, 6.0),
        ("e2m1fn", 0.25, rne, Overflow::Default, 0.0),
        (
            "e2m1fn",
            0.25,
            Rounding::TowardPositive,
            Overflow::Default,
            0.5,
        ),
        ("fp16", 65520.0, rne, Overflow::Default, f64::INFINITY),
        ("fp16", 65519.0, rne, Overflow::Default, 65504.0),
        (
            "fp16",
            1e9,
            Rounding::TowardZero,
            Overflow::Default,
            65504.0,
        ),
        (
            "fp16",
            -1e9,
            Rounding::TowardPositive,
            Overflow::Default,
            -65504.0,
        ),
        ("e5m2", 1e9, rne, Overflow::Saturate, 57344.0),
    ];
    for (name, x, rounding, overflow, want) in cases {
        let f = format(name);
        super::check(
            &format!("{name} round({x}, {rounding:?}, {overflow:?})"),
            f.round(x, rounding, overflow),
            want,
        );
    }
    assert_eq!(e2m1.encode(-0.0, rne, Overflow::Default), 0x8);
    let fnuz = format("e4m3fnuz");
    // No -0 in FNUZ: a tiny negative rounds to +0 (0x80 would be NaN).
    assert_eq!(fnuz.encode(-1e-9, rne, Overflow::Default), 0x00);
    assert_eq!(fnuz.encode(-0.0, rne, Overflow::Default), 0x00);
    assert_eq!(fnuz.encode(1e6, rne, Overflow::Default), 0x80);
    assert_eq!(
        format("e4m3fn").encode(f64::INFINITY, rne, Overflow::Default),
        0x7f
    );
    assert_eq!(
        format("e4m3fn").encode(f64::NEG_INFINITY, rne, Overflow::Saturate),
        0xfe
    );
    assert_eq!(format("e8m0fnu").encode(-1.0, rne, Overflow::Default), 0xff);
    assert_eq!(format("e8m0fnu").encode(0.0, rne, Overflow::Default), 0x00);
    assert_eq!(format("e8m0fnu").encode(3.0, rne, Overflow::Default), 0x80); // tie 2 (0x80) vs 4 (0x81): even
    assert_eq!(format("e8m0fnu").encode(6.0, rne, Overflow::Default), 0x82); // tie 4 (0x81) vs 8 (0x82)
}

#[test]
fn custom_formats_of_every_family_and_odd_biases_round_like_the_reference() {
    let families = [
        (Family::Ieee, Specials::Ieee),
        (Family::Fn, Specials::Fn),
        (Family::Fnuz, Specials::Fnuz),
        (Family::FiniteOnly, Specials::Finite),
    ];
    let mut checked = 0;
    for e in 1..=4u32 {
        for m in 0..=3u32 {
            for bias in [-2, 0, (1 << (e - 1)) - 1, (1 << e) + 3] {
                for (family, specials) in families {
                    let spec = FloatSpec {
                        bias,
                        family,
                        ..FloatSpec::ieee(e, m)
                    };
                    let Ok(f) = Format::custom(spec) else {
                        continue; // Ieee needs e >= 2 and m >= 1; Fn e1m0 has no normal value
                    };
                    let book = Textbook {
                        name: "custom",
                        sign: true,
                        e,
                        m,
                        bias,
                        specials,
                        bits: 1 + e + m,
                    };
                    let reference = Reference::new(book);
                    for pair in reference.sorted.windows(2) {
                        for x in points(pair[0].0, pair[1].0) {
                            for mode in [
                                Mode::NearestEven,
                                Mode::NearestAway,
                                Mode::TowardZero,
                                Mode::TowardNegative,
                            ] {
                                let want = reference.round(x, mode, false);
                                let got = f.encode(x, library(mode), Overflow::Default);
                                check_code(&f, &format!("encode({x:e}, {mode:?})"), got, want);
                            }
                        }
                    }
                    let last = reference.sorted.last().expect("values").0;
                    for x in [last * 1.1, last * 1.5, -last * 3.0] {
                        let want = reference.round(x, Mode::NearestEven, true);
                        check_code(
                            &f,
                            &format!("saturate({x:e})"),
                            f.encode(x, Rounding::NearestEven, Overflow::Saturate),
                            want,
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 150, "only {checked} custom formats were valid");
}
