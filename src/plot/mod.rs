//! Plots as pure functions from data to SVG strings. Pure: no web dependencies, no clock, no I/O.
//!
//! This module owns every chart the site draws: the format plots of issue 5 ([`range`],
//! [`precision`], [`number_line`], [`quantize`], [`rounding`]), the trainer's charts ([`train`])
//! and the memory-budget chart ([`memory`]). Each plot is a function from a small input struct to a
//! [`Plot`]: the SVG text and a caption that says what it shows. Every number comes from the
//! engines (`crate::formats`, `crate::train`, `crate::memory`); this module only lays out and draws.
//! It does not know where the SVG goes, how it is downloaded or when it is redrawn: that is `ui`.
//!
//! How a plot is made: plotters lays out and draws the frame (background, grid, axes, tick labels,
//! axis titles) through `frame`, a backend that writes it as compact SVG (one path per run of lines
//! of one stroke, the labels in one group), and the data itself (regions, bars, curves, markers,
//! legends) is written by [`svg`] as plain elements with `data-*` attributes and `<title>`
//! tooltips, positioned with the same integer pixel mapping plotters uses ([`Axis::map`]). Then
//! [`svg`] wraps both in an outer tag that scales to its container (`width="100%"` and a `viewBox`;
//! every plot is at most 360 user units wide so it fits a 375 px phone) and puts the caption in
//! `<title>`.
//!
//! Invariants: every piece of text that reaches the SVG is XML-escaped (a custom format's name is
//! text, never markup); the output depends only on the input (same input, same bytes: no hash maps,
//! no clock, seeded randomness, decimal formatting by Rust's correctly rounded `Display`); curves
//! are drawn exactly from the format's structure or sampled at a few hundred points, so a redraw
//! stays cheap.

pub mod errors;
mod frame;
pub mod memory;
pub mod number_line;
pub mod precision;
pub mod quantize;
pub mod range;
pub mod rounding;
pub mod series;
pub mod svg;
pub mod train;

pub use series::{format_look, recipe_look, Dash, Hue, Look};
pub use svg::{escape, Axis, Palette, Rgb};

/// The page theme a plot is drawn for. Each plot paints its own background, so the colours keep
/// their contrast in a downloaded file too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// A finished plot: SVG text that scales to its container, and what it shows in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// A complete `<svg>` element with `width="100%"` and a `viewBox`; its `<title>` is the caption.
    pub svg: String,
    /// One or two sentences for the figure caption and the download: what is drawn, for which
    /// formats and values.
    pub caption: String,
    /// Width and height of the `viewBox`, in user units.
    pub size: (u32, u32),
}

impl Plot {
    /// The SVG for a file download or a PNG rasterisation: the same picture with a fixed
    /// `width`/`height` of `scale` pixels per user unit instead of `width="100%"`, and the caption
    /// also as a `<desc>`.
    pub fn standalone_svg(&self, scale: u32) -> String {
        let scale = scale.max(1);
        let sized = format!(
            "width=\"{}\" height=\"{}\"",
            self.size.0 * scale,
            self.size.1 * scale
        );
        let with_size = self.svg.replacen("width=\"100%\"", &sized, 1);
        match with_size.find("</title>") {
            Some(end) => {
                let at = end + "</title>".len();
                format!(
                    "{}<desc>{}</desc>{}",
                    &with_size[..at],
                    escape(&self.caption),
                    &with_size[at..]
                )
            }
            None => with_size,
        }
    }
}

/// A format with the label a plot shows for it (the catalogue name, or a name the learner typed:
/// it is escaped, never trusted).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedFormat {
    pub label: String,
    pub format: crate::formats::Format,
}

impl From<crate::formats::Format> for NamedFormat {
    fn from(format: crate::formats::Format) -> Self {
        NamedFormat {
            label: format.name(),
            format,
        }
    }
}
