//! The memory-budget chart: one horizontal stacked bar per GPU (weights, training state,
//! activations, KV cache, buffers) against a line at the GPU's capacity, with a legend and the
//! total. Pure: a [`Report`] in, a [`Plot`] out. It owns drawing only; every number comes from
//! `memory::estimate`, and the view decides where the SVG goes.
//!
//! Drawn like every other plot (`plot::svg`): the frame (a unit axis with a few round ticks and
//! their grid lines) through plotters, the bars, labels and legend as plain elements, the theme's
//! palette. Horizontal bars keep every label outside the bars and off the axis: a GPU's name above
//! its bar, the capacity above the plot with the line it labels, the amounts in the legend. The
//! chart is 330 user units wide, so its 11-unit text is at least 11 px in a 375 px phone's column.

use crate::memory::units::amount;
use crate::memory::{Category, Report, UnitLead};

use super::svg::{
    self, approx_text_width, linear_steps, panel_at, ticks, AxisSpec, PanelSpec, FONT, TITLE_FONT,
};
use super::{Plot, Rgb, Theme};

/// Width of the chart in user units.
pub const WIDTH: u32 = 330;

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

/// Layout, in user units: the title, the capacity label above the plot, one row per bar (its
/// label above the bar), the axis under it, then the legend and the total.
const TOP: i32 = 40;
const ROW: i32 = 30;
const BAR: i32 = 14;
const LEFT: u32 = 12;
const BOTTOM: u32 = 30;
const RIGHT_MARGIN: i32 = 14;
const LEGEND_ROW: i32 = FONT as i32 + 5;

/// Draws the per-GPU stacked bars of a report against the GPU's capacity, in the lead unit.
pub fn memory_chart(report: &Report, gpu_name: &str, lead: UnitLead, theme: Theme) -> Plot {
    let unit = unit_name(lead);
    // Per-category bytes on one GPU, with the exact amount for the legend.
    let stacks: Vec<(Category, f64, String)> = ORDER
        .iter()
        .filter_map(|c| {
            let bytes = report.per_device_of(&[*c]);
            let value = unit_value(bytes.get(), lead);
            (value > 0.0).then(|| (*c, value, amount(bytes, lead == UnitLead::Gib)))
        })
        .collect();
    let used = unit_value(report.per_device.get(), lead);
    let capacity = unit_value(report.capacity.get(), lead);
    let labels: Vec<String> = if report.devices > MAX_BARS {
        vec![format!("each of {} GPUs", report.devices)]
    } else {
        (1..=report.devices.max(1))
            .map(|i| format!("GPU {i}"))
            .collect()
    };
    let fits = report.per_device <= report.capacity;
    let legend: Vec<(Category, String)> = stacks
        .iter()
        .map(|(c, _, exact)| (*c, format!("{}: {exact}", c.label())))
        .collect();
    let plot_bottom = TOP + ROW * labels.len() as i32 + BOTTOM as i32;
    let legend_rows = legend_rows(&legend.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>());
    let height = plot_bottom + 10 + LEGEND_ROW * legend_rows + LEGEND_ROW + 6;
    let size = (WIDTH, height as u32);
    let caption = format!(
        "Memory on each GPU by kind against the {gpu_name}'s {}: {} per GPU, {}.",
        report.capacity.lead(lead),
        report.per_device.lead(lead),
        if fits { "fits" } else { "does not fit" }
    );
    let svg = svg::render(size, theme, &caption, |root, palette, doc| {
        let top = (used.max(capacity) * 1.1).max(f64::MIN_POSITIVE);
        let x_ticks = ticks(0.0, top, 4, &linear_steps());
        let label = |v: f64| svg::value_text(v);
        let no_label = |_: f64| String::new();
        let spec = PanelSpec {
            x: AxisSpec {
                lo: 0.0,
                hi: top,
                ticks: x_ticks,
                label: &label,
                title: unit,
            },
            y: AxisSpec {
                lo: 0.0,
                hi: labels.len() as f64,
                ticks: Vec::new(),
                label: &no_label,
                title: "",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let rect = (0, TOP, WIDTH as i32 - RIGHT_MARGIN, plot_bottom);
        let (x, _) = panel_at(root, rect, &spec, palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &format!("Memory per GPU ({unit})"),
        );
        // Bars: one row each, the label above the bar, never on it.
        for (row, name) in labels.iter().enumerate() {
            let label_y = TOP + ROW * row as i32 + 12;
            let bar_y = label_y + 4;
            doc.text(x.px_lo, label_y, FONT, palette.text, "start", name);
            let mut base = 0.0;
            for (category, value, exact) in &stacks {
                let (x0, x1) = (x.map_clamped(base), x.map_clamped(base + value));
                doc.el("rect")
                    .attr("x", x0)
                    .attr("y", bar_y)
                    .attr("width", (x1 - x0).max(1))
                    .attr("height", BAR)
                    .attr("fill", colour(palette, *category).hex())
                    .attr("data-category", category.label())
                    .title(&format!("{name}, {}: {exact}", category.label()));
                base += value;
            }
        }
        // The capacity: a line through the bars, labelled above the plot where it cannot cover
        // a bar, anchored so it stays inside the picture.
        let cx = x.map_clamped(capacity);
        doc.el("line")
            .attr("x1", cx)
            .attr("x2", cx)
            .attr("y1", TOP - 4)
            .attr("y2", plot_bottom - BOTTOM as i32)
            .attr("stroke", palette.marker.hex())
            .attr("stroke-width", 2)
            .attr("data-capacity", report.capacity.get())
            .end();
        let capacity_text = format!("{gpu_name}: {}", report.capacity.lead(lead));
        let width = approx_text_width(&capacity_text, FONT);
        let anchor = if cx + width / 2 > WIDTH as i32 - 4 {
            "end"
        } else if cx - width / 2 < 4 {
            "start"
        } else {
            "middle"
        };
        doc.text(cx, TOP - 8, FONT, palette.marker, anchor, &capacity_text);
        // Legend and total under the plot.
        let entries: Vec<(Rgb, String)> = legend
            .iter()
            .map(|(c, text)| (colour(palette, *c), text.clone()))
            .collect();
        let y = doc.legend(
            8,
            plot_bottom + 14,
            WIDTH as i32 - 16,
            &entries,
            palette.text,
        );
        let verdict = if fits { "fits" } else { "does not fit" };
        doc.text(
            8,
            y,
            FONT,
            palette.text,
            "start",
            &format!("Total per GPU {}: {verdict}", report.per_device.lead(lead)),
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

/// A category's colour: the palette's four series colours, and its muted grey for buffers.
fn colour(palette: &svg::Palette, category: Category) -> Rgb {
    match category {
        Category::Weights => palette.series(0),
        Category::TrainingState => palette.series(1),
        Category::Activations => palette.series(2),
        Category::KvCache => palette.series(3),
        Category::Buffers => palette.muted,
    }
}

/// Rows [`svg::Doc::legend`] takes for these labels in the chart's width.
fn legend_rows(labels: &[&str]) -> i32 {
    let (x0, width) = (8, WIDTH as i32 - 16);
    let mut x = x0;
    let mut rows = 1;
    for label in labels {
        let w = 16 + approx_text_width(label, FONT);
        if x > x0 && x + w > x0 + width {
            x = x0;
            rows += 1;
        }
        x += w + 8;
    }
    rows
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
