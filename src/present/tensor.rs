//! The "Your tensor" view's model: its URL state (`scale`, `demo`), pasted numbers read into
//! values, and the table's rows as text and data attributes, with the best format at each bit
//! width marked. Pure and natively tested; the view streams the file and renders these.

use crate::formats::Format;
use crate::route::{shorten, Notice, Query};
use crate::tensor::{Analysis, Demo, Mode, Tally};

/// What the URL holds for the view (a link cannot carry the data itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TensorState {
    pub scale: Mode,
    /// A demo tensor to open, if the link names one.
    pub demo: Option<Demo>,
}

/// Reads the view's keys; a value it cannot use falls back with a notice.
pub fn read(query: &Query) -> (TensorState, Vec<Notice>) {
    let mut notices = Vec::new();
    let mut state = TensorState::default();
    if let Some(text) = query.get("scale") {
        match Mode::from_id(text) {
            Some(mode) => state.scale = mode,
            None => notices.push(Notice(format!(
                "scale: \"{}\" is not recognised (expected none, tensor or block); using none.",
                shorten(text, 40)
            ))),
        }
    }
    if let Some(text) = query.get("demo") {
        match Demo::from_id(text) {
            Some(demo) => state.demo = Some(demo),
            None => notices.push(Notice(format!(
                "demo: \"{}\" is not a demo tensor (expected weights, activations or \
                 gradients).",
                shorten(text, 40)
            ))),
        }
    }
    (state, notices)
}

/// Writes the view's keys, leaving defaults out.
pub fn write(state: &TensorState, query: &mut Query) {
    query.remove("scale");
    query.remove("demo");
    if state.scale != Mode::None {
        query.set("scale", state.scale.id());
    }
    if let Some(demo) = state.demo {
        query.set("demo", demo.id());
    }
}

/// The most numbers a paste may hold (a file streams instead).
pub const MAX_PASTED: usize = 1_000_000;

/// Reads pasted numbers: separated by commas, spaces, semicolons or new lines, brackets ignored
/// (so a Python or NumPy list pastes as is); `nan` and `inf` allowed. The error names the first
/// token that is not a number.
pub fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    let tokens = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '[' | ']' | '(' | ')'))
        .filter(|t| !t.is_empty());
    for (index, token) in tokens.enumerate() {
        if out.len() == MAX_PASTED {
            return Err(format!(
                "More than {MAX_PASTED} numbers: open a .npy or .safetensors file instead, which \
                 streams."
            ));
        }
        let value = match token.to_ascii_lowercase().as_str() {
            "nan" => f64::NAN,
            "inf" | "+inf" | "infinity" => f64::INFINITY,
            "-inf" | "-infinity" => f64::NEG_INFINITY,
            t => t.parse::<f64>().map_err(|_| {
                format!(
                    "\"{}\" (number {}) is not a number.",
                    shorten(token, 30),
                    index + 1
                )
            })?,
        };
        out.push(value);
    }
    if out.is_empty() {
        return Err("Paste some numbers, such as 0.1, -2.5, 3e-5.".to_string());
    }
    Ok(out)
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct RowText {
    /// The catalogue id (`tensor-row-<id>`).
    pub id: &'static str,
    pub name: String,
    pub bits: String,
    pub scheme: &'static str,
    /// Shares as text ("1.25%") and as fractions of the non-zero values (`data-overflow` ...).
    pub overflow: (String, String),
    pub underflow: (String, String),
    pub exact: (String, String),
    /// SQNR in dB as text, and as `data-sqnr` ("inf" when exact, "" when undefined).
    pub sqnr: (String, String),
    pub max_rel: String,
    /// The highest SQNR among the rows of the same whole number of bits (when there are several).
    pub best: bool,
}

fn share(t: &Tally, count: u64) -> (String, String) {
    match t.share(count) {
        Some(f) => (percent(f), f.to_string()),
        None => ("-".to_string(), String::new()),
    }
}

/// A share as a percentage: exact ends stay exact ("0%", "100%"), a share that is not zero never
/// reads as "0.00%".
fn percent(f: f64) -> String {
    if f == 0.0 {
        "0%".to_string()
    } else if f == 1.0 {
        "100%".to_string()
    } else if f < 0.0001 {
        "< 0.01%".to_string()
    } else if f > 0.9999 {
        "> 99.99%".to_string()
    } else {
        format!("{:.2}%", 100.0 * f)
    }
}

/// A relative error as a percentage with three significant digits ("100%", "12.5%", "0.0488%"),
/// or in powers of ten below 10^-6 ("3.05e-9").
fn relative(e: f64) -> String {
    if e == 0.0 {
        "0".to_string()
    } else if e < 1e-6 {
        format!("{e:.2e}")
    } else {
        let percent = 100.0 * e;
        let digits = (2 - crate::base::detmath::log10(percent).floor() as i32).clamp(0, 8) as usize;
        format!("{percent:.digits$}%")
    }
}

/// The rows of a finished analysis, in catalogue order.
pub fn rows(analysis: &Analysis) -> Vec<RowText> {
    let sqnr = |t: &Tally| t.sqnr_db();
    let mut out: Vec<RowText> = analysis
        .rows
        .iter()
        .map(|r| {
            let t = &r.tally;
            let (sqnr_text, sqnr_data) = match sqnr(t) {
                None => ("-".to_string(), String::new()),
                Some(db) if db.is_infinite() => ("exact".to_string(), "inf".to_string()),
                Some(db) => (format!("{db:.1} dB"), db.to_string()),
            };
            let name =
                r.id.parse::<Format>()
                    .map_or(r.id.to_string(), |f| f.name());
            RowText {
                id: r.id,
                name,
                // Exact: every figure is a whole number plus a scale's bits over a power of two
                // (8.25, 4.5, 4.15625), which the shortest decimal writes in full.
                bits: r.bits.to_string(),
                scheme: r.scheme,
                overflow: share(t, t.overflow),
                underflow: share(t, t.underflow),
                exact: share(t, t.exact),
                sqnr: (sqnr_text, sqnr_data),
                max_rel: if t.nonzero == 0 {
                    "-".to_string()
                } else {
                    relative(t.max_rel_error)
                },
                best: false,
            }
        })
        .collect();
    // The best at each bit width: the highest SQNR among rows of the same whole bits.
    for (i, (row, text)) in analysis.rows.iter().zip(out.iter_mut()).enumerate() {
        let bits = row.bits.floor();
        let mine = sqnr(&row.tally).unwrap_or(f64::NEG_INFINITY);
        let beaten = analysis.rows.iter().enumerate().any(|(j, other)| {
            let theirs = sqnr(&other.tally).unwrap_or(f64::NEG_INFINITY);
            other.bits.floor() == bits && (theirs > mine || (theirs == mine && j < i))
        });
        let rivals = analysis
            .rows
            .iter()
            .filter(|other| other.bits.floor() == bits)
            .count();
        text.best = !beaten && rivals > 1 && mine > f64::NEG_INFINITY;
    }
    out
}

/// The table as CSV: shares as fractions of the non-zero values, SQNR in dB ("inf": exact).
pub fn csv(rows: &[RowText], scale: Mode) -> String {
    let mut out = String::from(
        "format,bits per value,scales,scaling,overflow,flushed to zero,exact,sqnr db,largest relative error,best at its width\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},\"{}\",{},{},{},{},{},{},{}\n",
            r.id,
            r.bits,
            r.scheme,
            scale.id(),
            r.overflow.1,
            r.underflow.1,
            r.exact.1,
            r.sqnr.1,
            r.max_rel,
            r.best
        ));
    }
    out
}

/// The table as Markdown, as shown.
pub fn markdown(rows: &[RowText], summary: &str) -> String {
    let mut out = format!(
        "{summary}\n\n| format | bits | scales | overflow | flushed to 0 | exact | SQNR | largest relative error |\n|---|---:|---|---:|---:|---:|---:|---:|\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            if r.best { " (best)" } else { "" },
            r.bits,
            r.scheme,
            r.overflow.0,
            r.underflow.0,
            r.exact.0,
            r.sqnr.0,
            r.max_rel
        ));
    }
    out
}

/// The rows by SQNR, highest first (exact first of all; undefined last), ties in table order.
pub fn by_sqnr(mut rows: Vec<RowText>) -> Vec<RowText> {
    let key = |r: &RowText| match r.sqnr.1.as_str() {
        "" => f64::NEG_INFINITY,
        "inf" => f64::INFINITY,
        text => text.parse().unwrap_or(f64::NEG_INFINITY),
    };
    rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    rows
}
