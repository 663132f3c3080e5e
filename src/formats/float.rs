//! Binary floating-point layouts (`sign | exponent | mantissa`) in all their encoding families: exact
//! decode, correctly rounded encode from an `f64` or an [`Exact`], neighbours and spacing. It owns the
//! bit layout and the special-value rules of each family; it does not own the policy enums (`rounding`)
//! or the textual explanations (`explain`).

use super::exact::{decompose, pow2, Exact};
use super::rounding::{rounds_up, Overflow, Rounding, Scaled};
use super::{Family, FloatSpec, FormatError, Signedness, Subnormals};

/// A validated float layout with the constants every operation needs, computed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FloatLayout {
    pub(crate) spec: FloatSpec,
    /// Unbiased exponent of the smallest normal value.
    pub(crate) emin: i32,
    /// Unbiased exponent of the largest finite value.
    pub(crate) emax: i32,
    /// Code (without sign) of the largest finite value.
    pub(crate) max_mag: u64,
    /// `1 << (exponent_bits + mantissa_bits)`, or 0 for unsigned formats.
    pub(crate) sign_bit: u64,
    /// Mask of the exponent and mantissa fields.
    pub(crate) mag_mask: u64,
}

/// Where a rounded magnitude landed and what happened on the way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) code: u64,
    pub(crate) inexact: bool,
    pub(crate) overflowed: bool,
    pub(crate) underflowed_to_zero: bool,
    pub(crate) became_subnormal: bool,
    pub(crate) invalid: bool,
}

impl Outcome {
    fn exact(code: u64) -> Self {
        Self {
            code,
            ..Self::default()
        }
    }
}

/// Which part of the number line the value sits in, which fixes the rounding quantum.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Region {
    Normal,
    Subnormal,
    /// Below the smallest normal in a format that flushes subnormals: the neighbours are 0 and min normal.
    Flushed,
}

impl FloatLayout {
    pub(crate) fn new(spec: FloatSpec) -> Result<Self, FormatError> {
        let FloatSpec {
            sign,
            exponent_bits: e,
            mantissa_bits: m,
            bias,
            family,
            subnormals,
        } = spec;
        if !(1..=11).contains(&e) {
            return Err(FormatError::ExponentBits(e));
        }
        if m > 52 {
            return Err(FormatError::MantissaBits(m));
        }
        let signed = sign == Signedness::Signed;
        match family {
            Family::Ieee if m == 0 => return Err(FormatError::IeeeNeedsMantissa),
            Family::Ieee if e < 2 => return Err(FormatError::IeeeNeedsTwoExponentBits),
            Family::Fnuz if !signed => return Err(FormatError::FnuzNeedsSign),
            Family::ExponentOnly if signed || m != 0 || subnormals == Subnormals::Gradual => {
                return Err(FormatError::ExponentOnlyShape)
            }
            _ => {}
        }
        let mag_bits = e + m;
        let mag_all = (1u64 << mag_bits) - 1;
        let field_all = (1u64 << e) - 1;
        let max_mag = match family {
            Family::Ieee => (field_all << m) - 1,
            Family::Fn | Family::ExponentOnly => mag_all - 1,
            Family::Fnuz | Family::FiniteOnly => mag_all,
        };
        let min_normal_field = if family == Family::ExponentOnly { 0 } else { 1 };
        if max_mag >> m < min_normal_field {
            return Err(FormatError::NoNormalValues);
        }
        let emin = min_normal_field as i32 - bias;
        let emax = (max_mag >> m) as i32 - bias;
        let lowest_quantum = emin - m as i32;
        if lowest_quantum < -1074 || emax > 1023 {
            return Err(FormatError::ExponentRange {
                lowest_power: lowest_quantum,
                highest_power: emax,
            });
        }
        Ok(Self {
            spec,
            emin,
            emax,
            max_mag,
            sign_bit: if signed { 1u64 << mag_bits } else { 0 },
            mag_mask: mag_all,
        })
    }

    fn m(&self) -> u32 {
        self.spec.mantissa_bits
    }

    pub(crate) fn total_bits(&self) -> u32 {
        self.spec.exponent_bits + self.spec.mantissa_bits + u32::from(self.sign_bit != 0)
    }

    pub(crate) fn code_mask(&self) -> u64 {
        self.mag_mask | self.sign_bit
    }

    fn field_all(&self) -> u64 {
        (1u64 << self.spec.exponent_bits) - 1
    }

    pub(crate) fn is_nan(&self, code: u64) -> bool {
        let code = code & self.code_mask();
        let mag = code & self.mag_mask;
        match self.spec.family {
            Family::Ieee => mag >> self.m() == self.field_all() && mag & self.mantissa_mask() != 0,
            Family::Fn | Family::ExponentOnly => mag == self.mag_mask,
            Family::Fnuz => code == self.sign_bit,
            Family::FiniteOnly => false,
        }
    }

    pub(crate) fn is_infinite(&self, code: u64) -> bool {
        self.spec.family == Family::Ieee && code & self.mag_mask == self.field_all() << self.m()
    }

    pub(crate) fn mantissa_mask(&self) -> u64 {
        (1u64 << self.m()) - 1
    }

    pub(crate) fn has_gradual_subnormals(&self) -> bool {
        self.spec.subnormals == Subnormals::Gradual && self.m() > 0
    }

    /// The exact value of a code (bits above the format's width are ignored).
    pub(crate) fn decode(&self, code: u64) -> f64 {
        let code = code & self.code_mask();
        if self.is_nan(code) {
            return f64::NAN;
        }
        let negative = code & self.sign_bit != 0;
        let mag = code & self.mag_mask;
        let field = mag >> self.m();
        let mantissa = mag & self.mantissa_mask();
        let magnitude = if self.is_infinite(code) {
            f64::INFINITY
        } else if self.spec.family == Family::ExponentOnly {
            pow2(field as i32 - self.spec.bias)
        } else if field == 0 {
            if self.spec.subnormals == Subnormals::Gradual {
                // Subnormal: 0.mantissa x 2^emin = mantissa x 2^(emin - m); both factors exact.
                mantissa as f64 * pow2(self.emin - self.m() as i32)
            } else {
                0.0
            }
        } else {
            // Normal: 1.mantissa x 2^(field - bias) = (2^m + mantissa) x 2^(field - bias - m); the integer
            // has at most 53 bits and the power of two is an f64 (checked in `new`), so the product is exact.
            ((1u64 << self.m()) + mantissa) as f64
                * pow2(field as i32 - self.spec.bias - self.m() as i32)
        };
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    fn nan_code(&self) -> Option<u64> {
        match self.spec.family {
            // Quiet NaN: all-ones exponent, top mantissa bit set.
            Family::Ieee => Some((self.field_all() << self.m()) | (1u64 << (self.m() - 1))),
            Family::Fn | Family::ExponentOnly => Some(self.mag_mask),
            Family::Fnuz => Some(self.sign_bit),
            Family::FiniteOnly => None,
        }
    }

    /// The code for a result too large in magnitude under `Overflow::Default` when rounding away.
    fn infinite_result(&self, negative: bool) -> u64 {
        let sign = if negative { self.sign_bit } else { 0 };
        match self.spec.family {
            Family::Ieee => sign | (self.field_all() << self.m()),
            Family::Fn => sign | self.mag_mask,
            Family::Fnuz => self.sign_bit,
            Family::ExponentOnly => self.mag_mask,
            Family::FiniteOnly => sign | self.max_mag,
        }
    }

    fn zero_code(&self, negative: bool) -> u64 {
        if negative && self.spec.family != Family::Fnuz {
            self.sign_bit
        } else {
            0
        }
    }

    /// Handles the inputs every source shares (NaN, infinities, zero, negative into unsigned); returns
    /// `None` for a finite nonzero value that must be rounded.
    fn special(
        &self,
        nan: bool,
        infinite: bool,
        zero: bool,
        negative: bool,
        overflow: Overflow,
    ) -> Option<Outcome> {
        if nan {
            return Some(match self.nan_code() {
                Some(code) => Outcome::exact(code),
                None => Outcome {
                    invalid: true,
                    ..Outcome::exact(0)
                },
            });
        }
        let unsigned = self.sign_bit == 0;
        if negative && unsigned && !zero {
            // A negative value has no code in an unsigned format.
            let code = match (overflow, self.nan_code()) {
                (Overflow::Default, Some(nan)) => nan,
                _ => 0,
            };
            return Some(Outcome {
                invalid: true,
                inexact: true,
                ..Outcome::exact(code)
            });
        }
        if infinite {
            if self.spec.family == Family::Ieee {
                return Some(Outcome::exact(self.infinite_result(negative)));
            }
            let code = match overflow {
                Overflow::Default => self.infinite_result(negative),
                Overflow::Saturate => self.max_code(negative),
            };
            return Some(Outcome {
                overflowed: true,
                inexact: true,
                ..Outcome::exact(code)
            });
        }
        if zero {
            if self.spec.family == Family::ExponentOnly {
                // No zero: the smallest scale, 2^-bias, is the closest there is.
                return Some(Outcome {
                    inexact: true,
                    ..Outcome::exact(0)
                });
            }
            return Some(Outcome::exact(self.zero_code(negative)));
        }
        None
    }

    pub(crate) fn max_code(&self, negative: bool) -> u64 {
        self.max_mag | if negative { self.sign_bit } else { 0 }
    }

    pub(crate) fn encode_f64(&self, x: f64, rounding: Rounding, overflow: Overflow) -> Outcome {
        let negative = x.is_sign_negative();
        if let Some(outcome) =
            self.special(x.is_nan(), x.is_infinite(), x == 0.0, negative, overflow)
        {
            return outcome;
        }
        let (mantissa, exponent) = decompose(x);
        let floor_log2 = exponent as i64 + 63 - mantissa.leading_zeros() as i64;
        self.round(negative, floor_log2, rounding, overflow, |qexp| {
            scale_f64(mantissa, exponent, qexp)
        })
    }

    pub(crate) fn encode_exact(
        &self,
        x: &Exact,
        rounding: Rounding,
        overflow: Overflow,
    ) -> Outcome {
        let negative = x.is_sign_negative();
        if let Some(outcome) =
            self.special(x.is_nan(), x.is_infinite(), x.is_zero(), negative, overflow)
        {
            return outcome;
        }
        let floor_log2 = x.floor_log2().unwrap_or(0);
        let int_bits = self.m() + 2;
        self.round(negative, floor_log2, rounding, overflow, |qexp| {
            x.scaled(qexp, int_bits)
        })
    }

    /// Rounds a finite nonzero magnitude with `2^floor_log2 <= |x| < 2^(floor_log2 + 1)`; `scale(q)`
    /// must return `|x| / 2^q` split into integer and fraction.
    fn round(
        &self,
        negative: bool,
        floor_log2: i64,
        rounding: Rounding,
        overflow: Overflow,
        scale: impl FnOnce(i64) -> Scaled,
    ) -> Outcome {
        let m = self.m() as i64;
        let emin = self.emin as i64;
        let bias = self.spec.bias as i64;
        if self.spec.family == Family::ExponentOnly && floor_log2 < emin {
            // Below 2^-bias there is nothing smaller (no zero): clamp to the smallest scale.
            return Outcome {
                inexact: true,
                ..Outcome::exact(0)
            };
        }
        // Huge inputs overflow whatever the rounding; skip the arithmetic (and keep shifts small).
        let floor_log2 = floor_log2.min(self.emax as i64 + 2);
        let (region, qexp) = if floor_log2 >= emin {
            (Region::Normal, floor_log2 - m)
        } else if self.spec.subnormals == Subnormals::Gradual {
            (Region::Subnormal, emin - m)
        } else {
            (Region::Flushed, emin)
        };
        let scaled = scale(qexp);
        let n = scaled.n as i128;
        // Code magnitude of the truncated value. In the normal region n = 2^m + mantissa, so
        // ((field - 1) << m) + n = (field << m) + mantissa; if rounding up carries n to 2^(m+1), the same
        // formula gives the next binade's first code, so one +1 on the code handles the carry.
        let truncated = match region {
            Region::Normal => ((floor_log2 + bias - 1) as i128) << m,
            Region::Subnormal | Region::Flushed => 0,
        } + match region {
            Region::Flushed => n << m,
            _ => n,
        };
        let odd = match region {
            // Between 0 and min normal the "even" neighbour is 0 (significand 0 at quantum 2^emin).
            Region::Flushed => n & 1 == 1,
            _ => truncated & 1 == 1,
        };
        let up = rounds_up(rounding, negative, odd, scaled);
        let mag = match (region, up) {
            (Region::Flushed, true) => (n + 1) << m,
            (_, true) => truncated + 1,
            (_, false) => truncated,
        };
        let inexact = !scaled.is_exact();
        if mag > self.max_mag as i128 {
            let code = if overflow == Overflow::Saturate || !rounding.overflows_away(negative) {
                self.max_code(negative)
            } else {
                self.infinite_result(negative)
            };
            return Outcome {
                code,
                inexact: true,
                overflowed: true,
                ..Outcome::default()
            };
        }
        let mag = mag as u64;
        let code = if mag == 0 {
            self.zero_code(negative)
        } else {
            mag | if negative { self.sign_bit } else { 0 }
        };
        Outcome {
            code,
            inexact,
            overflowed: false,
            underflowed_to_zero: mag == 0,
            became_subnormal: mag != 0
                && mag >> self.m() == 0
                && self.spec.family != Family::ExponentOnly,
            invalid: false,
        }
    }

    /// Smallest positive code.
    fn min_positive_code(&self) -> u64 {
        match (self.spec.family, self.spec.subnormals) {
            (Family::ExponentOnly, _) => 0,
            (_, Subnormals::Gradual) => 1,
            (_, Subnormals::Flush) => 1u64 << self.m(),
        }
    }

    fn is_zero_code(&self, code: u64) -> bool {
        self.spec.family != Family::ExponentOnly && !self.is_nan(code) && self.decode(code) == 0.0
    }

    pub(crate) fn next_up(&self, code: u64) -> Option<u64> {
        let code = code & self.code_mask();
        if self.is_nan(code) {
            return None;
        }
        if self.is_zero_code(code) {
            return Some(self.min_positive_code());
        }
        let mag = code & self.mag_mask;
        if code & self.sign_bit == 0 {
            if self.is_infinite(code) {
                return None;
            }
            let next = mag + 1;
            return (next <= self.max_mag || self.spec.family == Family::Ieee).then_some(next);
        }
        if self.is_infinite(code) {
            return Some(self.max_code(true));
        }
        if mag <= self.min_positive_code() {
            return Some(self.zero_code(true));
        }
        Some(self.sign_bit | (mag - 1))
    }

    pub(crate) fn next_down(&self, code: u64) -> Option<u64> {
        let code = code & self.code_mask();
        if self.is_nan(code) {
            return None;
        }
        let signed = self.sign_bit != 0;
        if self.is_zero_code(code) {
            return signed.then(|| self.sign_bit | self.min_positive_code());
        }
        let mag = code & self.mag_mask;
        if code & self.sign_bit == 0 {
            if self.is_infinite(code) {
                return Some(self.max_mag);
            }
            if self.spec.family == Family::ExponentOnly {
                return mag.checked_sub(1);
            }
            if mag <= self.min_positive_code() {
                return Some(0);
            }
            return Some(mag - 1);
        }
        if self.is_infinite(code) {
            return None;
        }
        let next = mag + 1;
        (next <= self.max_mag || self.spec.family == Family::Ieee).then_some(self.sign_bit | next)
    }

    /// Spacing of representable values in the binade of `x` (the gap from 0 to the first positive value
    /// for 0 and values below min normal when subnormals are flushed).
    pub(crate) fn ulp(&self, x: f64) -> f64 {
        if !x.is_finite() {
            return f64::NAN;
        }
        let m = self.m() as i32;
        let binade = if x == 0.0 {
            self.emin - 1
        } else {
            let (mantissa, exponent) = decompose(x);
            exponent + 63 - mantissa.leading_zeros() as i32
        };
        let binade = binade.min(self.emax);
        if binade < self.emin {
            return match (self.spec.family, self.spec.subnormals) {
                (Family::ExponentOnly, _) => pow2(self.emin),
                (_, Subnormals::Gradual) => pow2(self.emin - m),
                (_, Subnormals::Flush) => pow2(self.emin),
            };
        }
        pow2(binade - m)
    }

    pub(crate) fn min_normal(&self) -> f64 {
        pow2(self.emin)
    }

    pub(crate) fn min_positive(&self) -> f64 {
        self.decode(self.min_positive_code())
    }

    pub(crate) fn max_finite(&self) -> f64 {
        self.decode(self.max_mag)
    }

    /// Number of codes that decode to a finite value (both zeros count).
    pub(crate) fn finite_count(&self) -> u128 {
        let total = 1u128 << self.total_bits();
        let m = self.m();
        let signs = if self.sign_bit != 0 { 2 } else { 1 };
        total
            - match self.spec.family {
                Family::Ieee => signs * (1u128 << m),
                Family::Fn => signs,
                Family::Fnuz | Family::ExponentOnly => 1,
                Family::FiniteOnly => 0,
            }
    }
}

/// `mantissa * 2^exponent / 2^qexp` split into integer part, 64 fraction bits and sticky.
fn scale_f64(mantissa: u64, exponent: i32, qexp: i64) -> Scaled {
    let shift = qexp - exponent as i64;
    if shift <= 0 {
        // The caller picked qexp so the integer part stays below 2^54; the shift is small.
        return Scaled {
            n: mantissa << (-shift).min(63),
            frac: 0,
            sticky: false,
        };
    }
    let shift = shift as u64;
    if shift < 64 {
        let rest = mantissa & ((1u64 << shift) - 1);
        Scaled {
            n: mantissa >> shift,
            frac: rest << (64 - shift),
            sticky: false,
        }
    } else if shift < 128 {
        let below = shift - 64;
        let frac = if below == 0 {
            mantissa
        } else {
            mantissa >> below
        };
        let sticky = below != 0 && mantissa & ((1u64 << below) - 1) != 0;
        Scaled { n: 0, frac, sticky }
    } else {
        Scaled {
            n: 0,
            frac: 0,
            sticky: mantissa != 0,
        }
    }
}
