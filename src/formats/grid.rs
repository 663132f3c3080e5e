//! Formats whose values are an ordered list rather than a bit layout: two's-complement and unsigned
//! integers with a scale, and the NF4 codebook. It owns their decode, their rounding to the nearest
//! listed value and their neighbours; the float layouts live in `float`.

use std::cmp::Ordering;

use super::exact::Exact;
use super::float::Outcome;
use super::rounding::{Overflow, Rounding};
use super::Signedness;
use crate::base::rng::mix;

/// NF4 levels from QLoRA (Dettmers et al. 2023), as hard-coded in bitsandbytes `get_4bit_type("nf4")`
/// and its CUDA `dDequantizeNF4`: float32 values, printed here with the digits Python shows for them,
/// which parse back to exactly those float32 values. Code `i` is entry `i`.
pub(crate) const NF4_LEVELS: [f64; 16] = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
];

/// An ordered list of values: index 0 is the most negative.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Grid {
    Integer {
        bits: u32,
        sign: Signedness,
        scale: f64,
    },
    Nf4 {
        absmax: f64,
    },
}

/// Either kind of input, compared exactly against grid values.
pub(crate) enum Input<'a> {
    Float(f64),
    Exact(&'a Exact),
}

impl Input<'_> {
    fn is_nan(&self) -> bool {
        match self {
            Input::Float(x) => x.is_nan(),
            Input::Exact(x) => x.is_nan(),
        }
    }

    fn is_zero(&self) -> bool {
        match self {
            Input::Float(x) => *x == 0.0,
            Input::Exact(x) => x.is_zero(),
        }
    }

    fn to_exact(&self) -> Exact {
        match self {
            Input::Float(x) => Exact::from_f64(*x),
            Input::Exact(x) => (*x).clone(),
        }
    }

    fn approx(&self) -> f64 {
        match self {
            Input::Float(x) => *x,
            Input::Exact(x) => x.to_f64(),
        }
    }

    /// `self` compared with `value`, exactly; infinities compare as their sign says.
    fn cmp_value(&self, value: f64) -> Ordering {
        match self {
            Input::Float(x) => x.partial_cmp(&value).unwrap_or(Ordering::Equal),
            Input::Exact(x) if x.is_infinite() => {
                if x.is_sign_negative() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            Input::Exact(x) => x
                .cmp_finite(&Exact::from_f64(value))
                .unwrap_or(Ordering::Equal),
        }
    }
}

impl Grid {
    pub(crate) fn total_bits(&self) -> u32 {
        match self {
            Grid::Integer { bits, .. } => *bits,
            Grid::Nf4 { .. } => 4,
        }
    }

    pub(crate) fn len(&self) -> u64 {
        1u64 << self.total_bits()
    }

    fn min_int(&self) -> i64 {
        match self {
            Grid::Integer {
                bits,
                sign: Signedness::Signed,
                ..
            } => -(1i64 << (bits - 1)),
            _ => 0,
        }
    }

    /// Value at `index` (ascending).
    pub(crate) fn value(&self, index: u64) -> f64 {
        match self {
            Grid::Integer { scale, .. } => (index as i64 + self.min_int()) as f64 * scale,
            Grid::Nf4 { absmax } => NF4_LEVELS[(index & 15) as usize] * absmax,
        }
    }

    pub(crate) fn code(&self, index: u64) -> u64 {
        let mask = self.len() - 1;
        match self {
            Grid::Integer { .. } => (index as i64 + self.min_int()) as u64 & mask,
            Grid::Nf4 { .. } => index & mask,
        }
    }

    pub(crate) fn index(&self, code: u64) -> u64 {
        let mask = self.len() - 1;
        let code = code & mask;
        match self {
            Grid::Integer {
                bits,
                sign: Signedness::Signed,
                ..
            } => {
                // Sign-extend the two's-complement code, then shift so the most negative is index 0.
                let shift = 64 - bits;
                let signed = ((code << shift) as i64) >> shift;
                (signed - self.min_int()) as u64
            }
            _ => code,
        }
    }

    /// The integer a code stands for (before the scale), or the codebook index.
    pub(crate) fn integer(&self, code: u64) -> i64 {
        self.index(code) as i64 + self.min_int()
    }

    pub(crate) fn decode(&self, code: u64) -> f64 {
        self.value(self.index(code))
    }

    fn zero_index(&self) -> u64 {
        match self {
            Grid::Integer { .. } => (-self.min_int()) as u64,
            Grid::Nf4 { .. } => 7,
        }
    }

    pub(crate) fn encode(&self, x: Input<'_>, rounding: Rounding, _overflow: Overflow) -> Outcome {
        if x.is_nan() {
            return Outcome {
                code: self.code(self.zero_index()),
                invalid: true,
                inexact: true,
                ..Outcome::default()
            };
        }
        let last = self.len() - 1;
        let outside = |index: u64| Outcome {
            code: self.code(index),
            inexact: true,
            overflowed: true,
            ..Outcome::default()
        };
        // Integers and codebooks have no infinity: anything beyond the ends saturates.
        if x.cmp_value(self.value(0)) == Ordering::Less {
            return outside(0);
        }
        if x.cmp_value(self.value(last)) == Ordering::Greater {
            return outside(last);
        }
        // Largest index whose value is <= x.
        let (mut lo, mut hi) = (0u64, last);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if x.cmp_value(self.value(mid)) == Ordering::Less {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        if x.cmp_value(self.value(lo)) == Ordering::Equal {
            return Outcome {
                code: self.code(lo),
                ..Outcome::default()
            };
        }
        let below = lo;
        let above = lo + 1;
        let negative = x.cmp_value(0.0) == Ordering::Less;
        // Toward zero from a positive x is the lower neighbour, from a negative x the upper one.
        let choose_upper = match rounding {
            Rounding::TowardPositive => true,
            Rounding::TowardNegative => false,
            Rounding::TowardZero => negative,
            Rounding::NearestEven | Rounding::NearestAway => {
                let exact = x.to_exact();
                let lower = Exact::from_f64(self.value(below));
                let upper = Exact::from_f64(self.value(above));
                let to_lower = exact.abs_diff(&lower);
                let to_upper = exact.abs_diff(&upper);
                match to_lower.zip(to_upper).and_then(|(a, b)| a.cmp_finite(&b)) {
                    Some(Ordering::Less) => false,
                    Some(Ordering::Greater) => true,
                    _ if rounding == Rounding::NearestAway => !negative,
                    _ => self.code(below) & 1 == 1,
                }
            }
            Rounding::Stochastic { seed } => {
                let (a, b) = (self.value(below), self.value(above));
                let p = ((x.approx() - a) / (b - a)).clamp(0.0, 1.0);
                // P(upper) = p, to within 2^-53 from the f64 arithmetic.
                (mix(seed) >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
            }
        };
        let index = if choose_upper { above } else { below };
        Outcome {
            code: self.code(index),
            inexact: true,
            underflowed_to_zero: self.value(index) == 0.0 && !x.is_zero(),
            ..Outcome::default()
        }
    }

    pub(crate) fn next_up(&self, code: u64) -> Option<u64> {
        let index = self.index(code);
        (index + 1 < self.len()).then(|| self.code(index + 1))
    }

    pub(crate) fn next_down(&self, code: u64) -> Option<u64> {
        let index = self.index(code);
        index.checked_sub(1).map(|i| self.code(i))
    }

    /// Gap between the neighbours around `x` (the scale for integers).
    pub(crate) fn ulp(&self, x: f64) -> f64 {
        match self {
            Grid::Integer { scale, .. } => *scale,
            Grid::Nf4 { .. } => {
                if !x.is_finite() {
                    return f64::NAN;
                }
                let last = self.len() - 1;
                let mut index = 0;
                while index + 1 < last && self.value(index + 1) <= x {
                    index += 1;
                }
                self.value(index + 1) - self.value(index)
            }
        }
    }
}
