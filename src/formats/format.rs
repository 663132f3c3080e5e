//! The [`Format`] value: what a number format is (a float layout, an integer grid or the NF4 codebook),
//! how to build one safely, and the operations the rest of the crate calls (decode, encode, neighbours,
//! facts). It owns validation and dispatch; the arithmetic lives in `float` and `grid`, the named
//! formats in `catalogue`, the explanations in `explain`.

use crate::base::detmath;
use std::fmt;
use std::str::FromStr;

use super::exact::Exact;
use super::float::{FloatLayout, Outcome};
use super::grid::{self, Grid};
use super::rounding::{Overflow, Rounding};
use super::spec::{Family, FloatSpec, FormatError, Signedness, Subnormals};

/// A number format: a value, not a type. Build one from the catalogue (`"fp16".parse()`), with
/// [`Format::custom`], [`Format::integer`] or [`Format::nf4`].
///
/// Every value of every format is exactly an `f64` (the constructors guarantee it), so [`Format::decode`]
/// is exact and everything else is computed from exact values.
///
/// ```
/// use precision_lab::formats::{Format, Overflow, Rounding};
/// let f: Format = "e4m3fn".parse().unwrap();
/// assert_eq!(f.decode(0x7e), 448.0);
/// assert!(f.decode(0x7f).is_nan());
/// // 464 is halfway between 448 (mantissa 110) and 480 (mantissa 111, the NaN code): even wins.
/// assert_eq!(f.encode(464.0, Rounding::NearestEven, Overflow::Default), 0x7e);
/// assert!(f.decode(f.encode(465.0, Rounding::NearestEven, Overflow::Default)).is_nan());
/// assert_eq!(f.encode(465.0, Rounding::NearestEven, Overflow::Saturate), 0x7e);
/// assert_eq!((f.total_bits(), f.max_finite(), f.min_normal(), f.min_subnormal(), f.epsilon()),
///            (8, 448.0, 0.015625, 0.001953125, 0.125));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Format {
    name: Option<&'static str>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Float(FloatLayout),
    Grid(Grid),
}

/// What a format is made of, for code that needs to branch on it (the UI's bit editor, for one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Structure {
    /// A binary float layout.
    Float(FloatSpec),
    /// `integer x scale` for a two's-complement or unsigned integer.
    Integer {
        /// Width in bits.
        bits: u32,
        /// Two's complement or unsigned.
        sign: Signedness,
        /// Value of one step.
        scale: f64,
    },
    /// The 16-level NF4 codebook times `absmax`.
    Nf4 {
        /// Value of the largest level.
        absmax: f64,
    },
}

/// What happened when a value was encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EncodeReport {
    /// The code.
    pub code: u64,
    /// The value the code stands for.
    pub stored: f64,
    /// The input, as the nearest `f64` (exact for `f64` inputs).
    pub input: f64,
    /// `|stored - input|`, correctly rounded to `f64` from the exact difference (NaN if either is NaN).
    pub abs_error: f64,
    /// `abs_error / |input|` (within an ulp of exact), `None` for a zero or non-finite input.
    pub rel_error: Option<f64>,
    /// The stored value equals the input exactly.
    pub exact: bool,
    /// The rounded value was beyond the largest finite value (result: Inf, NaN or the max, per policy).
    pub overflowed: bool,
    /// A nonzero input became zero.
    pub underflowed_to_zero: bool,
    /// The result is a subnormal value (precision lost to gradual underflow).
    pub became_subnormal: bool,
    /// The input has no meaning in the format (NaN into a format without NaN, a negative value into an
    /// unsigned format); the code is the documented fallback.
    pub invalid: bool,
}

/// Facts a learner asks for, in the style of `torch.finfo`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Facts {
    /// Bits in a code.
    pub total_bits: u32,
    /// Largest finite value.
    pub max_finite: f64,
    /// Most negative finite value (`torch.finfo.min`).
    pub lowest: f64,
    /// Smallest positive normal value (`smallest_normal`, `tiny`); for integers and NF4, the smallest
    /// positive value.
    pub min_normal: f64,
    /// Smallest positive subnormal, `None` when the format has no subnormals.
    pub min_subnormal: Option<f64>,
    /// Smallest positive value of any kind.
    pub min_positive: f64,
    /// Gap between 1 and the next value, `2^-mantissa_bits` (see [`Format::epsilon`]).
    pub epsilon: f64,
    /// `10^-floor(-log10(eps))`, as `torch.finfo.resolution` prints it.
    pub resolution: f64,
    /// `log2(max_finite / min_positive)`: binades from the smallest positive value to the largest.
    pub binades: f64,
    /// `log2(max_finite / min_normal)`: binades of normal values.
    pub normal_binades: f64,
    /// Number of codes that decode to a finite value (both zeros count).
    pub finite_values: u128,
    /// Decimal digits of precision, `(mantissa_bits + 1) x log10(2)`; `None` for NF4.
    pub decimal_digits: Option<f64>,
    /// Has +-infinity.
    pub has_infinity: bool,
    /// Has at least one NaN code.
    pub has_nan: bool,
    /// Has a distinct -0.
    pub has_negative_zero: bool,
}

impl Format {
    pub(crate) const fn from_kind(name: Option<&'static str>, kind: Kind) -> Self {
        Self { name, kind }
    }

    pub(crate) fn kind(&self) -> &Kind {
        &self.kind
    }

    pub(crate) fn named(self, name: &'static str) -> Self {
        Self {
            name: Some(name),
            ..self
        }
    }

    /// IEEE binary64, the format every value is held in.
    pub fn fp64() -> Self {
        Self::custom(FloatSpec::ieee(11, 52))
            .expect("binary64 is a valid format")
            .named("fp64")
    }

    /// A binary float format from its shape; rejects impossible combinations.
    ///
    /// ```
    /// use precision_lab::formats::{Family, FloatSpec, Format, FormatError, Signedness};
    /// let fnuz_unsigned = FloatSpec { sign: Signedness::Unsigned, family: Family::Fnuz, ..FloatSpec::ieee(4, 3) };
    /// assert_eq!(Format::custom(fnuz_unsigned), Err(FormatError::FnuzNeedsSign));
    /// assert_eq!(Format::custom(FloatSpec::ieee(12, 3)), Err(FormatError::ExponentBits(12)));
    /// ```
    pub fn custom(spec: FloatSpec) -> Result<Self, FormatError> {
        Ok(Self::from_kind(None, Kind::Float(FloatLayout::new(spec)?)))
    }

    /// An integer format, `value = integer x scale`: two's complement when signed.
    ///
    /// ```
    /// use precision_lab::formats::{Format, Overflow, Rounding, Signedness};
    /// let int4 = Format::integer(4, Signedness::Signed, 0.5).unwrap();
    /// assert_eq!(int4.decode(0b1000), -4.0);
    /// assert_eq!(int4.encode(1.25, Rounding::NearestEven, Overflow::Default), 0b0010); // 1.0: even
    /// assert_eq!(int4.encode(9.0, Rounding::NearestEven, Overflow::Default), 0b0111);  // saturates
    /// ```
    pub fn integer(bits: u32, sign: Signedness, scale: f64) -> Result<Self, FormatError> {
        if !(2..=32).contains(&bits) {
            return Err(FormatError::IntegerBits(bits));
        }
        if !(scale.is_normal() && scale > 0.0 && (scale * 4_294_967_296.0).is_finite()) {
            return Err(FormatError::Scale(scale));
        }
        Ok(Self::from_kind(
            None,
            Kind::Grid(Grid::Integer { bits, sign, scale }),
        ))
    }

    /// The NF4 codebook (QLoRA; bitsandbytes `get_4bit_type("nf4")`) times `absmax`.
    ///
    /// ```
    /// use precision_lab::formats::{Format, Overflow, Rounding};
    /// let nf4 = Format::nf4(2.0).unwrap();
    /// assert_eq!(nf4.decode(0), -2.0);
    /// assert_eq!(nf4.decode(7), 0.0);
    /// assert_eq!(nf4.encode(1.5, Rounding::NearestEven, Overflow::Default), 14); // 0.7229.. x 2
    /// ```
    pub fn nf4(absmax: f64) -> Result<Self, FormatError> {
        if !(absmax.is_normal() && absmax > 0.0) {
            return Err(FormatError::Scale(absmax));
        }
        Ok(Self::from_kind(None, Kind::Grid(Grid::Nf4 { absmax })))
    }

    /// The display name: the catalogue name, or a description of a custom format.
    ///
    /// ```
    /// use precision_lab::formats::{Family, FloatSpec, Format};
    /// assert_eq!("bf16".parse::<precision_lab::formats::Format>().unwrap().name(), "bf16");
    /// let custom = Format::custom(FloatSpec { family: Family::Fn, bias: 8, ..FloatSpec::ieee(4, 3) }).unwrap();
    /// assert_eq!(custom.name(), "custom e4m3 fn bias 8");
    /// ```
    pub fn name(&self) -> String {
        if let Some(name) = self.name {
            return name.to_string();
        }
        match self.structure() {
            Structure::Float(spec) => {
                let family = match spec.family {
                    Family::Ieee => "ieee",
                    Family::Fn => "fn",
                    Family::Fnuz => "fnuz",
                    Family::FiniteOnly => "finite",
                    Family::ExponentOnly => "exponent-only",
                };
                let mut name = format!(
                    "custom e{}m{} {family} bias {}",
                    spec.exponent_bits, spec.mantissa_bits, spec.bias
                );
                if spec.sign == Signedness::Unsigned {
                    name.push_str(" unsigned");
                }
                if spec.subnormals == Subnormals::Flush && spec.family != Family::ExponentOnly {
                    name.push_str(" no-subnormals");
                }
                name
            }
            Structure::Integer { bits, sign, scale } => {
                let base = match sign {
                    Signedness::Signed => format!("int{bits}"),
                    Signedness::Unsigned => format!("uint{bits}"),
                };
                if scale == 1.0 {
                    base
                } else {
                    format!("{base} x {}", super::decimal::plain(scale))
                }
            }
            Structure::Nf4 { absmax } => format!("nf4 x {}", super::decimal::plain(absmax)),
        }
    }

    /// What the format is made of.
    pub fn structure(&self) -> Structure {
        match self.kind {
            Kind::Float(layout) => Structure::Float(layout.spec),
            Kind::Grid(Grid::Integer { bits, sign, scale }) => {
                Structure::Integer { bits, sign, scale }
            }
            Kind::Grid(Grid::Nf4 { absmax }) => Structure::Nf4 { absmax },
        }
    }

    /// Exponent field width (floats only).
    pub fn exponent_bits(&self) -> Option<u32> {
        self.float().map(|layout| layout.spec.exponent_bits)
    }

    /// Stored mantissa bits (floats only).
    pub fn mantissa_bits(&self) -> Option<u32> {
        self.float().map(|layout| layout.spec.mantissa_bits)
    }

    /// Exponent bias (floats only).
    pub fn bias(&self) -> Option<i32> {
        self.float().map(|layout| layout.spec.bias)
    }

    /// Whether codes have a sign bit.
    pub fn signedness(&self) -> Signedness {
        match self.structure() {
            Structure::Float(spec) => spec.sign,
            Structure::Integer { sign, .. } => sign,
            Structure::Nf4 { .. } => Signedness::Signed,
        }
    }

    pub(crate) fn float(&self) -> Option<&FloatLayout> {
        match &self.kind {
            Kind::Float(layout) => Some(layout),
            Kind::Grid(_) => None,
        }
    }

    /// Bits in a code (tf32: 19, the bits that carry information in its 32-bit container).
    pub fn total_bits(&self) -> u32 {
        match &self.kind {
            Kind::Float(layout) => layout.total_bits(),
            Kind::Grid(grid) => grid.total_bits(),
        }
    }

    /// Mask of the bits a code may use.
    pub fn code_mask(&self) -> u64 {
        match self.total_bits() {
            64 => u64::MAX,
            bits => (1u64 << bits) - 1,
        }
    }

    /// The exact value of a code; NaN codes give `f64::NAN`. Bits above [`Format::total_bits`] are
    /// ignored.
    pub fn decode(&self, code: u64) -> f64 {
        match &self.kind {
            Kind::Float(layout) => layout.decode(code),
            Kind::Grid(grid) => grid.decode(code),
        }
    }

    /// True when the code is a NaN.
    pub fn is_nan_code(&self, code: u64) -> bool {
        match &self.kind {
            Kind::Float(layout) => layout.is_nan(code),
            Kind::Grid(_) => false,
        }
    }

    /// The code nearest `x` under `rounding`, with `overflow` deciding what a too-large value becomes.
    ///
    /// NaN encodes to the format's NaN (quiet, positive) or, where there is none, to +0 (flagged
    /// `invalid` in [`Format::encode_report`]). Negative values have no code in unsigned formats: they
    /// become NaN where there is one (e8m0fnu), else 0. e8m0fnu has no zero: 0 and tiny values become its
    /// smallest value 2^-127.
    pub fn encode(&self, x: f64, rounding: Rounding, overflow: Overflow) -> u64 {
        self.outcome_f64(x, rounding, overflow).code
    }

    pub(crate) fn outcome_f64(&self, x: f64, rounding: Rounding, overflow: Overflow) -> Outcome {
        match &self.kind {
            Kind::Float(layout) => layout.encode_f64(x, rounding, overflow),
            Kind::Grid(grid) => grid.encode(grid::Input::Float(x), rounding, overflow),
        }
    }

    pub(crate) fn outcome_exact(
        &self,
        x: &Exact,
        rounding: Rounding,
        overflow: Overflow,
    ) -> Outcome {
        match &self.kind {
            Kind::Float(layout) => layout.encode_exact(x, rounding, overflow),
            Kind::Grid(grid) => grid.encode(grid::Input::Exact(x), rounding, overflow),
        }
    }

    /// Encodes an exact number (a parsed decimal string or fraction), correctly rounded: no double
    /// rounding through `f64`.
    ///
    /// ```
    /// use precision_lab::formats::{parse_input, Format, Input, Overflow, Rounding};
    /// let fp16: Format = "fp16".parse().unwrap();
    /// // 1 + 2^-11 is the tie between 1 and 1 + 2^-10; a 1 in the 30th digit tips it up, although the
    /// // nearest f64 of that string is the tie itself.
    /// let Ok(Input::Value(x)) = parse_input(&fp16, "1.000488281250000000000000000001") else { panic!() };
    /// assert_eq!(fp16.encode_exact(&x, Rounding::NearestEven, Overflow::Default), 0x3c01);
    /// assert_eq!(fp16.encode(x.to_f64(), Rounding::NearestEven, Overflow::Default), 0x3c00);
    /// ```
    pub fn encode_exact(&self, x: &Exact, rounding: Rounding, overflow: Overflow) -> u64 {
        self.outcome_exact(x, rounding, overflow).code
    }

    /// Encodes and reports the stored value, the error and what happened.
    ///
    /// ```
    /// use precision_lab::formats::{Format, Overflow, Rounding};
    /// let fp16: Format = "fp16".parse().unwrap();
    /// let report = fp16.encode_report(1e-8, Rounding::NearestEven, Overflow::Default);
    /// assert!(report.underflowed_to_zero && report.stored == 0.0 && report.abs_error == 1e-8);
    /// let report = fp16.encode_report(1e5, Rounding::NearestEven, Overflow::Default);
    /// assert!(report.overflowed && report.stored == f64::INFINITY);
    /// let report = fp16.encode_report(1e-6, Rounding::NearestEven, Overflow::Default);
    /// assert!(report.became_subnormal && !report.exact);
    /// ```
    pub fn encode_report(&self, x: f64, rounding: Rounding, overflow: Overflow) -> EncodeReport {
        let outcome = self.outcome_f64(x, rounding, overflow);
        let stored = self.decode(outcome.code);
        let abs_error = (stored - x).abs();
        let abs_error = if stored == x { 0.0 } else { abs_error };
        let rel_error = (x.is_finite() && x != 0.0).then(|| abs_error / x.abs());
        self.report(outcome, stored, x, abs_error, rel_error)
    }

    /// [`Format::encode_report`] for an exact input; errors are computed exactly, then rounded once.
    pub fn encode_exact_report(
        &self,
        x: &Exact,
        rounding: Rounding,
        overflow: Overflow,
    ) -> EncodeReport {
        let outcome = self.outcome_exact(x, rounding, overflow);
        let stored = self.decode(outcome.code);
        let input = x.to_f64();
        let (abs_error, rel_error) = if stored.is_finite() && !x.is_nan() && !x.is_infinite() {
            let diff = Exact::from_f64(stored)
                .abs_diff(x)
                .expect("both values are finite");
            let rel = if x.is_zero() {
                None
            } else {
                let magnitude = x.abs_diff(&Exact::from_f64(0.0)).expect("finite input");
                diff.divide(&magnitude).map(|ratio| ratio.to_f64())
            };
            (diff.to_f64(), rel)
        } else if stored.is_infinite()
            && x.is_infinite()
            && stored.is_sign_negative() == x.is_sign_negative()
        {
            (0.0, None)
        } else {
            let abs = (stored - input).abs();
            (abs, None)
        };
        self.report(outcome, stored, input, abs_error, rel_error)
    }

    fn report(
        &self,
        outcome: Outcome,
        stored: f64,
        input: f64,
        abs_error: f64,
        rel_error: Option<f64>,
    ) -> EncodeReport {
        EncodeReport {
            code: outcome.code,
            stored,
            input,
            abs_error,
            rel_error,
            exact: !outcome.inexact && !outcome.invalid,
            overflowed: outcome.overflowed,
            underflowed_to_zero: outcome.underflowed_to_zero,
            became_subnormal: outcome.became_subnormal,
            invalid: outcome.invalid,
        }
    }

    /// The value `x` becomes when stored: `decode(encode(x))`.
    pub fn round(&self, x: f64, rounding: Rounding, overflow: Overflow) -> f64 {
        self.decode(self.encode(x, rounding, overflow))
    }

    /// Encodes a slice; stochastic rounding derives an independent seed for each element from the
    /// given one, so the result is reproducible.
    pub fn encode_slice(&self, values: &[f64], rounding: Rounding, overflow: Overflow) -> Vec<u64> {
        values
            .iter()
            .enumerate()
            .map(|(index, &x)| self.encode(x, rounding.for_element(index), overflow))
            .collect()
    }

    /// The code of the next larger value (IEEE nextUp): from -0 or +0 the smallest positive value, from
    /// the largest finite value +Inf where the format has it. `None` from NaN, +Inf, or the largest value
    /// of a format without infinity.
    ///
    /// ```
    /// let fp16: precision_lab::formats::Format = "fp16".parse().unwrap();
    /// assert_eq!(fp16.next_up(0x3c00), Some(0x3c01));
    /// assert_eq!(fp16.next_up(0x8000), Some(0x0001));
    /// assert_eq!(fp16.next_up(0x7bff), Some(0x7c00));
    /// assert_eq!(fp16.next_up(0x7c00), None);
    /// ```
    pub fn next_up(&self, code: u64) -> Option<u64> {
        match &self.kind {
            Kind::Float(layout) => layout.next_up(code),
            Kind::Grid(grid) => grid.next_up(code),
        }
    }

    /// The code of the next smaller value (IEEE nextDown); the mirror of [`Format::next_up`].
    pub fn next_down(&self, code: u64) -> Option<u64> {
        match &self.kind {
            Kind::Float(layout) => layout.next_down(code),
            Kind::Grid(grid) => grid.next_down(code),
        }
    }

    /// The spacing of values at `x`: `2^(e - mantissa_bits)` where `e` is the binade of `x`, clamped to
    /// the format's normal range (so subnormals share min normal's spacing). Integers: the scale. NF4: the
    /// gap between the levels around `x`. NaN for non-finite `x`.
    ///
    /// ```
    /// let bf16: precision_lab::formats::Format = "bf16".parse().unwrap();
    /// assert_eq!(bf16.ulp(1.0), 2f64.powi(-7));
    /// assert_eq!(bf16.ulp(300.0), 2.0);
    /// ```
    pub fn ulp(&self, x: f64) -> f64 {
        match &self.kind {
            Kind::Float(layout) => layout.ulp(x),
            Kind::Grid(grid) => grid.ulp(x),
        }
    }

    /// Largest finite value.
    pub fn max_finite(&self) -> f64 {
        match &self.kind {
            Kind::Float(layout) => layout.max_finite(),
            Kind::Grid(grid) => grid.value(grid.len() - 1),
        }
    }

    /// Smallest positive normal value; for integers and NF4, the smallest positive value.
    pub fn min_normal(&self) -> f64 {
        match &self.kind {
            Kind::Float(layout) => layout.min_normal(),
            Kind::Grid(_) => self.min_positive(),
        }
    }

    /// Smallest positive subnormal value; where there are no subnormals (e8m0fnu, flushed custom
    /// formats, integers, NF4) the smallest positive value. [`Facts::min_subnormal`] tells them apart.
    pub fn min_subnormal(&self) -> f64 {
        self.min_positive()
    }

    /// Smallest positive value.
    pub fn min_positive(&self) -> f64 {
        match &self.kind {
            Kind::Float(layout) => layout.min_positive(),
            Kind::Grid(Grid::Integer { scale, .. }) => *scale,
            // Level 8 is the first positive NF4 level.
            Kind::Grid(grid @ Grid::Nf4 { .. }) => grid.value(8),
        }
    }

    /// Machine epsilon, the gap between 1 and the next value: `2^-mantissa_bits` (e8m0fnu: 1). For
    /// integers the scale; for NF4 the gap below the top level, `absmax x (1 - 0.7229568362236023)`.
    pub fn epsilon(&self) -> f64 {
        match &self.kind {
            Kind::Float(layout) => super::exact::pow2(-(layout.spec.mantissa_bits as i32)),
            Kind::Grid(grid) => grid.value(grid.len() - 1) - grid.value(grid.len() - 2),
        }
    }

    /// Facts for a learner, `torch.finfo`-style.
    ///
    /// ```
    /// let fp16: precision_lab::formats::Format = "fp16".parse().unwrap();
    /// let facts = fp16.facts();
    /// assert_eq!((facts.max_finite, facts.resolution, facts.finite_values), (65504.0, 0.001, 63488));
    /// assert_eq!(facts.min_subnormal, Some(2f64.powi(-24)));
    /// ```
    pub fn facts(&self) -> Facts {
        let epsilon = self.epsilon();
        let max_finite = self.max_finite();
        let min_positive = self.min_positive();
        let min_normal = self.min_normal();
        // resolution = 10^-floor(-log10(eps)); eps is a power of two (never a power of ten) for floats, so
        // the f64 log10 cannot land on the wrong side of an integer.
        let digits = (-detmath::log10(epsilon)).floor() as i32;
        let resolution =
            Exact::from_decimal(false, super::bignum::BigUint::from_u64(1), -digits).to_f64();
        let (
            lowest,
            min_subnormal,
            finite_values,
            decimal_digits,
            has_infinity,
            has_nan,
            has_negative_zero,
        ) = match &self.kind {
            Kind::Float(layout) => {
                let spec = layout.spec;
                let signed = spec.sign == Signedness::Signed;
                (
                    if signed { -max_finite } else { self.decode(0) },
                    layout.has_gradual_subnormals().then_some(min_positive),
                    layout.finite_count(),
                    Some((spec.mantissa_bits + 1) as f64 * std::f64::consts::LOG10_2),
                    spec.family == Family::Ieee,
                    spec.family != Family::FiniteOnly,
                    signed && spec.family != Family::Fnuz,
                )
            }
            Kind::Grid(grid) => (
                grid.value(0),
                None,
                grid.len() as u128,
                match grid {
                    Grid::Integer { bits, sign, .. } => Some(
                        (*bits - u32::from(*sign == Signedness::Signed)) as f64
                            * std::f64::consts::LOG10_2,
                    ),
                    Grid::Nf4 { .. } => None,
                },
                false,
                false,
                false,
            ),
        };
        Facts {
            total_bits: self.total_bits(),
            max_finite,
            lowest,
            min_normal,
            min_subnormal,
            min_positive,
            epsilon,
            resolution,
            binades: detmath::log2(max_finite / min_positive),
            normal_binades: detmath::log2(max_finite / min_normal),
            finite_values,
            decimal_digits,
            has_infinity,
            has_nan,
            has_negative_zero,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Format {
    type Err = FormatError;

    /// Catalogue names, case-insensitive, plus the common aliases `float64`, `float32`, `float16`,
    /// `half`, `bfloat16`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        let wanted = match wanted.as_str() {
            "float64" | "double" => "fp64",
            "float32" | "float" | "single" => "fp32",
            "float16" | "half" => "fp16",
            "bfloat16" => "bf16",
            other => other,
        };
        super::catalogue()
            .iter()
            .find(|entry| entry.name == wanted)
            .map(|entry| entry.format())
            .ok_or_else(|| FormatError::UnknownName(text.trim().to_string()))
    }
}
