//! Reading what a person types into a value or a code for a given format: decimals, fractions,
//! hex-floats, raw codes in hex or binary, and named values (`inf`, `nan`, `max`, `min_normal`, `eps`).
//! It owns the grammar and the error messages; it never panics and never rounds (the result is exact,
//! and [`Input::report`] rounds it once, correctly).

use std::fmt;

use super::bignum::BigUint;
use super::exact::Exact;
use super::{EncodeReport, Format, Overflow, Rounding};

/// Significant decimal digits kept from a typed decimal. Every midpoint between neighbours of a format
/// whose values are `f64`s has at most 767 significant digits, so 800 digits plus a sticky digit for
/// anything non-zero beyond them round exactly like the full string.
const MAX_DIGITS: usize = 800;

/// Beyond 10^400 (or below 10^-400) every format overflows (or is below half its smallest step), so such
/// inputs are replaced by 10^+-400, which rounds the same way and keeps the arithmetic small.
const EXPONENT_LIMIT: i64 = 400;

/// What a piece of text means for a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A raw code (`0x3c00`, `0b0_01111_0000000000`), already checked to fit the format.
    Code(u64),
    /// An exact number to be rounded into the format.
    Value(Exact),
}

impl Input {
    /// The code this input stands for under `rounding` and `overflow`.
    pub fn encode(&self, format: &Format, rounding: Rounding, overflow: Overflow) -> u64 {
        match self {
            Input::Code(code) => *code,
            Input::Value(value) => format.encode_exact(value, rounding, overflow),
        }
    }

    /// Encodes and reports the error; a raw code is stored exactly as typed.
    pub fn report(&self, format: &Format, rounding: Rounding, overflow: Overflow) -> EncodeReport {
        match self {
            Input::Code(code) => {
                let value = format.decode(*code);
                EncodeReport {
                    code: *code,
                    stored: value,
                    input: value,
                    abs_error: if value.is_nan() { f64::NAN } else { 0.0 },
                    rel_error: (value.is_finite() && value != 0.0).then_some(0.0),
                    exact: true,
                    overflowed: false,
                    underflowed_to_zero: false,
                    became_subnormal: format.class(*code) == super::Class::Subnormal,
                    invalid: false,
                }
            }
            Input::Value(value) => format.encode_exact_report(value, rounding, overflow),
        }
    }
}

/// Why text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// Nothing was typed.
    Empty,
    /// The text is not any accepted form.
    Unrecognised(String),
    /// A character that does not belong in this kind of number.
    InvalidDigit {
        /// The character.
        found: char,
        /// What kind of number was being read ("hex code", "binary code", "hex-float", "decimal").
        reading: &'static str,
    },
    /// `0x` or `0b` with no digits, or an exponent marker with no exponent.
    MissingDigits(&'static str),
    /// A raw code with more significant bits than the format has.
    CodeTooWide {
        /// Bits the code needs.
        bits: u32,
        /// Bits the format has.
        format_bits: u32,
        /// The format's name.
        format: String,
    },
    /// A sign in front of a raw code.
    SignedCode,
    /// More digits than are accepted (a fraction's parts have at most 100 digits, a hex-float 300).
    TooManyDigits,
    /// A fraction with zero denominator.
    DivisionByZero,
    /// A part of a fraction beyond 10^+-400.
    ExponentOutOfRange,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Empty => {
                write!(f, "type a number, such as 0.1, -3.5e-4, 1/3, 0x1.8p3, a code like 0x3c00, or inf")
            }
            InputError::Unrecognised(text) => write!(
                f,
                "cannot read `{text}`: expected a decimal (0.1, -3.5e-4), a fraction (1/3), a hex-float \
                 (0x1.8p3), a raw code (0x3c00 or 0b0_01111_0000000000), or one of inf, -inf, nan, max, \
                 min_normal, eps"
            ),
            InputError::InvalidDigit { found, reading } => {
                write!(f, "`{found}` does not belong in a {reading}")
            }
            InputError::MissingDigits(what) => write!(f, "{what} needs at least one digit"),
            InputError::CodeTooWide {
                bits,
                format_bits,
                format,
            } => write!(f, "that code needs {bits} bits but {format} codes have {format_bits}"),
            InputError::SignedCode => write!(
                f,
                "a raw code has no sign (the sign is its top bit); for a negative hex-float write e.g. \
                 -0x1.8p3"
            ),
            InputError::TooManyDigits => write!(f, "too many digits"),
            InputError::DivisionByZero => write!(f, "the denominator is zero"),
            InputError::ExponentOutOfRange => {
                write!(f, "each part of a fraction must lie between 1e-400 and 1e400")
            }
        }
    }
}

impl std::error::Error for InputError {}

/// Reads what a person typed, for `format`.
///
/// - decimal `0.1`, `-3.5e-4`, `.5`, `1e3`; fraction `1/3`, `-22/7`, `1.5/1e3`: kept exact;
/// - hex-float `0x1.8p3`, `-0x.8p-1`, `0x1p0` (a `.` or a `p` makes it a hex-float);
/// - raw code in hex `0x3c00` or binary `0b0_01111_0000000000` (underscores and spaces allowed);
/// - `inf`, `-inf`, `nan`, `-0`, and `max`, `min_normal`, `min_subnormal`, `eps` of `format` (with an
///   optional sign).
///
/// ```
/// use precision_lab::formats::{parse_input, Format, Input, Overflow, Rounding};
/// let fp16: Format = "fp16".parse().unwrap();
/// let code = |text: &str| parse_input(&fp16, text).unwrap().encode(&fp16, Rounding::NearestEven, Overflow::Default);
/// assert_eq!(code("0x3c00"), 0x3c00);
/// assert_eq!(code("0x1.8p3"), 0x4a00); // 12.0
/// assert_eq!(code("0b0_01111_0000000000"), 0x3c00);
/// assert_eq!(code("1/3"), 0x3555);
/// assert_eq!(code("-inf"), 0xfc00);
/// assert_eq!(code("max"), 0x7bff);
/// assert_eq!(parse_input(&fp16, "0x13c00").unwrap_err().to_string(), "that code needs 17 bits but fp16 codes have 16");
/// assert!(parse_input(&fp16, "1.2.3").is_err());
/// ```
pub fn parse_input(format: &Format, text: &str) -> Result<Input, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    let (negative, signed, body) = match text.as_bytes()[0] {
        b'-' => (true, true, &text[1..]),
        b'+' => (false, true, &text[1..]),
        _ => (false, false, text),
    };
    let body = body.trim_start();
    let lower = body.to_ascii_lowercase();
    let unrecognised = || InputError::Unrecognised(text.to_string());
    if let Some(hex) = lower.strip_prefix("0x") {
        if hex.contains(['.', 'p']) {
            return parse_hex_float(negative, hex).map(Input::Value);
        }
        if signed {
            return Err(InputError::SignedCode);
        }
        return parse_code(format, hex, 4, "hex code").map(Input::Code);
    }
    if let Some(binary) = lower.strip_prefix("0b") {
        if signed {
            return Err(InputError::SignedCode);
        }
        return parse_code(format, binary, 1, "binary code").map(Input::Code);
    }
    let named = |value: f64| Input::Value(Exact::from_f64(if negative { -value } else { value }));
    match lower.as_str() {
        "inf" | "infinity" | "∞" => return Ok(Input::Value(Exact::infinity(negative))),
        "nan" => return Ok(Input::Value(Exact::nan())),
        "max" => return Ok(named(format.max_finite())),
        "min_normal" | "tiny" | "smallest_normal" => return Ok(named(format.min_normal())),
        "min_subnormal" => return Ok(named(format.min_subnormal())),
        "eps" | "epsilon" => return Ok(named(format.epsilon())),
        _ => {}
    }
    if !lower.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(unrecognised());
    }
    if let Some((numerator, denominator)) = lower.split_once('/') {
        let numerator = parse_decimal(numerator.trim(), negative, false)?;
        let denominator = parse_decimal(denominator.trim(), false, false)?;
        if denominator.is_zero() {
            return Err(InputError::DivisionByZero);
        }
        return numerator
            .divide(&denominator)
            .map(Input::Value)
            .ok_or(InputError::DivisionByZero);
    }
    parse_decimal(&lower, negative, true).map(Input::Value)
}

/// A raw code: digits in base 2^`bits_per_digit`, underscores and spaces ignored.
fn parse_code(
    format: &Format,
    digits: &str,
    bits_per_digit: u32,
    reading: &'static str,
) -> Result<u64, InputError> {
    let mut value: u128 = 0;
    let mut any = false;
    let mut too_wide = false;
    for ch in digits.chars() {
        if ch == '_' || ch == ' ' {
            continue;
        }
        let digit = ch
            .to_digit(1 << bits_per_digit)
            .ok_or(InputError::InvalidDigit { found: ch, reading })?;
        any = true;
        if value >> (128 - bits_per_digit) != 0 {
            too_wide = true;
        }
        value = (value << bits_per_digit) | digit as u128;
    }
    if !any {
        return Err(InputError::MissingDigits(if bits_per_digit == 4 {
            "0x"
        } else {
            "0b"
        }));
    }
    let bits = if too_wide {
        128
    } else {
        128 - value.leading_zeros()
    };
    if bits > format.total_bits() {
        return Err(InputError::CodeTooWide {
            bits,
            format_bits: format.total_bits(),
            format: format.name(),
        });
    }
    Ok(value as u64)
}

/// `[digits][.digits][e[+-]digits]`, at least one digit in the mantissa.
fn parse_decimal(text: &str, negative: bool, allow_long: bool) -> Result<Exact, InputError> {
    let (mantissa, exponent) = match text.find('e') {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut digits: Vec<u8> = Vec::new();
    let mut seen_point = false;
    let mut fraction_digits: i64 = 0;
    for ch in mantissa.chars() {
        match ch {
            '0'..='9' => {
                digits.push(ch as u8);
                if seen_point {
                    fraction_digits += 1;
                }
            }
            '.' if !seen_point => seen_point = true,
            _ => {
                return Err(InputError::InvalidDigit {
                    found: ch,
                    reading: "decimal",
                })
            }
        }
    }
    if digits.is_empty() {
        return Err(InputError::MissingDigits("a decimal"));
    }
    let exponent = match exponent {
        None => 0i64,
        Some(text) => parse_exponent(text, "decimal")?,
    };
    // Drop leading zeros; they carry no value.
    let first = digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(digits.len());
    let mut significant: Vec<u8> = digits[first..].to_vec();
    if significant.is_empty() {
        return Ok(Exact::from_decimal(negative, BigUint::zero(), 0));
    }
    // value = significant x 10^(exponent - fraction_digits)
    let mut exponent10 = exponent.saturating_sub(fraction_digits);
    if significant.len() > MAX_DIGITS {
        if !allow_long {
            return Err(InputError::TooManyDigits);
        }
        let dropped = significant.len() - MAX_DIGITS;
        let sticky = significant[MAX_DIGITS..].iter().any(|&d| d != b'0');
        significant.truncate(MAX_DIGITS);
        exponent10 = exponent10.saturating_add(dropped as i64);
        if sticky {
            significant.push(b'1');
            exponent10 -= 1;
        }
    } else if !allow_long && significant.len() > 100 {
        return Err(InputError::TooManyDigits);
    }
    let magnitude = exponent10.saturating_add(significant.len() as i64);
    if !allow_long && !(-EXPONENT_LIMIT..=EXPONENT_LIMIT).contains(&magnitude) {
        // In a fraction the stand-in 10^+-400 would change the quotient, so refuse instead.
        return Err(InputError::ExponentOutOfRange);
    }
    if magnitude > EXPONENT_LIMIT {
        return Ok(Exact::from_decimal(
            negative,
            BigUint::from_u64(1),
            EXPONENT_LIMIT as i32,
        ));
    }
    if magnitude < -EXPONENT_LIMIT {
        return Ok(Exact::from_decimal(
            negative,
            BigUint::from_u64(1),
            -EXPONENT_LIMIT as i32,
        ));
    }
    Ok(Exact::from_decimal(
        negative,
        BigUint::from_decimal_digits(&significant),
        exponent10 as i32,
    ))
}

/// An optionally signed decimal exponent, saturating far beyond anything meaningful.
fn parse_exponent(text: &str, reading: &'static str) -> Result<i64, InputError> {
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1i64, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    if digits.is_empty() {
        return Err(InputError::MissingDigits("an exponent"));
    }
    let mut value: i64 = 0;
    for ch in digits.chars() {
        let digit = ch
            .to_digit(10)
            .ok_or(InputError::InvalidDigit { found: ch, reading })?;
        value = value
            .saturating_mul(10)
            .saturating_add(digit as i64)
            .min(1 << 40);
    }
    Ok(sign * value)
}

/// `[hexdigits][.hexdigits][p[+-]decimal]` after `0x`.
fn parse_hex_float(negative: bool, text: &str) -> Result<Exact, InputError> {
    let (mantissa, exponent) = match text.find('p') {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut value = BigUint::zero();
    let mut seen_point = false;
    let mut any = false;
    let mut significant = 0usize;
    let mut fraction_digits: i64 = 0;
    for ch in mantissa.chars() {
        if ch == '.' && !seen_point {
            seen_point = true;
            continue;
        }
        if ch == '_' {
            continue;
        }
        let digit = ch.to_digit(16).ok_or(InputError::InvalidDigit {
            found: ch,
            reading: "hex-float",
        })?;
        any = true;
        if significant > 0 || digit != 0 {
            significant += 1;
        }
        if significant > 300 {
            return Err(InputError::TooManyDigits);
        }
        value.mul_small(16);
        value.add_small(digit);
        if seen_point {
            fraction_digits += 1;
        }
    }
    if !any {
        return Err(InputError::MissingDigits("a hex-float"));
    }
    let exponent = match exponent {
        None => 0,
        Some(text) => parse_exponent(text, "hex-float exponent")?,
    };
    // Far beyond any f64 either way; clamp so the shifts stay small (same rounding, see EXPONENT_LIMIT).
    let exponent2 = exponent
        .saturating_sub(4 * fraction_digits)
        .clamp(-6000, 6000);
    Ok(Exact::from_binary(negative, value, exponent2))
}
