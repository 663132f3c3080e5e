//! Plot 2, precision: the relative gap between neighbours, ulp(x)/|x|, against |x| on log-log axes,
//! for several formats. Within a binade the gap is constant, so the curve falls as 1/x (a straight
//! line of slope -1 in log-log) and jumps back up at the next power of two: a sawtooth between
//! 2^-M and 2^-(M+1). Through the subnormals the gap stays at the smallest subnormal, so the relative
//! gap rises along one line up to 1 at the smallest subnormal. Epsilon (the gap at 1) and the
//! editor's value are marked.
//!
//! The curve is drawn exactly, from the format's runs of equal gap ([`gap_runs`]): one segment per
//! run, which is the true curve (log2(gap/x) is linear in log2 x). When the teeth would be narrower
//! than three pixels (fp32 spans 277 binades) the normal range is drawn as the band the teeth fill.

use crate::formats::{Format, Structure};

use super::range::list;
use super::svg::{
    self, axes_for, floor_log2, input_text, log2_abs, panel_at, pow2, pow2_label, ticks,
    value_text, Axis, AxisSpec, Doc, Palette, PanelSpec, FONT, LOG2_STEPS, TITLE_FONT,
};
use super::{format_look, NamedFormat, Plot, Theme};

/// What the precision plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct PrecisionInput<'a> {
    pub formats: &'a [NamedFormat],
    /// The editor's value; marked where it lies within a format's range.
    pub value: Option<f64>,
    pub theme: Theme,
}

/// A run of magnitudes `from <= |x| < to` over which the gap to the next larger value is `gap`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GapRun {
    pub from: f64,
    pub to: f64,
    pub gap: f64,
}

/// The runs of equal gap that cover a format's positive values, from the smallest positive value
/// to the largest finite value, in order. Floats: the subnormals (gap = the smallest subnormal),
/// then one run per binade (gap `ulp(2^e)`), the last one ending at the largest finite value.
/// Integers: one run. NF4: one run per pair of neighbouring levels.
pub fn gap_runs(format: &Format) -> Vec<GapRun> {
    let facts = format.facts();
    let max = facts.max_finite;
    let mut runs = Vec::new();
    match format.structure() {
        Structure::Float(_) => {
            if let Some(min_subnormal) = facts.min_subnormal {
                if min_subnormal < facts.min_normal {
                    runs.push(GapRun {
                        from: min_subnormal,
                        to: facts.min_normal,
                        gap: min_subnormal,
                    });
                }
            }
            for e in floor_log2(facts.min_normal)..=floor_log2(max) {
                let from = pow2(e);
                let to = if e + 1 > 1023 {
                    max
                } else {
                    pow2(e + 1).min(max)
                };
                if from < to {
                    runs.push(GapRun {
                        from,
                        to,
                        gap: format.ulp(from),
                    });
                }
            }
        }
        Structure::Integer { scale, .. } => {
            if scale < max {
                runs.push(GapRun {
                    from: scale,
                    to: max,
                    gap: scale,
                });
            }
        }
        Structure::Nf4 { .. } => {
            let mut values: Vec<f64> = (0..=format.code_mask())
                .map(|code| format.decode(code))
                .filter(|v| v.is_finite() && *v > 0.0)
                .collect();
            values.sort_by(f64::total_cmp);
            values.dedup();
            for pair in values.windows(2) {
                runs.push(GapRun {
                    from: pair[0],
                    to: pair[1],
                    gap: pair[1] - pair[0],
                });
            }
        }
    }
    runs
}

/// ulp(x)/|x| at `x` by the runs of [`gap_runs`]: `None` outside the smallest positive value to the
/// largest finite value. At the largest finite value the gap is that of its binade.
pub fn relative_gap(format: &Format, x: f64) -> Option<(f64, f64)> {
    let magnitude = x.abs();
    let runs = gap_runs(format);
    let last = runs.last()?;
    runs.iter()
        .find(|run| run.from <= magnitude && magnitude < run.to)
        .or((magnitude == last.to).then_some(last))
        .map(|run| (run.gap, run.gap / magnitude))
}

const WIDTH: u32 = 360;
const HEIGHT: u32 = 282;
const PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 240);
const LEFT: u32 = 44;
const BOTTOM: u32 = 34;

/// The data spans of the two axes: x is log2 |x| (one binade beyond the formats' values), y is
/// log2(ulp/|x|) (from one below the smallest relative gap to just above 1).
pub fn spans(input: &PrecisionInput<'_>) -> ((f64, f64), (f64, f64)) {
    let mut x_lo = f64::INFINITY;
    let mut x_hi = f64::NEG_INFINITY;
    let mut y_lo: f64 = -1.0;
    for f in input.formats {
        for run in gap_runs(&f.format) {
            x_lo = x_lo.min(log2_abs(run.from));
            x_hi = x_hi.max(log2_abs(run.to));
            y_lo = y_lo.min((log2_abs(run.gap) - log2_abs(run.to)).floor());
        }
    }
    if !x_lo.is_finite() {
        return ((-30.0, 20.0), (-12.0, 1.0));
    }
    ((x_lo.floor() - 1.0, x_hi.ceil() + 1.0), (y_lo - 1.0, 1.0))
}

/// The axes as drawn (x: log2 |x|, y: log2 of the relative gap).
pub fn axes(input: &PrecisionInput<'_>) -> (Axis, Axis) {
    let (x, y) = spans(input);
    axes_for(PANEL, LEFT, BOTTOM, x, y)
}

/// Draws the relative-gap curves.
pub fn precision(input: &PrecisionInput<'_>) -> Plot {
    let size = (WIDTH, HEIGHT);
    let (x_span, y_span) = spans(input);
    let names: Vec<&str> = input.formats.iter().map(|f| f.label.as_str()).collect();
    let caption = caption(input, &names);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let label = |v: f64| pow2_label(v.round() as i32);
        let spec = PanelSpec {
            x: AxisSpec {
                lo: x_span.0,
                hi: x_span.1,
                ticks: ticks(x_span.0, x_span.1, 6, &LOG2_STEPS),
                label: &label,
                title: "|x|",
            },
            y: AxisSpec {
                lo: y_span.0,
                hi: y_span.1,
                ticks: ticks(y_span.0, y_span.1, 6, &LOG2_STEPS),
                label: &label,
                title: "ulp(x) / |x|",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let (x, y) = panel_at(root, PANEL, &spec, palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            "Relative gap between neighbours",
        );
        let dense = f64::from(x.px_hi - x.px_lo) / (x.hi - x.lo) < 3.0;
        for named in input.formats {
            draw_format(doc, palette, (&x, &y), named, input.value, dense);
        }
        if let Some(v) = input.value.filter(|v| v.is_finite() && *v != 0.0) {
            let l2 = log2_abs(v);
            if x.contains(l2) {
                let px = x.map(l2);
                doc.el("line")
                    .attr("x1", px)
                    .attr("x2", px)
                    .attr("y1", y.px_hi)
                    .attr("y2", y.px_lo)
                    .attr("stroke", palette.marker.hex())
                    .attr("stroke-dasharray", "3 2")
                    .attr("data-marker", "value-line")
                    .title(&format!("x = {}", input_text(v)));
            }
        }
        let entries: Vec<_> = input
            .formats
            .iter()
            .map(|f| {
                let look = format_look(&f.label);
                (
                    palette.hue(look.hue),
                    look.dash.dasharray(),
                    f.label.clone(),
                )
            })
            .collect();
        doc.line_legend(8, PANEL.3 + 14, WIDTH as i32 - 16, &entries, palette.text);
        Ok(())
    });
    Plot { svg, caption, size }
}

/// One format's curve (or, where the binades are too dense to draw one by one, the band their
/// teeth fill), its epsilon and the editor's value on it.
fn draw_format(
    doc: &mut Doc,
    palette: &Palette,
    (x, y): (&Axis, &Axis),
    named: &NamedFormat,
    value: Option<f64>,
    dense: bool,
) {
    let look = format_look(&named.label);
    let colour = palette.hue(look.hue);
    doc.group(&[("data-format", named.label.as_str())]);
    let runs = gap_runs(&named.format);
    let point = |v: f64, gap: f64| (x.map(log2_abs(v)), y.map(log2_abs(gap) - log2_abs(v)));
    let is_float = matches!(named.format.structure(), Structure::Float(_));
    let mut points: Vec<(i32, i32)> = Vec::new();
    let mut band: Vec<GapRun> = Vec::new();
    for (k, run) in runs.iter().enumerate() {
        let subnormal =
            is_float && k == 0 && run.to <= named.format.min_normal() && run.gap == run.from;
        if dense && is_float && !subnormal {
            band.push(*run);
            continue;
        }
        push_point(&mut points, point(run.from, run.gap));
        push_point(&mut points, point(run.to, run.gap));
    }
    if points.len() >= 2 {
        let mut line = doc
            .el("polyline")
            .attr("points", points_attr(&points))
            .attr("fill", "none")
            .attr("stroke", colour.hex())
            .attr("stroke-width", 1.5);
        if let Some(dash) = look.dash.dasharray() {
            line = line.attr("stroke-dasharray", dash);
        }
        line.attr("data-series", "relative-gap")
            .title(&format!("{}: ulp(x)/|x|", named.label));
    }
    if let (Some(first), Some(last)) = (band.first(), band.last()) {
        // The teeth fill the band between 2^-M (at each power of two) and just above
        // 2^-(M+1) (just below the next one).
        let top = log2_abs(first.gap) - log2_abs(first.from);
        let corners = [
            (x.map(log2_abs(first.from)), y.map(top)),
            (x.map(log2_abs(last.to)), y.map(top)),
            (
                x.map(log2_abs(last.to)),
                y.map(log2_abs(last.gap) - log2_abs(last.to)),
            ),
            (x.map(log2_abs(first.to)), y.map(top - 1.0)),
        ];
        doc.el("polygon")
            .attr("points", points_attr(&corners))
            .attr("fill", colour.hex())
            .attr("opacity", 0.6)
            .attr("data-series", "relative-gap-band")
            .title(&format!(
                "{}: one sawtooth tooth per binade, {} binades (too dense to draw one by one)",
                named.label,
                band.len()
            ));
    }
    if is_float && x.contains(0.0) {
        let eps = named.format.epsilon();
        let (px, py) = (x.map(0.0), y.map(log2_abs(eps)));
        doc.el("circle")
            .attr("cx", px)
            .attr("cy", py)
            .attr("r", 3)
            .attr("fill", colour.hex())
            .attr("data-marker", "epsilon")
            .title(&format!(
                "{}: epsilon = ulp(1) = {}",
                named.label,
                value_text(eps)
            ));
        let text = format!("ε {}", value_text(eps));
        doc.text(px + 5, py - 4, FONT - 1, palette.text, "start", &text);
    }
    if let Some((v, (gap, rel))) = value.and_then(|v| Some((v, relative_gap(&named.format, v)?))) {
        let (px, py) = (
            x.map(log2_abs(v)),
            y.map_clamped(log2_abs(gap) - log2_abs(v)),
        );
        doc.el("circle")
            .attr("cx", px)
            .attr("cy", py)
            .attr("r", 4)
            .attr("fill", "none")
            .attr("stroke", palette.marker.hex())
            .attr("stroke-width", 2)
            .attr("data-marker", "value")
            .title(&format!(
                "{}: at {} the gap is {}, relative gap {}",
                named.label,
                input_text(v),
                value_text(gap),
                value_text(rel)
            ));
    }
    doc.close_group();
}

fn push_point(points: &mut Vec<(i32, i32)>, p: (i32, i32)) {
    if points.last() != Some(&p) {
        points.push(p);
    }
}

pub(crate) fn points_attr(points: &[(i32, i32)]) -> String {
    let mut out = String::with_capacity(points.len() * 8);
    for (i, (px, py)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{px},{py}"));
    }
    out
}

fn caption(input: &PrecisionInput<'_>, names: &[&str]) -> String {
    let mut text = format!(
        "Relative gap between neighbouring values, ulp(x)/|x|, against |x| (both log2) for {}: a \
         sawtooth between 2^-M and 2^-(M+1) per binade, a straight rise through the subnormals, \
         epsilon marked at x = 1.",
        list(names)
    );
    if let Some(v) = input.value {
        text.push_str(&format!(" Circle: x = {}.", input_text(v)));
    }
    text
}
