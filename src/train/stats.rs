//! What happened to gradient values at a rounding point: flushed, subnormal, overflowed, and where
//! their magnitudes lie (a log2 histogram).
//!
//! Owns [`TensorStats`], [`Log2Histogram`] and the names of the tensors they describe
//! ([`TensorKind`], [`TensorRecord`]). It only counts: it does not round (that is `precision`) and it
//! does not decide which tensors to watch (that is `cpu`). Every count compares the value *before*
//! rounding (what exact arithmetic from the rounded inputs gave, in f32) with the value *after*.

use super::block::BlockStats;
use super::precision::{Precision, ValueClass};

/// Exponent of the lower edge of the first histogram bin: bins start at 2^-40.
pub const HIST_MIN_EXP: i32 = -40;
/// Exponent of the upper edge of the last histogram bin: bins end at 2^20.
pub const HIST_MAX_EXP: i32 = 20;
/// Number of one-octave bins, [2^e, 2^(e+1)) for e in HIST_MIN_EXP..HIST_MAX_EXP.
pub const HIST_BINS: usize = (HIST_MAX_EXP - HIST_MIN_EXP) as usize;

/// Counts of |value| by octave, with zero, out-of-range and non-finite values counted apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log2Histogram {
    /// `bins[i]` counts values with 2^(HIST_MIN_EXP + i) <= |v| < 2^(HIST_MIN_EXP + i + 1).
    pub bins: [u32; HIST_BINS],
    /// Exact zeros.
    pub zero: u32,
    /// Nonzero values below 2^HIST_MIN_EXP.
    pub below: u32,
    /// Finite values at or above 2^HIST_MAX_EXP.
    pub above: u32,
    /// Inf and NaN.
    pub non_finite: u32,
}

/// What one rounding point did to one tensor in one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorStats {
    /// Number of values.
    pub count: u32,
    /// Values that are zero after rounding, for any reason (ReLU zeros included).
    pub zeros: u32,
    /// Values that were nonzero before rounding and are zero after: underflow.
    pub flushed: u32,
    /// Values that are subnormal in the format after rounding (nonzero, below the smallest normal).
    pub subnormal: u32,
    /// Values that were finite before rounding with a magnitude beyond the format's largest finite
    /// value: they became Inf/NaN (plain casts) or were clamped (saturating casts).
    pub overflowed: u32,
    /// Values that were already Inf or NaN before rounding.
    pub non_finite: u32,
    /// Magnitudes before rounding: where the values lie against the format's window.
    pub histogram: Log2Histogram,
}

/// Which tensor of the network a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TensorKind {
    /// The gradient of a layer's weight matrix, as its GEMM delivers it (before unscaling).
    WeightGrad { layer: usize },
    /// The gradient of a layer's pre-activation output (for the last layer, of the logits), at the
    /// point it is stored in the format the backward GEMMs read: an activation gradient in the sense of
    /// Micikevicius et al.
    OutputGrad { layer: usize },
}

/// Statistics of one tensor in one step, with the format it was rounded into and the factor it had
/// been multiplied by (the loss scale, or an fp8 per-tensor scale; 1 when none).
#[derive(Clone, Debug, PartialEq)]
pub struct TensorRecord {
    pub kind: TensorKind,
    pub format: Precision,
    pub scale: f32,
    pub stats: TensorStats,
    /// Block recipes: what the block scales did (the element counts are `stats`'s, in element
    /// terms: a value flushed is one its block's scale could not keep).
    pub blocks: Option<BlockStats>,
}

impl Log2Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Log2Histogram {
            bins: [0; HIST_BINS],
            zero: 0,
            below: 0,
            above: 0,
            non_finite: 0,
        }
    }

    /// The range [low, high) of bin `i`.
    pub fn bin_range(i: usize) -> (f64, f64) {
        let low = 2f64.powi(HIST_MIN_EXP + i as i32);
        (low, low * 2.0)
    }

    /// Counts one value.
    #[inline]
    pub fn add(&mut self, value: f32) {
        let bits = value.to_bits() & 0x7fff_ffff;
        if bits >= 0x7f80_0000 {
            self.non_finite += 1;
        } else if bits == 0 {
            self.zero += 1;
        } else {
            // floor(log2 |v|) is the unbiased exponent for normal f32; f32 subnormals (< 2^-126) are
            // far below the first bin and land in `below` through the same comparison.
            let exponent = (bits >> 23) as i32 - 127;
            if exponent < HIST_MIN_EXP {
                self.below += 1;
            } else if exponent >= HIST_MAX_EXP {
                self.above += 1;
            } else {
                self.bins[(exponent - HIST_MIN_EXP) as usize] += 1;
            }
        }
    }

    /// Total of every count.
    pub fn total(&self) -> u32 {
        self.bins.iter().sum::<u32>() + self.zero + self.below + self.above + self.non_finite
    }
}

impl Default for Log2Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl TensorStats {
    /// Compares `before` (values computed in f32) with `after` (the same values rounded to `format`).
    pub fn of_rounding(before: &[f32], after: &[f32], format: Precision) -> TensorStats {
        debug_assert_eq!(before.len(), after.len());
        let max = format.max_finite();
        let mut stats = TensorStats {
            count: before.len() as u32,
            zeros: 0,
            flushed: 0,
            subnormal: 0,
            overflowed: 0,
            non_finite: 0,
            histogram: Log2Histogram::new(),
        };
        for (&b, &a) in before.iter().zip(after) {
            stats.histogram.add(b);
            if !b.is_finite() {
                stats.non_finite += 1;
                continue;
            }
            if b.abs() > max {
                stats.overflowed += 1;
            }
            match format.classify(a) {
                ValueClass::Zero => {
                    stats.zeros += 1;
                    if b != 0.0 {
                        stats.flushed += 1;
                    }
                }
                ValueClass::Subnormal => stats.subnormal += 1,
                ValueClass::Normal | ValueClass::NonFinite => {}
            }
        }
        stats
    }

    /// Share of values that underflowed to zero.
    pub fn flushed_fraction(&self) -> f32 {
        fraction(self.flushed, self.count)
    }

    /// Share of values that are zero after rounding, for any reason.
    pub fn zero_fraction(&self) -> f32 {
        fraction(self.zeros, self.count)
    }

    /// Share of values that are subnormal after rounding.
    pub fn subnormal_fraction(&self) -> f32 {
        fraction(self.subnormal, self.count)
    }

    /// Share of values that overflowed.
    pub fn overflow_fraction(&self) -> f32 {
        fraction(self.overflowed, self.count)
    }
}

fn fraction(part: u32, whole: u32) -> f32 {
    if whole == 0 {
        0.0
    } else {
        part as f32 / whole as f32
    }
}
