//! Colours: an sRGB colour and each theme's palette (background, text, grid, the series hues).

use plotters::prelude::*;

use crate::plot::Theme;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, lower case.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white). For the contrast checks of the palette's
    /// tests, never for drawing (so `powf` here cannot make two platforms draw different bytes).
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
    /// The hues of [`crate::plot::series::Hue`], in its order: formats and recipes get theirs from
    /// [`format_look`](crate::plot::series::format_look) and
    /// [`recipe_look`](crate::plot::series::recipe_look).
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
    pub fn hue(&self, hue: crate::plot::series::Hue) -> Rgb {
        self.hues[hue.index()]
    }
}
