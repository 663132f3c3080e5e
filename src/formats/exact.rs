//! Exact real numbers for input and explanation: a signed fraction of big integers (or an infinity or
//! NaN), built from a typed decimal, a fraction like `1/3`, a hex-float or an `f64`, plus the exact decimal
//! expansion of any `f64`. It owns no formats: rounding an [`Exact`] into a format lives in `float` and
//! `grid`, which ask it for [`Scaled`] significands.

use std::cmp::Ordering;

use super::bignum::BigUint;
use super::rounding::Scaled;

/// An exact real number: what a person typed, before any rounding.
///
/// Decimal strings and fractions are kept exactly, so `"0.1"` is one tenth, not the `f64` nearest to it.
///
/// ```
/// use precision_lab::formats::Exact;
/// let tenth = Exact::from_f64(0.1);
/// assert_eq!(tenth.to_f64(), 0.1);
/// assert!(Exact::nan().is_nan());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exact {
    repr: Repr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    Nan,
    Infinite {
        negative: bool,
    },
    /// `(-1)^negative * num / den` with `den > 0`; zero keeps its sign.
    Finite {
        negative: bool,
        num: BigUint,
        den: BigUint,
    },
}

impl Exact {
    /// Not a number.
    pub fn nan() -> Self {
        Self { repr: Repr::Nan }
    }

    /// Plus or minus infinity.
    pub fn infinity(negative: bool) -> Self {
        Self {
            repr: Repr::Infinite { negative },
        }
    }

    /// The exact value of an `f64` (every finite `f64` is a dyadic fraction).
    pub fn from_f64(x: f64) -> Self {
        if x.is_nan() {
            return Self::nan();
        }
        if x.is_infinite() {
            return Self::infinity(x < 0.0);
        }
        let negative = x.is_sign_negative();
        let (mantissa, exponent) = decompose(x);
        let (num, den) = if exponent >= 0 {
            (
                BigUint::from_u64(mantissa).shl(exponent as u64),
                BigUint::from_u64(1),
            )
        } else {
            (
                BigUint::from_u64(mantissa),
                BigUint::from_u64(1).shl((-exponent) as u64),
            )
        };
        Self {
            repr: Repr::Finite { negative, num, den },
        }
    }

    /// `(-1)^negative * digits * 10^exponent10`.
    pub(crate) fn from_decimal(negative: bool, digits: BigUint, exponent10: i32) -> Self {
        let (num, den) = if exponent10 >= 0 {
            (
                digits.mul(&BigUint::pow(10, exponent10 as u32)),
                BigUint::from_u64(1),
            )
        } else {
            (digits, BigUint::pow(10, exponent10.unsigned_abs()))
        };
        Self {
            repr: Repr::Finite { negative, num, den },
        }
    }

    /// `(-1)^negative * mantissa * 2^exponent2` for big mantissas (hex-floats).
    pub(crate) fn from_binary(negative: bool, mantissa: BigUint, exponent2: i64) -> Self {
        let (num, den) = if exponent2 >= 0 {
            (mantissa.shl(exponent2 as u64), BigUint::from_u64(1))
        } else {
            (mantissa, BigUint::from_u64(1).shl(exponent2.unsigned_abs()))
        };
        Self {
            repr: Repr::Finite { negative, num, den },
        }
    }

    /// `self / other` for finite values; `None` when dividing by zero.
    pub(crate) fn divide(&self, other: &Self) -> Option<Self> {
        match (&self.repr, &other.repr) {
            (
                Repr::Finite {
                    negative: n1,
                    num: a,
                    den: b,
                },
                Repr::Finite {
                    negative: n2,
                    num: c,
                    den: d,
                },
            ) if !c.is_zero() => Some(Self {
                repr: Repr::Finite {
                    negative: n1 != n2,
                    num: a.mul(d),
                    den: b.mul(c),
                },
            }),
            _ => None,
        }
    }

    /// True for NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self.repr, Repr::Nan)
    }

    /// True for plus or minus infinity.
    pub fn is_infinite(&self) -> bool {
        matches!(self.repr, Repr::Infinite { .. })
    }

    /// True for a zero of either sign.
    pub fn is_zero(&self) -> bool {
        matches!(&self.repr, Repr::Finite { num, .. } if num.is_zero())
    }

    /// The sign bit: true for negative values, `-0` and `-inf`; false for NaN.
    pub fn is_sign_negative(&self) -> bool {
        match self.repr {
            Repr::Nan => false,
            Repr::Infinite { negative } | Repr::Finite { negative, .. } => negative,
        }
    }

    /// The nearest `f64` (round to nearest, ties to even), computed exactly, never through a
    /// double rounding.
    pub fn to_f64(&self) -> f64 {
        let fp64 = super::Format::fp64();
        fp64.decode(fp64.encode_exact(self, super::Rounding::NearestEven, super::Overflow::Default))
    }

    pub(crate) fn parts(&self) -> Option<(bool, &BigUint, &BigUint)> {
        match &self.repr {
            Repr::Finite { negative, num, den } => Some((*negative, num, den)),
            _ => None,
        }
    }

    /// `floor(log2(|self|))` for finite nonzero values.
    pub(crate) fn floor_log2(&self) -> Option<i64> {
        let (_, num, den) = self.parts()?;
        if num.is_zero() {
            return None;
        }
        let guess = num.bit_len() as i64 - den.bit_len() as i64;
        // |x| >= 2^guess ?
        let at_least = if guess >= 0 {
            *num >= den.shl(guess as u64)
        } else {
            num.shl(guess.unsigned_abs()) >= *den
        };
        Some(if at_least { guess } else { guess - 1 })
    }

    /// `|self| / 2^qexp` split into integer part, 64 fraction bits and a sticky bit. The caller
    /// guarantees the integer part is below `2^int_bits` (at most 64).
    pub(crate) fn scaled(&self, qexp: i64, int_bits: u32) -> Scaled {
        let Some((_, num, den)) = self.parts() else {
            return Scaled {
                n: 0,
                frac: 0,
                sticky: false,
            };
        };
        let (a, b) = if qexp >= 0 {
            (num.clone(), den.shl(qexp as u64))
        } else {
            (num.shl(qexp.unsigned_abs()), den.clone())
        };
        let (n, rest) = a.div_rem_small_quotient(&b, int_bits);
        let (frac, rest) = rest.shl(64).div_rem_small_quotient(&b, 64);
        Scaled {
            n,
            frac,
            sticky: !rest.is_zero(),
        }
    }

    /// Compares two finite values (NaN and infinities compare as `None`).
    pub(crate) fn cmp_finite(&self, other: &Self) -> Option<Ordering> {
        let (n1, a, b) = self.parts()?;
        let (n2, c, d) = other.parts()?;
        let z1 = a.is_zero();
        let z2 = c.is_zero();
        let sign1 = if z1 {
            0
        } else if n1 {
            -1
        } else {
            1
        };
        let sign2 = if z2 {
            0
        } else if n2 {
            -1
        } else {
            1
        };
        if sign1 != sign2 {
            return Some(sign1.cmp(&sign2));
        }
        if sign1 == 0 {
            return Some(Ordering::Equal);
        }
        let magnitude = a.mul(d).cmp(&c.mul(b));
        Some(if sign1 < 0 {
            magnitude.reverse()
        } else {
            magnitude
        })
    }

    /// `|self - other|` for finite values.
    pub(crate) fn abs_diff(&self, other: &Self) -> Option<Self> {
        let (n1, a, b) = self.parts()?;
        let (n2, c, d) = other.parts()?;
        let left = a.mul(d);
        let right = c.mul(b);
        let num = if n1 == n2 {
            if left >= right {
                left.sub(&right)
            } else {
                right.sub(&left)
            }
        } else {
            left.add(&right)
        };
        Some(Self {
            repr: Repr::Finite {
                negative: false,
                num,
                den: b.mul(d),
            },
        })
    }
}

/// `|x| = mantissa * 2^exponent` for a finite `f64`, with the mantissa below 2^53.
pub(crate) fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let field = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    if field == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), field - 1075)
    }
}

/// `2^p` as an `f64`, exact for `-1074 <= p <= 1023`.
pub(crate) fn pow2(p: i32) -> f64 {
    debug_assert!((-1074..=1023).contains(&p), "2^{p} is not an f64");
    if p >= -1022 {
        f64::from_bits(((p + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (p + 1074))
    }
}

/// Every decimal digit of a finite `f64`, in plain notation (`0.100000001490116119384765625`, `-0`,
/// `65504`). Exact: a binary fraction always has a finite decimal expansion.
///
/// ```
/// assert_eq!(precision_lab::formats::exact_decimal(0.1f32 as f64), "0.100000001490116119384765625");
/// assert_eq!(precision_lab::formats::exact_decimal(-0.0), "-0");
/// ```
pub fn exact_decimal(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    let (mantissa, exponent) = decompose(x);
    let negative = x.is_sign_negative();
    if exponent >= 0 {
        let digits = BigUint::from_u64(mantissa)
            .shl(exponent as u64)
            .to_decimal();
        return if negative {
            format!("-{digits}")
        } else {
            digits
        };
    }
    dyadic_to_decimal(
        negative,
        &BigUint::from_u64(mantissa),
        exponent.unsigned_abs(),
    )
}

/// `(-1)^negative * num / 2^shift` in plain decimal: `num * 5^shift` with the point `shift` places
/// from the right, trailing zeros removed.
fn dyadic_to_decimal(negative: bool, num: &BigUint, shift: u32) -> String {
    let sign = if negative { "-" } else { "" };
    if num.is_zero() {
        return format!("{sign}0");
    }
    let digits = num.mul(&BigUint::pow(5, shift)).to_decimal();
    let shift = shift as usize;
    let (int_part, frac_part) = if digits.len() > shift {
        let (a, b) = digits.split_at(digits.len() - shift);
        (a.to_string(), b.to_string())
    } else {
        (
            "0".to_string(),
            format!("{}{}", "0".repeat(shift - digits.len()), digits),
        )
    };
    let frac_part = frac_part.trim_end_matches('0');
    if frac_part.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac_part}")
    }
}
