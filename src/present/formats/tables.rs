//! The "same value in every format" table and the facts table (its columns, rows, CSV and
//! Markdown exports).

use crate::formats::{
    catalogue, CatalogueEntry, EncodeReport, Exact, Overflow, Signedness, Structure,
};
use crate::present::number::{data_value, power_of_two, short, sig};
use crate::route::{shorten, Notice, Query};

use super::{code_bits, code_hex, rounding_id, FormatsState, Source, ROUNDINGS};

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
