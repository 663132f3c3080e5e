//! The facts table against the format definitions (docs/sources.md, "Format definitions"), the
//! catalogue's shape, and format validation.

use precision_lab::formats::{
    catalogue, Family, FloatSpec, Format, FormatError, Group, Signedness, Subnormals,
};

use super::{check, format};

fn p2(exponent: i32) -> f64 {
    2f64.powi(exponent)
}

#[track_caller]
fn check_facts(
    name: &str,
    max: f64,
    min_normal: f64,
    min_subnormal: Option<f64>,
    eps: f64,
    finite: u128,
) {
    let f = format(name);
    let facts = f.facts();
    check(&format!("{name} max"), f.max_finite(), max);
    check(&format!("{name} facts.max"), facts.max_finite, max);
    check(&format!("{name} min_normal"), f.min_normal(), min_normal);
    assert_eq!(facts.min_subnormal, min_subnormal, "{name} min_subnormal");
    check(
        &format!("{name} min_subnormal()"),
        f.min_subnormal(),
        min_subnormal.unwrap_or(min_normal),
    );
    check(&format!("{name} eps"), f.epsilon(), eps);
    assert_eq!(facts.finite_values, finite, "{name} finite values");
}

#[test]
fn facts_match_the_reference_table() {
    let fp32_max = (2.0 - p2(-23)) * p2(127);
    check_facts(
        "fp64",
        f64::MAX,
        p2(-1022),
        Some(5e-324),
        p2(-52),
        (1u128 << 64) - (1u128 << 53),
    );
    check_facts(
        "fp32",
        fp32_max,
        p2(-126),
        Some(p2(-149)),
        p2(-23),
        (1u128 << 32) - (1u128 << 24),
    );
    check_facts(
        "tf32",
        (2.0 - p2(-10)) * p2(127),
        p2(-126),
        Some(p2(-136)),
        p2(-10),
        (1 << 19) - (1 << 11),
    );
    check_facts("fp16", 65504.0, p2(-14), Some(p2(-24)), p2(-10), 63488);
    check_facts(
        "bf16",
        (2.0 - p2(-7)) * p2(127),
        p2(-126),
        Some(p2(-133)),
        p2(-7),
        65536 - 256,
    );
    check_facts("e4m3fn", 448.0, p2(-6), Some(p2(-9)), 0.125, 254);
    check_facts("e4m3fnuz", 240.0, p2(-7), Some(p2(-10)), 0.125, 255);
    check_facts("e5m2", 57344.0, p2(-14), Some(p2(-16)), 0.25, 256 - 8);
    check_facts("e5m2fnuz", 57344.0, p2(-15), Some(p2(-17)), 0.25, 255);
    check_facts("e4m3", 240.0, p2(-6), Some(p2(-9)), 0.125, 256 - 16);
    check_facts("e3m4", 15.5, 0.25, Some(p2(-6)), 0.0625, 256 - 32);
    check_facts("e3m2fn", 28.0, 0.25, Some(p2(-4)), 0.25, 64);
    check_facts("e2m3fn", 7.5, 1.0, Some(0.125), 0.125, 64);
    check_facts("e2m1fn", 6.0, 1.0, Some(0.5), 0.5, 16);
    check_facts("e8m0fnu", p2(127), p2(-127), None, 1.0, 255);
    check_facts("int16", 32767.0, 1.0, None, 1.0, 65536);
    check_facts("int8", 127.0, 1.0, None, 1.0, 256);
    check_facts("int4", 7.0, 1.0, None, 1.0, 16);
    check_facts("uint8", 255.0, 1.0, None, 1.0, 256);
    check_facts(
        "nf4",
        1.0,
        0.07958029955625534,
        None,
        1.0 - 0.7229568362236023,
        16,
    );
    // Spot values docs/sources.md calls out ("Format definitions").
    check("e8m0fnu 0x00", format("e8m0fnu").decode(0x00), p2(-127));
    check("e8m0fnu 0xff", format("e8m0fnu").decode(0xff), f64::NAN);
    check("e2m1fn 0x7", format("e2m1fn").decode(0x7), 6.0);
    check("int8 lowest", format("int8").facts().lowest, -128.0);
    check("int16 lowest", format("int16").facts().lowest, -32768.0);
    check("int4 lowest", format("int4").facts().lowest, -8.0);
    check(
        "fp32 max ~3.403e38",
        (fp32_max / 1e38 * 1000.0).round(),
        3403.0,
    );
    check(
        "bf16 max ~3.390e38",
        (format("bf16").max_finite() / 1e38 * 1000.0).round(),
        3390.0,
    );
    check(
        "tf32 max ~3.401e38",
        (format("tf32").max_finite() / 1e38 * 1000.0).round(),
        3401.0,
    );
}

#[test]
fn resolution_and_precision_like_torch_finfo() {
    for (name, resolution) in [
        ("fp32", 1e-6),
        ("fp16", 0.001),
        ("bf16", 0.01),
        ("fp64", 1e-15),
        ("e4m3fn", 1.0),
        ("e2m1fn", 1.0),
    ] {
        check(
            &format!("{name} resolution"),
            format(name).facts().resolution,
            resolution,
        );
    }
    let digits = format("fp32").facts().decimal_digits.expect("float");
    assert!(
        (digits - 7.224_719_895_935_548).abs() < 1e-12,
        "fp32 digits {digits}"
    );
    let facts = format("fp16").facts();
    assert!((facts.binades - (65504f64 / p2(-24)).log2()).abs() < 1e-12);
    assert!((facts.normal_binades - (65504f64 / p2(-14)).log2()).abs() < 1e-12);
    assert_eq!(facts.lowest, -65504.0);
    assert!(facts.has_infinity && facts.has_nan && facts.has_negative_zero);
    let fnuz = format("e4m3fnuz").facts();
    assert!(!fnuz.has_infinity && fnuz.has_nan && !fnuz.has_negative_zero);
    let fp4 = format("e2m1fn").facts();
    assert!(!fp4.has_infinity && !fp4.has_nan && fp4.has_negative_zero);
}

#[test]
fn catalogue_has_every_name_once_with_groups_and_sources() {
    let names: Vec<&str> = catalogue().iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "fp64", "fp32", "fp16", "bf16", "tf32", "e5m2", "e4m3fn", "e4m3fnuz", "e5m2fnuz",
            "e4m3", "e3m4", "e3m2fn", "e2m3fn", "e2m1fn", "e8m0fnu", "int16", "int8", "int4",
            "uint8", "nf4"
        ]
    );
    for entry in catalogue() {
        assert!(!entry.source.is_empty(), "{} has a source", entry.name);
        let f = entry.format();
        assert_eq!(f.name(), entry.name);
        assert_eq!(
            entry.name.parse::<Format>().map(|g| g.name()),
            Ok(entry.name.to_string())
        );
        assert_eq!(
            entry
                .name
                .to_uppercase()
                .parse::<Format>()
                .map(|g| g.name()),
            Ok(entry.name.to_string())
        );
    }
    let labels: Vec<&str> = Group::ALL.iter().map(|g| g.label()).collect();
    assert_eq!(
        labels,
        [
            "IEEE",
            "ML 16-bit",
            "FP8 family",
            "FP6/FP4",
            "MX scale",
            "integers",
            "nf4"
        ]
    );
    assert_eq!(
        "half".parse::<Format>().map(|f| f.name()),
        Ok("fp16".to_string())
    );
    let err = "fp7".parse::<Format>().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown format `fp7`; try one of: fp64, fp32"),
        "{err}"
    );
}

#[test]
fn custom_formats_are_validated_with_clear_errors() {
    let ieee = FloatSpec::ieee;
    let cases: [(FloatSpec, FormatError); 8] = [
        (ieee(0, 3), FormatError::ExponentBits(0)),
        (ieee(12, 3), FormatError::ExponentBits(12)),
        (ieee(5, 53), FormatError::MantissaBits(53)),
        (ieee(5, 0), FormatError::IeeeNeedsMantissa),
        (ieee(1, 3), FormatError::IeeeNeedsTwoExponentBits),
        (
            FloatSpec {
                sign: Signedness::Unsigned,
                family: Family::Fnuz,
                ..ieee(4, 3)
            },
            FormatError::FnuzNeedsSign,
        ),
        (
            FloatSpec {
                family: Family::ExponentOnly,
                ..ieee(8, 0)
            },
            FormatError::ExponentOnlyShape,
        ),
        (
            FloatSpec {
                bias: -1000,
                ..ieee(11, 52)
            },
            FormatError::ExponentRange {
                lowest_power: 949,
                highest_power: 3046,
            },
        ),
    ];
    for (spec, want) in cases {
        let got = Format::custom(spec);
        assert_eq!(got.as_ref().err(), Some(&want), "{spec:?}");
        assert!(!want.to_string().is_empty());
    }
    assert_eq!(
        Format::custom(FloatSpec {
            family: Family::Fn,
            ..ieee(1, 0)
        })
        .err(),
        Some(FormatError::NoNormalValues)
    );
    assert!(FormatError::ExponentBits(12)
        .to_string()
        .contains("1 to 11"));
    assert_eq!(
        Format::integer(1, Signedness::Signed, 1.0).err(),
        Some(FormatError::IntegerBits(1))
    );
    assert_eq!(
        Format::integer(8, Signedness::Signed, 0.0).err(),
        Some(FormatError::Scale(0.0))
    );
    assert!(Format::nf4(f64::NAN).is_err());
    // Wide integer grids answer their facts without walking their values.
    let int32 = Format::integer(32, Signedness::Signed, 0.5).expect("int32");
    let facts = int32.facts();
    assert_eq!(
        (facts.max_finite, facts.lowest, facts.min_positive),
        (2147483647.0 * 0.5, -1073741824.0, 0.5)
    );
    assert_eq!(facts.finite_values, 1u128 << 32);
    assert_eq!(int32.name(), "int32 x 0.5");
    let rne = precision_lab::formats::Rounding::NearestEven;
    let ovf = precision_lab::formats::Overflow::Default;
    assert_eq!(int32.encode(-0.75, rne, ovf), 0xffff_fffe); // -0.75 / 0.5 = -1.5 ties to -2 (even)
    assert_eq!(int32.decode(0xffff_fffe), -1.0);
    assert_eq!(
        Format::nf4(3.0).expect("nf4").min_positive(),
        0.07958029955625534 * 3.0
    );
    // The largest custom float still has exact f64 values: fp64 itself.
    let widest = Format::custom(ieee(11, 52)).expect("binary64 shape");
    assert_eq!(widest.max_finite(), f64::MAX);
    assert_eq!(widest.name(), "custom e11m52 ieee bias 1023");
}

#[test]
fn flushed_subnormals_round_to_zero_or_min_normal() {
    let spec = FloatSpec {
        subnormals: Subnormals::Flush,
        ..FloatSpec::ieee(5, 10)
    };
    let ftz = Format::custom(spec).expect("fp16 without subnormals");
    let rne = precision_lab::formats::Rounding::NearestEven;
    let ovf = precision_lab::formats::Overflow::Default;
    check("code 1 reads as zero", ftz.decode(1), 0.0);
    check("2^-15 ties to 0", ftz.round(p2(-15), rne, ovf), 0.0);
    check(
        "above the tie",
        ftz.round(p2(-15) * 1.001, rne, ovf),
        p2(-14),
    );
    check("min positive", ftz.min_positive(), p2(-14));
    assert_eq!(ftz.facts().min_subnormal, None);
    assert_eq!(ftz.next_up(0), Some(0x400));
    assert_eq!(ftz.next_down(0x400), Some(0));
    assert!(ftz.name().ends_with("no-subnormals"));
}
