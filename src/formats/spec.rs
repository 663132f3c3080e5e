//! What describes a format before it is checked: sign, the float families and their subnormals, a
//! float layout ([`FloatSpec`]), and why a description is refused ([`FormatError`]).

use std::fmt;

/// Whether a format has a sign bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signedness {
    /// One sign bit in front (sign-magnitude for floats, two's complement for integers).
    Signed,
    /// No sign bit: only zero and positive values (e8m0fnu, uint8).
    Unsigned,
}

/// How a float format spends its special codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IEEE 754: the all-ones exponent holds +-Inf (mantissa 0) and NaN (mantissa nonzero); +-0.
    Ieee,
    /// "Finite, NaN": no infinities; only the all-ones exponent with all-ones mantissa is NaN (both
    /// signs); +-0. OCP FP8 E4M3 (`e4m3fn`).
    Fn,
    /// "Finite, unsigned zero": no infinities, no -0; the negative-zero code (sign bit only) is the one
    /// NaN. GraphCore/AMD FP8 (`e4m3fnuz`, `e5m2fnuz`).
    Fnuz,
    /// Every code is a finite number: no Inf, no NaN; +-0. OCP MX FP6 and FP4.
    FiniteOnly,
    /// An unsigned power of two `2^(field - bias)` with no mantissa, no zero and the all-ones code as
    /// NaN: the OCP MX shared scale E8M0.
    ExponentOnly,
}

/// Whether codes with a zero exponent field are subnormal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subnormals {
    /// Gradual underflow: `0.mantissa x 2^emin` (IEEE 754 and every catalogue float).
    Gradual,
    /// No subnormals: zero-exponent codes decode to zero and encoding rounds to the set
    /// `{0} U normals` (ties between 0 and the smallest normal go to 0).
    Flush,
}

/// The shape of a binary float format, the input to [`Format::custom`](super::Format::custom).
///
/// ```
/// use precision_lab::formats::{Family, FloatSpec, Format};
/// // OCP FP8 E4M3, built by hand, is the catalogue's e4m3fn.
/// let spec = FloatSpec { family: Family::Fn, ..FloatSpec::ieee(4, 3) };
/// let custom = Format::custom(spec).unwrap();
/// assert_eq!(custom.max_finite(), 448.0);
/// assert_eq!(custom.bias(), Some(7));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FloatSpec {
    /// Sign bit or not.
    pub sign: Signedness,
    /// Exponent field width, 1 to 11.
    pub exponent_bits: u32,
    /// Stored mantissa (fraction) bits, 0 to 52.
    pub mantissa_bits: u32,
    /// Exponent bias: a normal value is `1.mantissa x 2^(field - bias)`.
    pub bias: i32,
    /// Special-value rules.
    pub family: Family,
    /// Gradual underflow or flush to zero.
    pub subnormals: Subnormals,
}

impl FloatSpec {
    /// A signed IEEE-style format with the standard bias `2^(exponent_bits - 1) - 1`.
    pub const fn ieee(exponent_bits: u32, mantissa_bits: u32) -> Self {
        let bias = if exponent_bits == 0 || exponent_bits > 31 {
            0
        } else {
            (1i32 << (exponent_bits - 1)) - 1
        };
        Self {
            sign: Signedness::Signed,
            exponent_bits,
            mantissa_bits,
            bias,
            family: Family::Ieee,
            subnormals: Subnormals::Gradual,
        }
    }
}

/// Why a format could not be built or named.
#[derive(Clone, PartialEq)]
pub enum FormatError {
    /// Exponent field outside 1..=11 bits (11 keeps every value an exact `f64`).
    ExponentBits(u32),
    /// Mantissa field over 52 bits (52 keeps every value an exact `f64`).
    MantissaBits(u32),
    /// An IEEE format needs a mantissa bit to tell NaN from infinity.
    IeeeNeedsMantissa,
    /// An IEEE format needs two exponent bits: one field value for specials and one for normals.
    IeeeNeedsTwoExponentBits,
    /// FNUZ puts NaN at the negative-zero code, so it needs a sign bit.
    FnuzNeedsSign,
    /// An exponent-only scale is unsigned, has no mantissa bits and no subnormals.
    ExponentOnlyShape,
    /// The special codes leave no normal value.
    NoNormalValues,
    /// The bias puts values outside what an `f64` holds exactly (smallest step below 2^-1074 or largest
    /// binade above 2^1023).
    ExponentRange {
        /// Exponent of the smallest step, `emin - mantissa_bits`.
        lowest_power: i32,
        /// Exponent of the largest binade.
        highest_power: i32,
    },
    /// Integer width outside 2..=32 bits.
    IntegerBits(u32),
    /// A scale or absmax must be a positive normal `f64` whose multiples stay finite.
    Scale(f64),
    /// Not a catalogue name.
    UnknownName(String),
}

/// The message, as `Display` writes it: a derived `Debug` would print a scale with the standard
/// library's float formatting, which `formats::decimal` keeps out of the site's WebAssembly.
impl fmt::Debug for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FormatError(\"{self}\")")
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::ExponentBits(bits) => {
                write!(f, "exponent bits must be 1 to 11 (so every value is an exact f64), not {bits}")
            }
            FormatError::MantissaBits(bits) => {
                write!(f, "mantissa bits must be at most 52 (so every value is an exact f64), not {bits}")
            }
            FormatError::IeeeNeedsMantissa => {
                write!(f, "an IEEE format needs at least one mantissa bit to tell NaN from infinity")
            }
            FormatError::IeeeNeedsTwoExponentBits => write!(
                f,
                "an IEEE format needs at least two exponent bits (the all-ones exponent is reserved)"
            ),
            FormatError::FnuzNeedsSign => {
                write!(f, "an FNUZ format keeps NaN in the negative-zero code, so it needs a sign bit")
            }
            FormatError::ExponentOnlyShape => write!(
                f,
                "an exponent-only scale (like E8M0) is unsigned, with no mantissa bits and no subnormals"
            ),
            FormatError::NoNormalValues => write!(f, "the special codes leave no normal value"),
            FormatError::ExponentRange {
                lowest_power,
                highest_power,
            } => write!(
                f,
                "with this bias the values run from steps of 2^{lowest_power} to 2^{highest_power}; an f64 \
                 holds exactly only 2^-1074 to 2^1023"
            ),
            FormatError::IntegerBits(bits) => write!(f, "integer formats have 2 to 32 bits, not {bits}"),
            FormatError::Scale(scale) => {
                write!(
                    f,
                    "the scale must be a positive normal number with finite multiples, not {}",
                    super::decimal::plain(*scale)
                )
            }
            FormatError::UnknownName(name) => write!(
                f,
                "unknown format `{name}`; try one of: {}",
                super::catalogue().iter().map(|entry| entry.name).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::error::Error for FormatError {}
