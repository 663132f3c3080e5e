//! The error distribution of values stored in a format: a histogram of the relative error
//! `|stored - x| / |x|` by binade, with the values kept exactly and those flushed to zero counted
//! apart (their relative errors are 0 and 1, the two ends). The tensor view draws it for the
//! tensor's own values; pure and deterministic like every plot.

use crate::formats::{Overflow, Rounding};

use super::svg::{self, floor_log2, FONT, TITLE_FONT};
use super::{NamedFormat, Plot, Theme};

/// What the error plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorInput<'a> {
    pub format: &'a NamedFormat,
    pub values: &'a [f64],
    /// Multiplies every value before it is stored (and divides it after).
    pub scale: f64,
    pub theme: Theme,
}

/// The counts the plot draws.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorCounts {
    /// Finite non-zero values.
    pub values: usize,
    pub exact: usize,
    /// Stored as zero: a relative error of 1.
    pub flushed: usize,
    /// `(e, n)`: `n` values with a relative error in `[2^e, 2^(e+1))`, ascending `e`.
    pub bins: Vec<(i32, usize)>,
}

/// Stores each value (nearest-even, saturating) and sorts its relative error into a binade.
pub fn error_counts(input: &ErrorInput<'_>) -> ErrorCounts {
    let format = &input.format.format;
    let mut counts = ErrorCounts::default();
    let mut exponents = Vec::new();
    for &x in input.values {
        if !x.is_finite() || x == 0.0 {
            continue;
        }
        counts.values += 1;
        let stored =
            format.round(x * input.scale, Rounding::NearestEven, Overflow::Saturate) / input.scale;
        if stored == 0.0 {
            counts.flushed += 1;
        } else if stored == x {
            counts.exact += 1;
        } else {
            exponents.push(floor_log2((stored - x).abs() / x.abs()));
        }
    }
    exponents.sort_unstable();
    for e in exponents {
        match counts.bins.last_mut() {
            Some((last, n)) if *last == e => *n += 1,
            _ => counts.bins.push((e, 1)),
        }
    }
    counts
}

const WIDTH: u32 = 360;
const HEIGHT: u32 = 250;
const PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 200);

/// The error histogram.
pub fn errors(input: &ErrorInput<'_>) -> Plot {
    let counts = error_counts(input);
    let label = &input.format.label;
    let lo = counts.bins.first().map_or(-24, |b| b.0).min(-2) as f64;
    let hi = counts.bins.last().map_or(0, |b| b.0 + 1).max(1) as f64;
    let top = (counts.bins.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64 * 1.1).ceil();
    let share = |n: usize| {
        if counts.values == 0 {
            "-".to_string()
        } else {
            svg::percent(n as f64 / counts.values as f64)
        }
    };
    let summary = format!(
        "exact: {} · flushed to 0: {}",
        share(counts.exact),
        share(counts.flushed)
    );
    let caption = format!(
        "The relative error of {} values stored in {label} (times {}): a histogram by binade; \
         {summary}.",
        counts.values,
        svg::value_text(input.scale)
    );
    let size = (WIDTH, HEIGHT);
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let (x, y) = svg::binade_panel(root, PANEL, (lo, hi), top, "relative error", palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &format!("Relative error in {label}"),
        );
        svg::binade_bars(
            doc,
            (&x, &y),
            &counts.bins,
            palette,
            "errors",
            &format!("{label}: values per binade of relative error"),
        );
        doc.text(8, PANEL.3 + 40, FONT, palette.text, "start", &summary);
        Ok(())
    });
    Plot { svg, caption, size }
}
