//! The Formats view's model: its state in the URL, and every readout of the bit editor, the
//! "same value in every format" table, the facts table (with CSV and Markdown exports) and the MX
//! block editor, computed from the format engine. It owns the wording; the numbers are the
//! engine's.

use crate::base::detmath;
use crate::base::rng::{SplitMix64, GOLDEN_GAMMA};
use crate::formats::mx::{self, Element, ScaleRounding};
use crate::formats::{
    catalogue, parse_input, CatalogueEntry, Class, Decoded, EncodeReport, Exact, Family, FloatSpec,
    Format, Input, Overflow, Rounding, Signedness, Structure, Subnormals,
};
use crate::route::{shorten, Notice, Query};

use super::number::{data_value, grouped, power_of_two, short, sig};

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

/// Reads a raw code typed as hex (`0x3c00`), binary (`0b...`) or a plain decimal integer.
pub fn parse_code(format: &Format, text: &str) -> Result<u64, String> {
    match parse_input(format, text) {
        Ok(Input::Code(code)) => Ok(code),
        Ok(Input::Value(_)) => {
            Err("a code is written in hex (0x3c00) or binary (0b0011_1100_0000_0000)".into())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The code in hex, zero-padded to the format's width (`0x3c00`, `0x7e`, `0x5`).
pub fn code_hex(format: &Format, code: u64) -> String {
    let digits = format.total_bits().div_ceil(4) as usize;
    format!("0x{:0digits$x}", code & format.code_mask())
}

/// The code in binary, sign (most significant) bit first, no separators.
pub fn code_bits(format: &Format, code: u64) -> String {
    let width = format.total_bits() as usize;
    format!("{:0width$b}", code & format.code_mask())
}

/// The field a bit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The sign bit of a float, or the top (negative-weight) bit of a two's-complement integer.
    Sign,
    /// An exponent bit.
    Exponent,
    /// A mantissa (fraction) bit.
    Mantissa,
    /// A value bit of an integer.
    Integer,
    /// A bit of an NF4 codebook index.
    Index,
}

impl Field {
    /// The field's name as a reader sees it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Sign => "sign",
            Field::Exponent => "exponent",
            Field::Mantissa => "mantissa",
            Field::Integer => "value",
            Field::Index => "index",
        }
    }

    /// A CSS class for the field's colour.
    pub fn class(self) -> &'static str {
        match self {
            Field::Sign => "bit-sign",
            Field::Exponent => "bit-exponent",
            Field::Mantissa => "bit-mantissa",
            Field::Integer => "bit-integer",
            Field::Index => "bit-index",
        }
    }
}

/// The bit editor's legend: each field the format's bits have, with its name for this format
/// (an int8's top bit is a sign bit of weight -128; an NF4 code is an index, not a float).
pub fn legend(format: &Format) -> Vec<(Field, String)> {
    match format.structure() {
        Structure::Float(spec) => {
            let mut fields = Vec::new();
            if spec.sign == Signedness::Signed {
                fields.push((Field::Sign, "sign".to_string()));
            }
            fields.push((Field::Exponent, "exponent".to_string()));
            if spec.mantissa_bits > 0 {
                fields.push((Field::Mantissa, "mantissa".to_string()));
            }
            fields
        }
        Structure::Integer { sign, .. } => {
            let mut fields = Vec::new();
            if sign == Signedness::Signed {
                fields.push((
                    Field::Sign,
                    format!("sign (weight -2^{})", format.total_bits() - 1),
                ));
            }
            fields.push((Field::Integer, "value bits (two's complement)".to_string()));
            if sign == Signedness::Unsigned {
                fields[0].1 = "value bits".to_string();
            }
            fields
        }
        Structure::Nf4 { .. } => vec![(Field::Index, "index into the 16 NF4 levels".to_string())],
    }
}

/// One cell of the bit editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitCell {
    /// Bit index in the code (0 = least significant).
    pub index: u32,
    /// Its field.
    pub field: Field,
    /// Index within the field (0 = the field's least significant bit).
    pub field_index: u32,
    /// Set or not.
    pub set: bool,
}

impl BitCell {
    /// The accessible name: "exponent bit 3, set".
    pub fn accessible_name(&self) -> String {
        let state = if self.set { "set" } else { "clear" };
        match self.field {
            Field::Sign => format!("sign bit, {state}"),
            field => format!("{} bit {}, {state}", field.label(), self.field_index),
        }
    }
}

/// The bit cells of `code`, most significant first.
pub fn bit_cells(format: &Format, code: u64) -> Vec<BitCell> {
    let total = format.total_bits();
    let field_of = |index: u32| -> (Field, u32) {
        match format.structure() {
            Structure::Float(spec) => {
                let m = spec.mantissa_bits;
                let e = spec.exponent_bits;
                if index < m {
                    (Field::Mantissa, index)
                } else if index < m + e {
                    (Field::Exponent, index - m)
                } else {
                    (Field::Sign, 0)
                }
            }
            Structure::Integer { sign, .. } => {
                if sign == Signedness::Signed && index == total - 1 {
                    (Field::Sign, 0)
                } else {
                    (Field::Integer, index)
                }
            }
            Structure::Nf4 { .. } => (Field::Index, index),
        }
    };
    (0..total)
        .rev()
        .map(|index| {
            let (field, field_index) = field_of(index);
            BitCell {
                index,
                field,
                field_index,
                set: code >> index & 1 == 1,
            }
        })
        .collect()
}

/// A human label for a class.
pub fn class_label(class: Class) -> &'static str {
    match class {
        Class::Zero => "zero",
        Class::Subnormal => "subnormal",
        Class::Normal => "normal",
        Class::Infinite => "infinite",
        Class::Nan => "NaN",
    }
}

/// A neighbouring value and the gap to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbour {
    /// Its code.
    pub code: u64,
    /// Its value.
    pub value: f64,
    /// `|value - current|`.
    pub gap: f64,
}

/// Everything the bit editor's readouts show.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    /// The format's name.
    pub format_name: String,
    /// The code.
    pub code: u64,
    /// The code in hex.
    pub code_hex: String,
    /// The code in binary, sign first.
    pub bits: String,
    /// The bit cells, most significant first.
    pub cells: Vec<BitCell>,
    /// The engine's explanation of the code.
    pub decoded: Decoded,
    /// What rounding the typed value did (`None` for a raw code).
    pub report: Option<EncodeReport>,
    /// The next larger value.
    pub next_up: Option<Neighbour>,
    /// The next smaller value.
    pub next_down: Option<Neighbour>,
    /// Special codes of a small format, as (meaning, codes) lines.
    pub specials: Vec<(String, String)>,
}

impl Readout {
    /// Computes every readout for a state.
    pub fn compute(state: &FormatsState) -> Readout {
        let format = state.format();
        let code = state.code();
        let decoded = format.explain(code);
        let report = match &state.source {
            Source::Text(text) => parse_input(&format, text)
                .ok()
                .filter(|input| matches!(input, Input::Value(_)))
                .map(|input| input.report(&format, state.rounding, state.overflow)),
            Source::Bits(_) => None,
        };
        let neighbour = |next: Option<u64>| {
            next.map(|c| {
                let value = format.decode(c);
                Neighbour {
                    code: c,
                    value,
                    gap: (value - decoded.value).abs(),
                }
            })
        };
        Readout {
            format_name: format.name(),
            code,
            code_hex: code_hex(&format, code),
            bits: code_bits(&format, code),
            cells: bit_cells(&format, code),
            next_up: neighbour(format.next_up(code)),
            next_down: neighbour(format.next_down(code)),
            specials: specials(&format),
            decoded,
            report,
        }
    }

    /// What happened to the typed value, in words: "overflowed to +Inf", "underflowed to zero",
    /// ...; "none: the typed value is stored exactly" when nothing did (good news, shown as such:
    /// see [`Readout::is_exact`]).
    pub fn error_summary(&self) -> Option<String> {
        let report = self.report.as_ref()?;
        if report.exact {
            return Some("none: the typed value is stored exactly".into());
        }
        let mut flags = Vec::new();
        let overflow;
        if report.overflowed {
            overflow = overflow_words(report);
            flags.push(overflow.as_str());
        }
        if report.underflowed_to_zero {
            flags.push("underflowed to zero");
        }
        if report.became_subnormal {
            flags.push("subnormal: precision lost to gradual underflow");
        }
        if report.invalid {
            flags.push("no meaning in this format");
        }
        Some(flags.join(", "))
    }
}

impl Readout {
    /// The typed value is stored exactly (the error line is good news, not a warning).
    pub fn is_exact(&self) -> bool {
        self.report.as_ref().is_some_and(|r| r.exact)
    }
}

/// What an overflow did, in words: "overflowed to +Inf", "overflowed to NaN (no infinity in this
/// format)", "overflowed: clamped to the largest finite value, 448".
fn overflow_words(report: &EncodeReport) -> String {
    if report.stored.is_infinite() {
        let sign = if report.stored > 0.0 { '+' } else { '-' };
        format!("overflowed to {sign}Inf")
    } else if report.stored.is_nan() {
        "overflowed to NaN (this format has no infinity)".into()
    } else {
        format!(
            "overflowed: clamped to the largest finite value, {}",
            short(report.stored.abs())
        )
    }
}

/// Special codes of formats of 8 bits or fewer: where NaN, infinities and zeros live.
pub fn specials(format: &Format) -> Vec<(String, String)> {
    if format.total_bits() > 8 {
        return Vec::new();
    }
    let mut nan = Vec::new();
    let mut inf = Vec::new();
    let mut zero = Vec::new();
    // `class` and `decode` only: `explain` would also write every code's exact and shortest
    // decimals, which is most of a bit click's time in an 8-bit format.
    for code in 0..=format.code_mask() {
        let value = format.decode(code);
        let hex = code_hex(format, code);
        match format.class(code) {
            Class::Nan => nan.push(hex),
            Class::Infinite => inf.push(format!(
                "{hex} ({})",
                if value < 0.0 { "-Inf" } else { "+Inf" }
            )),
            Class::Zero => zero.push(format!(
                "{hex} ({})",
                if value.is_sign_negative() { "-0" } else { "+0" }
            )),
            _ => {}
        }
    }
    let none = || "none".to_string();
    let mut lines = vec![
        (
            "NaN".to_string(),
            if nan.is_empty() {
                none()
            } else {
                nan.join(", ")
            },
        ),
        (
            "Inf".to_string(),
            if inf.is_empty() {
                none()
            } else {
                inf.join(", ")
            },
        ),
        (
            "zero".to_string(),
            if zero.is_empty() {
                none()
            } else {
                zero.join(", ")
            },
        ),
    ];
    if let Structure::Float(spec) = format.structure() {
        let rule = match spec.family {
            Family::Ieee => "IEEE rules: the all-ones exponent holds Inf (mantissa 0) and NaN (mantissa nonzero).",
            Family::Fn => "FN: no infinities; only the all-ones pattern (exponent and mantissa) is NaN, so the top binade keeps seven more values.",
            Family::Fnuz => "FNUZ: no infinities and no -0; the code that would be -0 (sign bit only) is the one NaN.",
            Family::FiniteOnly => "Every code is a finite number: overflow saturates to the largest value.",
            Family::ExponentOnly => "An unsigned power of two 2^(code - bias); the all-ones code is NaN and there is no zero.",
        };
        lines.push(("rule".to_string(), rule.to_string()));
    }
    lines
}

/// One row of the "same value in every format" table.
#[derive(Clone, Debug, PartialEq)]
pub struct SameValueRow {
    /// The catalogue entry.
    pub name: &'static str,
    /// What rounding did.
    pub report: EncodeReport,
    /// The stored value: the shortest digits that identify its `f64` exactly (`0.10000000149011612`
    /// for fp32's 0.1), so the table shows what is stored, not what reads back.
    pub stored_text: String,
    /// The code in hex.
    pub code_hex: String,
    /// The code in binary.
    pub bits: String,
    /// "overflow", "flush to zero", "subnormal", "invalid", or empty.
    pub flag: &'static str,
}

/// The editor's number rounded into every catalogue format.
pub fn same_value_rows(state: &FormatsState) -> Vec<SameValueRow> {
    let exact = state.exact_input();
    let as_f64 = Some(exact.to_f64())
        .filter(|x| Exact::from_f64(*x) == exact || x.is_nan() && exact.is_nan());
    catalogue()
        .iter()
        .map(|entry| {
            let format = entry.format();
            // An f64 input takes the engine's f64 path: one IEEE subtraction already gives the
            // correctly rounded error, and it is ~100x faster than exact arithmetic, which keeps a
            // bit click under a frame. Typed decimals that are not f64s take the exact path.
            let report = match as_f64 {
                Some(x) => format.encode_report(x, state.rounding, state.overflow),
                None => format.encode_exact_report(&exact, state.rounding, state.overflow),
            };
            let flag = if report.invalid {
                "invalid"
            } else if report.overflowed {
                "overflow"
            } else if report.underflowed_to_zero {
                "flush to zero"
            } else if report.became_subnormal {
                "subnormal"
            } else {
                ""
            };
            SameValueRow {
                name: entry.name,
                stored_text: short(report.stored),
                code_hex: code_hex(&format, report.code),
                bits: code_bits(&format, report.code),
                flag,
                report,
            }
        })
        .collect()
}

/// The facts table's columns.
pub const FACT_COLUMNS: [&str; 15] = [
    "format",
    "total bits",
    "exponent bits",
    "mantissa bits",
    "bias",
    "max",
    "min normal",
    "min subnormal",
    "eps",
    "resolution",
    "decimal digits",
    "Inf",
    "NaN",
    "-0",
    "bytes per value",
];

/// The `cols=` ids of [`FACT_COLUMNS`], in the same order (the format's name is always shown).
pub const FACT_COLUMN_IDS: [&str; 15] = [
    "format",
    "bits",
    "exp",
    "man",
    "bias",
    "max",
    "min-normal",
    "min-subnormal",
    "eps",
    "resolution",
    "digits",
    "inf",
    "nan",
    "neg-zero",
    "bytes",
];

/// The columns a compact facts table shows (an embed's default): what fits a text column.
pub const COMPACT_FACT_COLUMNS: [&str; 6] =
    ["format", "bits", "max", "min-normal", "eps", "digits"];

/// The columns of the facts table the URL asks for: `cols=bits,max,eps` (by
/// [`FACT_COLUMN_IDS`]; the name always comes first), the compact set when `compact` and no
/// `cols=`, every column otherwise. Unknown ids are left out with a notice.
pub fn fact_columns(query: &Query, compact: bool) -> (Vec<usize>, Vec<Notice>) {
    let index = |id: &str| FACT_COLUMN_IDS.iter().position(|c| *c == id);
    let mut notices = Vec::new();
    let mut columns = vec![0];
    match query.get("cols").filter(|v| !v.trim().is_empty()) {
        Some(list) => {
            for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match index(id) {
                    Some(i) if !columns.contains(&i) => columns.push(i),
                    Some(_) => {}
                    None => notices.push(Notice(format!(
                        "cols: there is no column \u{201c}{}\u{201d}; columns: {}.",
                        shorten(id, 30),
                        FACT_COLUMN_IDS[1..].join(", ")
                    ))),
                }
            }
        }
        None if compact => {
            columns = COMPACT_FACT_COLUMNS
                .iter()
                .filter_map(|c| index(c))
                .collect()
        }
        None => columns = (0..FACT_COLUMNS.len()).collect(),
    }
    (columns, notices)
}

/// What the same-value table shows, in words, for a reader who does not see the editor (an
/// embed): "0.1 rounded into every format: nearest, ties to even; on overflow, each format's own
/// rule."
pub fn same_value_caption(state: &FormatsState) -> String {
    let what = match &state.source {
        Source::Text(text) => shorten(text.trim(), 40),
        Source::Bits(_) => short(state.format().decode(state.code())),
    };
    let rounding = ROUNDINGS
        .iter()
        .find(|(id, _)| *id == rounding_id(state.rounding))
        .map_or("nearest, ties to even", |(_, label)| label);
    let overflow = match state.overflow {
        Overflow::Saturate => "on overflow, the largest finite value",
        _ => "on overflow, each format's own rule (Inf, NaN or the largest value)",
    };
    format!("{what} rounded into every format: {rounding}; {overflow}.")
}

/// One catalogue format's facts as display strings, in [`FACT_COLUMNS`] order.
pub fn fact_row(entry: &CatalogueEntry) -> Vec<String> {
    let format = entry.format();
    let facts = format.facts();
    let (exponent, mantissa, bias) = match format.structure() {
        Structure::Float(spec) => (
            spec.exponent_bits.to_string(),
            spec.mantissa_bits.to_string(),
            spec.bias.to_string(),
        ),
        Structure::Integer { bits, sign, .. } => (
            "-".into(),
            format!(
                "{} value bits",
                bits - u32::from(sign == Signedness::Signed)
            ),
            "-".into(),
        ),
        Structure::Nf4 { .. } => ("-".into(), "16-entry codebook".into(), "-".into()),
    };
    let with_power = |x: f64| match power_of_two(x) {
        Some(p) if !(1.0..=65536.0).contains(&x) => format!("{p} = {}", short(x)),
        _ => short(x),
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    // TF32 is stored in a 32-bit container (NVIDIA Ampere docs); every other format packs its bits.
    let storage_bits = if entry.name == "tf32" {
        32
    } else {
        facts.total_bits
    };
    let bytes = storage_bits as f64 / 8.0;
    vec![
        entry.name.to_string(),
        facts.total_bits.to_string(),
        exponent,
        mantissa,
        bias,
        short(facts.max_finite),
        with_power(facts.min_normal),
        facts.min_subnormal.map_or("none".into(), with_power),
        with_power(facts.epsilon),
        short(facts.resolution),
        facts
            .decimal_digits
            .map_or("-".into(), |d| format!("{d:.2}")),
        yes_no(facts.has_infinity),
        yes_no(facts.has_nan),
        yes_no(facts.has_negative_zero),
        if entry.name == "tf32" {
            format!("{bytes} (19 bits used)")
        } else {
            format!("{bytes}")
        },
    ]
}

/// The facts table for every catalogue format.
pub fn fact_rows() -> Vec<Vec<String>> {
    catalogue().iter().map(fact_row).collect()
}

/// The facts table as CSV (RFC 4180 quoting).
pub fn facts_csv() -> String {
    let quote = |cell: &str| {
        if cell.contains([',', '"', '\n']) {
            format!("\"{}\"", cell.replace('"', "\"\""))
        } else {
            cell.to_string()
        }
    };
    let mut out = String::new();
    let header: Vec<String> = FACT_COLUMNS.iter().map(|c| quote(c)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for row in fact_rows() {
        let cells: Vec<String> = row.iter().map(|c| quote(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The facts table as a Markdown table.
pub fn facts_markdown() -> String {
    let escape = |cell: &str| cell.replace('|', "\\|");
    let mut out = format!("| {} |\n", FACT_COLUMNS.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(FACT_COLUMNS.len())));
    for row in fact_rows() {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push_str("\nSource: Precision Lab (exact values from its format engine). eps = 2^-mantissa bits; resolution = 10^-floor(-log10(eps)) as torch.finfo prints it.\n");
    out
}

/// The value and error readouts of a report as (data-value, text) pairs.
pub fn error_texts(report: &EncodeReport) -> ((String, String), (String, String)) {
    // An overflow to Inf or NaN has no finite error: say what it is instead of printing NaN.
    if report.overflowed && report.stored.is_infinite() {
        let infinite = ("inf".to_string(), "infinite".to_string());
        return (infinite.clone(), infinite);
    }
    if report.overflowed && report.stored.is_nan() {
        let none = (
            "nan".to_string(),
            "none: the result is not a number".to_string(),
        );
        return (none.clone(), none);
    }
    // Saturating a typed value beyond fp64 (1e400 into int8): the error is finite but too large
    // for an f64.
    let abs = if report.abs_error.is_infinite() && report.stored.is_finite() {
        ("inf".to_string(), "over 1.8e308 (beyond fp64)".to_string())
    } else {
        (data_value(report.abs_error), sig(report.abs_error, 4))
    };
    let rel = match report.rel_error {
        Some(r) => (data_value(r), sig(r, 4)),
        None => ("nan".into(), "-".into()),
    };
    (abs, rel)
}

/// The MX block editor's state, as the URL holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct MxState {
    /// Element format.
    pub element: Element,
    /// How the shared scale is rounded.
    pub scale_rounding: ScaleRounding,
    /// The values (1 to 32).
    pub values: Vec<f64>,
}

/// URL ids of the MX element formats.
pub const MX_ELEMENTS: [(&str, Element); 6] = [
    ("mxfp8-e4m3", Element::Fp8E4M3),
    ("mxfp8-e5m2", Element::Fp8E5M2),
    ("mxfp6-e3m2", Element::Fp6E3M2),
    ("mxfp6-e2m3", Element::Fp6E2M3),
    ("mxfp4-e2m1", Element::Fp4E2M1),
    ("mxint8", Element::Int8),
];

/// URL ids and labels of the scale rounding rules.
pub const MX_SCALE_ROUNDINGS: [(&str, &str, ScaleRounding); 3] = [
    ("floor", "floor (OCP MX spec)", ScaleRounding::Floor),
    (
        "up",
        "round up (CUDA recipes: nothing clamps)",
        ScaleRounding::RoundUp,
    ),
    (
        "even",
        "nearest-even (PyTorch / ml_dtypes cast)",
        ScaleRounding::NearestEven,
    ),
];

/// The distributions the MX editor can draw a block from.
pub const MX_DISTRIBUTIONS: [(&str, &str); 4] = [
    ("normal", "normal, sigma 1"),
    ("lognormal", "log-normal magnitudes (like gradients)"),
    ("uniform", "uniform in [-1, 1]"),
    ("outlier", "normal with one outlier (x100)"),
];

impl Default for MxState {
    fn default() -> Self {
        MxState {
            element: Element::Fp8E4M3,
            scale_rounding: ScaleRounding::Floor,
            values: draw_block("outlier", 1),
        }
    }
}

/// Parses a list of values typed or pasted (commas, spaces, semicolons or newlines between them).
pub fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err("type 1 to 32 numbers separated by commas or spaces".into());
    }
    if parts.len() > mx::BLOCK_SIZE {
        return Err(format!(
            "a block holds at most {} values; you gave {}",
            mx::BLOCK_SIZE,
            parts.len()
        ));
    }
    parts
        .iter()
        .map(|part| {
            part.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    format!(
                        "\u{201c}{}\u{201d} is not a finite number",
                        shorten(part, 20)
                    )
                })
        })
        .collect()
}

/// Draws a block of 32 values from a named distribution with a seeded generator (deterministic).
pub fn draw_block(distribution: &str, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed ^ GOLDEN_GAMMA);
    // Uniform in (0, 1): 53 random bits, centred in their interval.
    let mut next_unit = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut normal = || {
        // Box-Muller; values are rounded to 4 significant digits so the block reads well.
        let (u, v) = (next_unit(), next_unit());
        (-2.0 * detmath::ln(u)).sqrt() * detmath::cos(std::f64::consts::TAU * v)
    };
    let round4 = |x: f64| -> f64 { format!("{x:.3e}").parse().unwrap_or(x) };
    (0..mx::BLOCK_SIZE)
        .map(|i| {
            let x = match distribution {
                "lognormal" => {
                    let sign = if normal() < 0.0 { -1.0 } else { 1.0 };
                    sign * detmath::exp(normal() * 2.0 - 6.0)
                }
                "uniform" => normal().tanh(),
                "outlier" if i == 7 => normal() * 100.0,
                _ => normal(),
            };
            round4(x)
        })
        .collect()
}

impl MxState {
    /// Reads the MX editor's state (`mxel`, `mxscale`, `mx` values or `mxdist` + `mxseed`).
    pub fn from_query(query: &Query) -> (MxState, Vec<Notice>) {
        let mut notices = Vec::new();
        let mut state = MxState::default();
        if let Some(id) = query.get("mxel") {
            match MX_ELEMENTS.iter().find(|(eid, _)| *eid == id) {
                Some((_, element)) => state.element = *element,
                None => notices.push(notice("mxel", id, "unknown MX element format")),
            }
        }
        if let Some(id) = query.get("mxscale") {
            match MX_SCALE_ROUNDINGS.iter().find(|(sid, _, _)| *sid == id) {
                Some((_, _, rounding)) => state.scale_rounding = *rounding,
                None => notices.push(notice("mxscale", id, "use floor, up or even")),
            }
        }
        if let Some(text) = query.get("mx") {
            match parse_values(text) {
                Ok(values) => state.values = values,
                Err(why) => notices.push(notice("mx", text, why)),
            }
        }
        (state, notices)
    }

    /// Writes the MX state's parameters.
    pub fn write(&self, query: &mut Query) {
        let element = MX_ELEMENTS
            .iter()
            .find(|(_, e)| *e == self.element)
            .map_or("mxfp8-e4m3", |(id, _)| id);
        let scale = MX_SCALE_ROUNDINGS
            .iter()
            .find(|(_, _, r)| *r == self.scale_rounding)
            .map_or("floor", |(id, _, _)| id);
        query.set("mxel", element);
        query.set("mxscale", scale);
        query.set("mx", &values_text(&self.values));
    }

    /// Quantizes the block.
    pub fn block(&self) -> Result<mx::Block, String> {
        mx::quantize_block(&self.values, self.element, self.scale_rounding)
            .map_err(|e| e.to_string())
    }
}

/// Values as the editor's text (shortest round-trip digits, comma separated).
pub fn values_text(values: &[f64]) -> String {
    values
        .iter()
        .map(|x| format!("{x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A count with separators, for "n finite values".
pub fn count_text(n: u128) -> String {
    grouped(n)
}
