//! The view models: the Formats view's URL state and readouts, checked against the engine and
//! against values worked out by hand.

use precision_lab::formats::block::BlockFormat;
use precision_lab::formats::{mx::Element, Format, Overflow, Rounding};
use precision_lab::present::formats::{
    bit_cells, code_hex, fact_rows, facts_csv, facts_markdown, parse_values, same_value_rows,
    specials, Blocks, Field, FormatChoice, FormatsState, MxState, Readout, Source, FACT_COLUMNS,
};
use precision_lab::present::number::{data_value, short, sig};
use precision_lab::route::Query;

fn state(search: &str) -> (FormatsState, usize) {
    let (query, _) = Query::parse(search);
    let (state, notices) = FormatsState::from_query(&query);
    (state, notices.len())
}

#[track_caller]
fn check_readout(search: &str, code_hex_want: &str, exact: &str, class: &str) {
    let (s, notices) = state(search);
    assert_eq!(notices, 0, "{search}");
    let r = Readout::compute(&s);
    assert_eq!(r.code_hex, code_hex_want, "{search}");
    assert_eq!(r.decoded.exact_decimal, exact, "{search}");
    assert_eq!(
        precision_lab::present::formats::class_label(r.decoded.class),
        class,
        "{search}"
    );
}

#[test]
fn the_default_editor_shows_fp32_one_tenth_exactly() {
    let (s, notices) = state("?view=formats");
    assert_eq!(notices, 0);
    assert_eq!(s.choice, FormatChoice::Named("fp32"));
    let r = Readout::compute(&s);
    assert_eq!(r.code_hex, "0x3dcccccd");
    assert_eq!(r.decoded.exact_decimal, "0.100000001490116119384765625");
    assert_eq!(r.decoded.shortest_decimal, "0.1");
    let report = r.report.expect("a typed value has a rounding report");
    // The engine rounds the exact difference 0.100000001490116119384765625 - 0.1 once.
    // (1.490116119384765625e-9 exactly, which as an f64 is 1.4901161193847657e-9.)
    assert_eq!(report.abs_error, 1.4901161193847657e-9);
    assert_eq!(r.bits, "00111101110011001100110011001101");
    assert_eq!(r.next_up.as_ref().map(|n| n.code), Some(0x3dccccce));
    assert_eq!(r.next_down.as_ref().map(|n| n.gap), Some(2f64.powi(-27)));
}

#[test]
fn url_states_give_the_values_worked_out_by_hand() {
    check_readout("?format=bf16&bits=0x3f80", "0x3f80", "1", "normal");
    check_readout(
        "?format=fp16&value=0.1",
        "0x2e66",
        "0.0999755859375",
        "normal",
    );
    check_readout("?format=fp16&value=65520", "0x7c00", "inf", "infinite");
    check_readout(
        "?format=fp16&value=65520&overflow=saturate",
        "0x7bff",
        "65504",
        "normal",
    );
    check_readout("?format=fp16&value=65519", "0x7bff", "65504", "normal");
    check_readout("?format=e4m3fn&value=464", "0x7e", "448", "normal");
    check_readout("?format=e4m3fn&value=465", "0x7f", "NaN", "NaN");
    check_readout("?format=e2m1fn&value=5", "0x6", "4", "normal");
    check_readout(
        "?format=e2m1fn&value=5&round=nearest-away",
        "0x7",
        "6",
        "normal",
    );
    check_readout(
        "?format=fp16&value=1e-7",
        "0x0002",
        "0.00000011920928955078125",
        "subnormal",
    );
    check_readout(
        "?format=fp16&value=0.1&round=toward-zero",
        "0x2e66",
        "0.0999755859375",
        "normal",
    );
    check_readout(
        "?format=fp16&value=0.1&round=up",
        "0x2e67",
        "0.10003662109375",
        "normal",
    );
    check_readout("?format=int8&value=-200", "0x80", "-128", "normal");
    check_readout(
        "?format=e8m0fnu&bits=0x00",
        "0x00",
        &precision_lab::formats::exact_decimal(2f64.powi(-127)),
        "normal",
    );
    check_readout(
        "?format=custom&exp=3&man=2&family=finite",
        "0x02",
        "0.125",
        "subnormal",
    );
}

#[test]
fn hostile_or_broken_parameters_fall_back_with_notices() {
    for search in [
        "?format=%3Cscript%3Ealert(1)%3C/script%3E",
        "?format=fp16&value=1.2.3",
        "?format=fp16&bits=0x1ffff",
        "?format=fp16&round=sideways",
        "?format=fp16&overflow=wrap",
        "?format=custom&exp=40",
        "?format=custom&exp=4&man=3&family=fnuz&sign=off",
        "?format=fp16&round=stochastic&seed=-1",
    ] {
        let (s, notices) = state(search);
        assert_eq!(notices, 1, "{search}");
        // Whatever was wrong, the editor still has a readout.
        let _ = Readout::compute(&s);
    }
    let (s, _) = state("?format=fp16&bits=0x1ffff");
    assert_eq!(s.choice, FormatChoice::Named("fp16"));
    assert_eq!(s.source, Source::Text("0.1".into()));
}

#[test]
fn the_state_round_trips_through_the_url() {
    for search in [
        "?format=bf16&bits=0x3f80",
        "?format=fp16&value=0.1&round=stochastic&seed=42&overflow=saturate",
        "?format=custom&exp=4&man=3&bias=7&family=fn&sign=on&subnormals=off&value=1/3",
        "?format=nf4&bits=0xf",
    ] {
        let (s, notices) = state(search);
        assert_eq!(notices, 0, "{search}");
        let mut query = Query::from_pairs([("view", "formats")]);
        s.write(&mut query);
        let (back, notices) = FormatsState::from_query(&query);
        assert_eq!(notices.len(), 0, "{search} -> {}", query.to_search());
        assert_eq!(back, s, "{search} -> {}", query.to_search());
        assert_eq!(
            query.get("view"),
            Some("formats"),
            "other parameters survive"
        );
    }
}

#[test]
fn bit_cells_are_labelled_by_field_sign_first() {
    let fp16: Format = "fp16".parse().unwrap();
    let cells = bit_cells(&fp16, 0x3c00);
    assert_eq!(cells.len(), 16);
    assert_eq!((cells[0].index, cells[0].field), (15, Field::Sign));
    assert_eq!(cells[0].accessible_name(), "sign bit, clear");
    assert_eq!(cells[1].accessible_name(), "exponent bit 4, clear");
    assert_eq!(cells[2].accessible_name(), "exponent bit 3, set");
    assert_eq!(cells[5].accessible_name(), "exponent bit 0, set");
    assert_eq!((cells[6].field, cells[6].field_index), (Field::Mantissa, 9));
    let int4: Format = "int4".parse().unwrap();
    let fields: Vec<Field> = bit_cells(&int4, 0).iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [Field::Sign, Field::Integer, Field::Integer, Field::Integer]
    );
    assert_eq!(code_hex(&int4, 0xf), "0xf");
    assert_eq!(code_hex(&fp16, 1), "0x0001");
}

#[test]
fn special_codes_of_small_formats_follow_their_family() {
    let lines = |name: &str| -> Vec<(String, String)> { specials(&name.parse().unwrap()) };
    let e4m3fn = lines("e4m3fn");
    assert_eq!(e4m3fn[0], ("NaN".into(), "0x7f, 0xff".into()));
    assert_eq!(e4m3fn[1].1, "none");
    assert_eq!(e4m3fn[2].1, "0x00 (+0), 0x80 (-0)");
    let fnuz = lines("e4m3fnuz");
    assert_eq!(fnuz[0].1, "0x80");
    assert_eq!(fnuz[2].1, "0x00 (+0)");
    let e5m2 = lines("e5m2");
    assert_eq!(e5m2[0].1, "0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff");
    assert_eq!(e5m2[1].1, "0x7c (+Inf), 0xfc (-Inf)");
    assert_eq!(lines("e2m1fn")[0].1, "none");
    assert!(
        lines("fp16").is_empty(),
        "16-bit formats have too many codes to list"
    );
}

#[test]
fn the_same_value_is_rounded_into_every_format_with_flags() {
    let (s, _) = state("?format=fp32&value=70000");
    let rows = same_value_rows(&s);
    let row = |name: &str| rows.iter().find(|r| r.name == name).unwrap();
    assert_eq!(rows.len(), precision_lab::formats::catalogue().len());
    assert_eq!(row("fp16").flag, "overflow");
    assert_eq!(row("fp16").report.stored, f64::INFINITY);
    assert_eq!(row("bf16").report.stored, 70144.0);
    assert_eq!(row("bf16").flag, "");
    assert_eq!(row("e4m3fn").flag, "overflow");
    assert!(row("e4m3fn").report.stored.is_nan());
    assert_eq!(row("int16").report.stored, 32767.0);
    let (tiny, _) = state("?format=fp32&value=1e-9");
    let rows = same_value_rows(&tiny);
    let fp16 = rows.iter().find(|r| r.name == "fp16").unwrap();
    assert_eq!((fp16.flag, fp16.report.stored), ("flush to zero", 0.0));
    let bf16 = rows.iter().find(|r| r.name == "bf16").unwrap();
    assert_eq!(bf16.flag, "");
    // A raw code carries its exact value over: fp16 0x0001 = 2^-24 is exact in fp32.
    let (code, _) = state("?format=fp16&bits=0x0001");
    let fp32 = same_value_rows(&code)
        .into_iter()
        .find(|r| r.name == "fp32")
        .unwrap();
    assert_eq!(
        (fp32.report.stored, fp32.report.exact),
        (2f64.powi(-24), true)
    );
}

#[test]
fn the_facts_table_matches_the_reference_and_exports() {
    let rows = fact_rows();
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    let col = |name: &str| FACT_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(row("fp16")[col("max")], "65504");
    assert_eq!(row("fp16")[col("min normal")], "2^-14 = 0.00006103515625");
    assert_eq!(
        row("fp16")[col("min subnormal")],
        "2^-24 = 5.960464477539063e-8"
    );
    assert_eq!(row("fp16")[col("resolution")], "0.001");
    assert_eq!(row("bf16")[col("resolution")], "0.01");
    assert_eq!(row("fp32")[col("resolution")], "1e-6");
    assert_eq!(row("e4m3fn")[col("max")], "448");
    assert_eq!(row("e4m3fnuz")[col("max")], "240");
    assert_eq!(row("e5m2")[col("max")], "57344");
    assert_eq!(row("e2m1fn")[col("max")], "6");
    assert_eq!(
        row("e8m0fnu")[col("min normal")],
        "2^-127 = 5.877471754111438e-39"
    );
    assert_eq!(
        row("int16")[col("exponent bits")],
        "-",
        "integers have no exponent bits"
    );
    assert_eq!(row("int16")[col("mantissa bits")], "15 value bits");
    assert_eq!(row("tf32")[col("bytes per value")], "4 (19 bits used)");
    assert_eq!(row("e2m3fn")[col("bytes per value")], "0.75");
    assert_eq!(row("e4m3fnuz")[col("-0")], "no");
    let csv = facts_csv();
    assert_eq!(csv.lines().count(), 1 + rows.len());
    assert!(csv.starts_with("format,total bits,exponent bits"));
    let md = facts_markdown();
    assert!(md.contains("| fp16 | 16 | 5 | 10 | 15 | 65504 |"), "{md}");
}

#[test]
fn mx_state_reads_values_and_rejects_bad_ones() {
    let (query, _) = Query::parse("?mxel=mxfp4-e2m1&mxscale=up&mx=1,2,3,-6.5");
    let (s, notices) = MxState::from_query(&query);
    assert!(notices.is_empty());
    assert_eq!(
        (s.element, s.values.len()),
        (BlockFormat::Mx(Element::Fp4E2M1), 4)
    );
    let Blocks::Mx(block) = s.block().unwrap() else {
        panic!("an MX block")
    };
    // Round-up: the smallest X with 6.5 / X <= 6 is 2, so nothing clamps.
    assert_eq!(block.scale, 2.0);
    assert!(block.elements.iter().all(|e| !e.clamped));
    // NVFP4 from the URL: 20 values make a block of 16 and one of 4 under one tensor scale.
    let (query, _) =
        Query::parse("?mxel=nvfp4&mx=10.5,6,0.25,0.75,2.5,5,1,1,1,1,1,1,1,1,1,1,-3,0,0,0.001");
    let (s, notices) = MxState::from_query(&query);
    assert!(notices.is_empty());
    let Blocks::Nvfp4(tensor, blocks) = s.block().unwrap() else {
        panic!("NVFP4 blocks")
    };
    // amax 10.5: S_enc = 2688 / 10.5 = 256; the first block asks for s = 10.5 x 256 / 6 = 448.
    assert_eq!((tensor.encode, blocks.len()), (256.0, 2));
    assert_eq!((blocks[0].scale, blocks[0].elements.len()), (448.0, 16));
    assert_eq!(blocks[1].elements.len(), 4);
    let mut round_trip = Query::default();
    s.write(&mut round_trip);
    assert_eq!(round_trip.get("mxel"), Some("nvfp4"));
    assert!(parse_values("1, x")
        .unwrap_err()
        .contains("not a finite number"));
    assert!(parse_values(&"1 ".repeat(33))
        .unwrap_err()
        .contains("at most 32"));
    assert!(parse_values("").is_err());
    assert!(parse_values("1e400").is_err());
    let (query, _) = Query::parse("?mxel=nope&mx=%3Cb%3E");
    assert_eq!(MxState::from_query(&query).1.len(), 2);
}

#[test]
fn data_values_parse_back_to_the_same_f64() {
    let mut x: u64 = 0x1234_5678_9abc_def0;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        let text = data_value(v);
        let back: f64 = text.parse().unwrap_or(f64::NAN);
        if v.is_nan() {
            assert_eq!(text, "nan");
        } else {
            assert_eq!(back.to_bits(), v.to_bits(), "{v:e} -> {text}");
        }
    }
    assert_eq!(short(f64::NAN), "NaN");
    assert_eq!(sig(0.1 - 0.0999755859375, 4), "2.441e-5");
    assert_eq!(sig(0.000244140625, 3), "0.000244");
    let _ = (Rounding::NearestEven, Overflow::Default);
}

/// `sig`'s plain notation moves the decimal point in its rounded digits; it must say what the
/// f64 nearest those digits says when printed with as many decimals (the way it was computed
/// before): the same digits, the same value, for magnitudes across its plain range.
#[test]
fn sig_plain_notation_is_the_value_of_its_digits() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Magnitudes from 1e-6 to 1e6, both signs, 1 to 8 significant digits.
        let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
        let v = 10f64.powf(unit * 12.0 - 6.0) * if x & 1 == 0 { 1.0 } else { -1.0 };
        let digits = 1 + (i % 8);
        let text = sig(v, digits);
        let scientific = format!("{:.*e}", digits - 1, v);
        let (_, exponent) = scientific.split_once('e').unwrap();
        let exponent: i32 = exponent.parse().unwrap();
        if !(-4..digits as i32).contains(&exponent) {
            assert!(text.contains('e'), "{v:e} with {digits} digits: {text}");
            continue;
        }
        let nearest: f64 = scientific.parse().unwrap();
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        let expected = format!("{nearest:.decimals$}");
        let expected = if expected.contains('.') {
            expected.trim_end_matches('0').trim_end_matches('.')
        } else {
            &expected
        };
        assert_eq!(text, expected, "{v:e} with {digits} digits");
    }
}

/// The shortest decimal that reads back names the value itself: for an integer code it is the
/// integer, and no format counts a decimal that only reads back because it saturates.
#[test]
fn shortest_decimals_never_lean_on_saturation() {
    use precision_lab::formats::catalogue;
    for entry in catalogue() {
        let format = entry.format();
        if format.total_bits() > 16 {
            continue;
        }
        for code in 0..(1u64 << format.total_bits()) {
            let value = format.decode(code);
            if !value.is_finite() {
                continue;
            }
            let text = format.shortest_decimal(code);
            let read: f64 = text
                .parse()
                .unwrap_or_else(|_| panic!("{}: {text:?}", entry.name));
            let back = format.encode_report(read, Rounding::NearestEven, Overflow::Default);
            assert!(
                back.code == code && !back.overflowed,
                "{} code {code:#x}: {text} reads back only by overflowing",
                entry.name
            );
            if entry.name.starts_with("int") || entry.name == "uint8" {
                assert_eq!(
                    read, value,
                    "{} code {code:#x}: an integer's shortest decimal is itself",
                    entry.name
                );
            }
        }
    }
    let (s, _) = state("format=int8&value=max");
    assert_eq!(Readout::compute(&s).decoded.shortest_decimal, "127");
    let (s, _) = state("format=e3m2fn&value=max");
    assert_eq!(Readout::compute(&s).decoded.shortest_decimal, "28");
}

/// An overflow says what the stored value is, in words, never "NaN" for an error.
#[test]
fn overflows_are_named_not_printed_as_nan() {
    use precision_lab::present::formats::error_texts;
    #[track_caller]
    fn check(search: &str, summary: &str, abs_text: &str) {
        let (s, _) = state(search);
        let r = Readout::compute(&s);
        let report = r.report.expect("a typed value has a report");
        assert!(report.overflowed, "{search}");
        assert_eq!(r.error_summary().as_deref(), Some(summary), "{search}");
        let ((_, abs), (_, rel)) = error_texts(&report);
        assert_eq!(abs, abs_text, "{search}");
        assert!(
            !abs.contains("NaN") && !rel.contains("NaN"),
            "{search}: {abs} / {rel}"
        );
        assert!(!r.is_exact());
    }
    check("format=fp16&value=1e400", "overflowed to +Inf", "infinite");
    check("format=fp16&value=-1e400", "overflowed to -Inf", "infinite");
    check("format=bf16&value=1e39", "overflowed to +Inf", "infinite");
    check(
        "format=e4m3fn&value=1e400",
        "overflowed to NaN (this format has no infinity)",
        "none: the result is not a number",
    );
    check(
        "format=e2m1fn&value=1e400",
        "overflowed: clamped to the largest finite value, 6",
        "over 1.8e308 (beyond fp64)",
    );
    check(
        "format=int8&value=1000",
        "overflowed: clamped to the largest finite value, 127",
        "873",
    );
    check(
        "format=fp16&value=1e400&overflow=saturate",
        "overflowed: clamped to the largest finite value, 65504",
        "over 1.8e308 (beyond fp64)",
    );
    check(
        "format=fp16&value=70000&overflow=saturate",
        "overflowed: clamped to the largest finite value, 65504",
        "4496",
    );
    let (s, _) = state("format=fp16&value=0.5");
    let r = Readout::compute(&s);
    assert!(r.is_exact());
    assert_eq!(
        r.error_summary().as_deref(),
        Some("none: the typed value is stored exactly")
    );
}

/// The bit legend names the fields the format has, as they are for that format.
#[test]
fn the_bit_legend_names_each_formats_own_fields() {
    use precision_lab::present::formats::legend;
    let labels = |name: &str| -> Vec<String> {
        legend(&name.parse::<Format>().unwrap())
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    };
    assert_eq!(labels("fp16"), ["sign", "exponent", "mantissa"]);
    assert_eq!(
        labels("int8"),
        ["sign (weight -2^7)", "value bits (two's complement)"]
    );
    assert_eq!(labels("uint8"), ["value bits"]);
    assert_eq!(labels("nf4"), ["index into the 16 NF4 levels"]);
    assert_eq!(labels("e8m0fnu"), ["exponent"]);
    // Every field a cell has is in the legend, and nothing else.
    for name in ["fp32", "int4", "nf4", "e8m0fnu", "e2m1fn", "uint8"] {
        let format: Format = name.parse().unwrap();
        let mut fields: Vec<Field> = bit_cells(&format, 0).into_iter().map(|c| c.field).collect();
        fields.dedup();
        let legend_fields: Vec<Field> = legend(&format).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, legend_fields, "{name}");
    }
}

/// The widget reference names only parameters its widget reads: a nonsense value for each gives
/// a notice from that widget's own parser (`theme` and `compact` are read by every embed and
/// never refuse a value), and each widget's example state reads without one.
#[test]
fn the_widget_reference_lists_every_block_format_and_recipe() {
    use precision_lab::formats::block::BlockFormat;
    use precision_lab::present::widgets::WIDGET_DOCS;
    use precision_lab::route::Widget;
    use precision_lab::train::Policy;
    let doc = |widget: Widget, param: &str| -> String {
        let doc = WIDGET_DOCS
            .iter()
            .find(|d| d.widget == widget)
            .expect("documented");
        let (_, text) = doc
            .params
            .iter()
            .find(|(p, _)| *p == param)
            .expect("a parameter");
        text.to_string()
    };
    let listed = |text: &str, id: &str| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .any(|word| word == id)
    };
    let mxel = doc(Widget::Mx, "mxel");
    for format in BlockFormat::ALL {
        assert!(
            listed(&mxel, format.id()),
            "mxel does not list {}",
            format.id()
        );
    }
    let policies = doc(Widget::Trainer, "policies");
    for policy in Policy::menu() {
        assert!(
            listed(&policies, policy.name()),
            "policies does not list {}",
            policy.name()
        );
    }
    assert!(
        Policy::from_name("nvfp4-no-sr-no-rht").is_some(),
        "the documented combination parses"
    );
}

#[test]
fn the_widget_reference_names_parameters_the_widgets_read() {
    use precision_lab::present::plots::PlotsState;
    use precision_lab::present::train::{BackendChoice, TrainState};
    use precision_lab::present::widgets::WIDGET_DOCS;
    use precision_lab::route::Widget;
    let notices = |widget: Widget, query: &Query| -> Vec<String> {
        let mut out: Vec<String> = match widget {
            Widget::Editor | Widget::SameValue | Widget::NumberLine | Widget::Rounding => {
                FormatsState::from_query(query)
                    .1
                    .into_iter()
                    .map(|n| n.0)
                    .collect()
            }
            Widget::Facts => precision_lab::present::formats::fact_columns(query, true)
                .1
                .into_iter()
                .map(|n| n.0)
                .collect(),
            Widget::Mx => MxState::from_query(query)
                .1
                .into_iter()
                .map(|n| n.0)
                .collect(),
            Widget::Range | Widget::Precision | Widget::Quantize => {
                let mut all: Vec<String> = FormatsState::from_query(query)
                    .1
                    .into_iter()
                    .map(|n| n.0)
                    .collect();
                all.extend(PlotsState::from_query(query).1.into_iter().map(|n| n.0));
                all
            }
            Widget::Memory => precision_lab::present::memory::read(query)
                .1
                .into_iter()
                .map(|n| format!("{}: {}", n.key, n.message))
                .collect(),
            Widget::Trainer => TrainState::from_query(query)
                .1
                .into_iter()
                .map(|n| n.0)
                .collect(),
            Widget::Tensor => precision_lab::present::tensor::read(query)
                .1
                .into_iter()
                .map(|n| n.0)
                .collect(),
        };
        if widget == Widget::Trainer {
            out.extend(BackendChoice::from_query(query).1.map(|n| n.0));
        }
        out
    };
    for doc in WIDGET_DOCS {
        let (example, _) = Query::parse(doc.example);
        assert_eq!(
            notices(doc.widget, &example),
            Vec::<String>::new(),
            "{:?} example {}",
            doc.widget,
            doc.example
        );
        for (param, _) in doc.params {
            if ["theme", "compact"].contains(param) {
                continue;
            }
            let (query, _) = Query::parse(&format!("{param}=zz%C2%A7nonsense"));
            let said = notices(doc.widget, &query);
            assert!(!said.is_empty(), "{:?}: nothing reads {param}", doc.widget);
        }
    }
}
