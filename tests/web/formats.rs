//! The Formats view as a component, checked against the format engine itself: click bits and
//! type values in several formats, then compare every readout with what the engine says.

use precision_lab::formats::{parse_input, Format, Overflow, Rounding};
use precision_lab::present::formats::code_hex;
use precision_lab::present::number::data_value;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use super::{container, find, set_search, settle};

fn readout(root: &web_sys::Element, id: &str) -> (String, Option<String>) {
    let el = find(root, &format!("[data-testid={id}]"));
    (
        el.text_content().unwrap_or_default(),
        el.get_attribute("data-value"),
    )
}

#[track_caller]
fn check_code(root: &web_sys::Element, format: &Format, code: u64) {
    let d = format.explain(code);
    assert_eq!(readout(root, "code-hex").0, code_hex(format, code));
    assert_eq!(
        readout(root, "value-exact").0,
        d.exact_decimal,
        "{} {code:#x}",
        format.name()
    );
    assert_eq!(readout(root, "value-exact").1, Some(data_value(d.value)));
    assert_eq!(readout(root, "value-shortest").0, d.shortest_decimal);
    assert_eq!(readout(root, "formula").0, d.formula);
    let up = format
        .next_up(code)
        .map(|c| format.decode(c))
        .unwrap_or(f64::NAN);
    assert_eq!(
        readout(root, "next-up").1,
        Some(data_value(up)),
        "{} {code:#x} next up",
        format.name()
    );
}

#[wasm_bindgen_test]
async fn clicking_bits_matches_the_engine_in_several_formats() {
    for name in [
        "fp16", "bf16", "e4m3fn", "e5m2fnuz", "e2m1fn", "int8", "nf4", "e8m0fnu",
    ] {
        let format: Format = name.parse().unwrap();
        set_search(&format!("?view=formats&format={name}&bits=0x0"));
        let root = container();
        let handle = leptos::mount::mount_to(root.clone(), precision_lab::ui::App);
        settle().await;
        assert_eq!(readout(&root, "format").0, name);
        let mut code = 0u64;
        let mut seed = 7u64;
        for _ in 0..12 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let bit = (seed >> 33) % u64::from(format.total_bits());
            find(&root, &format!("[data-testid=bit-{bit}]")).click();
            settle().await;
            code ^= 1 << bit;
            check_code(&root, &format, code);
        }
        drop(handle);
    }
}

#[wasm_bindgen_test]
async fn typed_values_match_the_engine_with_each_rounding_mode() {
    for (name, round, rounding) in [
        ("fp16", "nearest-even", Rounding::NearestEven),
        ("bf16", "toward-zero", Rounding::TowardZero),
        ("e4m3fn", "up", Rounding::TowardPositive),
        ("e3m2fn", "nearest-away", Rounding::NearestAway),
    ] {
        let format: Format = name.parse().unwrap();
        set_search(&format!("?view=formats&format={name}&round={round}"));
        let root = container();
        let handle = leptos::mount::mount_to(root.clone(), precision_lab::ui::App);
        settle().await;
        for typed in [
            "0.1", "-3.5e-4", "1/3", "300", "0x1.8p3", "-0", "max", "1e-9",
        ] {
            let input: web_sys::HtmlInputElement =
                find(&root, "[data-testid=value-input]").unchecked_into();
            input.set_value(typed);
            let event = web_sys::Event::new("input").unwrap();
            input.dispatch_event(&event).unwrap();
            settle().await;
            let parsed = parse_input(&format, typed).unwrap();
            let report = parsed.report(&format, rounding, Overflow::Default);
            check_code(&root, &format, report.code);
            if report.exact {
                assert_eq!(
                    readout(&root, "abs-error").1,
                    Some(data_value(0.0)),
                    "{name} {typed}"
                );
            } else {
                assert_eq!(
                    readout(&root, "abs-error").1,
                    Some(data_value(report.abs_error)),
                    "{name} {typed}"
                );
            }
        }
        drop(handle);
    }
}
