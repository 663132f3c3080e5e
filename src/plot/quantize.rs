//! Plot 4, quantization of a distribution: values drawn from a distribution (or typed in), multiplied
//! by a scale factor and stored in a format; the histogram of log2 |x · scale| against the format's
//! window (zero / subnormal / normal / overflow shaded), the share of values that underflow to zero,
//! become subnormal or overflow, and the signal-to-quantization-noise ratio. Moving the scale factor
//! slides the histogram through the window: the intuition behind loss scaling.
//!
//! The numbers come from [`analyze`], a pure function tested on hand-worked inputs; the samples from
//! [`samples`], seeded and platform-independent (`base`: SplitMix64 and `detmath`).

use crate::base::{detmath, SplitMix64};
use crate::formats::{Format, Overflow, Rounding};

use super::range::{regions, rounding_name, Region};
use super::svg::{
    self, axes_for, floor_log2, log2_abs, value_text, Axis, FONT, REGION_OPACITY, TITLE_FONT,
};
use super::{NamedFormat, Plot, Theme};

/// Where the values come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// Normal with mean 0 and standard deviation `sigma`.
    Normal { sigma: f64 },
    /// |x| = 2^(median_log2 + sigma_log2 · z), z standard normal, with a random sign: magnitudes
    /// spread over binades, as gradients are.
    LogNormal { median_log2: f64, sigma_log2: f64 },
    /// Uniform in [low, high).
    Uniform { low: f64, high: f64 },
    /// These values exactly (the MX editor's block, say).
    Values(Vec<f64>),
}

/// `n` values from a distribution (all of them for [`Distribution::Values`]), the same bits for
/// the same seed on every machine.
pub fn samples(distribution: &Distribution, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed ^ 0x7175_616e_7469_7a65); // "quantize"
    match distribution {
        Distribution::Normal { sigma } => (0..n).map(|_| sigma * rng.normal()).collect(),
        Distribution::LogNormal {
            median_log2,
            sigma_log2,
        } => (0..n)
            .map(|_| {
                let z = rng.normal();
                let sign = if rng.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
                sign * detmath::exp((median_log2 + sigma_log2 * z) * std::f64::consts::LN_2)
            })
            .collect(),
        Distribution::Uniform { low, high } => (0..n).map(|_| rng.uniform(*low, *high)).collect(),
        Distribution::Values(values) => values.clone(),
    }
}

/// What storing `x · scale` in a format did to a set of values.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantization {
    /// Finite input values considered (non-finite inputs are skipped and counted apart).
    pub count: usize,
    /// Non-finite inputs, skipped.
    pub skipped: usize,
    /// Inputs that are exactly zero (stored exactly).
    pub zeros: usize,
    /// Nonzero inputs stored as zero: underflow.
    pub underflowed: usize,
    /// Inputs stored as a subnormal value.
    pub subnormal: usize,
    /// Inputs beyond the largest finite value after scaling: stored as Inf, NaN or the largest
    /// value, as the overflow policy says.
    pub overflowed: usize,
    /// Inputs stored as a normal value (for integers and NF4, every nonzero value in range).
    pub normal: usize,
    /// Σ x², in f64, in input order.
    pub signal_power: f64,
    /// Σ (x − stored / scale)², in f64, in input order; infinite if a value became Inf or NaN.
    pub noise_power: f64,
    /// 10 log10(signal / noise): `+inf` when nothing was lost, `-inf` when a value became Inf or
    /// NaN; `None` without a nonzero input.
    pub sqnr_db: Option<f64>,
}

impl Quantization {
    /// A count as a share of [`Quantization::count`] (0 when there are no values).
    pub fn share(&self, n: usize) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            n as f64 / self.count as f64
        }
    }
}

/// Stores every `x · scale` in `format` and counts what happened. Stochastic rounding derives one
/// seed per element, as `Format::encode_slice` does.
pub fn analyze(
    values: &[f64],
    format: &Format,
    scale: f64,
    rounding: Rounding,
    overflow: Overflow,
) -> Quantization {
    let mut q = Quantization {
        count: 0,
        skipped: 0,
        zeros: 0,
        underflowed: 0,
        subnormal: 0,
        overflowed: 0,
        normal: 0,
        signal_power: 0.0,
        noise_power: 0.0,
        sqnr_db: None,
    };
    for (index, &x) in values.iter().enumerate() {
        if !x.is_finite() {
            q.skipped += 1;
            continue;
        }
        q.count += 1;
        if x == 0.0 {
            q.zeros += 1;
            continue;
        }
        let report = format.encode_report(x * scale, rounding.for_element(index), overflow);
        if report.overflowed {
            q.overflowed += 1;
        } else if report.underflowed_to_zero {
            q.underflowed += 1;
        } else if report.became_subnormal {
            q.subnormal += 1;
        } else {
            q.normal += 1;
        }
        let back = report.stored / scale;
        let error = x - back;
        q.signal_power += x * x;
        q.noise_power += if error.is_finite() {
            error * error
        } else {
            f64::INFINITY
        };
    }
    q.sqnr_db = if q.signal_power == 0.0 {
        None
    } else if q.noise_power == 0.0 {
        Some(f64::INFINITY)
    } else if q.noise_power.is_infinite() {
        Some(f64::NEG_INFINITY)
    } else {
        Some(10.0 * detmath::ln(q.signal_power / q.noise_power) / std::f64::consts::LN_10)
    };
    q
}

/// What the quantization plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizeInput<'a> {
    pub format: &'a NamedFormat,
    pub distribution: &'a Distribution,
    /// Multiplies every value before it is stored (the loss scale, a block scale).
    pub scale: f64,
    /// Samples drawn (ignored for [`Distribution::Values`]); a few thousand keep a redraw fast.
    pub samples: usize,
    pub seed: u64,
    pub rounding: Rounding,
    pub overflow: Overflow,
    pub theme: Theme,
}

const WIDTH: u32 = 360;
const HEIGHT: u32 = 262;
const PANEL: (i32, i32, i32, i32) = (0, 30, WIDTH as i32 - 14, 210);

/// The log2 |x · scale| interval shown: the format's window (2 binades below its smallest positive
/// value to 2 above its largest finite value), widened to the data.
pub fn span(format: &Format, scaled: &[f64]) -> (f64, f64) {
    let mut lo = f64::from(floor_log2(format.min_positive())) - 2.0;
    let mut hi = log2_abs(format.max_finite()).ceil() + 2.0;
    for &v in scaled.iter().filter(|v| v.is_finite() && **v != 0.0) {
        let e = f64::from(floor_log2(v));
        lo = lo.min(e);
        hi = hi.max(e + 1.0);
    }
    (lo, hi)
}

/// The histogram: `(e, count)` of values with 2^e <= |x · scale| < 2^(e+1), ascending in e;
/// zeros are not in it.
pub fn log2_histogram(scaled: &[f64]) -> Vec<(i32, usize)> {
    let mut exponents: Vec<i32> = scaled
        .iter()
        .filter(|v| v.is_finite() && **v != 0.0)
        .map(|v| floor_log2(*v))
        .collect();
    exponents.sort_unstable();
    let mut out: Vec<(i32, usize)> = Vec::new();
    for e in exponents {
        match out.last_mut() {
            Some((last, n)) if *last == e => *n += 1,
            _ => out.push((e, 1)),
        }
    }
    out
}

/// The axes as drawn (x: log2 |x · scale|, y: count).
pub fn axes(input: &QuantizeInput<'_>) -> (Axis, Axis) {
    let values = samples(input.distribution, input.samples, input.seed);
    let scaled: Vec<f64> = values.iter().map(|x| x * input.scale).collect();
    let hist = log2_histogram(&scaled);
    axes_for(
        PANEL,
        svg::BINADE_LEFT,
        svg::BINADE_BOTTOM,
        span(&input.format.format, &scaled),
        (0.0, y_top(&hist)),
    )
}

fn y_top(hist: &[(i32, usize)]) -> f64 {
    let max = hist.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    (max as f64 * 1.1).ceil()
}

/// Draws the histogram against the format's window, with the shares and the SQNR.
pub fn quantize(input: &QuantizeInput<'_>) -> Plot {
    quantize_with_stats(input).0
}

/// [`quantize`] and the [`analyze`] numbers it drew, from one pass over the samples (a view that
/// shows both should not sample and store everything twice).
pub fn quantize_with_stats(input: &QuantizeInput<'_>) -> (Plot, Quantization) {
    let format = &input.format.format;
    let label = &input.format.label;
    let values = samples(input.distribution, input.samples, input.seed);
    let scaled: Vec<f64> = values.iter().map(|x| x * input.scale).collect();
    let stats = analyze(&values, format, input.scale, input.rounding, input.overflow);
    let hist = log2_histogram(&scaled);
    let (lo, hi) = span(format, &scaled);
    let top = y_top(&hist);
    let size = (WIDTH, HEIGHT);
    let summary = summary(&stats);
    let caption = format!(
        "{} values of {}, times {}, stored in {label} ({}): histogram of log2 |x · scale| against \
         the format's range (grey rounds to zero, amber subnormal, blue normal, red overflows). {summary}",
        stats.count,
        describe(input.distribution),
        value_text(input.scale),
        rounding_name(input.rounding)
    );
    let svg = svg::render(size, input.theme, &caption, |root, palette, doc| {
        let (x, y) = svg::binade_panel(root, PANEL, (lo, hi), top, "|x · scale|", palette)?;
        doc.text(
            8,
            15,
            TITLE_FONT,
            palette.text,
            "start",
            &format!("Quantizing into {label}"),
        );
        for (region, from, to) in regions(format, lo, hi) {
            let colour = match region {
                Region::Underflow => palette.underflow,
                Region::Subnormal => palette.subnormal,
                Region::Normal => palette.normal,
                Region::Overflow => palette.overflow,
            };
            let (a, b) = (x.map_clamped(from), x.map_clamped(to));
            doc.el("rect")
                .attr("x", a)
                .attr("y", y.px_hi)
                .attr("width", (b - a).max(0))
                .attr("height", y.px_lo - y.px_hi)
                .attr("fill", colour.hex())
                .attr("opacity", REGION_OPACITY)
                .attr("data-region", region.name())
                .end();
        }
        svg::binade_bars(
            doc,
            (&x, &y),
            &hist,
            palette,
            "histogram",
            &format!("{label}: values per binade of |x · scale|"),
        );
        let line1 = format!(
            "→ 0: {} · subnormal: {} · overflow: {}",
            svg::percent(stats.share(stats.underflowed)),
            svg::percent(stats.share(stats.subnormal)),
            svg::percent(stats.share(stats.overflowed)),
        );
        let line2 = format!(
            "SQNR: {}{}",
            sqnr_text(stats.sqnr_db),
            if stats.zeros > 0 {
                format!(" · exact zeros in the input: {}", stats.zeros)
            } else {
                String::new()
            }
        );
        doc.text(8, PANEL.3 + 20, FONT, palette.text, "start", &line1);
        doc.text(8, PANEL.3 + 36, FONT, palette.text, "start", &line2);
        Ok(())
    });
    (Plot { svg, caption, size }, stats)
}

/// `38.2 dB`, `∞ dB (exact)`, `−∞ dB (a value became Inf or NaN)`, `n/a`.
pub fn sqnr_text(sqnr_db: Option<f64>) -> String {
    match sqnr_db {
        None => "n/a (no nonzero value)".to_string(),
        Some(db) if db == f64::INFINITY => "∞ dB (every value exact)".to_string(),
        Some(db) if db == f64::NEG_INFINITY => "−∞ dB (a value became Inf or NaN)".to_string(),
        Some(db) => format!("{db:.1} dB").replace('-', "−"),
    }
}

fn summary(stats: &Quantization) -> String {
    format!(
        "Underflow to zero {}, subnormal {}, overflow {}; SQNR {}.",
        svg::percent(stats.share(stats.underflowed)),
        svg::percent(stats.share(stats.subnormal)),
        svg::percent(stats.share(stats.overflowed)),
        sqnr_text(stats.sqnr_db)
    )
}

fn describe(distribution: &Distribution) -> String {
    match distribution {
        Distribution::Normal { sigma } => {
            format!("a normal distribution (σ = {})", value_text(*sigma))
        }
        Distribution::LogNormal {
            median_log2,
            sigma_log2,
        } => format!(
            "a log-normal distribution (median |x| = 2^{}, σ = {} binades)",
            value_text(*median_log2),
            value_text(*sigma_log2)
        ),
        Distribution::Uniform { low, high } => {
            format!(
                "a uniform distribution on [{}, {})",
                value_text(*low),
                value_text(*high)
            )
        }
        Distribution::Values(_) => "the given values".to_string(),
    }
}
