//! The bit editor's readouts: codes as hex and bits, the fields' legend, the cells of the bit row,
//! the decoded value with its neighbours and errors, and the specials of a format.

use crate::formats::{
    parse_input, Class, Decoded, EncodeReport, Family, Format, Input, Signedness, Structure,
};
use crate::present::number::short;

use super::{FormatsState, Source};

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
