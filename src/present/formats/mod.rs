//! The Formats view's model: its state in the URL, and every readout of the bit editor, the
//! "same value in every format" table, the facts table (with CSV and Markdown exports) and the MX
//! block editor, computed from the format engine. It owns the wording; the numbers are the
//! engine's.
//!
//! Here: the URL state (format, value, rounding, overflow, custom formats); `editor`: the bit
//! editor's readouts; `tables`: the same-value and facts tables; `mx_block`: the MX block editor.

mod editor;
mod mx_block;
mod tables;

pub use editor::*;
pub use mx_block::*;
pub use tables::*;

use crate::formats::{
    catalogue, parse_input, Exact, Family, FloatSpec, Format, Input, Overflow, Rounding,
    Signedness, Subnormals,
};
use crate::route::{shorten, Notice, Query};

/// The format shown when the URL names none.
pub const DEFAULT_FORMAT: &str = "fp32";
/// The value typed when the URL has neither `value` nor `bits`.
pub const DEFAULT_VALUE: &str = "0.1";

/// Which format the editor shows.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatChoice {
    /// A catalogue entry, by name.
    Named(&'static str),
    /// A custom float shape (already validated).
    Custom(FloatSpec),
}

/// Where the editor's code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A raw code (bit clicks, `bits=0x3c00`).
    Bits(u64),
    /// Text a person typed (`value=0.1`), rounded into the format.
    Text(String),
}

/// The whole state of the Formats view, as the URL holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatsState {
    /// The format.
    pub choice: FormatChoice,
    /// The value or code.
    pub source: Source,
    /// Rounding mode for typed values.
    pub rounding: Rounding,
    /// Overflow policy for typed values.
    pub overflow: Overflow,
}

impl Default for FormatsState {
    fn default() -> Self {
        FormatsState {
            choice: FormatChoice::Named(DEFAULT_FORMAT),
            source: Source::Text(DEFAULT_VALUE.into()),
            rounding: Rounding::NearestEven,
            overflow: Overflow::Default,
        }
    }
}

/// The rounding modes, with their URL ids and labels, in menu order.
pub const ROUNDINGS: [(&str, &str); 6] = [
    ("nearest-even", "nearest, ties to even (IEEE default)"),
    ("nearest-away", "nearest, ties away from zero"),
    ("toward-zero", "toward zero (truncate)"),
    ("up", "toward +Inf"),
    ("down", "toward -Inf"),
    ("stochastic", "stochastic (seeded)"),
];

/// The custom-format families, with their URL ids and labels.
pub const FAMILIES: [(&str, &str, Family); 5] = [
    (
        "ieee",
        "IEEE: Inf and NaN at the top exponent",
        Family::Ieee,
    ),
    ("fn", "FN: no Inf, NaN only at all ones", Family::Fn),
    (
        "fnuz",
        "FNUZ: no Inf, no -0, NaN at the -0 code",
        Family::Fnuz,
    ),
    ("finite", "finite only: no Inf, no NaN", Family::FiniteOnly),
    ("e8m0", "exponent only (like E8M0)", Family::ExponentOnly),
];

/// The URL id of a rounding mode.
pub fn rounding_id(rounding: Rounding) -> &'static str {
    match rounding {
        Rounding::NearestEven => "nearest-even",
        Rounding::NearestAway => "nearest-away",
        Rounding::TowardZero => "toward-zero",
        Rounding::TowardPositive => "up",
        Rounding::TowardNegative => "down",
        Rounding::Stochastic { .. } => "stochastic",
    }
}

/// The rounding mode for a URL id (stochastic takes `seed`).
pub fn rounding_from_id(id: &str, seed: u64) -> Option<Rounding> {
    Some(match id {
        "nearest-even" => Rounding::NearestEven,
        "nearest-away" => Rounding::NearestAway,
        "toward-zero" => Rounding::TowardZero,
        "up" => Rounding::TowardPositive,
        "down" => Rounding::TowardNegative,
        "stochastic" => Rounding::Stochastic { seed },
        _ => return None,
    })
}

fn family_id(family: Family) -> &'static str {
    FAMILIES
        .iter()
        .find(|(_, _, f)| *f == family)
        .map_or("ieee", |(id, _, _)| id)
}

fn notice(key: &str, value: &str, why: impl std::fmt::Display) -> Notice {
    Notice(format!(
        "Ignored {key}=\u{201c}{}\u{201d}: {why}.",
        shorten(value, 40)
    ))
}

impl FormatChoice {
    /// The format itself. Custom specs are validated when read, so this cannot fail for a state
    /// built by [`FormatsState::from_query`].
    pub fn format(&self) -> Result<Format, String> {
        match self {
            FormatChoice::Named(name) => name.parse::<Format>().map_err(|e| e.to_string()),
            FormatChoice::Custom(spec) => Format::custom(*spec).map_err(|e| e.to_string()),
        }
    }
}

/// Reads a custom float shape from `exp`, `man`, `bias`, `family`, `sign`, `subnormals`.
pub fn custom_spec_from_query(query: &Query) -> Result<FloatSpec, String> {
    let number =
        |key: &str, default: i64, range: std::ops::RangeInclusive<i64>| -> Result<i64, String> {
            match query.get(key) {
                None | Some("") => Ok(default),
                Some(text) => match text.trim().parse::<i64>() {
                    Ok(n) if range.contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{key} must be a whole number from {} to {}, not \u{201c}{}\u{201d}",
                        range.start(),
                        range.end(),
                        shorten(text, 20)
                    )),
                },
            }
        };
    let exponent_bits = number("exp", 5, 1..=11)? as u32;
    let mantissa_bits = number("man", 2, 0..=52)? as u32;
    let family = match query.get("family") {
        None | Some("") => Family::Ieee,
        Some(id) => FAMILIES
            .iter()
            .find(|(fid, _, _)| *fid == id)
            .map(|(_, _, f)| *f)
            .ok_or_else(|| {
                format!(
                    "family must be one of ieee, fn, fnuz, finite, e8m0, not \u{201c}{}\u{201d}",
                    shorten(id, 20)
                )
            })?,
    };
    let standard_bias = (1i64 << (exponent_bits - 1)) - 1;
    let bias = number("bias", standard_bias, -2000..=2000)? as i32;
    let sign = match query.get("sign") {
        None | Some("") if family == Family::ExponentOnly => Signedness::Unsigned,
        None | Some("") => Signedness::Signed,
        Some("on") => Signedness::Signed,
        Some("off") => Signedness::Unsigned,
        Some(other) => {
            return Err(format!(
                "sign must be on or off, not \u{201c}{}\u{201d}",
                shorten(other, 20)
            ))
        }
    };
    let subnormals = match query.get("subnormals") {
        None | Some("") if family == Family::ExponentOnly => Subnormals::Flush,
        None | Some("") => Subnormals::Gradual,
        Some("on") => Subnormals::Gradual,
        Some("off") => Subnormals::Flush,
        Some(other) => {
            return Err(format!(
                "subnormals must be on or off, not \u{201c}{}\u{201d}",
                shorten(other, 20)
            ))
        }
    };
    let spec = FloatSpec {
        sign,
        exponent_bits,
        mantissa_bits,
        bias,
        family,
        subnormals,
    };
    Format::custom(spec).map_err(|e| e.to_string())?;
    Ok(spec)
}

/// Writes a custom float shape's parameters.
pub fn write_custom_spec(spec: &FloatSpec, query: &mut Query) {
    query.set("exp", &spec.exponent_bits.to_string());
    query.set("man", &spec.mantissa_bits.to_string());
    query.set("bias", &spec.bias.to_string());
    query.set("family", family_id(spec.family));
    query.set(
        "sign",
        if spec.sign == Signedness::Signed {
            "on"
        } else {
            "off"
        },
    );
    query.set(
        "subnormals",
        if spec.subnormals == Subnormals::Gradual {
            "on"
        } else {
            "off"
        },
    );
}

/// Removes every parameter of the Formats view's editor (before writing a new state).
pub fn clear_editor_params(query: &mut Query) {
    for key in [
        "format",
        "bits",
        "value",
        "round",
        "seed",
        "overflow",
        "exp",
        "man",
        "bias",
        "family",
        "sign",
        "subnormals",
    ] {
        query.remove(key);
    }
}

impl FormatsState {
    /// Reads the state from the URL. Anything unusable falls back to its default with a notice.
    pub fn from_query(query: &Query) -> (FormatsState, Vec<Notice>) {
        let mut notices = Vec::new();
        let mut state = FormatsState::default();

        match query.get("format") {
            None | Some("") => {}
            Some("custom") => match custom_spec_from_query(query) {
                Ok(spec) => state.choice = FormatChoice::Custom(spec),
                Err(why) => notices.push(Notice(format!(
                    "Could not build the custom format ({why}); showing {DEFAULT_FORMAT} instead."
                ))),
            },
            Some(name) => match catalogue()
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name.trim()))
            {
                Some(entry) => state.choice = FormatChoice::Named(entry.name),
                None => notices.push(notice(
                    "format",
                    name,
                    format!("no such format; showing {DEFAULT_FORMAT}"),
                )),
            },
        }

        let seed = match query.get("seed") {
            None | Some("") => 1,
            Some(text) => text.trim().parse::<u64>().unwrap_or_else(|_| {
                notices.push(notice(
                    "seed",
                    text,
                    "a seed is a whole number from 0 to 2^64-1; using 1",
                ));
                1
            }),
        };
        if let Some(id) = query.get("round").filter(|s| !s.is_empty()) {
            match rounding_from_id(id, seed) {
                Some(rounding) => state.rounding = rounding,
                None => notices.push(notice(
                    "round",
                    id,
                    "unknown rounding mode; using nearest-even",
                )),
            }
        }
        match query.get("overflow") {
            None | Some("") | Some("default") => {}
            Some("saturate") => state.overflow = Overflow::Saturate,
            Some(other) => notices.push(notice("overflow", other, "use default or saturate")),
        }

        let format = state.choice.format().unwrap_or_else(|_| default_format());
        if let Some(text) = query.get("value") {
            match parse_input(&format, text) {
                Ok(_) => state.source = Source::Text(text.to_owned()),
                Err(why) => notices.push(notice("value", text, why)),
            }
        } else if let Some(text) = query.get("bits") {
            match parse_code(&format, text) {
                Ok(code) => state.source = Source::Bits(code),
                Err(why) => notices.push(notice("bits", text, why)),
            }
        }
        (state, notices)
    }

    /// Writes the state into `query` (replacing the editor's parameters, keeping the others).
    pub fn write(&self, query: &mut Query) {
        clear_editor_params(query);
        match &self.choice {
            FormatChoice::Named(name) => query.set("format", name),
            FormatChoice::Custom(spec) => {
                query.set("format", "custom");
                write_custom_spec(spec, query);
            }
        }
        let format = self.format();
        match &self.source {
            Source::Bits(code) => query.set("bits", &code_hex(&format, *code)),
            Source::Text(text) => query.set("value", text),
        }
        if self.rounding != Rounding::NearestEven {
            query.set("round", rounding_id(self.rounding));
            if let Rounding::Stochastic { seed } = self.rounding {
                query.set("seed", &seed.to_string());
            }
        }
        if self.overflow == Overflow::Saturate {
            query.set("overflow", "saturate");
        }
    }

    /// The format (the default one if the choice were somehow invalid).
    pub fn format(&self) -> Format {
        self.choice.format().unwrap_or_else(|_| default_format())
    }

    /// The code the editor shows: the raw code, or the typed text rounded into the format.
    pub fn code(&self) -> u64 {
        let format = self.format();
        match &self.source {
            Source::Bits(code) => *code & format.code_mask(),
            Source::Text(text) => match parse_input(&format, text) {
                Ok(input) => input.encode(&format, self.rounding, self.overflow),
                Err(_) => format.encode(0.0, Rounding::NearestEven, Overflow::Default),
            },
        }
    }

    /// The exact number the editor stands for: the typed value (before rounding) or the code's
    /// value. Used to round the same number into every other format.
    pub fn exact_input(&self) -> Exact {
        let format = self.format();
        if let Source::Text(text) = &self.source {
            if let Ok(Input::Value(exact)) = parse_input(&format, text) {
                return exact;
            }
        }
        let value = format.decode(self.code());
        if value.is_nan() {
            Exact::nan()
        } else {
            Exact::from_f64(value)
        }
    }
}

fn default_format() -> Format {
    DEFAULT_FORMAT
        .parse()
        .expect("the default format is in the catalogue")
}
