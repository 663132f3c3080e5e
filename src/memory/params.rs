//! Parameter counts typed by a person (`7e9`, `7B`, `72.7B`, `124M`, `7,241,732,096`) parsed
//! once, at the edge, into [`ParamCount`]. Parsing is exact decimal arithmetic on integers, never
//! floating point, so `72.7B` is exactly 72,700,000,000. This module does not know about models.

use core::fmt;

use super::units::group_thousands;

/// The largest parameter count accepted: 10^15, a thousand times the largest dense models
/// published so far. Anything above is almost surely a typo, and capping here keeps every
/// downstream byte count far inside `u128`.
pub const MAX_PARAMS: u128 = 1_000_000_000_000_000;

/// A number of parameters, at least 1 and at most [`MAX_PARAMS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamCount(u128);

/// Why a typed parameter count was rejected. Display is a sentence fit to show next to the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamParseError {
    /// Nothing was typed.
    Empty,
    /// A minus sign: counts cannot be negative.
    Negative { input: String },
    /// A character that is not a digit, separator, exponent or size suffix.
    UnexpectedCharacter { input: String, character: char },
    /// Commas that are not thousands separators (`7,24`).
    BadGrouping { input: String },
    /// The number is malformed in another way (`1e`, `..5`, `B`).
    Malformed { input: String },
    /// The value has a fractional part (`1.5`, `7e-1`).
    NotWhole { input: String },
    /// The value is zero.
    Zero,
    /// The value exceeds [`MAX_PARAMS`].
    TooLarge { input: String },
}

impl fmt::Display for ParamParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamParseError::Empty => write!(f, "Type a parameter count, such as 7e9, 7B or 124M."),
            ParamParseError::Negative { input } => {
                write!(f, "\"{input}\" is negative; a parameter count is a positive number.")
            }
            ParamParseError::UnexpectedCharacter { input, character } => write!(
                f,
                "\"{input}\" contains '{character}'; use digits with an optional K, M, B or T suffix \
                 (7B, 124M) or an exponent (7e9)."
            ),
            ParamParseError::BadGrouping { input } => write!(
                f,
                "\"{input}\" has commas in odd places; write thousands as 7,241,732,096."
            ),
            ParamParseError::Malformed { input } => {
                write!(f, "\"{input}\" is not a number; try 7e9, 7B, 72.7B or 124M.")
            }
            ParamParseError::NotWhole { input } => {
                write!(f, "\"{input}\" is not a whole number of parameters.")
            }
            ParamParseError::Zero => write!(f, "A model needs at least one parameter."),
            ParamParseError::TooLarge { input } => write!(
                f,
                "\"{input}\" is more than 10^15 parameters, over a thousand times the largest \
                 published models; check the exponent or suffix."
            ),
        }
    }
}

impl std::error::Error for ParamParseError {}

impl ParamCount {
    /// A count from an integer, checked against the same bounds as the parser.
    pub fn new(n_params: u128) -> Result<Self, ParamParseError> {
        if n_params == 0 {
            Err(ParamParseError::Zero)
        } else if n_params > MAX_PARAMS {
            Err(ParamParseError::TooLarge {
                input: n_params.to_string(),
            })
        } else {
            Ok(ParamCount(n_params))
        }
    }

    /// The count.
    pub fn get(self) -> u128 {
        self.0
    }

    /// The shortest exact text that parses back to this count: `7e9`, `124439808`.
    pub fn to_query_text(self) -> String {
        let mut mantissa = self.0;
        let mut exponent = 0u32;
        while mantissa.is_multiple_of(10) {
            mantissa /= 10;
            exponent += 1;
        }
        if exponent >= 3 {
            format!("{mantissa}e{exponent}")
        } else {
            self.0.to_string()
        }
    }

    /// Parses a count typed by a person. Accepted forms, all exact:
    ///
    /// - plain digits, optionally grouped by commas in threes or by underscores: `7241732096`,
    ///   `7,241,732,096`;
    /// - a decimal with an optional exponent: `7e9`, `7.2417e9`;
    /// - a decimal with a size suffix, K (10^3), M (10^6), B or G (10^9), T (10^12), any case,
    ///   optionally followed by spaces and "params"/"parameters": `72.7B`, `124M`, `7 b`.
    ///
    /// Rejected with a message: letters elsewhere, a sign, zero, fractions of a parameter, and
    /// anything above [`MAX_PARAMS`].
    pub fn parse(text: &str) -> Result<Self, ParamParseError> {
        let shown = shorten(text.trim());
        let trimmed = strip_unit_word(text.trim());
        if trimmed.is_empty() {
            return Err(ParamParseError::Empty);
        }
        if trimmed.starts_with('-') || trimmed.starts_with('\u{2212}') {
            return Err(ParamParseError::Negative { input: shown });
        }
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);

        // A trailing size suffix sets a power of ten.
        let (number, suffix_power) = match body.chars().last() {
            Some(c) if c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E') => {
                let power = match c.to_ascii_uppercase() {
                    'K' => 3,
                    'M' => 6,
                    'B' | 'G' => 9,
                    'T' => 12,
                    other => {
                        return Err(ParamParseError::UnexpectedCharacter {
                            input: shown,
                            character: other,
                        })
                    }
                };
                (body[..body.len() - 1].trim_end(), power)
            }
            _ => (body, 0i64),
        };

        // Split an exponent off: digits[.digits][e[+-]digits].
        let (mantissa, exponent) = match number.find(['e', 'E']) {
            Some(at) => {
                let exponent_text = &number[at + 1..];
                let exponent: i64 =
                    parse_exponent(exponent_text).ok_or_else(|| ParamParseError::Malformed {
                        input: shown.clone(),
                    })?;
                (&number[..at], exponent)
            }
            None => (number, 0),
        };

        for c in mantissa.chars() {
            if !(c.is_ascii_digit() || c == ',' || c == '_' || c == '.') {
                return Err(ParamParseError::UnexpectedCharacter {
                    input: shown,
                    character: c,
                });
            }
        }
        let (integer_part, fraction_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if fraction_part.contains(['.', ',', '_']) {
            return Err(ParamParseError::Malformed { input: shown });
        }
        let integer_digits = ungroup(integer_part).ok_or_else(|| {
            if integer_part.contains(',') {
                ParamParseError::BadGrouping {
                    input: shown.clone(),
                }
            } else {
                ParamParseError::Malformed {
                    input: shown.clone(),
                }
            }
        })?;
        if integer_digits.is_empty() && fraction_part.is_empty() {
            return Err(ParamParseError::Malformed { input: shown });
        }

        // value = (integer_digits . fraction_part) x 10^(exponent + suffix_power), exactly.
        let mut digits: String = integer_digits;
        digits.push_str(fraction_part);
        let digits = digits.trim_start_matches('0');
        let power = exponent + suffix_power - fraction_part.len() as i64;
        if digits.is_empty() {
            return Err(ParamParseError::Zero);
        }
        // Drop trailing zeros into the power so `7000000e-3` is fine and digits stay short.
        let significant = digits.trim_end_matches('0');
        let power = power + (digits.len() - significant.len()) as i64;
        if power < 0 {
            return Err(ParamParseError::NotWhole { input: shown });
        }
        // 10^15 has 16 digits; anything longer is too large before it can overflow.
        if significant.len() as i64 + power > 16 {
            return Err(ParamParseError::TooLarge { input: shown });
        }
        let mut value: u128 = significant
            .parse()
            .map_err(|_| ParamParseError::Malformed {
                input: shown.clone(),
            })?;
        for _ in 0..power {
            value *= 10;
        }
        if value > MAX_PARAMS {
            return Err(ParamParseError::TooLarge { input: shown });
        }
        Ok(ParamCount(value))
    }
}

impl fmt::Display for ParamCount {
    /// "72,706,203,648".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group_thousands(self.0))
    }
}

/// Keeps error messages short when someone pastes a novel into the field.
pub(crate) fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_string()
    } else {
        let head: String = text.chars().take(LIMIT).collect();
        format!("{head}...")
    }
}

fn strip_unit_word(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    for word in ["parameters", "params"] {
        if lower.ends_with(word) && text.is_char_boundary(text.len() - word.len()) {
            return text[..text.len() - word.len()].trim_end();
        }
    }
    text
}

fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Removes thousands separators, accepting only commas in groups of exactly three (the first
/// group 1-3 digits) or underscores anywhere between digits. Returns `None` when misgrouped.
fn ungroup(text: &str) -> Option<String> {
    if text.contains(',') {
        let groups: Vec<&str> = text.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        return (first_ok && rest_ok && digits_ok).then(|| groups.concat());
    }
    if text.starts_with('_') || text.ends_with('_') || text.contains("__") {
        return None;
    }
    Some(text.replace('_', ""))
}
