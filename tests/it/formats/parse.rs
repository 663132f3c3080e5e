//! The input parser: every accepted form, the errors it names, and no panic on any string.

use precision_lab::formats::{parse_input, Format, Input, InputError, Overflow, Rounding};
use proptest::prelude::*;

use super::{check_code, format};

#[track_caller]
fn check_parse(format_name: &str, text: &str, want: u64) {
    let f = format(format_name);
    let got = parse_input(&f, text)
        .unwrap_or_else(|e| panic!("{format_name}: `{text}` should parse: {e}"))
        .encode(&f, Rounding::NearestEven, Overflow::Default);
    check_code(&f, &format!("`{text}`"), got, want);
}

#[test]
fn accepted_forms() {
    let cases: [(&str, &str, u64); 30] = [
        ("fp16", "1", 0x3c00),
        ("fp16", "0.1", 0x2e66),
        ("fp16", "-3.5e-4", 0x8dbc),
        ("fp16", "+2.5E+1", 0x4e40),
        ("fp16", ".5", 0x3800),
        ("fp16", "5.", 0x4500),
        ("fp16", "1/3", 0x3555),
        ("fp16", "-22/7", 0xc249),
        ("fp16", "1.5/1e3", 0x1625),
        ("fp16", "0x1.8p3", 0x4a00),
        ("fp16", "-0x1.8p3", 0xca00),
        ("fp16", "0x.8p1", 0x3c00),
        ("fp16", "0x1p-24", 0x0001),
        ("fp16", "0x1.", 0x3c00),
        ("fp16", "0x3c00", 0x3c00),
        ("fp16", "0X3C00", 0x3c00),
        ("fp16", "0x3c_00", 0x3c00),
        ("fp16", "0b0_01111_0000000000", 0x3c00),
        ("fp16", "0b 0 01111 0000000000", 0x3c00),
        ("fp16", "inf", 0x7c00),
        ("fp16", "-inf", 0xfc00),
        ("fp16", "-Infinity", 0xfc00),
        ("fp16", "-0", 0x8000),
        ("fp16", "max", 0x7bff),
        ("fp16", "-max", 0xfbff),
        ("fp16", "min_normal", 0x0400),
        ("fp16", "eps", 0x1400),
        ("e4m3fn", "  448  ", 0x7e),
        ("e4m3fn", "1e999999999999999999", 0x7f),
        ("e4m3fn", "-1e-99999999", 0x80),
    ];
    for (name, text, want) in cases {
        check_parse(name, text, want);
    }
    let fp16 = format("fp16");
    let nan = parse_input(&fp16, "nan").expect("nan").encode(
        &fp16,
        Rounding::NearestEven,
        Overflow::Default,
    );
    assert!(fp16.is_nan_code(nan));
    assert_eq!(parse_input(&fp16, "0x7e00"), Ok(Input::Code(0x7e00)));
}

#[test]
fn long_decimals_keep_their_last_digit() {
    // 0.1 + 10^-900 written out: still above 0.1 and rounds like it in fp16 (0.1 is not a tie).
    let long = format!("0.1{}1", "0".repeat(898));
    check_parse("fp16", &long, 0x2e66);
    // A tie followed by 900 zeros and a 1 is above the tie.
    let tie_above = format!("1.00048828125{}1", "0".repeat(900));
    check_parse("fp16", &tie_above, 0x3c01);
    let tie_exact = format!("1.00048828125{}", "0".repeat(900));
    check_parse("fp16", &tie_exact, 0x3c00);
}

#[test]
fn errors_say_what_was_wrong() {
    let fp16 = format("fp16");
    let err = |text: &str| parse_input(&fp16, text).expect_err(text);
    assert_eq!(err(""), InputError::Empty);
    assert_eq!(err("   "), InputError::Empty);
    assert_eq!(err("-0x3c00"), InputError::SignedCode);
    assert_eq!(err("-0b1"), InputError::SignedCode);
    assert_eq!(err("0x"), InputError::MissingDigits("0x"));
    assert_eq!(err("0b"), InputError::MissingDigits("0b"));
    assert_eq!(
        err("0x3g00"),
        InputError::InvalidDigit {
            found: 'g',
            reading: "hex code"
        }
    );
    assert_eq!(
        err("0b012"),
        InputError::InvalidDigit {
            found: '2',
            reading: "binary code"
        }
    );
    assert_eq!(err("1/0"), InputError::DivisionByZero);
    assert_eq!(
        err("1.2.3"),
        InputError::InvalidDigit {
            found: '.',
            reading: "decimal"
        }
    );
    assert_eq!(err("1e"), InputError::MissingDigits("an exponent"));
    assert_eq!(
        err("0x1.8q3"),
        InputError::InvalidDigit {
            found: 'q',
            reading: "hex-float"
        }
    );
    assert_eq!(
        err("0x13c00"),
        InputError::CodeTooWide {
            bits: 17,
            format_bits: 16,
            format: "fp16".to_string()
        }
    );
    assert!(matches!(err("abc"), InputError::Unrecognised(_)));
    assert!(matches!(err("--1"), InputError::Unrecognised(_)));
    assert!(matches!(err("min"), InputError::Unrecognised(_)));
    assert_eq!(
        err("0x13c00").to_string(),
        "that code needs 17 bits but fp16 codes have 16"
    );
    assert!(err("abc").to_string().contains("0x1.8p3"));
    assert!(err("-0x3c00").to_string().contains("no sign"));
    let e4m3 = format("e4m3fn");
    assert_eq!(
        parse_input(&e4m3, "0b1_1111_1111"),
        Err(InputError::CodeTooWide {
            bits: 9,
            format_bits: 8,
            format: "e4m3fn".to_string()
        })
    );
    assert_eq!(err("1e999/1e998"), InputError::ExponentOutOfRange);
    assert!(err("1e999/1e998").to_string().contains("1e400"));
    let digits = format!("1{}/3", "0".repeat(200));
    assert_eq!(parse_input(&fp16, &digits), Err(InputError::TooManyDigits));
}

#[test]
fn parsed_reports_carry_exact_errors() {
    let fp32 = format("fp32");
    let input = parse_input(&fp32, "0.1").expect("0.1");
    let report = input.report(&fp32, Rounding::NearestEven, Overflow::Default);
    assert_eq!(report.code, 0x3dcc_cccd);
    // stored - 0.1 = 0.000000001490116119384765625 exactly; the report rounds it once.
    assert_eq!(report.abs_error, 1.4901161193847657e-9); // the f64 nearest 1.490116119384765625e-9
    assert!(!report.exact && !report.overflowed);
    let raw = parse_input(&fp32, "0x3f800000").expect("code").report(
        &fp32,
        Rounding::NearestEven,
        Overflow::Default,
    );
    assert!(raw.exact && raw.stored == 1.0);
}

fn every_format() -> Vec<Format> {
    precision_lab::formats::catalogue()
        .iter()
        .map(|e| e.format())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_on_arbitrary_strings(text in any::<String>(), which in 0usize..20) {
        let formats = every_format();
        let f = &formats[which % formats.len()];
        if let Ok(input) = parse_input(f, &text) {
            let code = input.encode(f, Rounding::NearestEven, Overflow::Default);
            prop_assert!(code <= f.code_mask());
        }
    }

    #[test]
    fn the_parser_never_panics_on_number_like_strings(
        text in "[-+]?(0[xXbB])?[0-9a-fA-F_ .pPeE/+-]{0,40}",
        which in 0usize..20,
    ) {
        let formats = every_format();
        let f = &formats[which % formats.len()];
        if let Ok(input) = parse_input(f, &text) {
            let report = input.report(f, Rounding::NearestEven, Overflow::Default);
            prop_assert!(report.code <= f.code_mask());
        }
    }

    #[test]
    fn decimal_strings_of_f64_values_encode_like_the_f64(x in any::<f64>(), which in 0usize..20) {
        let formats = every_format();
        let f = &formats[which % formats.len()];
        prop_assume!(x.is_finite());
        let text = format!("{x:e}");
        let input = parse_input(f, &text).expect("Rust's own float text parses");
        prop_assert_eq!(
            input.encode(f, Rounding::NearestEven, Overflow::Default),
            f.encode(x, Rounding::NearestEven, Overflow::Default)
        );
    }
}
