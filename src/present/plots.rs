//! The plots' own controls, as the URL holds them: which formats the range and precision plots
//! compare, and the distribution, scale and seed of the quantization plot. The editor's format,
//! value, rounding and overflow are the Formats view's parameters (`present::formats`), so the
//! plots follow the editor.

use crate::formats::{catalogue, Format};
use crate::plot::quantize::Distribution;
use crate::plot::NamedFormat;
use crate::route::{shorten, Notice, Query};

/// Formats compared when the URL names none.
pub const DEFAULT_COMPARE: [&str; 4] = ["fp32", "fp16", "bf16", "e4m3fn"];
/// At most this many formats are compared (the bars must stay readable on a phone).
pub const MAX_COMPARE: usize = 6;
/// The scale slider's range, as a power of two.
pub const SCALE_LOG2_RANGE: (i32, i32) = (-40, 40);

/// The distributions of the quantization plot: URL id and label.
pub const DISTRIBUTIONS: [(&str, &str); 4] = [
    ("lognormal", "log-normal magnitudes (like gradients)"),
    ("normal", "normal"),
    ("uniform", "uniform"),
    ("mx", "the MX editor's block"),
];

/// State of the plots' own controls.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotsState {
    /// Formats compared by the range and precision plots (catalogue names).
    pub compare: Vec<&'static str>,
    /// Distribution id (see [`DISTRIBUTIONS`]).
    pub distribution: &'static str,
    /// Normal sigma, or the log-normal's sigma in binades.
    pub sigma: f64,
    /// The log-normal's median, as a power of two.
    pub median_log2: f64,
    /// The scale applied before storing, as a power of two (the loss-scaling slider).
    pub scale_log2: i32,
    /// Sampling seed.
    pub seed: u64,
}

impl Default for PlotsState {
    fn default() -> Self {
        PlotsState {
            compare: DEFAULT_COMPARE.to_vec(),
            distribution: "lognormal",
            sigma: 3.0,
            median_log2: -24.0,
            scale_log2: 0,
            seed: 1,
        }
    }
}

fn notice(key: &str, value: &str, why: &str) -> Notice {
    Notice(format!(
        "Ignored {key}=\u{201c}{}\u{201d}: {why}.",
        shorten(value, 40)
    ))
}

impl PlotsState {
    /// Reads the controls from the URL; unusable values fall back to defaults with a notice.
    pub fn from_query(query: &Query) -> (PlotsState, Vec<Notice>) {
        let mut state = PlotsState::default();
        let mut notices = Vec::new();
        if let Some(list) = query.get("compare") {
            let mut names = Vec::new();
            for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match catalogue()
                    .iter()
                    .find(|e| e.name.eq_ignore_ascii_case(part))
                {
                    Some(entry) if !names.contains(&entry.name) => names.push(entry.name),
                    Some(_) => {}
                    None => notices.push(notice("compare", part, "no such format")),
                }
            }
            if names.len() > MAX_COMPARE {
                notices.push(notice(
                    "compare",
                    list,
                    "at most six formats are compared; kept the first six",
                ));
                names.truncate(MAX_COMPARE);
            }
            if !names.is_empty() {
                state.compare = names;
            }
        }
        if let Some(id) = query.get("dist") {
            match DISTRIBUTIONS.iter().find(|(d, _)| *d == id) {
                Some((d, _)) => state.distribution = d,
                None => notices.push(notice("dist", id, "use lognormal, normal, uniform or mx")),
            }
        }
        let mut number = |key: &str, lo: f64, hi: f64| -> Option<f64> {
            let text = query.get(key)?;
            match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Some(x),
                _ => {
                    notices.push(notice(
                        key,
                        text,
                        &format!("expected a number from {lo} to {hi}"),
                    ));
                    None
                }
            }
        };
        if let Some(x) = number("sigma", 0.01, 20.0) {
            state.sigma = x;
        }
        if let Some(x) = number("median", -140.0, 140.0) {
            state.median_log2 = x;
        }
        if let Some(x) = number(
            "scale",
            f64::from(SCALE_LOG2_RANGE.0),
            f64::from(SCALE_LOG2_RANGE.1),
        ) {
            state.scale_log2 = x.round() as i32;
        }
        if let Some(x) = number("qseed", 0.0, 1e15) {
            state.seed = x as u64;
        }
        (state, notices)
    }

    /// Writes the controls (only those that differ from the defaults).
    pub fn write(&self, query: &mut Query) {
        let default = PlotsState::default();
        for key in ["compare", "dist", "sigma", "median", "scale", "qseed"] {
            query.remove(key);
        }
        if self.compare != default.compare {
            query.set("compare", &self.compare.join(","));
        }
        if self.distribution != default.distribution {
            query.set("dist", self.distribution);
        }
        if self.sigma != default.sigma {
            query.set("sigma", &self.sigma.to_string());
        }
        if self.median_log2 != default.median_log2 {
            query.set("median", &self.median_log2.to_string());
        }
        if self.scale_log2 != default.scale_log2 {
            query.set("scale", &self.scale_log2.to_string());
        }
        if self.seed != default.seed {
            query.set("qseed", &self.seed.to_string());
        }
    }

    /// The formats to compare, with the editor's format first when it is not among them.
    pub fn compared_formats(&self, editor: &Format) -> Vec<NamedFormat> {
        let mut formats: Vec<NamedFormat> = self
            .compare
            .iter()
            .filter_map(|name| name.parse::<Format>().ok())
            .map(NamedFormat::from)
            .collect();
        if !formats.iter().any(|f| f.format == *editor) {
            formats.insert(0, NamedFormat::from(*editor));
            formats.truncate(MAX_COMPARE);
        }
        formats
    }

    /// The quantization plot's distribution (`mx_values` for the MX editor's block).
    pub fn distribution(&self, mx_values: &[f64]) -> Distribution {
        match self.distribution {
            "normal" => Distribution::Normal { sigma: self.sigma },
            "uniform" => Distribution::Uniform {
                low: -self.sigma,
                high: self.sigma,
            },
            "mx" => Distribution::Values(mx_values.to_vec()),
            _ => Distribution::LogNormal {
                median_log2: self.median_log2,
                sigma_log2: self.sigma,
            },
        }
    }

    /// The scale factor `2^scale_log2`.
    pub fn scale(&self) -> f64 {
        2f64.powi(self.scale_log2)
    }
}
