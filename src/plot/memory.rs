//! The memory-budget chart: one stacked bar per GPU (weights, training state, activations, KV
//! cache, buffers) against a line at the GPU's capacity, with a legend and unit-labelled axis.
//! Pure: a [`Report`] in, an SVG string out. It owns drawing only; every number comes from
//! `memory::estimate`, and the view decides where the SVG goes.
//!
//! The SVG is 360 x 320 user units with a `viewBox`, so it fits a 375 px phone and scales up.
//! Text is escaped by the plotters SVG backend. Colours come from [`Theme`] (the Okabe-Ito
//! palette, distinguishable with common colour-vision deficiencies), with text and axes in a
//! colour chosen for the page background.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::memory::{Category, Report, UnitLead};

/// The page theme the chart is drawn for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    fn text(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0x1a, 0x1a, 0x1a),
            Theme::Dark => RGBColor(0xe6, 0xe6, 0xe6),
        }
    }

    fn grid(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0xd0, 0xd0, 0xd0),
            Theme::Dark => RGBColor(0x44, 0x44, 0x44),
        }
    }

    fn capacity(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0xd5, 0x5e, 0x00),
            Theme::Dark => RGBColor(0xff, 0x8c, 0x42),
        }
    }

    fn category(self, category: Category) -> RGBColor {
        // Okabe-Ito; the dark theme uses the lighter members for contrast on dark grey.
        match (self, category) {
            (Theme::Light, Category::Weights) => RGBColor(0x00, 0x72, 0xb2),
            (Theme::Dark, Category::Weights) => RGBColor(0x56, 0xb4, 0xe9),
            (_, Category::TrainingState) => RGBColor(0xe6, 0x9f, 0x00),
            (_, Category::Activations) => RGBColor(0x00, 0x9e, 0x73),
            (_, Category::KvCache) => RGBColor(0xcc, 0x79, 0xa7),
            (Theme::Light, Category::Buffers) => RGBColor(0x99, 0x99, 0x99),
            (Theme::Dark, Category::Buffers) => RGBColor(0xbb, 0xbb, 0xbb),
        }
    }
}

/// Width and height of the SVG in user units.
pub const SIZE: (u32, u32) = (360, 320);

const ORDER: [Category; 5] = [
    Category::Weights,
    Category::TrainingState,
    Category::Activations,
    Category::KvCache,
    Category::Buffers,
];

/// Bars drawn at most; beyond this many GPUs one bar stands for each of them (they are identical
/// in this model).
const MAX_BARS: u64 = 8;

/// Draws the per-GPU stacked bars of a report against the GPU's capacity, in the lead unit.
/// Returns the SVG text, or an `<svg>` holding a one-line message if drawing failed (plotters
/// reports errors instead of panicking; none is expected with an in-memory string).
pub fn memory_chart(report: &Report, gpu_name: &str, lead: UnitLead, theme: Theme) -> String {
    let mut svg = String::new();
    let result = draw(&mut svg, report, gpu_name, lead, theme);
    match result {
        Ok(()) => svg,
        Err(message) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\"><text x=\"8\" y=\"20\">Chart unavailable: {}</text></svg>",
            SIZE.0,
            SIZE.1,
            escape(&message)
        ),
    }
}

fn unit_value(bytes: u128, lead: UnitLead) -> f64 {
    let b = crate::memory::Bytes(bytes);
    match lead {
        UnitLead::Gb => b.gb_f64(),
        UnitLead::Gib => b.gib_f64(),
    }
}

fn unit_name(lead: UnitLead) -> &'static str {
    match lead {
        UnitLead::Gb => "GB",
        UnitLead::Gib => "GiB",
    }
}

fn draw(
    svg: &mut String,
    report: &Report,
    gpu_name: &str,
    lead: UnitLead,
    theme: Theme,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    let (chart_area, legend_area) = root.split_vertically(250);
    let text = theme.text();
    let font = |size: u32| ("sans-serif", size).into_font().color(&text);

    // Per-category bytes on one GPU.
    let stacks: Vec<(Category, f64, String)> = ORDER
        .iter()
        .map(|c| {
            let bytes = report.per_device_of(&[*c]);
            (*c, unit_value(bytes.get(), lead), bytes.lead(lead))
        })
        .filter(|(_, v, _)| *v > 0.0)
        .collect();
    let used = unit_value(report.per_device.get(), lead);
    let capacity = unit_value(report.capacity.get(), lead);
    let top = used.max(capacity) * 1.15;
    let top = if top > 0.0 { top } else { 1.0 };
    let bars = report.devices.clamp(1, MAX_BARS);
    let labels: Vec<String> = if report.devices > MAX_BARS {
        vec![format!("each of {} GPUs", report.devices)]
    } else {
        (1..=report.devices.max(1))
            .map(|i| format!("GPU {i}"))
            .collect()
    };
    let n_bars = if report.devices > MAX_BARS { 1 } else { bars };

    let mut chart = ChartBuilder::on(&chart_area)
        .margin(8)
        .caption(format!("Memory per GPU ({})", unit_name(lead)), font(14))
        .x_label_area_size(24)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..n_bars as f64, 0f64..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(unit_name(lead))
        .y_labels(6)
        .label_style(font(11))
        .axis_desc_style(font(11))
        .axis_style(text)
        .light_line_style(theme.grid())
        .bold_line_style(theme.grid())
        .draw()
        .map_err(|e| err(&e))?;

    for (i, label) in labels.iter().enumerate() {
        let x0 = i as f64 + 0.2;
        let x1 = i as f64 + 0.8;
        let mut base = 0.0;
        for (category, value, _) in &stacks {
            let colour = theme.category(*category);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, base), (x1, base + value)],
                    colour.filled(),
                )))
                .map_err(|e| err(&e))?;
            base += value;
        }
        chart
            .draw_series(std::iter::once(Text::new(
                label.clone(),
                (i as f64 + 0.5, 0.0),
                font(10).pos(Pos::new(HPos::Center, VPos::Top)),
            )))
            .map_err(|e| err(&e))?;
    }

    // Capacity line with its label.
    let capacity_colour = theme.capacity();
    chart
        .draw_series(LineSeries::new(
            [(0.0, capacity), (n_bars as f64, capacity)],
            capacity_colour.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
    let capacity_text = format!("{gpu_name}: {}", report.capacity.lead(lead));
    chart
        .draw_series(std::iter::once(Text::new(
            capacity_text,
            (0.02 * n_bars as f64, capacity),
            ("sans-serif", 11)
                .into_font()
                .color(&capacity_colour)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(|e| err(&e))?;

    // Legend: one swatch per category present, plus the total and the verdict.
    let mut y = 6;
    for (category, _, exact) in &stacks {
        let colour = theme.category(*category);
        legend_area
            .draw(&Rectangle::new([(12, y), (24, y + 10)], colour.filled()))
            .map_err(|e| err(&e))?;
        legend_area
            .draw(&Text::new(
                format!("{}: {exact}", category.label()),
                (30, y),
                font(11),
            ))
            .map_err(|e| err(&e))?;
        y += 13;
    }
    let verdict = if report.per_device <= report.capacity {
        "fits"
    } else {
        "does not fit"
    };
    legend_area
        .draw(&Text::new(
            format!("Total {}: {verdict}", report.per_device.lead(lead)),
            (200, 6),
            font(11),
        ))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Escapes text for an SVG text node or attribute (used for the fallback message only; plotters
/// escapes the text it draws).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
