//! Plot 5, rounding error: for x across one binade of a format (the binade of the editor's value),
//! the value stored under the chosen rounding mode (a staircase, ties marked) and the error
//! stored − x (a sawtooth). Where a binade holds more than 64 values, a window of 16 gaps around the
//! value is shown instead.
//!
//! Every stored value is the format engine's: [`pieces`] asks `Format::round` inside each gap and at
//! its midpoint, so the drawing cannot disagree with the encoder.

use crate::base::rng::GOLDEN_GAMMA;
use crate::formats::{Format, Overflow, Rounding};

use super::range::rounding_name;
use super::svg::{
    self, axes_for, floor_log2, input_text, panel_at, pow2, value_text, Axis, AxisSpec, Doc,
    Palette, PanelSpec, FONT, TITLE_FONT,
};
use super::{NamedFormat, Plot, Theme};

/// What the rounding-error plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundingInput<'a> {
    pub format: &'a NamedFormat,
    /// Chooses the binade (1 when `None`, zero or not finite); marked.
    pub value: Option<f64>,
    pub rounding: Rounding,
    pub overflow: Overflow,
    pub theme: Theme,
}

/// Most values drawn one by one; beyond that a window of [`WINDOW_GAPS`] gaps is shown.
pub const MAX_VALUES: usize = 65;
/// Gaps in a zoomed window.
pub const WINDOW_GAPS: usize = 16;

/// The representable values (ascending) of the stretch of x the plot covers: the binade
/// [2^e, 2^(e+1)] of |x| (the subnormals [0, min normal] below the smallest normal; capped at the
/// largest finite value), mirrored for negative x, zoomed to 16 gaps around x when it holds more
/// than 65 values.
pub fn window(format: &Format, x: f64) -> Vec<f64> {
    let x = if x.is_finite() && x != 0.0 { x } else { 1.0 };
    let m = x.abs().min(format.max_finite());
    let min_normal = format.min_normal();
    let (lo, hi) = if m < min_normal {
        (0.0, min_normal)
    } else {
        let e = floor_log2(m);
        (
            pow2(e),
            if e >= 1023 {
                format.max_finite()
            } else {
                pow2(e + 1).min(format.max_finite())
            },
        )
    };
    let (a, b) = if x < 0.0 { (-hi, -lo) } else { (lo, hi) };
    // Walk up from a; a short binade is done within MAX_VALUES steps.
    let mut values = Vec::new();
    let mut code = format.encode(a, Rounding::TowardPositive, Overflow::Saturate);
    while values.len() <= MAX_VALUES {
        let v = format.decode(code);
        if v > b || v.is_nan() {
            break;
        }
        if values.last() != Some(&v) {
            values.push(v);
        }
        if v == b {
            return values;
        }
        match format.next_up(code) {
            Some(next) => code = next,
            None => return values,
        }
    }
    // Zoom: WINDOW_GAPS gaps around x, as centred as the ends a and b allow.
    let x = x.clamp(a, b);
    let mut code = format.encode(x, Rounding::TowardNegative, Overflow::Saturate);
    for _ in 0..WINDOW_GAPS / 2 {
        match format.next_down(code) {
            Some(down) if format.decode(down) >= a => code = down,
            _ => break,
        }
    }
    let mut values = vec![format.decode(code)];
    let mut top = code;
    while values.len() <= WINDOW_GAPS {
        match format.next_up(top) {
            Some(up) if format.decode(up) <= b => {
                top = up;
                let v = format.decode(up);
                if values.last() != Some(&v) {
                    values.push(v);
                }
            }
            _ => break,
        }
    }
    let mut bottom = code;
    while values.len() <= WINDOW_GAPS {
        match format.next_down(bottom) {
            Some(down) if format.decode(down) >= a => {
                bottom = down;
                let v = format.decode(down);
                if values.first() != Some(&v) {
                    values.insert(0, v);
                }
            }
            _ => break,
        }
    }
    // A sparse codebook (NF4) may hold one value in the binade: add its neighbour for a gap.
    if values.len() < 2 {
        let neighbour = format
            .next_up(top)
            .or_else(|| format.next_down(bottom))
            .map(|c| format.decode(c))
            .filter(|v| v.is_finite());
        if let Some(v) = neighbour {
            values.push(v);
            values.sort_by(f64::total_cmp);
        }
    }
    values
}

/// Stored values over one gap between neighbours `from < to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    pub from: f64,
    pub to: f64,
    /// Stored value for x from `from` (exclusive) up to the switch point.
    pub below: f64,
    /// Where the stored value switches from `below` to `above`: the midpoint for round-to-nearest,
    /// `None` when it is constant over the open gap (directed rounding).
    pub switch: Option<f64>,
    /// Stored value above the switch point (equal to `below` without one).
    pub above: f64,
    /// The value a tie at the midpoint is stored as (round-to-nearest modes).
    pub tie: Option<f64>,
}

/// How `rounding` stores the x of each gap of `values`, from the engine: probes at a quarter, the
/// middle and three quarters of each gap. `None` for stochastic rounding (no staircase).
pub fn pieces(
    format: &Format,
    values: &[f64],
    rounding: Rounding,
    overflow: Overflow,
) -> Option<Vec<Piece>> {
    if matches!(rounding, Rounding::Stochastic { .. }) {
        return None;
    }
    let round = |x: f64| format.round(x, rounding, overflow);
    Some(
        values
            .windows(2)
            .map(|pair| {
                let (from, to) = (pair[0], pair[1]);
                let gap = to - from;
                let (q1, mid, q3) = (from + gap / 4.0, from + gap / 2.0, from + 3.0 * gap / 4.0);
                let (below, above) = (round(q1), round(q3));
                let nearest = below != above;
                Piece {
                    from,
                    to,
                    below,
                    switch: nearest.then_some(mid),
                    above,
                    tie: nearest.then(|| round(mid)),
                }
            })
            .collect(),
    )
}

const WIDTH: u32 = 360;
const HEIGHT: u32 = 312;
/// The right end leaves half of the widest x label (an exact decimal of up to 16 characters,
/// centred on the last tick) inside the picture; `LEFT` holds the stored panel's y labels, the
/// same exact decimals.
const STORED: (i32, i32, i32, i32) = (0, 24, WIDTH as i32 - 46, 150);
const ERROR: (i32, i32, i32, i32) = (0, 160, WIDTH as i32 - 46, 286);
const LEFT: u32 = 104;
const BOTTOM_TOP: u32 = 18;
const BOTTOM: u32 = 32;
const STOCHASTIC_SAMPLES: usize = 160;

struct Layout {
    values: Vec<f64>,
    x: (f64, f64),
    stored: (f64, f64),
    error: (f64, f64),
    gap: f64,
}

fn layout(input: &RoundingInput<'_>) -> Layout {
    let format = &input.format.format;
    let values = window(format, input.value.unwrap_or(1.0));
    let (first, last) = (values[0], values[values.len() - 1]);
    // One value and no neighbour (cannot happen for the catalogue's formats): a unit span.
    let last = if last > first { last } else { first + 1.0 };
    let gap = values.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    let gap = if gap > 0.0 { gap } else { 1.0 };
    Layout {
        x: (first, last),
        stored: (first - gap / 2.0, last + gap / 2.0),
        error: (-gap * 1.15, gap * 1.15),
        gap,
        values,
    }
}

/// The axes as drawn: (x, stored) of the top panel and (x, error) of the bottom one.
pub fn axes(input: &RoundingInput<'_>) -> ((Axis, Axis), (Axis, Axis)) {
    let l = layout(input);
    (
        axes_for(STORED, LEFT, BOTTOM_TOP, l.x, l.stored),
        axes_for(ERROR, LEFT, BOTTOM, l.x, l.error),
    )
}

/// Draws stored value and error across the window.
pub fn rounding_error(input: &RoundingInput<'_>) -> Plot {
    let format = &input.format.format;
    let label = &input.format.label;
    let l = layout(input);
    let size = (WIDTH, HEIGHT);
    let mode = rounding_name(input.rounding);
    let (first, last) = l.x;
    let uniform = l.values.windows(2).all(|w| w[1] - w[0] == l.gap);
    let zoomed = l.values.len() == WINDOW_GAPS + 1 && format.mantissa_bits().is_some_and(|m| m > 6);
    let caption = caption(input, l.x, zoomed);
    let pieces = pieces(format, &l.values, input.rounding, input.overflow);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let xv = |v: f64| value_text(v);
        let none = |_: f64| String::new();
        let gap = l.gap;
        let err_label = move |v: f64| {
            if !uniform {
                return value_text(v);
            }
            match (v / gap * 2.0).round() as i32 {
                0 => "0".to_string(),
                -2 => "−1 ulp".to_string(),
                2 => "+1 ulp".to_string(),
                -1 => "−½ ulp".to_string(),
                1 => "+½ ulp".to_string(),
                _ => value_text(v),
            }
        };
        let x_ticks = vec![first, first + (last - first) / 2.0, last];
        let top_spec = PanelSpec {
            x: AxisSpec {
                lo: first,
                hi: last,
                ticks: x_ticks.clone(),
                label: &none,
                title: "",
            },
            y: AxisSpec {
                lo: l.stored.0,
                hi: l.stored.1,
                ticks: vec![first, last],
                label: &xv,
                title: "stored",
            },
            bottom: BOTTOM_TOP,
            left: LEFT,
        };
        let bottom_spec = PanelSpec {
            x: AxisSpec {
                lo: first,
                hi: last,
                ticks: x_ticks,
                label: &xv,
                title: "x",
            },
            y: AxisSpec {
                lo: l.error.0,
                hi: l.error.1,
                ticks: vec![-gap, -gap / 2.0, 0.0, gap / 2.0, gap],
                label: &err_label,
                title: "error",
            },
            bottom: BOTTOM,
            left: LEFT,
        };
        let (x1, y1) = panel_at(root, STORED, &top_spec, palette)?;
        let (x2, y2) = panel_at(root, ERROR, &bottom_spec, palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &format!("Rounding in {label}: {mode}"),
        );
        // y = x, for reference.
        doc.el("line")
            .attr("x1", x1.map(first))
            .attr("y1", y1.map(first))
            .attr("x2", x1.map(last))
            .attr("y2", y1.map(last))
            .attr("stroke", palette.muted.hex())
            .attr("stroke-dasharray", "2 3")
            .attr("data-series", "identity")
            .end();
        let axes = Axes {
            x1: &x1,
            y1: &y1,
            x2: &x2,
            y2: &y2,
        };
        match &pieces {
            Some(pieces) => draw_pieces(doc, palette, &axes, pieces, &format!("{label}: "), mode),
            None => draw_stochastic(doc, palette, &axes, input, (first, last)),
        }
        if let Some(v) = input.value.filter(|v| v.is_finite() && x1.contains(*v)) {
            draw_value(
                doc,
                palette,
                &axes,
                v,
                format.round(v, input.rounding, input.overflow),
            );
        }
        doc.text(
            LEFT as i32,
            HEIGHT as i32 - 6,
            FONT - 1,
            palette.muted,
            "start",
            &format!("gap between neighbours here: {}", value_text(l.gap)),
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

/// The caption: what the plot shows, over which window, and the marked value.
fn caption(input: &RoundingInput<'_>, (first, last): (f64, f64), zoomed: bool) -> String {
    format!(
        "{} in {} for x from {} to {}{}: the stored value (top) and the error stored − x \
         (bottom){}.",
        rounding_name(input.rounding),
        input.format.label,
        value_text(first),
        value_text(last),
        if zoomed {
            " (16 gaps of the binade)"
        } else {
            ""
        },
        match input.value {
            Some(v) => format!("; the line marks x = {}", input_text(v)),
            None => String::new(),
        }
    )
}

/// The two panels' axes: stored value (top) and error (bottom).
struct Axes<'a> {
    x1: &'a Axis,
    y1: &'a Axis,
    x2: &'a Axis,
    y2: &'a Axis,
}

/// A deterministic mode's staircase: stored value and error as polylines, and a dot at each tie
/// where it goes.
fn draw_pieces(
    doc: &mut Doc,
    palette: &Palette,
    axes: &Axes<'_>,
    pieces: &[Piece],
    label: &str,
    mode: &str,
) {
    let Axes { x1, y1, x2, y2 } = *axes;
    let (mut stored, mut error, mut ties) = (Vec::new(), Vec::new(), String::new());
    for p in pieces {
        let segments: Vec<(f64, f64, f64)> = match p.switch {
            Some(c) => vec![(p.from, c, p.below), (c, p.to, p.above)],
            None => vec![(p.from, p.to, p.below)],
        };
        for (a, b, s) in segments {
            stored.push((x1.map(a), y1.map(s)));
            stored.push((x1.map(b), y1.map(s)));
            error.push((x2.map(a), y2.map_clamped(s - a)));
            error.push((x2.map(b), y2.map_clamped(s - b)));
        }
        if let (Some(c), Some(t)) = (p.switch, p.tie) {
            let (px, py) = (x1.map(c), y1.map(t));
            ties.push_str(&format!("M{} {py} a2 2 0 1 0 4 0 a2 2 0 1 0 -4 0 ", px - 2));
        }
    }
    let colour = palette.series(0).hex();
    for (points, series, what) in [
        (stored, "stored", "stored value"),
        (error, "error", "error stored − x"),
    ] {
        doc.el("polyline")
            .attr("points", super::precision::points_attr(&points))
            .attr("fill", "none")
            .attr("stroke", &colour)
            .attr("stroke-width", 1.5)
            .attr("data-series", series)
            .title(&format!("{label}{what}, {mode}"));
    }
    if !ties.is_empty() {
        doc.el("path")
            .attr("d", ties.trim_end())
            .attr("fill", palette.marker.hex())
            .attr("data-series", "ties")
            .title("Ties: where x is exactly halfway, the dot shows where it goes");
    }
}

/// Stochastic rounding has no staircase: one draw for each of [`STOCHASTIC_SAMPLES`] points across
/// the window, each with its own seed.
fn draw_stochastic(
    doc: &mut Doc,
    palette: &Palette,
    axes: &Axes<'_>,
    input: &RoundingInput<'_>,
    (first, last): (f64, f64),
) {
    let Axes { x1, y1, y2, .. } = *axes;
    let format = &input.format.format;
    let (mut stored, mut error) = (String::new(), String::new());
    for i in 0..STOCHASTIC_SAMPLES {
        let xi = first + (last - first) * (i as f64 + 0.5) / STOCHASTIC_SAMPLES as f64;
        let mode = match input.rounding {
            Rounding::Stochastic { seed } => Rounding::Stochastic {
                seed: seed ^ (i as u64).wrapping_mul(GOLDEN_GAMMA),
            },
            other => other,
        };
        let s = format.round(xi, mode, input.overflow);
        let (px, p1, p2) = (x1.map(xi), y1.map_clamped(s), y2.map_clamped(s - xi));
        stored.push_str(&format!("M{} {p1} h3 ", px - 1));
        error.push_str(&format!("M{} {p2} h3 ", px - 1));
    }
    let colour = palette.series(0).hex();
    for (d, series) in [(stored, "stored"), (error, "error")] {
        doc.el("path")
            .attr("d", d.trim_end())
            .attr("stroke", &colour)
            .attr("stroke-width", 3)
            .attr("data-series", series)
            .title(&format!(
                "{}: {series} for {STOCHASTIC_SAMPLES} x, one draw each",
                input.format.label
            ));
    }
}

/// A dashed line through both panels at the editor's value `v`, stored as `s`.
fn draw_value(doc: &mut Doc, palette: &Palette, axes: &Axes<'_>, v: f64, s: f64) {
    for (x, y) in [(axes.x1, axes.y1), (axes.x2, axes.y2)] {
        doc.el("line")
            .attr("x1", x.map(v))
            .attr("x2", x.map(v))
            .attr("y1", y.px_hi)
            .attr("y2", y.px_lo)
            .attr("stroke", palette.marker.hex())
            .attr("stroke-dasharray", "3 2")
            .attr("data-marker", "value")
            .title(&format!(
                "x = {} is stored as {}",
                input_text(v),
                value_text(s)
            ));
    }
}
