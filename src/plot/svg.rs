//! The SVG plumbing every plot shares: colours per theme, XML escaping, the axis mapping, the
//! plotters frame (background, grid, axes, tick labels, drawn through [`super::frame`]), a small
//! writer for the data elements, and the outer `<svg>` tag (scalable size, caption as `<title>`).
//!
//! It owns how a plot is put together, not what a plot shows (that is each plot module). Text is
//! escaped at the one place it is written ([`Doc`], [`finish`], and the frame's labels in
//! [`super::frame`]), so a plot module cannot forget it.

use crate::base::detmath;
use std::fmt::{Display, Write as _};

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{Frame, FrameBackend};
use super::Theme;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, lower case.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white).
    pub fn relative_luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2 contrast ratio with another colour, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.relative_luminance(), other.relative_luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    pub(crate) fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// The colours of one theme. Text colours keep at least 4.5:1 contrast with the background and
/// series colours at least 3:1 (WCAG AA for text and for graphics); a test checks both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    /// The plot's own background.
    pub background: Rgb,
    /// Titles, tick labels, legends.
    pub text: Rgb,
    /// Secondary text (notes under a plot).
    pub muted: Rgb,
    /// Grid lines.
    pub grid: Rgb,
    /// Axis lines and ticks.
    pub axis: Rgb,
    /// One colour per series of a plot that has no format or recipe of its own (the memory
    /// chart's categories), in order; Okabe-Ito hues shaded per theme for contrast.
    pub series: [Rgb; 4],
    /// The hues of [`super::series::Hue`], in its order: formats and recipes get theirs from
    /// [`super::series::format_look`] and [`super::series::recipe_look`].
    pub hues: [Rgb; 6],
    /// The editor's value and other "you are here" marks.
    pub marker: Rgb,
    /// Shading of magnitudes that round to zero (below the smallest subnormal).
    pub underflow: Rgb,
    /// Shading of the subnormal range.
    pub subnormal: Rgb,
    /// Shading of the normal range.
    pub normal: Rgb,
    /// Shading of magnitudes that overflow (above the largest finite value).
    pub overflow: Rgb,
}

/// Opacity of region shading over the background.
pub(crate) const REGION_OPACITY: f64 = 0.28;

impl Theme {
    /// The colours of this theme.
    pub fn palette(self) -> Palette {
        match self {
            Theme::Light => Palette {
                background: Rgb(0xff, 0xff, 0xff),
                text: Rgb(0x1a, 0x1a, 0x1a),
                muted: Rgb(0x55, 0x55, 0x55),
                grid: Rgb(0xe0, 0xe0, 0xe0),
                axis: Rgb(0x55, 0x55, 0x55),
                series: [
                    Rgb(0x00, 0x72, 0xb2),
                    Rgb(0xc0, 0x4f, 0x00),
                    Rgb(0x00, 0x7a, 0x5a),
                    Rgb(0xa8, 0x4a, 0x84),
                ],
                hues: [
                    Rgb(0x00, 0x72, 0xb2),
                    Rgb(0xc0, 0x4f, 0x00),
                    Rgb(0x00, 0x7a, 0x5a),
                    Rgb(0xa8, 0x4a, 0x84),
                    Rgb(0x8a, 0x6a, 0x00),
                    Rgb(0x5f, 0x5f, 0x5f),
                ],
                marker: Rgb(0xc0, 0x00, 0x30),
                underflow: Rgb(0x80, 0x80, 0x80),
                subnormal: Rgb(0xe6, 0x9f, 0x00),
                normal: Rgb(0x56, 0xb4, 0xe9),
                overflow: Rgb(0xd5, 0x3e, 0x4f),
            },
            Theme::Dark => Palette {
                background: Rgb(0x1b, 0x1b, 0x1f),
                text: Rgb(0xe8, 0xe8, 0xe8),
                muted: Rgb(0xb0, 0xb0, 0xb0),
                grid: Rgb(0x3a, 0x3a, 0x40),
                axis: Rgb(0xa0, 0xa0, 0xa0),
                series: [
                    Rgb(0x56, 0xb4, 0xe9),
                    Rgb(0xe6, 0x9f, 0x00),
                    Rgb(0x2e, 0xc4, 0x9a),
                    Rgb(0xe0, 0x8c, 0xc0),
                ],
                hues: [
                    Rgb(0x56, 0xb4, 0xe9),
                    Rgb(0xff, 0x8a, 0x50),
                    Rgb(0x2e, 0xc4, 0x9a),
                    Rgb(0xe0, 0x8c, 0xc0),
                    Rgb(0xe8, 0xc5, 0x47),
                    Rgb(0xb8, 0xb8, 0xb8),
                ],
                marker: Rgb(0xff, 0x6b, 0x8a),
                underflow: Rgb(0x90, 0x90, 0x90),
                subnormal: Rgb(0xe6, 0x9f, 0x00),
                normal: Rgb(0x3a, 0x8f, 0xd0),
                overflow: Rgb(0xe0, 0x50, 0x60),
            },
        }
    }
}

impl Palette {
    /// The colour of series `index` (cycling after four).
    pub fn series(&self, index: usize) -> Rgb {
        self.series[index % self.series.len()]
    }

    /// The colour of a hue in this theme.
    pub fn hue(&self, hue: super::series::Hue) -> Rgb {
        self.hues[hue.index()]
    }
}

/// XML-escapes text for an element body or a double- or single-quoted attribute: `&`, `<`, `>`,
/// `"` and `'` become entities, and characters XML 1.0 forbids (C0 controls other than tab, line
/// feed and carriage return) become U+FFFD, so any string gives well-formed markup.
///
/// ```
/// assert_eq!(precision_lab::plot::escape("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&apos;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

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

/// A writer for the data elements drawn over the frame. Every attribute value and text body goes
/// through [`escape`].
#[derive(Default)]
pub(crate) struct Doc {
    buf: String,
}

/// One element being written; finish it with [`El::end`], [`El::text`] or [`El::title`].
pub(crate) struct El<'d> {
    doc: &'d mut Doc,
    name: &'static str,
}

impl Doc {
    pub fn el(&mut self, name: &'static str) -> El<'_> {
        self.buf.push('<');
        self.buf.push_str(name);
        El { doc: self, name }
    }

    /// Opens a group with the given attributes; close it with [`Doc::close_group`].
    pub fn group(&mut self, attrs: &[(&str, &str)]) {
        self.buf.push_str("<g");
        for (key, value) in attrs {
            push_attr(&mut self.buf, key, value);
        }
        self.buf.push_str(">\n");
    }

    pub fn close_group(&mut self) {
        self.buf.push_str("</g>\n");
    }

    /// Text at (x, y) in the theme's text colour; `anchor` is start, middle or end. The size and
    /// anchor are left out when they are the defaults ([`FONT`], set on the root by [`finish`],
    /// and start).
    pub fn text(&mut self, x: i32, y: i32, size: u32, fill: Rgb, anchor: &str, body: &str) {
        let mut el = self.el("text").attr("x", x).attr("y", y);
        if size != FONT {
            el = el.attr("font-size", size);
        }
        el = el.attr("fill", fill.hex());
        if anchor != "start" {
            el = el.attr("text-anchor", anchor);
        }
        el.text(body);
    }

    /// A horizontal legend: a swatch and a label per entry, wrapped onto new rows when the width
    /// runs out. Returns the y of the row after the last.
    pub fn legend(
        &mut self,
        x0: i32,
        y0: i32,
        width: i32,
        entries: &[(Rgb, String)],
        text: Rgb,
    ) -> i32 {
        let (mut x, mut y) = (x0, y0);
        let row = FONT as i32 + 5;
        for (colour, label) in entries {
            let w = 16 + approx_text_width(label, FONT);
            if x > x0 && x + w > x0 + width {
                x = x0;
                y += row;
            }
            self.el("rect")
                .attr("x", x)
                .attr("y", y - 8)
                .attr("width", 10)
                .attr("height", 8)
                .attr("fill", colour.hex())
                .attr("data-legend", label)
                .end();
            self.text(x + 13, y, FONT, text, "start", label);
            x += w + 8;
        }
        y + row
    }

    /// A horizontal legend of line samples (a series' colour and dash) with labels, wrapped like
    /// [`Doc::legend`]. Returns the y of the row after the last.
    pub fn line_legend(
        &mut self,
        x0: i32,
        y0: i32,
        width: i32,
        entries: &[(Rgb, Option<&str>, String)],
        text: Rgb,
    ) -> i32 {
        let (mut x, mut y) = (x0, y0);
        let row = FONT as i32 + 5;
        for (colour, dash, label) in entries {
            let w = 22 + approx_text_width(label, FONT);
            if x > x0 && x + w > x0 + width {
                x = x0;
                y += row;
            }
            let mut el = self
                .el("line")
                .attr("x1", x)
                .attr("x2", x + 16)
                .attr("y1", y - 4)
                .attr("y2", y - 4)
                .attr("stroke", colour.hex())
                .attr("stroke-width", 2);
            if let Some(dash) = dash {
                el = el.attr("stroke-dasharray", dash);
            }
            el.attr("data-legend", label).end();
            self.text(x + 20, y, FONT, text, "start", label);
            x += w + 8;
        }
        y + row
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

impl El<'_> {
    pub fn attr(self, key: &str, value: impl Display) -> Self {
        let value = value.to_string();
        push_attr(&mut self.doc.buf, key, &value);
        self
    }

    /// Ends an empty element.
    pub fn end(self) {
        self.doc.buf.push_str("/>\n");
    }

    /// Ends the element with a text body.
    pub fn text(self, body: &str) {
        let _ = writeln!(self.doc.buf, ">{}</{}>", escape(body), self.name);
    }

    /// Ends the element with a `<title>` child (a tooltip).
    pub fn title(self, title: &str) {
        let _ = writeln!(
            self.doc.buf,
            "><title>{}</title></{}>",
            escape(title),
            self.name
        );
    }
}

fn push_attr(buf: &mut String, key: &str, value: &str) {
    buf.push(' ');
    buf.push_str(key);
    buf.push_str("=\"");
    buf.push_str(&escape(value));
    buf.push('"');
}

/// A rough width of `text` at `size` (plotters' own estimate: 0.7 em per character).
pub(crate) fn approx_text_width(text: &str, size: u32) -> i32 {
    (text.chars().count() as f64 * f64::from(size) * 0.6).round() as i32
}

/// Draws the plot: `draw` draws the frame through plotters on the root area and writes the data
/// elements; the result is the finished SVG, or a one-line message in an SVG of the same size if
/// drawing failed.
pub(crate) fn render(
    size: (u32, u32),
    theme: Theme,
    title: &str,
    draw: impl FnOnce(&Area<'_>, &Palette, &mut Doc) -> Result<(), String>,
) -> String {
    let palette = theme.palette();
    let mut frame = Frame::default();
    let mut doc = Doc::default();
    let result = {
        let root = FrameBackend::new(&mut frame, size).into_drawing_area();
        let drawn = root
            .fill(&palette.background.plotters())
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root, &palette, &mut doc));
        drawn.and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match result {
        Ok(()) => finish(&frame.to_svg(), &doc.into_string(), size, title, &palette),
        Err(message) => fallback(size, title, &message, &palette),
    }
}

/// Wraps the frame's elements and then the data elements in a scalable `<svg>` that carries the
/// title and the usual font (family and size; `preserveAspectRatio` is left at its default,
/// `xMidYMid meet`: centred, scaled to fit).
pub(crate) fn finish(
    frame: &str,
    data: &str,
    size: (u32, u32),
    title: &str,
    palette: &Palette,
) -> String {
    let mut out = String::with_capacity(frame.len() + data.len() + 400);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         role=\"img\" aria-label=\"{t}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT}\" \
         style=\"background:{bg}\">\n<title>{t}</title>",
        w = size.0,
        h = size.1,
        t = escape(title),
        bg = palette.background.hex(),
    );
    out.push_str(frame);
    out.push_str(data);
    out.push_str("</svg>\n");
    out
}

fn fallback(size: (u32, u32), title: &str, message: &str, palette: &Palette) -> String {
    let mut doc = Doc::default();
    doc.text(
        8,
        20,
        FONT,
        palette.text,
        "start",
        &format!("Plot unavailable: {message}"),
    );
    finish("", &doc.into_string(), size, title, palette)
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

/// `2⁻²⁴`-style label of a power of two.
pub fn pow2_label(p: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::from("2");
    if p < 0 {
        out.push('⁻');
    }
    for c in p.unsigned_abs().to_string().chars() {
        out.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    out
}

/// A value as a learner should read it: every digit when that is short (`0.0999755859375`,
/// `65504`), `2⁻²⁴` for a power of two, else nine significant digits marked `≈`
/// (`≈0.100000001`). Never a rounded number without the `≈`.
pub fn value_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "−Inf" } else { "+Inf" }.to_string();
    }
    let exact = crate::formats::exact_decimal(x);
    if exact.len() <= 16 {
        return exact.replace('-', "−");
    }
    if x != 0.0 {
        let p = floor_log2(x);
        if x.abs() == pow2(p) {
            let sign = if x < 0.0 { "−" } else { "" };
            return format!("{sign}{}", pow2_label(p));
        }
    }
    approx(x)
}

/// `≈` and nine significant digits, enough to tell any two fp32 values apart (plain notation
/// between 10^-4 and 10^7, else scientific), trailing zeros dropped.
pub(crate) fn approx(x: f64) -> String {
    let magnitude = x.abs();
    let text = if (1e-4..1e7).contains(&magnitude) {
        let digits = (8 - detmath::log10(magnitude).floor() as i32).max(0) as usize;
        let plain = format!("{x:.digits$}");
        if plain.contains('.') {
            plain
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            plain
        }
    } else {
        let sci = format!("{x:.8e}");
        match sci.split_once('e') {
            Some((m, e)) => {
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.')
                } else {
                    m
                };
                format!("{m}e{e}")
            }
            None => sci,
        }
    };
    format!("≈{}", text.replace('-', "−"))
}

/// The editor's input value as typed: the shortest decimal that reads back as the same `f64`
/// (Rust's `Display`), in scientific notation when that is shorter.
pub fn input_text(x: f64) -> String {
    if !x.is_finite() {
        return value_text(x);
    }
    let plain = format!("{x}");
    let sci = format!("{x:e}");
    if sci.len() < plain.len() {
        sci
    } else {
        plain
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

/// A percentage for a share in 0..=1, with just enough digits: `0%`, `<0.1%`, `12.3%`, `100%`;
/// never rounded to 0% or 100% when it is not.
pub(crate) fn percent(share: f64) -> String {
    if share == 0.0 {
        "0%".to_string()
    } else if share < 0.001 {
        "<0.1%".to_string()
    } else if share == 1.0 {
        "100%".to_string()
    } else if share > 0.999 {
        ">99.9%".to_string()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}
