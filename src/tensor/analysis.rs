//! What storing a tensor in a format does to it: how many of its values overflow, flush to zero or
//! are kept exactly, the signal-to-quantization-noise ratio and the largest relative error. Values
//! arrive in slices ([`Tally::add`]), so a tensor of any size streams through in constant memory;
//! a per-tensor scale needs the tensor's largest magnitude first ([`absmax`] over the same slices).

use super::kernel::{Kernel, Stored};
use crate::formats::Format;

/// How values are scaled before they are stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scaling {
    /// Stored as they are.
    None,
    /// Multiplied by `max_finite / absmax` of the whole tensor first (and divided again when read),
    /// so the largest magnitude lands on the format's largest value: the "per-tensor absmax" scale
    /// of fp8 and int8 recipes. The scale is an exact `f64` here (no rounding of the scale itself).
    Tensor { absmax: f64 },
}

impl Scaling {
    /// The factor values are multiplied by before storing, for `format`.
    pub fn factor(&self, format: &Format) -> f64 {
        match *self {
            Scaling::None => 1.0,
            Scaling::Tensor { absmax } => absmax_factor(format, absmax),
        }
    }
}

/// The factor that puts `absmax` on `format`'s largest finite value; 1 when there is no
/// magnitude to scale (0, or not finite). Per tensor, or per block with the block's absmax.
pub fn absmax_factor(format: &Format, absmax: f64) -> f64 {
    if absmax > 0.0 && absmax.is_finite() {
        format.max_finite() / absmax
    } else {
        1.0
    }
}

/// The largest finite magnitude in `values` (0 for none).
pub fn absmax(values: &[f64]) -> f64 {
    let bits = values
        .iter()
        .filter(|x| x.is_finite())
        .fold(0u64, |m, x| m.max(magnitude_bits(*x)));
    f64::from_bits(bits)
}

/// The bits of `|x|`: for finite values they order as the magnitudes do. Folding them with an
/// integer `max` gives what folding `f64::max` gives, without WebAssembly's `f64.max`, whose NaN
/// and signed-zero rules cost a sequence of instructions.
#[inline]
pub(crate) fn magnitude_bits(x: f64) -> u64 {
    x.to_bits() & 0x7fff_ffff_ffff_ffff
}

/// Counts over a tensor's values for one format and scaling.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Values seen, NaN and infinities included.
    pub values: u64,
    /// NaN or infinite inputs: left out of every other count.
    pub non_finite: u64,
    /// Finite inputs other than zero: the denominator of the shares.
    pub nonzero: u64,
    /// Finite non-zero inputs whose correctly rounded value lies beyond the format's largest
    /// finite value (after scaling): IEEE 754's overflow for floats; for integers, a value that
    /// rounds past the largest integer (127.4 rounds to 127 in int8 and does not overflow,
    /// 127.5 rounds to 128 and does); for NF4's codebook, a value past its largest level.
    pub overflow: u64,
    /// Finite non-zero inputs stored as zero.
    pub underflow: u64,
    /// Finite non-zero inputs stored exactly.
    pub exact: u64,
    /// Sum of the squares of the finite inputs.
    pub signal: f64,
    /// Sum of the squares of the errors, an overflowed value counting as saturated to the largest
    /// finite value (so the ratio stays finite; the overflow share says how many).
    pub noise: f64,
    /// The largest |stored - x| / |x| over finite non-zero inputs, overflow counted as saturated.
    pub max_rel_error: f64,
}

impl Tally {
    /// Adds a slice of values, stored in `format` with nearest-even rounding after `scaling`.
    pub fn add(&mut self, values: &[f64], format: &Format, scaling: &Scaling) {
        self.add_with_factor(values, format, scaling.factor(format));
    }

    /// Adds a slice of values, each multiplied by `factor`, stored in `format` with nearest-even
    /// rounding (saturating past its largest value), and divided by `factor` again when read.
    pub fn add_with_factor(&mut self, values: &[f64], format: &Format, factor: f64) {
        self.add_with(values, &Kernel::new(format), factor);
    }

    /// [`Tally::add_with_factor`] with a kernel made once for many slices.
    pub fn add_with(&mut self, values: &[f64], kernel: &Kernel, factor: f64) {
        let factor = Factor::new(factor);
        for &x in values {
            if self.admit(x) {
                self.store_and_count(x, kernel, factor);
            }
        }
    }

    /// Adds values with what a scheme stored for each (`stored[i]` for `values[i]`: the value read
    /// back, and whether it was clamped), for schemes with their own arithmetic (GGUF's).
    pub fn add_stored(&mut self, values: &[f64], stored: &[(f64, bool)]) {
        for (&x, &(value, clamped)) in values.iter().zip(stored) {
            if self.admit(x) {
                self.count(x, value, clamped, true);
            }
        }
    }

    /// Counts an input; true for a finite non-zero one, which [`Tally::count`] then measures.
    #[inline(always)]
    fn admit(&mut self, x: f64) -> bool {
        self.values += 1;
        if !x.is_finite() {
            self.non_finite += 1;
            return false;
        }
        self.signal += x * x;
        if x == 0.0 {
            return false;
        }
        self.nonzero += 1;
        true
    }

    /// Measures a finite non-zero `x` read back as `value`; `code_exact`: the stored code was
    /// the scaled input itself (not a rounding that happened to come back to `x`).
    #[inline(always)]
    fn count(&mut self, x: f64, value: f64, overflowed: bool, code_exact: bool) {
        if overflowed {
            self.overflow += 1;
        }
        if value == 0.0 {
            self.underflow += 1;
        }
        let error = value - x;
        if error == 0.0 && code_exact {
            self.exact += 1;
        }
        self.noise += error * error;
        self.max_rel_error = raise_largest(self.max_rel_error, error, x);
    }

    /// Stores a finite non-zero `x` times the factor and measures what it reads back as.
    #[inline(always)]
    fn store_and_count(&mut self, x: f64, kernel: &Kernel, factor: Factor) {
        let scaled = x * factor.factor;
        let s = kernel.store_one(scaled);
        self.count(x, factor.back(s.value), s.overflowed, s.value == scaled);
    }

    /// Measures finite non-zero inputs, each stored by `kernel` on its own (times `factor`, read
    /// back divided by it).
    pub(crate) fn count_each(&mut self, values: &[f64], kernel: &Kernel, factor: f64) {
        let factor = Factor::new(factor);
        for &x in values {
            self.store_and_count(x, kernel, factor);
        }
    }

    /// Measures a run of finite non-zero inputs that `kernel` stores alike (`stored`, after
    /// multiplying by `factor`; read back divided by it): what [`Tally::count`] does for each,
    /// with the one stored value. The stored code is the scaled input itself only for the input
    /// that reads back as itself, so one check serves the run.
    pub(crate) fn count_run(&mut self, run: &[f64], stored: Stored, factor: f64) {
        let n = run.len() as u64;
        let value = Factor::new(factor).back(stored.value);
        if stored.overflowed {
            self.overflow += n;
        }
        if value == 0.0 {
            self.underflow += n;
        }
        let code_exact = stored.value == value * factor;
        // Four sums of the squared errors, so the additions need not wait for one another;
        // added in a fixed order (the table does not depend on how the tensor was sliced).
        let (mut noise, mut exact) = ([0.0; 4], 0);
        for (i, &x) in run.iter().enumerate() {
            let error = value - x;
            exact += u64::from(error == 0.0);
            noise[i % 4] += error * error;
        }
        if code_exact {
            self.exact += exact;
        }
        self.noise += (noise[0] + noise[1]) + (noise[2] + noise[3]);
        self.max_rel_error = self.max_rel_error.max(largest_relative_error(run, value));
    }

    /// Adds the tally of a later part of the same tensor: counts and sums add, the largest error
    /// is the larger.
    pub fn merge(&mut self, other: &Tally) {
        self.values += other.values;
        self.non_finite += other.non_finite;
        self.nonzero += other.nonzero;
        self.overflow += other.overflow;
        self.underflow += other.underflow;
        self.exact += other.exact;
        self.signal += other.signal;
        self.noise += other.noise;
        self.max_rel_error = self.max_rel_error.max(other.max_rel_error);
    }

    /// The tally as numbers, for a message between threads (counts are exact in an `f64`
    /// up to 2^53 values).
    pub fn to_numbers(&self) -> [f64; Tally::NUMBERS] {
        [
            self.values as f64,
            self.non_finite as f64,
            self.nonzero as f64,
            self.overflow as f64,
            self.underflow as f64,
            self.exact as f64,
            self.signal,
            self.noise,
            self.max_rel_error,
        ]
    }

    /// Numbers in [`Tally::NUMBERS`]' order back into a tally; `None` for a count that is not a
    /// whole number of values.
    pub fn from_numbers(n: &[f64]) -> Option<Tally> {
        let count =
            |x: f64| (x >= 0.0 && x.fract() == 0.0 && x <= 2f64.powi(53)).then_some(x as u64);
        let [values, non_finite, nonzero, overflow, underflow, exact, signal, noise, max_rel_error] =
            *n
        else {
            return None;
        };
        Some(Tally {
            values: count(values)?,
            non_finite: count(non_finite)?,
            nonzero: count(nonzero)?,
            overflow: count(overflow)?,
            underflow: count(underflow)?,
            exact: count(exact)?,
            signal,
            noise,
            max_rel_error,
        })
    }

    /// How many numbers [`Tally::to_numbers`] gives.
    pub const NUMBERS: usize = 9;

    /// The share of non-zero values, or `None` when there are none.
    pub fn share(&self, count: u64) -> Option<f64> {
        (self.nonzero > 0).then(|| count as f64 / self.nonzero as f64)
    }

    /// Signal-to-quantization-noise ratio in dB: `10 log10(sum x^2 / sum (q - x)^2)`; `None` for
    /// an all-zero tensor, infinity when every value is stored exactly.
    pub fn sqnr_db(&self) -> Option<f64> {
        if self.signal == 0.0 {
            return None;
        }
        if self.noise == 0.0 {
            return Some(f64::INFINITY);
        }
        Some(10.0 * crate::base::detmath::log10(self.signal / self.noise))
    }
}

/// The largest `|(value - x) / x|` over a sorted run of non-zero inputs stored as `value`,
/// each quotient rounded as [`Tally::count`] rounds it. When the run's ends lie within a factor
/// of two of `value` (every run but an overflow's: a value rounds to a neighbour at most half a
/// step away), so do all its values: each subtraction `value - x` is exact (Sterbenz's lemma),
/// and the rounded quotient, `value / x - 1` below `value` and `1 - value / x` above it, only
/// grows towards the run's ends, so the ends hold the largest. A run stored as zero has a
/// quotient of exactly 1 for every value. Other runs are measured value by value.
fn largest_relative_error(run: &[f64], value: f64) -> f64 {
    let ratio = |x: f64| ((value - x) / x).abs();
    let near = |x: f64| {
        let (a, v) = (x.abs(), value.abs());
        (x > 0.0) == (value > 0.0) && a * 0.5 <= v && v <= a * 2.0
    };
    match (run.first(), run.last()) {
        (None, _) | (_, None) => 0.0,
        _ if value == 0.0 => 1.0,
        (Some(&lo), Some(&hi)) if near(lo) && near(hi) => ratio(lo).max(ratio(hi)),
        _ => run
            .iter()
            .fold(0.0, |largest, &x| raise_largest(largest, value - x, x)),
    }
}

/// `largest`, or `|error / x|` where that is larger: a division only for a candidate (the
/// product is within 2^-53 of the quotient's bound, and the margin keeps every value that could
/// raise the maximum).
#[inline(always)]
fn raise_largest(largest: f64, error: f64, x: f64) -> f64 {
    if error.abs() >= largest * x.abs() * (1.0 - 1e-15) {
        largest.max((error / x).abs())
    } else {
        largest
    }
}

/// The factor values are multiplied by before they are stored, and the way back.
#[derive(Clone, Copy)]
struct Factor {
    factor: f64,
    /// `1 / factor` when `factor` is a power of two: dividing by a power of two is multiplying by
    /// its reciprocal, exactly (both are the exact quotient, rounded once), and MX scales are
    /// powers of two; a division costs several multiplications.
    inverse: Option<f64>,
}

impl Factor {
    fn new(factor: f64) -> Factor {
        let power_of_two = factor.is_normal() && factor.to_bits() & ((1 << 52) - 1) == 0;
        Factor {
            factor,
            inverse: power_of_two.then(|| 1.0 / factor),
        }
    }

    /// A stored value read back: divided by the factor.
    #[inline(always)]
    fn back(self, stored: f64) -> f64 {
        match self.inverse {
            Some(inverse) => stored * inverse,
            None => stored / self.factor,
        }
    }
}
