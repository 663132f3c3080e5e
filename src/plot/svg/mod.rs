//! The SVG plumbing every plot shares: colours per theme, XML escaping, the axis mapping, the
//! plotters frame (background, grid, axes, tick labels, drawn through `frame`), a small
//! writer for the data elements, and the outer `<svg>` tag (scalable size, caption as `<title>`).
//!
//! It owns how a plot is put together, not what a plot shows (that is each plot module). Text is
//! escaped at the one place it is written (`Doc`, `finish`, and the frame's labels in
//! `frame`), so a plot module cannot forget it.
//!
//! `palette`: colours per theme; `axis`: the axis mapping, panels, ticks and log2 arithmetic;
//! `doc`: the element writer and escaping; `text`: how numbers read; here: the outer tag.

use std::fmt::Write as _;

use plotters::prelude::IntoDrawingArea;

use super::frame::{Frame, FrameBackend};
use super::Theme;

mod axis;
mod doc;
mod palette;
mod text;

pub use axis::*;
pub use doc::*;
pub use palette::*;
pub use text::*;

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

/// Room left of and under a histogram by binade for tick labels and axis titles.
pub(crate) const BINADE_LEFT: u32 = 40;
pub(crate) const BINADE_BOTTOM: u32 = 34;

/// The frame of a histogram by binade in `rect`: a log2 `x` axis from `2^lo` to `2^hi` titled
/// `x_title` (ticks as powers of two) and a linear count axis from 0 to `top` titled "values".
pub(crate) fn binade_panel<DB: plotters_backend::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    rect: (i32, i32, i32, i32),
    (lo, hi): (f64, f64),
    top: f64,
    x_title: &str,
    palette: &Palette,
) -> Result<(Axis, Axis), String> {
    let x_label = |v: f64| pow2_label(v.round() as i32);
    let y_label = |v: f64| format!("{v}");
    let spec = PanelSpec {
        x: AxisSpec {
            lo,
            hi,
            ticks: ticks(lo, hi, 6, &LOG2_STEPS),
            label: &x_label,
            title: x_title,
        },
        y: AxisSpec {
            lo: 0.0,
            hi: top,
            ticks: ticks(0.0, top, 4, &linear_steps()),
            label: &y_label,
            title: "values",
        },
        bottom: BINADE_BOTTOM,
        left: BINADE_LEFT,
    };
    panel_at(root, rect, &spec, palette)
}

/// A histogram by binade: one bar per `(e, n)` from `2^e` to `2^(e+1)` on a log2 `x` axis, `n`
/// high on `y`, as one path whose `data-bins` lists `e:n` (what the tests read).
pub(crate) fn binade_bars(
    doc: &mut Doc,
    (x, y): (&Axis, &Axis),
    bins: &[(i32, usize)],
    palette: &Palette,
    series: &str,
    title: &str,
) {
    let mut d = String::new();
    for (e, n) in bins {
        let (a, b) = (x.map(f64::from(*e)), x.map(f64::from(*e) + 1.0));
        let t = y.map(*n as f64);
        d.push_str(&format!("M{a} {} V{t} H{b} V{} Z ", y.px_lo, y.px_lo));
    }
    let listed: Vec<String> = bins.iter().map(|(e, n)| format!("{e}:{n}")).collect();
    doc.el("path")
        .attr("d", d.trim_end())
        .attr("fill", palette.series(0).hex())
        .attr("stroke", palette.background.hex())
        .attr("stroke-width", 0.5)
        .attr("data-series", series)
        .attr("data-bins", listed.join(","))
        .title(title);
}
