//! The trainer's charts: loss curves of up to four runs on one log axis, the loss scale over time
//! with skipped steps marked, a gradient log2 histogram against the representable window of the
//! format the gradient was stored in, and a small decision-boundary heat map per run.
//!
//! Pure drawing: every number comes from `crate::train` (`StepSummary`, `Log2Histogram`,
//! `Precision`, `DecisionGrid`, `Data`). Long histories are thinned to a few hundred points
//! ([`thin`]) keeping each bucket's lowest and highest value, so spikes survive; heat maps merge
//! equal neighbouring cells into one rectangle, so a redraw stays a few hundred elements.

use crate::train::{
    Data, DecisionGrid, Log2Histogram, Precision, StepSummary, Targets, HIST_MAX_EXP, HIST_MIN_EXP,
};

use super::range::list;
use super::svg::{
    self, axes_for, log2_abs, panel_at, pow2_label, ticks, value_text, Axis, AxisSpec, PanelSpec,
    Rgb, FONT, REGION_OPACITY, TITLE_FONT,
};
use super::{Look, Palette, Plot, Theme};
use crate::base::detmath;

/// One run's history and its label (the policy's name, say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSeries<'a> {
    pub label: &'a str,
    pub history: &'a [StepSummary],
    /// Its recipe's colour and line ([`super::recipe_look`]), the same in every chart and card.
    pub look: Look,
}

/// Up to four runs (more are ignored), each drawn in its recipe's look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunsInput<'a> {
    pub runs: &'a [RunSeries<'a>],
    pub theme: Theme,
}

/// The legend entries of the runs: each run's colour, line and label.
fn run_legend(
    runs: &[RunSeries<'_>],
    palette: &Palette,
) -> Vec<(Rgb, Option<&'static str>, String)> {
    runs.iter()
        .map(|r| {
            (
                palette.hue(r.look.hue),
                r.look.dash.dasharray(),
                r.label.to_string(),
            )
        })
        .collect()
}

/// Pixels between two skipped-step crosses at least.
const SKIP_MARK_GAP: i32 = 6;

/// Runs drawn at most.
pub const MAX_RUNS: usize = 4;
/// Points per curve at most (two per bucket).
pub const MAX_POINTS: usize = 300;

/// Thins `(step, value)` points to at most `max_points`: consecutive buckets of equal size, each
/// represented by its lowest and highest value in step order (one point when they coincide).
/// Non-finite values are kept as they are (they end a curve).
pub fn thin(points: &[(u64, f64)], max_points: usize) -> Vec<(u64, f64)> {
    if points.len() <= max_points || max_points < 2 {
        return points.to_vec();
    }
    let buckets = max_points / 2;
    let mut out = Vec::with_capacity(max_points);
    for b in 0..buckets {
        let start = b * points.len() / buckets;
        let end = ((b + 1) * points.len() / buckets).max(start + 1);
        let chunk = &points[start..end];
        if let Some(bad) = chunk.iter().find(|p| !p.1.is_finite()) {
            out.push(*bad);
            continue;
        }
        let lowest = chunk.iter().min_by(|a, b| a.1.total_cmp(&b.1)).copied();
        let highest = chunk.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied();
        if let (Some(l), Some(h)) = (lowest, highest) {
            let (first, second) = if l.0 <= h.0 { (l, h) } else { (h, l) };
            out.push(first);
            if second != first {
                out.push(second);
            }
        }
    }
    out
}

const WIDTH: u32 = 360;
const LOSS_HEIGHT: u32 = 250;
const LOSS_PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 212);
const SCALE_HEIGHT: u32 = 230;
const SCALE_PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 192);
const LEFT: u32 = 44;
const BOTTOM: u32 = 32;

fn last_step(runs: &[RunSeries<'_>]) -> f64 {
    runs.iter()
        .take(MAX_RUNS)
        .filter_map(|r| r.history.last().map(|s| s.step))
        .max()
        .map_or(1.0, |s| (s as f64).max(1.0))
}

fn step_ticks(hi: f64) -> Vec<f64> {
    let steps: Vec<f64> = svg::linear_steps()
        .into_iter()
        .filter(|s| *s >= 1.0)
        .collect();
    ticks(0.0, hi, 5, &steps)
}

/// log10 of the loss range shown: whole decades around every finite positive loss.
fn loss_span(runs: &[RunSeries<'_>]) -> (f64, f64) {
    let losses = runs
        .iter()
        .take(MAX_RUNS)
        .flat_map(|r| r.history.iter().map(|s| f64::from(s.loss)))
        .filter(|l| l.is_finite() && *l > 0.0);
    let (lo, hi) = losses.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), l| {
        (lo.min(l), hi.max(l))
    });
    if !lo.is_finite() {
        return (-2.0, 1.0);
    }
    let (a, b) = (detmath::log10(lo).floor(), detmath::log10(hi).ceil());
    (a, if b > a { b } else { a + 1.0 })
}

/// The axes of the loss chart: x steps, y log10(loss).
pub fn loss_axes(input: &RunsInput<'_>) -> (Axis, Axis) {
    axes_for(
        LOSS_PANEL,
        LEFT,
        BOTTOM,
        (0.0, last_step(input.runs)),
        loss_span(input.runs),
    )
}

/// A decade tick label: "0.01", "1", "100" near 1, "1e-6" and "1e5" further out, so the label
/// fits the axis margin (a written-out "0.000001" did not).
fn decade_label(k: f64) -> String {
    let k = k.round() as i32;
    match k {
        0..=3 => format!("1{}", "0".repeat(k as usize)),
        -3..=-1 => format!("0.{}1", "0".repeat((-k - 1) as usize)),
        _ => format!("1e{k}"),
    }
}

/// The weight of the exponential moving average the loss chart smooths with (TensorBoard's
/// "smoothing"): each point is 0.95 of the one before plus 0.05 of the new step, so the curve
/// follows a trend over about 20 steps and the noise of single batches fades.
pub const SMOOTHING: f64 = 0.95;

/// The debiased exponential moving average of `points` (the first points are not dragged toward
/// zero; Kingma & Ba's bias correction, as TensorBoard does), weight [`SMOOTHING`].
pub fn smoothed(points: &[(u64, f64)]) -> Vec<(u64, f64)> {
    let mut average = 0.0;
    let mut weight = 1.0;
    points
        .iter()
        .map(|&(step, value)| {
            average = SMOOTHING * average + (1.0 - SMOOTHING) * value;
            weight *= SMOOTHING;
            (step, average / (1.0 - weight))
        })
        .collect()
}

/// Loss curves of up to four runs on one chart, log y; a run whose loss became Inf or NaN ends with
/// a cross at its last finite point.
pub fn loss_curves(input: &RunsInput<'_>) -> Plot {
    let runs = &input.runs[..input.runs.len().min(MAX_RUNS)];
    let names: Vec<&str> = runs.iter().map(|r| r.label).collect();
    let (x_span, y_span) = ((0.0, last_step(runs)), loss_span(runs));
    let caption = format!(
        "Training loss per step (log scale) of {}: each run's moving average, with every batch's loss faint behind it; a cross marks where a run's loss became Inf or NaN.",
        list(&names)
    );
    let size = (WIDTH, LOSS_HEIGHT);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let step_label = |v: f64| format!("{v}");
        let spec = PanelSpec {
            x: AxisSpec {
                lo: x_span.0,
                hi: x_span.1,
                ticks: step_ticks(x_span.1),
                label: &step_label,
                title: "step",
            },
            y: AxisSpec {
                lo: y_span.0,
                hi: y_span.1,
                ticks: ticks(y_span.0, y_span.1, 6, &[1.0, 2.0, 3.0, 5.0, 10.0]),
                label: &decade_label,
                title: "loss",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let (x, y) = panel_at(root, LOSS_PANEL, &spec, palette)?;
        doc.text(8, 15, TITLE_FONT, palette.text, "start", "Loss");
        for run in runs.iter() {
            let colour = palette.hue(run.look.hue);
            let points: Vec<(u64, f64)> = run
                .history
                .iter()
                .map(|s| (s.step, f64::from(s.loss)))
                .collect();
            let end = points.iter().position(|p| !p.1.is_finite());
            let finite = &points[..end.unwrap_or(points.len())];
            let to_pixel = |(s, l): &(u64, f64)| {
                let ly = if *l > 0.0 { detmath::log10(*l) } else { y.lo };
                (x.map(*s as f64), y.map_clamped(ly))
            };
            let pixels: Vec<(i32, i32)> = thin(finite, MAX_POINTS).iter().map(to_pixel).collect();
            let trend = smoothed(finite);
            let trend_pixels: Vec<(i32, i32)> =
                thin(&trend, MAX_POINTS).iter().map(to_pixel).collect();
            doc.group(&[("data-run", run.label)]);
            if !pixels.is_empty() {
                // Each batch's loss, faint: the noise is part of the story, not the line to read.
                doc.el("polyline")
                    .attr("points", super::precision::points_attr(&pixels))
                    .attr("fill", "none")
                    .attr("stroke", colour.hex())
                    .attr("stroke-width", 1)
                    .attr("opacity", 0.25)
                    .attr("data-series", "loss-raw")
                    .end();
                let mut line = doc
                    .el("polyline")
                    .attr("points", super::precision::points_attr(&trend_pixels))
                    .attr("fill", "none")
                    .attr("stroke", colour.hex())
                    .attr("stroke-width", 2);
                if let Some(dash) = run.look.dash.dasharray() {
                    line = line.attr("stroke-dasharray", dash);
                }
                line.attr("data-series", "loss").title(&format!(
                    "{}: loss {} at step {} (smoothed {})",
                    run.label,
                    finite.last().map_or("–".to_string(), |p| value_text(p.1)),
                    finite.last().map_or(0, |p| p.0),
                    trend.last().map_or("–".to_string(), |p| value_text(p.1)),
                ));
            }
            if let Some(bad) = end.map(|e| points[e]) {
                let (px, py) = pixels
                    .last()
                    .copied()
                    .unwrap_or((x.map(bad.0 as f64), y.px_hi));
                doc.el("path")
                    .attr("d", format!("M{} {} l8 8 m0 -8 l-8 8", px - 4, py - 4))
                    .attr("stroke", colour.hex())
                    .attr("stroke-width", 2)
                    .attr("data-marker", "diverged")
                    .attr("data-step", bad.0)
                    .title(&format!(
                        "{}: the loss became {} at step {}",
                        run.label,
                        value_text(bad.1),
                        bad.0
                    ));
            }
            doc.close_group();
        }
        let entries = run_legend(runs, palette);
        doc.line_legend(
            8,
            LOSS_PANEL.3 + 16,
            WIDTH as i32 - 16,
            &entries,
            palette.text,
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

/// log2 of the loss-scale range shown.
fn scale_span(runs: &[RunSeries<'_>]) -> (f64, f64) {
    let scales = runs
        .iter()
        .take(MAX_RUNS)
        .flat_map(|r| r.history.iter().map(|s| f64::from(s.loss_scale)))
        .filter(|s| s.is_finite() && *s > 0.0);
    let (lo, hi) = scales.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
        (lo.min(s), hi.max(s))
    });
    if !lo.is_finite() {
        return (-1.0, 17.0);
    }
    (log2_abs(lo).floor() - 1.0, log2_abs(hi).ceil() + 1.0)
}

/// The axes of the loss-scale chart: x steps, y log2(scale).
pub fn scale_axes(input: &RunsInput<'_>) -> (Axis, Axis) {
    axes_for(
        SCALE_PANEL,
        LEFT,
        BOTTOM,
        (0.0, last_step(input.runs)),
        scale_span(input.runs),
    )
}

/// The loss scale of each run over time (a step line, log2 y), with a cross at every skipped step
/// (at most one per pixel column).
pub fn loss_scale(input: &RunsInput<'_>) -> Plot {
    let runs = &input.runs[..input.runs.len().min(MAX_RUNS)];
    let names: Vec<&str> = runs.iter().map(|r| r.label).collect();
    let (x_span, y_span) = ((0.0, last_step(runs)), scale_span(runs));
    let skipped: Vec<usize> = runs
        .iter()
        .map(|r| r.history.iter().filter(|s| s.skipped).count())
        .collect();
    let caption = format!(
        "Loss scale per step (log2) of {}; crosses mark skipped steps (Inf or NaN gradients): {}.",
        list(&names),
        runs.iter()
            .zip(&skipped)
            .map(|(r, n)| format!("{} {n}", r.label))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let size = (WIDTH, SCALE_HEIGHT);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let step_label = |v: f64| format!("{v}");
        let scale_label = |v: f64| pow2_label(v.round() as i32);
        let spec = PanelSpec {
            x: AxisSpec {
                lo: x_span.0,
                hi: x_span.1,
                ticks: step_ticks(x_span.1),
                label: &step_label,
                title: "step",
            },
            y: AxisSpec {
                lo: y_span.0,
                hi: y_span.1,
                ticks: ticks(y_span.0, y_span.1, 5, &svg::LOG2_STEPS),
                label: &scale_label,
                title: "loss scale",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let (x, y) = panel_at(root, SCALE_PANEL, &spec, palette)?;
        doc.text(8, 15, TITLE_FONT, palette.text, "start", "Loss scale");
        for (i, run) in runs.iter().enumerate() {
            let colour = palette.hue(run.look.hue);
            // The step line: a point where the scale changes, and the end.
            let mut line: Vec<(i32, i32)> = Vec::new();
            let mut previous: Option<f32> = None;
            for s in run
                .history
                .iter()
                .filter(|s| s.loss_scale.is_finite() && s.loss_scale > 0.0)
            {
                let py = y.map_clamped(log2_abs(f64::from(s.loss_scale)));
                let px = x.map(s.step as f64);
                if previous != Some(s.loss_scale) {
                    if let Some(&(_, last_y)) = line.last() {
                        line.push((px, last_y));
                    }
                    line.push((px, py));
                    previous = Some(s.loss_scale);
                }
            }
            if let (Some(last), Some(&(_, ly))) = (run.history.last(), line.last()) {
                line.push((x.map(last.step as f64), ly));
            }
            line.dedup();
            if line.len() > 2 * MAX_POINTS {
                // Oscillating scales: keep every k-th corner (the picture is a solid band anyway).
                let k = line.len().div_ceil(2 * MAX_POINTS);
                line = line.iter().step_by(k).copied().collect();
            }
            // One cross per six pixels at most: a scaler that skips every few steps for
            // thousands of steps would otherwise draw a solid red band.
            let mut marks = String::new();
            let mut last_column: Option<i32> = None;
            for s in run.history.iter().filter(|s| s.skipped) {
                let px = x.map(s.step as f64);
                if last_column.is_some_and(|c| px - c < SKIP_MARK_GAP) {
                    continue;
                }
                last_column = Some(px);
                let py = y.map_clamped(log2_abs(f64::from(s.loss_scale.max(f32::MIN_POSITIVE))));
                marks.push_str(&format!("M{} {} l6 6 m0 -6 l-6 6 ", px - 3, py - 3));
            }
            doc.group(&[("data-run", run.label)]);
            if line.len() >= 2 {
                doc.el("polyline")
                    .attr("points", super::precision::points_attr(&line))
                    .attr("fill", "none")
                    .attr("stroke", colour.hex())
                    .attr("stroke-width", 1.5)
                    .attr("data-series", "loss-scale")
                    .title(&format!("{}: loss scale", run.label));
            }
            if !marks.is_empty() {
                doc.el("path")
                    .attr("d", marks.trim_end())
                    .attr("stroke", palette.marker.hex())
                    .attr("stroke-width", 1.5)
                    .attr("fill", "none")
                    .attr("data-series", "skipped")
                    .attr("data-count", skipped[i])
                    .title(&format!("{}: {} skipped steps", run.label, skipped[i]));
            }
            doc.close_group();
        }
        let entries = run_legend(runs, palette);
        doc.line_legend(
            8,
            SCALE_PANEL.3 + 16,
            WIDTH as i32 - 16,
            &entries,
            palette.text,
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

/// A gradient histogram and the format its values were stored in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientInput<'a> {
    pub histogram: &'a Log2Histogram,
    pub precision: Precision,
    /// What the histogram is of (a tensor's name, "all gradients"...).
    pub label: &'a str,
    pub theme: Theme,
}

const HIST_HEIGHT: u32 = 250;
const HIST_PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 212);

/// The regions of a training precision in log2 |g|, clipped to the histogram's range: (name, from,
/// to) for "underflow" (below the smallest subnormal), "subnormal", "normal", "overflow".
pub fn precision_regions(precision: Precision) -> Vec<(&'static str, f64, f64)> {
    let (lo, hi) = (f64::from(HIST_MIN_EXP), f64::from(HIST_MAX_EXP));
    let sub = log2_abs(f64::from(precision.min_subnormal()));
    let normal = log2_abs(f64::from(precision.min_normal()));
    let max = log2_abs(f64::from(precision.max_finite()));
    [
        ("underflow", lo, sub),
        ("subnormal", sub, normal),
        ("normal", normal, max),
        ("overflow", max, hi),
    ]
    .into_iter()
    .map(|(name, a, b)| (name, a.clamp(lo, hi), b.clamp(lo, hi)))
    .filter(|(_, a, b)| b > a)
    .collect()
}

/// The axes of the gradient histogram: x log2 |g| over the histogram's bins, y count.
pub fn gradient_axes(input: &GradientInput<'_>) -> (Axis, Axis) {
    axes_for(
        HIST_PANEL,
        LEFT,
        BOTTOM,
        (f64::from(HIST_MIN_EXP), f64::from(HIST_MAX_EXP)),
        (0.0, hist_top(input.histogram)),
    )
}

fn hist_top(h: &Log2Histogram) -> f64 {
    (f64::from(h.bins.iter().copied().max().unwrap_or(0).max(1)) * 1.1).ceil()
}

/// The log2 histogram of gradient magnitudes against the format's window.
pub fn gradient_histogram(input: &GradientInput<'_>) -> Plot {
    let h = input.histogram;
    let p = input.precision;
    let caption = format!(
        "Magnitudes of {} (log2 bins from 2^{HIST_MIN_EXP} to 2^{HIST_MAX_EXP}) against {}'s range: \
         grey flushes to zero (below {}), amber is subnormal (below {}), red overflows (above {}).",
        input.label,
        p.name(),
        value_text(f64::from(p.min_subnormal())),
        value_text(f64::from(p.min_normal())),
        value_text(f64::from(p.max_finite()))
    );
    let size = (WIDTH, HIST_HEIGHT);
    let top = hist_top(h);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let x_label = |v: f64| pow2_label(v.round() as i32);
        let y_label = |v: f64| format!("{v}");
        let y_steps = svg::linear_steps();
        let spec = PanelSpec {
            x: AxisSpec {
                lo: f64::from(HIST_MIN_EXP),
                hi: f64::from(HIST_MAX_EXP),
                ticks: ticks(
                    f64::from(HIST_MIN_EXP),
                    f64::from(HIST_MAX_EXP),
                    7,
                    &svg::LOG2_STEPS,
                ),
                label: &x_label,
                title: "|gradient|",
            },
            y: AxisSpec {
                lo: 0.0,
                hi: top,
                ticks: ticks(0.0, top, 4, &y_steps),
                label: &y_label,
                title: "values",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let (x, y) = panel_at(root, HIST_PANEL, &spec, palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &format!("Gradients vs {}", p.name()),
        );
        for (name, from, to) in precision_regions(p) {
            let colour = match name {
                "underflow" => palette.underflow,
                "subnormal" => palette.subnormal,
                "normal" => palette.normal,
                _ => palette.overflow,
            };
            let (a, b) = (x.map(from), x.map(to));
            doc.el("rect")
                .attr("x", a)
                .attr("y", y.px_hi)
                .attr("width", b - a)
                .attr("height", y.px_lo - y.px_hi)
                .attr("fill", colour.hex())
                .attr("opacity", REGION_OPACITY)
                .attr("data-region", name)
                .attr("data-from", from)
                .attr("data-to", to)
                .end();
        }
        let mut d = String::new();
        for (i, &n) in h.bins.iter().enumerate().filter(|(_, n)| **n > 0) {
            let e = f64::from(HIST_MIN_EXP) + i as f64;
            let t = y.map(f64::from(n));
            d.push_str(&format!(
                "M{} {} V{t} H{} V{} Z ",
                x.map(e),
                y.px_lo,
                x.map(e + 1.0),
                y.px_lo
            ));
        }
        doc.el("path")
            .attr("d", d.trim_end())
            .attr("fill", palette.series(0).hex())
            .attr("stroke", palette.background.hex())
            .attr("stroke-width", 0.5)
            .attr("data-series", "histogram")
            .title(&format!("{}: values per binade", input.label));
        let total = h.total();
        let share = |n: u32| {
            svg::percent(if total == 0 {
                0.0
            } else {
                f64::from(n) / f64::from(total)
            })
        };
        doc.text(
            8,
            HIST_PANEL.3 + 16,
            FONT,
            palette.text,
            "start",
            &format!(
                "zero {} · below {} {} · above {} {} · Inf/NaN {}",
                share(h.zero),
                pow2_label(HIST_MIN_EXP),
                share(h.below),
                pow2_label(HIST_MAX_EXP),
                share(h.above),
                share(h.non_finite)
            ),
        );
        doc.text(
            8,
            HIST_PANEL.3 + 32,
            FONT - 1,
            palette.muted,
            "start",
            &format!("{total} values"),
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

/// A run's decision grid and, optionally, its data points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecisionInput<'a> {
    pub grid: &'a DecisionGrid,
    pub data: Option<&'a Data>,
    pub label: &'a str,
    pub theme: Theme,
}

/// Side of a heat map in user units (four fit a 360-unit row two by two, or in one row on a desktop).
pub const HEAT_SIZE: u32 = 170;
const HEAT_PANEL: (i32, i32, i32, i32) = (4, 18, HEAT_SIZE as i32 - 4, HEAT_SIZE as i32 + 14);
/// Probability levels the heat map distinguishes (equal neighbours merge into one rectangle).
pub const HEAT_LEVELS: u32 = 10;
/// Data points drawn at most (every k-th beyond that).
pub const MAX_DATA_POINTS: usize = 300;

/// The level of a class-1 probability: 0 for p < 0.1, ..., 9 for p >= 0.9; NaN at 5 (undecided).
pub fn heat_level(p: f32) -> u32 {
    if p.is_nan() {
        return HEAT_LEVELS / 2;
    }
    ((p.clamp(0.0, 1.0) * HEAT_LEVELS as f32) as u32).min(HEAT_LEVELS - 1)
}

fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    Rgb(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// The axes of a heat map: x and y in data coordinates.
pub fn decision_axes(input: &DecisionInput<'_>) -> (Axis, Axis) {
    let g = input.grid;
    axes_for(
        HEAT_PANEL,
        0,
        0,
        (f64::from(g.x_range[0]), f64::from(g.x_range[1])),
        (f64::from(g.y_range[0]), f64::from(g.y_range[1])),
    )
}

/// A small heat map of the class-1 probability over the grid, with the data points on top.
pub fn decision_boundary(input: &DecisionInput<'_>) -> Plot {
    let g = input.grid;
    let caption = format!(
        "Decision boundary of {}: the network's probability of class 1 (orange) against class 0 \
         (blue) over a {r}×{r} grid, with the training points.",
        input.label,
        r = g.resolution
    );
    let size = (HEAT_SIZE, HEAT_SIZE + 18);
    let (xr, yr) = (
        (f64::from(g.x_range[0]), f64::from(g.x_range[1])),
        (f64::from(g.y_range[0]), f64::from(g.y_range[1])),
    );
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let none = |_: f64| String::new();
        let spec = PanelSpec {
            x: AxisSpec {
                lo: xr.0,
                hi: xr.1,
                ticks: Vec::new(),
                label: &none,
                title: "",
            },
            y: AxisSpec {
                lo: yr.0,
                hi: yr.1,
                ticks: Vec::new(),
                label: &none,
                title: "",
            },
            bottom: 0,
            left: 0,
        };
        let (x, y) = panel_at(root, HEAT_PANEL, &spec, palette)?;
        doc.text(4, 13, FONT, palette.text, "start", input.label);
        let (c0, c1) = (palette.series(0), palette.series(1));
        let colour = |level: u32| {
            let p = (f64::from(level) + 0.5) / f64::from(HEAT_LEVELS);
            if p < 0.5 {
                mix(palette.background, c0, (0.5 - p) * 1.6)
            } else {
                mix(palette.background, c1, (p - 0.5) * 1.6)
            }
        };
        let r = g.resolution;
        if r > 0 && g.probabilities.len() == r * r {
            let edge =
                |range: (f64, f64), i: usize| range.0 + (range.1 - range.0) * i as f64 / r as f64;
            doc.group(&[("data-series", "probability")]);
            for row in 0..r {
                let (top, bottom) = (y.map(edge(yr, row + 1)), y.map(edge(yr, row)));
                let mut col = 0;
                while col < r {
                    let level = heat_level(g.probabilities[row * r + col]);
                    let mut end = col + 1;
                    while end < r && heat_level(g.probabilities[row * r + end]) == level {
                        end += 1;
                    }
                    let (left, right) = (x.map(edge(xr, col)), x.map(edge(xr, end)));
                    doc.el("rect")
                        .attr("x", left)
                        .attr("y", top)
                        .attr("width", right - left + 1)
                        .attr("height", bottom - top + 1)
                        .attr("fill", colour(level).hex())
                        .attr("data-level", level)
                        .end();
                    col = end;
                }
            }
            doc.close_group();
        }
        if let Some(data) = input.data {
            if let Targets::Classes(classes) = data.targets() {
                let inputs = data.inputs();
                let n = classes.len();
                let k = n.div_ceil(MAX_DATA_POINTS).max(1);
                let mut paths = [String::new(), String::new()];
                for i in (0..n).step_by(k) {
                    let (px, py) = (
                        x.map(f64::from(inputs[2 * i])),
                        y.map(f64::from(inputs[2 * i + 1])),
                    );
                    if !(x.contains(f64::from(inputs[2 * i]))
                        && y.contains(f64::from(inputs[2 * i + 1])))
                    {
                        continue;
                    }
                    let class = usize::from(classes[i].min(1));
                    paths[class]
                        .push_str(&format!("M{} {py} a2 2 0 1 0 4 0 a2 2 0 1 0 -4 0 ", px - 2));
                }
                for (class, d) in paths.iter().enumerate() {
                    if d.is_empty() {
                        continue;
                    }
                    doc.el("path")
                        .attr("d", d.trim_end())
                        .attr("fill", if class == 0 { c0.hex() } else { c1.hex() })
                        .attr("stroke", palette.text.hex())
                        .attr("stroke-width", 0.6)
                        .attr("data-series", format!("class-{class}"))
                        .title(&format!("training points of class {class}"));
                }
            }
        }
        Ok(())
    });
    Plot { svg, caption, size }
}
