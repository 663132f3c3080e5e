//! Plot 1, dynamic range: one horizontal bar per format on a log2 axis of |x|, from below the
//! smallest subnormal to above the largest finite value, with the regions that round to zero, are
//! subnormal, normal, or overflow shaded, and the editor's value marked as each format stores it.
//!
//! Owns the layout of that picture only; the facts (min subnormal, min normal, max finite) and the
//! stored values come from `crate::formats`.

use crate::formats::{Format, Overflow, Rounding};

use super::svg::{
    self, axes_for, floor_log2, input_text, log2_abs, panel_at, pow2_label, ticks, value_text,
    Axis, AxisSpec, PanelSpec, FONT, LOG2_STEPS, REGION_OPACITY, TITLE_FONT,
};
use super::{NamedFormat, Plot, Theme};

/// What the dynamic-range plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeInput<'a> {
    /// One bar per format, top to bottom.
    pub formats: &'a [NamedFormat],
    /// The editor's value; `None` draws no marker.
    pub value: Option<f64>,
    /// How the value is rounded into each format.
    pub rounding: Rounding,
    /// What an overflowing value becomes.
    pub overflow: Overflow,
    pub theme: Theme,
}

/// Which part of a format's magnitude axis a region is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// Nonzero magnitudes below the smallest positive value: they round to zero (or up to it).
    Underflow,
    /// From the smallest subnormal up to the smallest normal.
    Subnormal,
    /// From the smallest normal (for integers and NF4, the smallest positive value) to the largest
    /// finite value.
    Normal,
    /// Beyond the largest finite value.
    Overflow,
}

impl Region {
    /// The name used in `data-region` attributes and legends.
    pub fn name(self) -> &'static str {
        match self {
            Region::Underflow => "underflow",
            Region::Subnormal => "subnormal",
            Region::Normal => "normal",
            Region::Overflow => "overflow",
        }
    }
}

/// The boundaries of a format's regions in log2 |x|: `(region, from, to)`, in order, covering
/// `lo..hi`. Boundaries are exact (`log2` of a power of two is an integer; 65504 gives
/// log2(65504)).
pub fn regions(format: &Format, lo: f64, hi: f64) -> Vec<(Region, f64, f64)> {
    let facts = format.facts();
    let min_positive = log2_abs(facts.min_positive);
    let min_normal = log2_abs(facts.min_normal);
    let max = log2_abs(facts.max_finite);
    let mut out = vec![(Region::Underflow, lo, min_positive)];
    if facts.min_subnormal.is_some() && min_normal > min_positive {
        out.push((Region::Subnormal, min_positive, min_normal));
    }
    out.push((Region::Normal, min_normal, max));
    out.push((Region::Overflow, max, hi));
    out
}

const WIDTH: u32 = 360;
const ROW: i32 = 30;
const TOP: i32 = 24;
const BOTTOM: u32 = 34;
const LEGEND: i32 = 22;
const SIDE: i32 = 8;
/// Extra room left and right of the bars, so the first and last tick labels (centred on the ends
/// of the axis, as wide as "2⁻¹⁵⁰") are not cut off at the edge of the picture.
const AXIS_PAD: i32 = 14;

fn height(n: usize) -> u32 {
    (TOP + ROW * n.max(1) as i32 + BOTTOM as i32 + LEGEND) as u32
}

fn rect(n: usize) -> (i32, i32, i32, i32) {
    (
        SIDE + AXIS_PAD,
        TOP,
        WIDTH as i32 - SIDE - AXIS_PAD,
        TOP + ROW * n.max(1) as i32 + BOTTOM as i32,
    )
}

/// The log2 |x| interval the axis spans: two binades beyond the smallest positive value and the
/// largest finite value of every format, widened to include the value.
pub fn span(input: &RangeInput<'_>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for f in input.formats {
        lo = lo.min(f64::from(floor_log2(f.format.min_positive())));
        hi = hi.max(log2_abs(f.format.max_finite()).ceil());
    }
    if let Some(v) = input.value.filter(|v| v.is_finite() && *v != 0.0) {
        let e = f64::from(floor_log2(v));
        lo = lo.min(e);
        hi = hi.max(e + 1.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (-30.0, 20.0);
    }
    (lo - 2.0, hi + 2.0)
}

/// The x axis (log2 |x|) as drawn: data interval and pixels, with the mapping plotters uses.
pub fn axis(input: &RangeInput<'_>) -> Axis {
    let (lo, hi) = span(input);
    axes_for(rect(input.formats.len()), 0, BOTTOM, (lo, hi), (0.0, 1.0)).0
}

/// Draws the dynamic-range bars.
pub fn dynamic_range(input: &RangeInput<'_>) -> Plot {
    let n = input.formats.len();
    let size = (WIDTH, height(n));
    let (lo, hi) = span(input);
    let names: Vec<&str> = input.formats.iter().map(|f| f.label.as_str()).collect();
    let caption = caption(input, &names);
    let title = "Dynamic range (log₂ |x|)";
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let x_label = |v: f64| pow2_label(v.round() as i32);
        let y_label = |_: f64| String::new();
        let spec = PanelSpec {
            x: AxisSpec {
                lo,
                hi,
                ticks: ticks(lo, hi, 6, &LOG2_STEPS),
                label: &x_label,
                title: "|x|",
            },
            y: AxisSpec {
                lo: 0.0,
                hi: 1.0,
                ticks: Vec::new(),
                label: &y_label,
                title: "",
            },
            bottom: BOTTOM,
            left: 0,
        };
        let (x, _) = panel_at(root, rect(n), &spec, palette)?;
        doc.text(SIDE, 15, TITLE_FONT, palette.text, "start", title);
        if n == 0 {
            doc.text(
                SIDE,
                TOP + 18,
                FONT,
                palette.muted,
                "start",
                "Choose a format to see its range.",
            );
        }
        let stored_at = |f: &Format| {
            input
                .value
                .map(|v| (v, f.round(v, input.rounding, input.overflow)))
        };
        for (i, named) in input.formats.iter().enumerate() {
            let row_top = TOP + ROW * i as i32;
            let bar_top = row_top + 15;
            let bar_height = 11;
            let mut label = named.label.clone();
            if let Some((_, stored)) = stored_at(&named.format) {
                label.push_str(&format!("  stores {}", value_text(stored)));
            }
            doc.text(x.px_lo, row_top + 12, FONT, palette.text, "start", &label);
            doc.group(&[("data-format", named.label.as_str())]);
            for (region, from, to) in regions(&named.format, lo, hi) {
                let (a, b) = (x.map_clamped(from), x.map_clamped(to));
                let colour = match region {
                    Region::Underflow => palette.underflow,
                    Region::Subnormal => palette.subnormal,
                    Region::Normal => palette.normal,
                    Region::Overflow => palette.overflow,
                };
                let opacity = if region == Region::Normal {
                    0.85
                } else {
                    REGION_OPACITY * 2.0
                };
                doc.el("rect")
                    .attr("x", a)
                    .attr("y", bar_top)
                    .attr("width", (b - a).max(0))
                    .attr("height", bar_height)
                    .attr("fill", colour.hex())
                    .attr("opacity", opacity)
                    .attr("data-region", region.name())
                    .attr("data-from", from)
                    .attr("data-to", to)
                    .title(&region_title(&named.label, &named.format, region));
            }
            if let Some((v, stored)) = stored_at(&named.format) {
                let px = if stored == 0.0 {
                    x.px_lo
                } else if !stored.is_finite() {
                    x.px_hi
                } else {
                    x.map_clamped(log2_abs(stored))
                };
                let tip = format!(
                    "{}: {} is stored as {}",
                    named.label,
                    input_text(v),
                    value_text(stored)
                );
                doc.el("polygon")
                    .attr(
                        "points",
                        format!(
                            "{},{} {},{} {},{}",
                            px - 5,
                            bar_top - 4,
                            px + 5,
                            bar_top - 4,
                            px,
                            bar_top + 5
                        ),
                    )
                    .attr("fill", palette.marker.hex())
                    .attr("stroke", palette.background.hex())
                    .attr("data-marker", "stored")
                    .attr("data-x", px)
                    .title(&tip);
            }
            doc.close_group();
        }
        if let Some(v) = input.value.filter(|v| v.is_finite() && *v != 0.0) {
            let px = x.map_clamped(log2_abs(v));
            let bottom = TOP + ROW * n as i32;
            doc.el("line")
                .attr("x1", px)
                .attr("x2", px)
                .attr("y1", TOP)
                .attr("y2", bottom)
                .attr("stroke", palette.marker.hex())
                .attr("stroke-dasharray", "3 2")
                .attr("data-marker", "value")
                .attr("data-x", px)
                .title(&format!("x = {}", input_text(v)));
        }
        let legend_y = height(n) as i32 - 8;
        doc.legend(
            SIDE,
            legend_y,
            WIDTH as i32 - 2 * SIDE,
            &[
                (palette.underflow, "→ 0".to_string()),
                (palette.subnormal, "subnormal".to_string()),
                (palette.normal, "normal".to_string()),
                (palette.overflow, "overflow".to_string()),
                (palette.marker, "stored value".to_string()),
            ],
            palette.text,
        );
        Ok(())
    });
    Plot { svg, caption, size }
}

fn region_title(label: &str, format: &Format, region: Region) -> String {
    let facts = format.facts();
    match region {
        Region::Underflow => format!(
            "{label}: nonzero magnitudes below {} round to 0 (or up to it)",
            value_text(facts.min_positive)
        ),
        Region::Subnormal => format!(
            "{label}: subnormal from {} to {}, fewer significant bits",
            value_text(facts.min_positive),
            value_text(facts.min_normal)
        ),
        Region::Normal => format!(
            "{label}: normal from {} to {}",
            value_text(facts.min_normal),
            value_text(facts.max_finite)
        ),
        Region::Overflow => format!("{label}: beyond {} overflows", value_text(facts.max_finite)),
    }
}

fn caption(input: &RangeInput<'_>, names: &[&str]) -> String {
    let mut text = format!(
        "Dynamic range of {} on a log2 axis of |x|: for each format, magnitudes that round to zero \
         (grey), subnormal (amber), normal (blue) and overflowing (red).",
        list(names)
    );
    if let Some(v) = input.value {
        text.push_str(&format!(
            " Triangles: {} as each format stores it ({}).",
            input_text(v),
            rounding_name(input.rounding)
        ));
    }
    text
}

pub(crate) fn list(names: &[&str]) -> String {
    match names {
        [] => "no format".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(crate) fn rounding_name(rounding: Rounding) -> &'static str {
    match rounding {
        Rounding::NearestEven => "round to nearest, ties to even",
        Rounding::NearestAway => "round to nearest, ties away from zero",
        Rounding::TowardZero => "round toward zero",
        Rounding::TowardPositive => "round toward +∞",
        Rounding::TowardNegative => "round toward −∞",
        Rounding::Stochastic { .. } => "stochastic rounding",
    }
}
