//! The URL-state round trip. This module owns [`from_query`] (query pairs to [`Inputs`], with a
//! [`Notice`] for every value it could not use) and [`to_query`] (the inverse), so a view keeps
//! all state in the query string. Hostile or stale values never fail: each falls back to its
//! default and says so. It does not touch the browser; the view reads and writes the URL.
//!
//! Keys: `model` (a preset id or `custom`), `params`, the architecture fields for `custom`
//! ([`SHAPE`]) and every other setting ([`SETTINGS`]). Unknown keys (such as `view`) are ignored;
//! the first of repeated keys wins, as `URLSearchParams.get` does.

use core::fmt;

use super::arch::{ArchSpec, Architecture};
use super::inputs::{Inputs, ModelChoice};
use super::params::{shorten, ParamCount};
use super::presets::Preset;
use super::settings::{Refusal, Setting, Values, Written, SETTINGS, SHAPE};

/// A value from the query that could not be used, and what was used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The query key.
    pub key: String,
    /// A sentence for the page.
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Reads inputs from query pairs. Never fails: unusable values fall back to defaults, each with a
/// notice.
pub fn from_query(pairs: &[(String, String)]) -> (Inputs, Vec<Notice>) {
    let mut reader = Reader {
        pairs,
        notices: Vec::new(),
    };
    let mut inputs = Inputs {
        model: reader.model(),
        ..Inputs::default()
    };
    for setting in &SETTINGS {
        reader.read(setting, &mut inputs);
    }
    (inputs, reader.notices)
}

/// Writes inputs as query pairs: the model and mode always, the primary choice of the mode
/// always, everything else only where it differs from the default. `from_query` reads it back to
/// the same inputs with no notices.
pub fn to_query(inputs: &Inputs) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |key: &str, value: String| out.push((key.to_string(), value));
    match &inputs.model {
        ModelChoice::Preset(p) => put("model", p.id().to_string()),
        ModelChoice::Params(n) => put("params", n.to_query_text()),
        ModelChoice::Custom(a) => {
            put("model", "custom".to_string());
            let spec = a.spec();
            let base = custom_base();
            for field in &SHAPE {
                let value = (field.get)(&spec);
                let shown = match field.written {
                    Written::Always => value,
                    _ => value.filter(|v| Some(v) != (field.get)(&base).as_ref()),
                };
                if let Some(value) = shown {
                    put(field.key, value);
                }
            }
        }
    }
    let default = Inputs::default();
    for setting in &SETTINGS {
        let value = (setting.get)(inputs);
        let shown = match setting.written {
            Written::Always => value,
            Written::Changed => value.filter(|v| Some(v) != (setting.get)(&default).as_ref()),
            Written::InMode(mode) if inputs.mode == mode => value,
            Written::InMode(_) => value.filter(|v| Some(v) != (setting.get)(&default).as_ref()),
            Written::Explicit(explicit) => explicit(inputs),
        };
        if let Some(value) = shown {
            put(setting.key, value);
        }
    }
    out
}

struct Reader<'a> {
    pairs: &'a [(String, String)],
    notices: Vec<Notice>,
}

impl Reader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn notice(&mut self, key: &str, message: String) {
        self.notices.push(Notice {
            key: key.to_string(),
            message,
        });
    }

    /// Sets `setting` from its key, if present; a value it refuses leaves the current one and a
    /// notice that says what was expected.
    fn read<T>(&mut self, setting: &Setting<T>, target: &mut T) {
        let Some(raw) = self.get(setting.key) else {
            return;
        };
        let shown = shorten(raw);
        match setting.apply(target, raw) {
            Ok(()) => {}
            Err(Refusal::Unrecognised) => {
                let message = match setting.values {
                    Values::Ids { expected } => format!(
                        "\"{shown}\" is not recognised (expected {expected}); using the default."
                    ),
                    Values::Whole { min, max } => format!(
                        "\"{shown}\" is not a whole number from {min} to {max}; using the default."
                    ),
                };
                self.notice(setting.key, message);
            }
            Err(Refusal::Unusable(reason)) => {
                let message = match (setting.get)(target) {
                    Some(default) => format!("{reason} Using the default, {default}."),
                    None => format!("{reason} Ignored."),
                };
                self.notice(setting.key, message);
            }
        }
    }

    fn model(&mut self) -> ModelChoice {
        let default = Inputs::default().model;
        match self.get("model") {
            Some("custom") => {
                if self.get("params").is_some() {
                    self.notice(
                        "params",
                        "Ignored: the parameter count is computed from the custom architecture."
                            .to_string(),
                    );
                }
                self.custom()
            }
            Some(id) => {
                let id = id.trim().to_string();
                if self.get("params").is_some() {
                    self.notice(
                        "params",
                        format!("Ignored: model={} sets the parameter count.", shorten(&id)),
                    );
                }
                match Preset::from_id(&id) {
                    Some(p) => ModelChoice::Preset(p),
                    None => {
                        self.notice(
                            "model",
                            format!(
                                "\"{}\" is not a preset (expected {}, or custom); using Qwen2-72B.",
                                shorten(&id),
                                Preset::ids_text()
                            ),
                        );
                        default
                    }
                }
            }
            None => match self.get("params") {
                Some(text) => match ParamCount::parse(text) {
                    Ok(n) => ModelChoice::Params(n),
                    Err(e) => {
                        self.notice("params", format!("{e} Using Qwen2-72B."));
                        default
                    }
                },
                None => default,
            },
        }
    }

    /// A custom architecture: the seven sizes are required (a missing one is taken from Llama 3
    /// 8B), the rest default to Llama 3 8B's, with no maximum context unless given.
    fn custom(&mut self) -> ModelChoice {
        let mut spec = custom_base();
        for (index, field) in SHAPE.iter().enumerate() {
            let required = index < 7;
            if required && self.get(field.key).is_none() {
                let value = (field.get)(&spec).unwrap_or_default();
                self.notice(
                    field.key,
                    format!("Missing; using {value} from Llama-3-8B."),
                );
            }
            self.read(field, &mut spec);
        }
        match Architecture::new(spec) {
            Ok(a) => ModelChoice::Custom(a),
            Err(e) => {
                self.notice("model", format!("{e} Using Qwen2-72B."));
                Inputs::default().model
            }
        }
    }
}

/// Where a custom architecture in a URL starts: Llama 3 8B's fields with no maximum context. Keys
/// that are not required are written only where they differ from it.
fn custom_base() -> ArchSpec {
    ArchSpec {
        max_context: None,
        ..Preset::Llama3_8b.architecture().spec()
    }
}
