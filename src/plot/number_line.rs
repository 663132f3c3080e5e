//! Plot 3, the number line: every finite value of a format of 8 bits or fewer as a tick, on a linear
//! axis and on a symlog axis (linear up to the smallest normal, log2 beyond), so the crowding near
//! zero and the even spread per binade are both visible, with the specials named. For wider formats
//! there are too many values to draw, so it shows their density instead: how many values fall in
//! each interval of |x|, on the same two axes ([`density`]).
//!
//! Owns the layout and the counting; values come from `crate::formats` (decode, encode).

use crate::base::detmath;
use crate::formats::{Format, Overflow, Rounding, Structure};

use super::range::rounding_name;
use super::svg::{
    self, axes_for, input_text, panel_at, pow2_label, ticks, value_text, Axis, AxisSpec, Doc,
    Palette, PanelSpec, FONT, LOG2_STEPS, TITLE_FONT,
};
use super::{NamedFormat, Plot, Theme};

/// What the number-line plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberLineInput<'a> {
    pub format: &'a NamedFormat,
    /// The editor's value, marked where the format stores it.
    pub value: Option<f64>,
    pub rounding: Rounding,
    pub overflow: Overflow,
    pub theme: Theme,
}

/// The symlog coordinate of `x`: `x / t` for |x| <= t, `sign(x) (1 + log2(|x| / t))` beyond, where
/// `t` is the format's smallest normal value: subnormals are evenly spaced in [-1, 1] and each
/// normal binade takes one unit.
pub fn symlog(x: f64, t: f64) -> f64 {
    let m = x.abs();
    if m <= t {
        x / t
    } else {
        // log2 |x| - log2 t rather than log2(|x| / t), which overflows for fp64 (2^1024 / 2^-1022).
        let s = 1.0 + (svg::log2_abs(m) - svg::log2_abs(t));
        if x < 0.0 {
            -s
        } else {
            s
        }
    }
}

/// Every value of a format, for drawing it as ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// Distinct finite values, ascending (+0 and -0 are one value).
    pub finite: Vec<f64>,
    /// A distinct -0 code exists.
    pub negative_zero: bool,
    /// Codes of +Inf and -Inf, if any.
    pub infinities: Vec<u64>,
    /// Codes that are NaN.
    pub nans: Vec<u64>,
}

/// Enumerates every code of a format of at most 16 bits; `None` for wider formats.
pub fn values(format: &Format) -> Option<Values> {
    if format.total_bits() > 16 {
        return None;
    }
    let mut out = Values {
        finite: Vec::new(),
        negative_zero: false,
        infinities: Vec::new(),
        nans: Vec::new(),
    };
    for code in 0..=format.code_mask() {
        let v = format.decode(code);
        if format.is_nan_code(code) || v.is_nan() {
            out.nans.push(code);
        } else if v.is_infinite() {
            out.infinities.push(code);
        } else {
            if v == 0.0 && v.is_sign_negative() {
                out.negative_zero = true;
            }
            out.finite.push(v);
        }
    }
    out.finite.sort_by(f64::total_cmp);
    out.finite.dedup_by(|a, b| a == b);
    Some(out)
}

/// How the intervals of a density are spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    /// Equal widths in |x| from 0 to the largest finite value.
    Linear,
    /// Equal widths in [`symlog`] |x|.
    Symlog,
}

/// One interval of a density: values `from <= |x| < to` (the last interval includes its end).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    /// Number of non-negative values of the format in the interval (+0 counts once).
    pub count: u64,
}

/// How many non-negative values of a float or integer format lie in each interval from 0 to the
/// largest finite value; exact, from codes (positive codes of these formats are in value order, so
/// a count is a difference of codes). `Linear`: `bins` equal intervals. `Symlog`: [0, min normal)
/// (the subnormals and zero), then groups of whole binades, as few binades per group as keep the
/// count of intervals at most `bins`; every edge is a power of two, so each binade's count is
/// exactly visible (2^M values per binade for floats). `None` for NF4.
pub fn density(format: &Format, bins: usize, spacing: Spacing) -> Option<Vec<Bin>> {
    if matches!(format.structure(), Structure::Nf4 { .. }) || bins < 2 {
        return None;
    }
    let max = format.max_finite();
    let edges: Vec<f64> = match spacing {
        Spacing::Linear => (0..=bins)
            .map(|i| {
                if i == bins {
                    max
                } else {
                    max * i as f64 / bins as f64
                }
            })
            .collect(),
        Spacing::Symlog => {
            let t = format.min_normal();
            let (e0, e1) = (svg::floor_log2(t), svg::floor_log2(max));
            let binades = (e1 - e0 + 1) as usize;
            let group = binades.div_ceil(bins - 1).max(1) as i32;
            let mut edges = vec![0.0];
            let mut e = e0;
            while e <= e1 {
                edges.push(svg::pow2(e));
                e += group;
            }
            edges.push(max);
            edges.dedup();
            edges
        }
    };
    // The code of the smallest value >= v (0 <= v <= max).
    let first_at_or_above = |v: f64| format.encode(v, Rounding::TowardPositive, Overflow::Saturate);
    let end = format.encode(max, Rounding::NearestEven, Overflow::Saturate) + 1;
    let n = edges.len() - 1;
    let out = (0..n)
        .map(|i| {
            let (from, to) = (edges[i], edges[i + 1]);
            let b = if i + 1 == n {
                end
            } else {
                first_at_or_above(to)
            };
            Bin {
                from,
                to,
                count: b.saturating_sub(first_at_or_above(from)),
            }
        })
        .collect();
    Some(out)
}

const WIDTH: u32 = 360;
const HEIGHT: u32 = 262;
const LINEAR: (i32, i32, i32, i32) = (8, 40, WIDTH as i32 - 8, 118);
const SYMLOG: (i32, i32, i32, i32) = (8, 148, WIDTH as i32 - 8, 226);
const BOTTOM: u32 = 24;
const DENSITY_LEFT: u32 = 34;
const BINS: usize = 48;

/// Which kind of number line a format gets.
pub fn draws_ticks(format: &Format) -> bool {
    format.total_bits() <= 8
}

/// The x axes of the two panels as drawn (linear, symlog): values for ticks, |x| for densities.
pub fn axes(format: &Format) -> (Axis, Axis) {
    let (lin, sym) = spans(format);
    let left = if draws_ticks(format) { 0 } else { DENSITY_LEFT };
    (
        axes_for(LINEAR, left, BOTTOM, lin, (0.0, 1.0)).0,
        axes_for(SYMLOG, left, BOTTOM, sym, (0.0, 1.0)).0,
    )
}

fn spans(format: &Format) -> ((f64, f64), (f64, f64)) {
    let max = format.max_finite();
    let t = format.min_normal();
    let s = symlog(max, t);
    if draws_ticks(format) {
        let lowest = format.facts().lowest.min(0.0);
        let pad = (max - lowest) * 0.04;
        let s_lo = symlog(format.facts().lowest, t);
        let s_pad = (s - s_lo) * 0.04;
        // Without zero (e8m0fnu) the symlog axis starts just below the smallest value, not at 0.
        let s_left = if s_lo > 0.0 {
            s_lo - s_pad.min(0.5)
        } else {
            s_lo - s_pad
        };
        ((lowest - pad, max + pad), (s_left, s + s_pad))
    } else {
        ((0.0, max), (0.0, s))
    }
}

/// One panel's axes and what the drawing functions share.
struct PanelPen<'a> {
    x: &'a Axis,
    y: &'a Axis,
    /// From a value to the panel's x coordinate (the identity, or the symlog).
    to_x: &'a dyn Fn(f64) -> f64,
    palette: &'a Palette,
    label: &'a str,
}

/// The y axis of both panels: empty for ticks; for densities log2 of the largest count, with its
/// ticks.
fn count_axis(ticks_mode: bool, counts: Option<&(Vec<Bin>, Vec<Bin>)>) -> (f64, f64, Vec<f64>) {
    if ticks_mode {
        return (0.0, 1.0, Vec::new());
    }
    let y_hi = counts.map_or(1.0, |(lin, sym)| {
        lin.iter()
            .chain(sym)
            .map(|bin| bin.count.max(1))
            .max()
            .map_or(1.0, |c| detmath::log2(c as f64).ceil() + 1.0)
    });
    (-1.0, y_hi, ticks(0.0, y_hi, 3, &LOG2_STEPS))
}

/// The x ticks of the linear panel (inside the finite range when drawing every value) and of the
/// symlog panel (whole symlog units only).
fn x_ticks(
    format: &Format,
    ticks_mode: bool,
    lin_span: (f64, f64),
    sym_span: (f64, f64),
) -> (Vec<f64>, Vec<f64>) {
    let mut lin = ticks(lin_span.0, lin_span.1, 5, &svg::linear_steps());
    if ticks_mode {
        lin.retain(|v| v.abs() <= format.max_finite());
    }
    let step = ticks(sym_span.0.max(0.0), sym_span.1, 5, &LOG2_STEPS)
        .windows(2)
        .next()
        .map_or(1.0, |w| w[1] - w[0]);
    let mut sym: Vec<f64> = ticks(sym_span.0, sym_span.1, 9, &[step, step * 2.0, step * 4.0]);
    sym.retain(|s| s.fract() == 0.0);
    (lin, sym)
}

/// Draws the number line (ticks for formats of 8 bits or fewer, else densities).
pub fn number_line(input: &NumberLineInput<'_>) -> Plot {
    let format = &input.format.format;
    let label = &input.format.label;
    let size = (WIDTH, HEIGHT);
    let ticks_mode = draws_ticks(format);
    let stored = input
        .value
        .map(|v| (v, format.round(v, input.rounding, input.overflow)));
    let caption = caption(input, ticks_mode, stored);
    let t = format.min_normal();
    let (lin_span, sym_span) = spans(format);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let lin_label = |v: f64| value_text(v);
        let sym_label = |s: f64| symlog_label(s, t);
        let count_label = |v: f64| pow2_label(v.round() as i32);
        let none = |_: f64| String::new();
        let counts: Option<(Vec<Bin>, Vec<Bin>)> = (!ticks_mode)
            .then(|| {
                Some((
                    density(format, BINS, Spacing::Linear)?,
                    density(format, BINS, Spacing::Symlog)?,
                ))
            })
            .flatten();
        let (y_lo, y_hi, y_ticks) = count_axis(ticks_mode, counts.as_ref());
        let left = if ticks_mode { 0 } else { DENSITY_LEFT };
        let y_label: &dyn Fn(f64) -> String = if ticks_mode { &none } else { &count_label };
        let (lin_ticks, sym_ticks) = x_ticks(format, ticks_mode, lin_span, sym_span);
        let panels = [
            (
                LINEAR,
                lin_span,
                lin_ticks,
                &lin_label as &dyn Fn(f64) -> String,
                "x",
                "Linear",
            ),
            (
                SYMLOG,
                sym_span,
                sym_ticks,
                &sym_label as &dyn Fn(f64) -> String,
                "x (symlog)",
                "Symlog: linear below the smallest normal, log₂ above",
            ),
        ];
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &if ticks_mode {
                format!("Every value of {label}")
            } else {
                format!("How many values of {label} per interval of |x|")
            },
        );
        for (index, (rect, span, xticks, xlabel, title, heading)) in panels.into_iter().enumerate()
        {
            let spec = PanelSpec {
                x: AxisSpec {
                    lo: span.0,
                    hi: span.1,
                    ticks: xticks,
                    label: xlabel,
                    title: "",
                },
                y: AxisSpec {
                    lo: y_lo,
                    hi: y_hi,
                    ticks: y_ticks.clone(),
                    label: y_label,
                    title: "",
                },
                bottom: BOTTOM,
                left,
            };
            let (x, y) = panel_at(root, rect, &spec, palette)?;
            doc.text(
                rect.0 + left as i32,
                rect.1 - 6,
                FONT,
                palette.text,
                "start",
                heading,
            );
            let to_x = |v: f64| if index == 0 { v } else { symlog(v, t) };
            doc.group(&[
                ("data-panel", if index == 0 { "linear" } else { "symlog" }),
                ("data-axis", title),
            ]);
            let pen = PanelPen {
                x: &x,
                y: &y,
                to_x: &to_x,
                palette,
                label,
            };
            if let Some((lin, sym)) = &counts {
                draw_density(doc, &pen, format, if index == 0 { lin } else { sym });
            } else if let Some(all) = values(format) {
                draw_every_value(doc, &pen, format, &all);
            }
            if let Some((v, s)) = stored {
                draw_stored(doc, &pen, ticks_mode, v, s);
            }
            doc.close_group();
        }
        let footer = if ticks_mode {
            values(format).map(|all| specials(format, &all))
        } else {
            Some(format!(
                "{} finite values; each bar counts those ≥ 0 in its interval",
                format.facts().finite_values
            ))
        };
        if let Some(footer) = footer {
            doc.text(8, HEIGHT as i32 - 8, FONT, palette.text, "start", &footer);
        }
        Ok(())
    });
    Plot { svg, caption, size }
}

/// The density bars: log2 of the count of values in each interval.
fn draw_density(doc: &mut Doc, pen: &PanelPen<'_>, format: &Format, bins: &[Bin]) {
    let (x, y) = (pen.x, pen.y);
    let mut d = String::new();
    for bin in bins.iter().filter(|b| b.count > 0) {
        let (a, b) = (x.map((pen.to_x)(bin.from)), x.map((pen.to_x)(bin.to)));
        let top = y.map(detmath::log2(bin.count as f64));
        d.push_str(&format!("M{a} {} V{top} H{b} V{} Z ", y.px_lo, y.px_lo));
    }
    let counts: Vec<String> = bins.iter().map(|b| b.count.to_string()).collect();
    doc.el("path")
        .attr("d", d.trim_end())
        .attr("fill", pen.palette.series(0).hex())
        .attr("opacity", 0.8)
        .attr("data-series", "density")
        .attr("data-counts", counts.join(","))
        .title(&format!(
            "{}: values per interval, {} intervals from 0 to {}",
            pen.label,
            bins.len(),
            value_text(format.max_finite())
        ));
}

/// A tick per finite value (subnormals shorter and in their own colour), with zero and the
/// largest value named inside the panel's top.
fn draw_every_value(doc: &mut Doc, pen: &PanelPen<'_>, format: &Format, all: &Values) {
    let (x, y, palette) = (pen.x, pen.y, pen.palette);
    let t = format.min_normal();
    let (mut normal, mut sub) = (String::new(), String::new());
    for &v in &all.finite {
        let px = x.map((pen.to_x)(v));
        let is_sub = v != 0.0 && v.abs() < t;
        let (top, path) = if v == 0.0 {
            (y.map(0.8), &mut normal)
        } else if is_sub {
            (y.map(0.45), &mut sub)
        } else {
            (y.map(0.6), &mut normal)
        };
        path.push_str(&format!("M{px} {} V{top} ", y.px_lo));
    }
    for (d, colour, kind) in [
        (normal, palette.series(0), "normal"),
        (sub, palette.subnormal, "subnormal"),
    ] {
        if !d.is_empty() {
            doc.el("path")
                .attr("d", d.trim_end())
                .attr("stroke", colour.hex())
                .attr("stroke-width", 1)
                .attr("fill", "none")
                .attr("data-series", kind)
                .title(&format!("{}: {kind} values", pen.label));
        }
    }
    let max = format.max_finite();
    let label_y = y.px_hi + 9;
    if all.finite.contains(&0.0) {
        let zero_name = if all.negative_zero { "±0" } else { "0" };
        let px = x.map((pen.to_x)(0.0)) + 3;
        doc.text(px, label_y, FONT - 1, palette.text, "start", zero_name);
    }
    let px = x.map((pen.to_x)(max));
    let text = format!("max {}", value_text(max));
    doc.text(px, label_y, FONT - 1, palette.text, "end", &text);
}

/// The marker under the axis where the editor's value `v` is stored (`s`), when it is finite and
/// (for densities, which count magnitudes) nonzero.
fn draw_stored(doc: &mut Doc, pen: &PanelPen<'_>, ticks_mode: bool, v: f64, s: f64) {
    if !s.is_finite() || (!ticks_mode && s == 0.0) {
        return;
    }
    let on_axis = if ticks_mode { s } else { s.abs() };
    let px = pen.x.map_clamped((pen.to_x)(on_axis));
    let base = pen.y.px_lo;
    doc.el("polygon")
        .attr(
            "points",
            format!(
                "{},{} {},{} {},{}",
                px - 5,
                base + 9,
                px + 5,
                base + 9,
                px,
                base + 1
            ),
        )
        .attr("fill", pen.palette.marker.hex())
        .attr("data-marker", "stored")
        .attr("data-x", px)
        .title(&format!("{} is stored as {}", input_text(v), value_text(s)));
}

/// What the specials of a small format are, in one line.
fn specials(format: &Format, all: &Values) -> String {
    let hex = |codes: &[u64]| {
        let digits = format.total_bits().div_ceil(4) as usize;
        codes
            .iter()
            .map(|c| format!("0x{c:0digits$x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let nan = match all.nans.len() {
        0 => "no NaN".to_string(),
        1..=2 => format!("NaN: {}", hex(&all.nans)),
        n => format!("NaN: {n} codes"),
    };
    let inf = if all.infinities.is_empty() {
        "no Inf".to_string()
    } else {
        format!("±Inf: {}", hex(&all.infinities))
    };
    let zero = if all.negative_zero {
        "−0 exists"
    } else {
        "no −0"
    };
    format!(
        "{} finite values · {nan} · {inf} · {zero}",
        all.finite.len()
    )
}

fn symlog_label(s: f64, t: f64) -> String {
    if s == 0.0 {
        return "0".to_string();
    }
    // Ticks sit on whole symlog units, where 2^(|s| - 1) is a power of two: exact everywhere.
    let magnitude = if s.abs() <= 1.0 {
        s.abs() * t
    } else if s.fract() == 0.0 {
        t * svg::pow2((s.abs() - 1.0) as i32)
    } else {
        t * detmath::exp((s.abs() - 1.0) * std::f64::consts::LN_2)
    };
    let p = svg::floor_log2(magnitude);
    let text = if magnitude == svg::pow2(p) {
        pow2_label(p)
    } else {
        value_text(magnitude)
    };
    if s < 0.0 {
        format!("−{text}")
    } else {
        text
    }
}

fn caption(input: &NumberLineInput<'_>, ticks_mode: bool, stored: Option<(f64, f64)>) -> String {
    let label = &input.format.label;
    let mut text = if ticks_mode {
        format!(
            "Every finite value of {label} as a tick, on a linear axis and on a symlog axis (linear \
             below the smallest normal, log2 above), subnormals in amber; the specials are listed below."
        )
    } else {
        format!(
            "How many values of {label} lie in each of {BINS} intervals of |x| from 0 to the largest \
             finite value, on a linear and on a symlog axis (counts on a log2 scale)."
        )
    };
    if let Some((v, s)) = stored {
        text.push_str(&format!(
            " Marker: {} stored as {} ({}).",
            input_text(v),
            value_text(s),
            rounding_name(input.rounding)
        ));
    }
    text
}
