//! Axes and panels: the mapping from data to pixels, the plotters frame of a panel (grid, axes,
//! ticks, titles), tick positions, and the exact log2 arithmetic the axes use.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::Palette;
use crate::base::detmath;
use crate::plot::frame::FrameBackend;

/// One axis of a panel: the data interval `lo..hi` and the pixel interval it is drawn on, with the
/// mapping plotters uses (so a data element lands on the same pixel as plotters' grid line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axis {
    /// Data value at the start of the axis (left, or bottom).
    pub lo: f64,
    /// Data value at the end of the axis (right, or top).
    pub hi: f64,
    /// Pixel of `lo`.
    pub px_lo: i32,
    /// Pixel of `hi` (smaller than `px_lo` for a vertical axis: SVG's y grows downwards).
    pub px_hi: i32,
}

impl Axis {
    /// The pixel of data value `v`: `px_lo + floor((px_hi - px_lo) * (v - lo) / (hi - lo) + 0.001)`
    /// (rounded towards `px_hi` for a reversed axis), exactly as plotters maps an `f64` coordinate.
    /// Values outside `lo..hi` map outside the pixel interval (at most four axis lengths out, NaN to
    /// `lo`); use [`Axis::map_clamped`] to stay in.
    pub fn map(&self, v: f64) -> i32 {
        // Far outside the axis the pixel would overflow an i32: hold it a few axis lengths out.
        let reach = 4.0 * (self.hi - self.lo).abs();
        // max/min rather than clamp: they cannot panic, whatever the bounds.
        let v = if v.is_nan() {
            self.lo
        } else {
            v.max(self.lo.min(self.hi) - reach)
                .min(self.lo.max(self.hi) + reach)
        };
        RangedCoordf64::from(self.lo..self.hi).map(&v, (self.px_lo, self.px_hi))
    }

    /// [`Axis::map`] of `v` clamped to `lo..=hi` (NaN maps to `lo`).
    pub fn map_clamped(&self, v: f64) -> i32 {
        let v = if v.is_nan() {
            self.lo
        } else {
            v.max(self.lo.min(self.hi)).min(self.lo.max(self.hi))
        };
        self.map(v)
    }

    /// Whether `v` lies within the axis (inclusive).
    pub fn contains(&self, v: f64) -> bool {
        v >= self.lo.min(self.hi) && v <= self.lo.max(self.hi)
    }
}

/// How one panel's frame is drawn: data ranges, tick positions and their labels, axis titles,
/// and the room for tick labels.
pub(crate) struct PanelSpec<'a> {
    pub x: AxisSpec<'a>,
    pub y: AxisSpec<'a>,
    /// Height of the area under the plot for x tick labels and the x title.
    pub bottom: u32,
    /// Width of the area left of the plot for y tick labels and the y title.
    pub left: u32,
}

pub(crate) struct AxisSpec<'a> {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub label: &'a dyn Fn(f64) -> String,
    pub title: &'a str,
}

/// Font size of tick labels and legends, in user units (about 11 px on a 375 px phone).
pub(crate) const FONT: u32 = 11;
/// Font size of a plot's title line.
pub(crate) const TITLE_FONT: u32 = 12;
pub(crate) const FONT_FAMILY: &str = "sans-serif";

/// The root drawing area of a plot: plotters draws the frame onto it through [`FrameBackend`].
pub(crate) type Area<'b> = DrawingArea<FrameBackend<'b>, Shift>;

/// Draws a panel's frame (grid, axes, ticks, labels, titles) in `area` and returns its x and y
/// axes. Fails if plotters reports an error or if its pixel mapping disagrees with [`Axis::map`].
/// Generic over the backend so a test can draw the same panel with plotters' own SVG backend.
pub(crate) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PanelSpec<'_>,
    palette: &Palette,
) -> Result<(Axis, Axis), String> {
    let text = palette.text.plotters();
    let label_font = (FONT_FAMILY, f64::from(FONT) * 1.24)
        .into_font()
        .color(&text);
    let ((x_lo, x_hi), (y_lo, y_hi)) = (sane(spec.x.lo, spec.x.hi), sane(spec.y.lo, spec.y.hi));
    let within = |ticks: &[f64], lo: f64, hi: f64| -> Vec<f64> {
        ticks
            .iter()
            .copied()
            .filter(|t| *t >= lo && *t <= hi)
            .collect()
    };
    let x_range = Ticked {
        lo: x_lo,
        hi: x_hi,
        ticks: within(&spec.x.ticks, x_lo, x_hi),
    };
    let y_range = Ticked {
        lo: y_lo,
        hi: y_hi,
        ticks: within(&spec.y.ticks, y_lo, y_hi),
    };
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(spec.bottom)
        .y_label_area_size(spec.left)
        .build_cartesian_2d(x_range, y_range)
        .map_err(|e| e.to_string())?;
    let x_label = spec.x.label;
    let y_label = spec.y.label;
    chart
        .configure_mesh()
        .x_labels(spec.x.ticks.len())
        .y_labels(spec.y.ticks.len())
        .x_label_formatter(&|v| x_label(*v))
        .y_label_formatter(&|v| y_label(*v))
        .x_desc(spec.x.title)
        .y_desc(spec.y.title)
        .label_style(label_font.clone())
        .axis_desc_style(label_font)
        .axis_style(palette.axis.plotters())
        .bold_line_style(palette.grid.plotters())
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(|e| e.to_string())?;
    // plotters maps x onto x0..=x1-1 and y onto y1-1..=y0 of the plotting rectangle.
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let x = Axis {
        lo: x_lo,
        hi: x_hi,
        px_lo: xs.start,
        px_hi: xs.end - 1,
    };
    let y = Axis {
        lo: y_lo,
        hi: y_hi,
        px_lo: ys.end - 1,
        px_hi: ys.start,
    };
    for (vx, vy) in [
        (x.lo, y.lo),
        (x.hi, y.hi),
        (x.lo + (x.hi - x.lo) / 3.0, y.lo + (y.hi - y.lo) / 3.0),
    ] {
        if chart.backend_coord(&(vx, vy)) != (x.map(vx), y.map(vy)) {
            return Err("axis mapping disagrees with plotters".to_string());
        }
    }
    Ok((x, y))
}

/// Draws a panel in the pixel rectangle `rect` (x0, y0, x1, y1, ends exclusive) of the root area
/// and checks that plotters laid it out where [`axes_for`] says, so the pure layout functions the
/// plot modules expose are the truth.
pub(crate) fn panel_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: (i32, i32, i32, i32),
    spec: &PanelSpec<'_>,
    palette: &Palette,
) -> Result<(Axis, Axis), String> {
    let (x0, y0, x1, y1) = rect;
    let area = root.clone().shrink((x0, y0), (x1 - x0, y1 - y0));
    let got = panel(&area, spec, palette)?;
    let want = axes_for(
        rect,
        spec.left,
        spec.bottom,
        (spec.x.lo, spec.x.hi),
        (spec.y.lo, spec.y.hi),
    );
    if got != want {
        return Err(format!("panel layout {got:?} differs from {want:?}"));
    }
    Ok(got)
}

/// A linear f64 coordinate with exactly the given ticks (plotters' `WithKeyPoints` cannot take a
/// label formatter).
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The pixel rectangle a panel's data lives in, given the margins `panel` is drawn with: a pure
/// computation of what plotters lays out, so tests and views can know the mapping without drawing.
pub(crate) fn plot_rect(
    area: (i32, i32, i32, i32),
    left: u32,
    bottom: u32,
) -> (i32, i32, i32, i32) {
    let (x0, y0, x1, y1) = area;
    (x0 + left as i32, y0, x1, y1 - bottom as i32)
}

/// A drawable data interval: `lo..hi` when both are finite and `hi > lo`; a unit interval around a
/// single finite value; `0..1` otherwise (non-finite input never reaches plotters).
pub(crate) fn sane(lo: f64, hi: f64) -> (f64, f64) {
    if lo.is_finite() && hi.is_finite() && hi > lo && (hi - lo).is_finite() {
        (lo, hi)
    } else if lo.is_finite() && lo == hi {
        (lo - 1.0, hi + 1.0)
    } else {
        (0.0, 1.0)
    }
}

/// The axes [`panel`] returns for a panel drawn in the pixel rectangle `area` (x0, y0, x1, y1,
/// ends exclusive).
pub(crate) fn axes_for(
    area: (i32, i32, i32, i32),
    left: u32,
    bottom: u32,
    x: (f64, f64),
    y: (f64, f64),
) -> (Axis, Axis) {
    let (x0, y0, x1, y1) = plot_rect(area, left, bottom);
    let (x, y) = (sane(x.0, x.1), sane(y.0, y.1));
    (
        Axis {
            lo: x.0,
            hi: x.1,
            px_lo: x0,
            px_hi: x1 - 1,
        },
        Axis {
            lo: y.0,
            hi: y.1,
            px_lo: y1 - 1,
            px_hi: y0,
        },
    )
}

/// floor(log2 |x|) for a finite nonzero `x`, exact (from the bits, f64 subnormals included).
pub(crate) fn floor_log2(x: f64) -> i32 {
    let bits = x.abs().to_bits();
    let field = (bits >> 52) as i32;
    if field == 0 {
        // Subnormal: 2^-1074 times the 52-bit mantissa.
        let mantissa = bits & ((1u64 << 52) - 1);
        63 - mantissa.leading_zeros() as i32 - 1074
    } else {
        field - 1023
    }
}

/// log2 |x| for plotting: exact for powers of two, else within a few f64 ulps, through
/// `base::detmath`, so that pixel positions are the same on every machine.
pub(crate) fn log2_abs(x: f64) -> f64 {
    detmath::log2(x.abs())
}

/// 2^p as an f64 (p in -1074..=1023).
pub(crate) fn pow2(p: i32) -> f64 {
    if p >= -1022 {
        f64::from_bits(((p + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (p + 1074).clamp(0, 51))
    }
}

/// Ticks at multiples of a step chosen so that at most `max` ticks fall in `lo..=hi`; `step` is
/// the first of `steps` (ascending) that fits. Each tick is `k * step` for an integer k, so ticks
/// are exact whenever the step is (integers, powers of two).
pub(crate) fn ticks(lo: f64, hi: f64, max: usize, steps: &[f64]) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) || max == 0 {
        return Vec::new();
    }
    let fits = |s: f64| s > 0.0 && ((hi - lo) / s).floor() < max as f64;
    let step = steps.iter().copied().find(|s| fits(*s)).unwrap_or_else(|| {
        // Beyond the table (e8m0fnu's 2^127 on a linear axis): 1, 2 or 5 times a power of ten.
        let raw = (hi - lo) / max as f64;
        let p = 10f64.powi(detmath::log10(raw).floor() as i32);
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * p)
            .find(|s| fits(*s))
            .unwrap_or(raw * 2.0)
    });
    let (first, last) = ((lo / step).ceil(), (hi / step).floor());
    if !(first.is_finite() && last.is_finite()) || last - first > 4.0 * max as f64 {
        return Vec::new();
    }
    (first as i64..=last as i64)
        .map(|k| k as f64 * step)
        .collect()
}

/// Steps for a linear axis whose ticks should be exact: powers of two below 1, then 1, 2 and 5
/// times powers of ten.
pub(crate) fn linear_steps() -> Vec<f64> {
    let mut steps: Vec<f64> = (1..=20).rev().map(|k| pow2(-k)).collect();
    for p in 0..16 {
        let ten = 10f64.powi(p);
        steps.extend([ten, 2.0 * ten, 5.0 * ten]);
    }
    steps
}

/// Steps for a log2 axis: whole binades in "nice" groups.
pub(crate) const LOG2_STEPS: [f64; 14] = [
    1.0, 2.0, 4.0, 5.0, 8.0, 10.0, 16.0, 20.0, 32.0, 50.0, 64.0, 100.0, 128.0, 256.0,
];
