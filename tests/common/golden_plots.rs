//! A fixed set of plots and a hash of each one's SVG, pinned. The native tests (`tests/it/plot.rs`)
//! and the browser tests (`tests/web`, the wasm build in Chromium) both check them, so the plots are
//! the same bytes on every platform: the guarantee that logarithms, samples and layout go through
//! `base` and exact arithmetic, which drawing twice in one process cannot show.
//!
//! When a change to a plot is meant, run `cargo test --test it golden -- --nocapture` and copy the
//! printed table into [`GOLDEN`] (and say in the commit which plots changed and why).

use precision_lab::formats::{Overflow, Rounding};
use precision_lab::memory::{estimate, from_query, UnitLead};
use precision_lab::plot::memory::memory_chart;
use precision_lab::plot::number_line::{number_line, NumberLineInput};
use precision_lab::plot::precision::{precision, PrecisionInput};
use precision_lab::plot::quantize::{quantize, samples, Distribution, QuantizeInput};
use precision_lab::plot::range::{dynamic_range, RangeInput};
use precision_lab::plot::rounding::{rounding_error, RoundingInput};
use precision_lab::plot::train::{
    decision_boundary, gradient_histogram, loss_curves, loss_scale, DecisionInput, GradientInput,
    RunSeries, RunsInput,
};
use precision_lab::plot::{recipe_look, NamedFormat, Plot, Theme};
use precision_lab::train::{
    DataConfig, DatasetKind, DecisionGrid, Log2Histogram, Precision, StepSummary,
};

/// The pinned hashes (FNV-1a, 64 bits, of the SVG text), in the order [`plots`] draws them.
pub const GOLDEN: [(&str, u64); 14] = [
    ("range", 0x0659417bfe748cb5),
    ("precision", 0xac019da70cfcd483),
    ("number_line_e4m3fn", 0xd80fdcf65a362530),
    ("number_line_fp16", 0x1e0415762e9db836),
    ("number_line_bf16_dark", 0x156c0580894e7116),
    ("quantize_lognormal", 0x6b29061e97f150be),
    ("quantize_normal_e2m1fn", 0x6c8e6cb10a8dac2c),
    ("rounding_e4m3fn", 0x321cce58ed707ca0),
    ("rounding_fp16_saturate", 0x93ba176097d70411),
    ("loss", 0x0cdbfad26051ca6c),
    ("scale", 0x833a2129868042ad),
    ("gradients", 0xac128e38017a4bf1),
    ("decision", 0x806980be710b24b0),
    ("memory", 0x63368b4515ccb649),
];

/// FNV-1a over the bytes: small, and the same on every platform.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn named(name: &str) -> NamedFormat {
    NamedFormat::from(
        name.parse::<precision_lab::formats::Format>()
            .expect("a catalogue name"),
    )
}

fn summary(step: u64) -> StepSummary {
    StepSummary {
        step,
        loss: 2.0 / (1.0 + step as f32 / 50.0),
        accuracy: None,
        loss_scale: if step < 700 { 65536.0 } else { 32768.0 },
        skipped: step == 699,
        updates_lost: 0.0,
        flushed: 0.0,
    }
}

/// Every plot of [`GOLDEN`], drawn.
pub fn plots() -> Vec<(&'static str, Plot)> {
    let (f16, e4, bf16, e2) = (
        named("fp16"),
        named("e4m3fn"),
        named("bf16"),
        named("e2m1fn"),
    );
    let three = [f16.clone(), e4.clone(), bf16.clone()];
    let lognormal = Distribution::LogNormal {
        median_log2: -22.0,
        sigma_log2: 4.0,
    };
    let history: Vec<StepSummary> = (0..2000).map(summary).collect();
    let runs = [RunSeries {
        label: "fp16-amp",
        history: &history,
        look: recipe_look("fp16-amp"),
    }];
    let mut histogram = Log2Histogram::new();
    for v in samples(&lognormal, 2000, 3) {
        histogram.add(v as f32);
    }
    let data = DataConfig {
        kind: DatasetKind::Spirals,
        points: 300,
        noise: 0.1,
        seed: 1,
    }
    .generate();
    let (x_range, y_range) = data.bounds();
    let grid = DecisionGrid {
        resolution: 24,
        x_range,
        y_range,
        probabilities: (0..24 * 24)
            .map(|i| ((i % 24) as f32 / 23.0 + (i / 24) as f32 / 46.0).min(1.0))
            .collect(),
    };
    let line = |format: &NamedFormat, theme: Theme| {
        number_line(&NumberLineInput {
            format,
            value: Some(0.3),
            rounding: Rounding::NearestEven,
            overflow: Overflow::Default,
            theme,
        })
    };
    let quantized = |format: &NamedFormat, distribution: &Distribution, scale: f64| {
        quantize(&QuantizeInput {
            format,
            distribution,
            scale,
            samples: 2048,
            seed: 5,
            rounding: Rounding::NearestEven,
            overflow: Overflow::Default,
            theme: Theme::Light,
        })
    };
    let rounded = |format: &NamedFormat, value: f64, overflow: Overflow, theme: Theme| {
        rounding_error(&RoundingInput {
            format,
            value: Some(value),
            rounding: Rounding::NearestEven,
            overflow,
            theme,
        })
    };
    let (inputs, _) = from_query(&[
        ("model".to_string(), "llama-3-8b".to_string()),
        ("mode".to_string(), "training".to_string()),
    ]);
    let report = estimate(&inputs).expect("the Llama 3 8B training budget");
    vec![
        (
            "range",
            dynamic_range(&RangeInput {
                formats: &three,
                value: Some(0.1),
                rounding: Rounding::NearestEven,
                overflow: Overflow::Default,
                theme: Theme::Dark,
            }),
        ),
        (
            "precision",
            precision(&PrecisionInput {
                formats: &three,
                value: Some(0.1),
                theme: Theme::Light,
            }),
        ),
        ("number_line_e4m3fn", line(&e4, Theme::Light)),
        ("number_line_fp16", line(&f16, Theme::Light)),
        ("number_line_bf16_dark", line(&bf16, Theme::Dark)),
        ("quantize_lognormal", quantized(&f16, &lognormal, 1.0)),
        (
            "quantize_normal_e2m1fn",
            quantized(&e2, &Distribution::Normal { sigma: 2.0 }, 0.5),
        ),
        (
            "rounding_e4m3fn",
            rounded(&e4, 1.3, Overflow::Default, Theme::Dark),
        ),
        (
            "rounding_fp16_saturate",
            rounded(&f16, 70000.0, Overflow::Saturate, Theme::Light),
        ),
        (
            "loss",
            loss_curves(&RunsInput {
                runs: &runs,
                theme: Theme::Light,
            }),
        ),
        (
            "scale",
            loss_scale(&RunsInput {
                runs: &runs,
                theme: Theme::Light,
            }),
        ),
        (
            "gradients",
            gradient_histogram(&GradientInput {
                histogram: &histogram,
                precision: Precision::F16,
                label: "all gradients",
                theme: Theme::Light,
            }),
        ),
        (
            "decision",
            decision_boundary(&DecisionInput {
                grid: &grid,
                data: Some(&data),
                label: "bf16-mixed",
                theme: Theme::Light,
            }),
        ),
        (
            "memory",
            memory_chart(&report, "NVIDIA H100 80GB HBM3", UnitLead::Gb, Theme::Light),
        ),
    ]
}

/// The plots whose hash differs from [`GOLDEN`], as "name: got, pinned" lines; and the table to
/// paste when a change is meant.
pub fn check() -> (Vec<String>, String) {
    let drawn = plots();
    let mut table = String::new();
    let mut wrong = Vec::new();
    for ((name, plot), (pinned_name, pinned)) in drawn.iter().zip(GOLDEN) {
        let hash = fnv1a(plot.svg.as_bytes());
        table.push_str(&format!("    (\"{name}\", {hash:#018x}),\n"));
        if *name != pinned_name || hash != pinned {
            wrong.push(format!(
                "{name}: {hash:#018x}, pinned {pinned_name} {pinned:#018x}"
            ));
        }
    }
    if drawn.len() != GOLDEN.len() {
        wrong.push(format!("{} plots, {} pinned", drawn.len(), GOLDEN.len()));
    }
    (wrong, table)
}
