//! Rounding and overflow policies, and the one decision every encoder shares: given the truncated
//! significand and what was cut off, round up or not. It owns the seeded generator behind stochastic
//! rounding; it does not know where codes live in a format (that is `float`, `grid`).

use crate::base::rng::mix;
pub use crate::base::Overflow;

/// How a value between two representable neighbours is rounded.
///
/// ```
/// use precision_lab::formats::{Format, Overflow, Rounding};
/// let e2m1: Format = "e2m1fn".parse().unwrap();
/// // 5 lies halfway between 4 and 6; nearest-even keeps 4 (mantissa bit 0), nearest-away picks 6.
/// assert_eq!(e2m1.decode(e2m1.encode(5.0, Rounding::NearestEven, Overflow::Default)), 4.0);
/// assert_eq!(e2m1.decode(e2m1.encode(5.0, Rounding::NearestAway, Overflow::Default)), 6.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Round to nearest, ties to the neighbour whose code is even (IEEE 754 default).
    #[default]
    NearestEven,
    /// Round to nearest, ties away from zero.
    NearestAway,
    /// Truncate toward zero.
    TowardZero,
    /// Round toward +infinity.
    TowardPositive,
    /// Round toward -infinity.
    TowardNegative,
    /// Round up in magnitude with probability equal to the distance from the lower neighbour divided by
    /// the gap, so the result is unbiased on average. The same seed always gives the same result; slice
    /// encoders derive one seed per element from it.
    Stochastic {
        /// Seed of the SplitMix64 generator (`base::rng`).
        seed: u64,
    },
}

impl Rounding {
    /// True when this mode rounds an overflowing magnitude of this sign up (to Inf/NaN), rather than down
    /// to the largest finite value (IEEE 754 section 7.4).
    pub(crate) fn overflows_away(self, negative: bool) -> bool {
        match self {
            Rounding::NearestEven | Rounding::NearestAway | Rounding::Stochastic { .. } => true,
            Rounding::TowardZero => false,
            Rounding::TowardPositive => !negative,
            Rounding::TowardNegative => negative,
        }
    }

    /// The stochastic mode with a seed derived for element `index` of a slice.
    pub(crate) fn for_element(self, index: usize) -> Self {
        match self {
            Rounding::Stochastic { seed } => Rounding::Stochastic {
                seed: mix(seed ^ mix(index as u64)),
            },
            other => other,
        }
    }
}

/// A magnitude divided by the rounding quantum: the integer part `n`, the first 64 bits of the
/// fraction, and whether any bit beyond those is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scaled {
    pub(crate) n: u64,
    pub(crate) frac: u64,
    pub(crate) sticky: bool,
}

impl Scaled {
    pub(crate) fn is_exact(&self) -> bool {
        self.frac == 0 && !self.sticky
    }
}

const HALF: u64 = 1 << 63;

/// Whether to add one to the truncated magnitude `n`. `odd` says whether the truncated candidate's code
/// is odd (the tie-breaker for nearest-even).
pub(crate) fn rounds_up(rounding: Rounding, negative: bool, odd: bool, scaled: Scaled) -> bool {
    if scaled.is_exact() {
        return false;
    }
    let Scaled { frac, sticky, .. } = scaled;
    match rounding {
        Rounding::NearestEven => frac > HALF || (frac == HALF && (sticky || odd)),
        Rounding::NearestAway => frac >= HALF,
        Rounding::TowardZero => false,
        Rounding::TowardPositive => !negative,
        Rounding::TowardNegative => negative,
        // P(up) = frac / 2^64 exactly when the fraction fits in 64 bits; bits beyond add a bias below 2^-64.
        Rounding::Stochastic { seed } => mix(seed) < frac,
    }
}
