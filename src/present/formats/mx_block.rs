//! The block editor (MX and NVFP4): its state in the URL, the values typed or drawn, and their
//! texts.

use crate::base::detmath;
use crate::base::rng::{SplitMix64, GOLDEN_GAMMA};
use crate::formats::block::BlockFormat;
use crate::formats::mx::{self, ScaleRounding};
use crate::formats::{nvfp4, Rounding};
use crate::present::number::grouped;
use crate::route::{shorten, Notice, Query};

use super::notice;

/// The MX block editor's state, as the URL holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct MxState {
    /// The block format (an MX element format, or NVFP4).
    pub element: BlockFormat,
    /// How the shared scale is rounded.
    pub scale_rounding: ScaleRounding,
    /// The values (1 to 32).
    pub values: Vec<f64>,
}

/// A quantized block editor's values: MX blocks, or NVFP4 blocks under their tensor scale.
#[derive(Clone, Debug, PartialEq)]
pub enum Blocks {
    Mx(mx::Block),
    Nvfp4(nvfp4::TensorScale, Vec<nvfp4::Block>),
}

/// URL ids and labels of the scale rounding rules.
pub const MX_SCALE_ROUNDINGS: [(&str, &str, ScaleRounding); 3] = [
    ("floor", "floor (OCP MX spec)", ScaleRounding::Floor),
    (
        "up",
        "round up (CUDA recipes: nothing clamps)",
        ScaleRounding::RoundUp,
    ),
    (
        "even",
        "nearest-even (PyTorch / ml_dtypes cast)",
        ScaleRounding::NearestEven,
    ),
];

/// The distributions the MX editor can draw a block from.
pub const MX_DISTRIBUTIONS: [(&str, &str); 4] = [
    ("normal", "normal, sigma 1"),
    ("lognormal", "log-normal magnitudes (like gradients)"),
    ("uniform", "uniform in [-1, 1]"),
    ("outlier", "normal with one outlier (x100)"),
];

impl Default for MxState {
    fn default() -> Self {
        MxState {
            element: BlockFormat::Mx(mx::Element::Fp8E4M3),
            scale_rounding: ScaleRounding::Floor,
            values: draw_block("outlier", 1),
        }
    }
}

/// Parses a list of values typed or pasted (commas, spaces, semicolons or newlines between them).
pub fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err("type 1 to 32 numbers separated by commas or spaces".into());
    }
    if parts.len() > mx::BLOCK_SIZE {
        return Err(format!(
            "a block holds at most {} values; you gave {}",
            mx::BLOCK_SIZE,
            parts.len()
        ));
    }
    parts
        .iter()
        .map(|part| {
            part.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    format!(
                        "\u{201c}{}\u{201d} is not a finite number",
                        shorten(part, 20)
                    )
                })
        })
        .collect()
}

/// Draws a block of 32 values from a named distribution with a seeded generator (deterministic).
pub fn draw_block(distribution: &str, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed ^ GOLDEN_GAMMA);
    // Uniform in (0, 1): 53 random bits, centred in their interval.
    let mut next_unit = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut normal = || {
        // Box-Muller; values are rounded to 4 significant digits so the block reads well.
        let (u, v) = (next_unit(), next_unit());
        (-2.0 * detmath::ln(u)).sqrt() * detmath::cos(std::f64::consts::TAU * v)
    };
    let round4 = |x: f64| -> f64 { format!("{x:.3e}").parse().unwrap_or(x) };
    (0..mx::BLOCK_SIZE)
        .map(|i| {
            let x = match distribution {
                "lognormal" => {
                    let sign = if normal() < 0.0 { -1.0 } else { 1.0 };
                    sign * detmath::exp(normal() * 2.0 - 6.0)
                }
                "uniform" => normal().tanh(),
                "outlier" if i == 7 => normal() * 100.0,
                _ => normal(),
            };
            round4(x)
        })
        .collect()
}

impl MxState {
    /// Reads the MX editor's state (`mxel`, `mxscale`, `mx` values or `mxdist` + `mxseed`).
    pub fn from_query(query: &Query) -> (MxState, Vec<Notice>) {
        let mut notices = Vec::new();
        let mut state = MxState::default();
        if let Some(id) = query.get("mxel") {
            match BlockFormat::from_id(id) {
                Some(element) => state.element = element,
                None => notices.push(notice("mxel", id, "unknown block format")),
            }
        }
        if let Some(id) = query.get("mxscale") {
            match MX_SCALE_ROUNDINGS.iter().find(|(sid, _, _)| *sid == id) {
                Some((_, _, rounding)) => state.scale_rounding = *rounding,
                None => notices.push(notice("mxscale", id, "use floor, up or even")),
            }
        }
        if let Some(text) = query.get("mx") {
            match parse_values(text) {
                Ok(values) => state.values = values,
                Err(why) => notices.push(notice("mx", text, why)),
            }
        }
        (state, notices)
    }

    /// Writes the MX state's parameters.
    pub fn write(&self, query: &mut Query) {
        let element = self.element.id();
        let scale = MX_SCALE_ROUNDINGS
            .iter()
            .find(|(_, _, r)| *r == self.scale_rounding)
            .map_or("floor", |(id, _, _)| id);
        query.set("mxel", element);
        query.set("mxscale", scale);
        query.set("mx", &values_text(&self.values));
    }

    /// Quantizes the values: one MX block, or NVFP4 blocks of 16 under the values' tensor scale.
    pub fn block(&self) -> Result<Blocks, String> {
        match self.element {
            BlockFormat::Mx(element) => {
                mx::quantize_block(&self.values, element, self.scale_rounding)
                    .map(Blocks::Mx)
                    .map_err(|e| e.to_string())
            }
            BlockFormat::Nvfp4 => {
                let (tensor, blocks) = nvfp4::quantize(&self.values, Rounding::NearestEven);
                Ok(Blocks::Nvfp4(tensor, blocks))
            }
        }
    }
}

/// Values as the editor's text (shortest round-trip digits, comma separated).
pub fn values_text(values: &[f64]) -> String {
    values
        .iter()
        .map(|x| format!("{x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A count with separators, for "n finite values".
pub fn count_text(n: u128) -> String {
    grouped(n)
}
