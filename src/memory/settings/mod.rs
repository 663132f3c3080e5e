//! Every calculator setting in one table: its URL key, the values it takes, how to read it from the
//! inputs as text and how to set it from text. The URL reader and writer (`query`) and the page's
//! inputs (`present::memory`) go through these tables, so a key is spelled, bounded and parsed in
//! one place.
//!
//! [`SETTINGS`] covers everything but the model; [`SHAPE`] covers a custom architecture's fields
//! (the model itself, a preset or a parameter count, is `query`'s: it decides which of these
//! apply).

mod shape;

pub use shape::SHAPE;

use super::budget::{MAX_BATCH, MAX_DEVICES, MAX_LORA_RANK, MAX_TENSOR_PARALLEL, MAX_TOKENS};
use super::dtype::{check_group, DoubleQuant, KvFormat, WeightFormat};
use super::gpu::Gpu;
use super::inputs::{
    Dropout, Finetune, GradientCopy, Inputs, LoraMatrix, LoraTargets, Mode, Offload, Optimizer,
    Recipe, Recompute, SequenceParallel, ZeroStage,
};
use super::units::UnitLead;

/// What a setting accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// A whole number in `min..=max` (digits only in a URL).
    Whole { min: u64, max: u64 },
    /// One of a set of ids, listed in `expected` for a notice ("on or off").
    Ids { expected: &'static str },
}

/// Why a setting refused a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not one of its ids (or, for a whole number, not digits in range).
    Unrecognised,
    /// Well-formed but unusable, with the reason as a sentence ("Group sizes are ...").
    Unusable(String),
}

/// When the URL carries a setting.
#[derive(Clone, Copy, Debug)]
pub enum Written {
    /// Always.
    Always,
    /// When it differs from the default.
    Changed,
    /// Always in this mode (the mode's primary choice), otherwise when changed.
    InMode(Mode),
    /// When the inputs hold an explicit value (`None`: the format's default applies).
    Explicit(fn(&Inputs) -> Option<String>),
}

/// One setting of `T` (the calculator's [`Inputs`], or a custom architecture's [`ArchSpec`](crate::memory::arch::ArchSpec)).
pub struct Setting<T: 'static> {
    pub key: &'static str,
    pub values: Values,
    /// The value as URL text (`None` where the setting does not apply: an unknown maximum context).
    pub get: fn(&T) -> Option<String>,
    /// Sets the value from URL text (for [`Values::Whole`], digits already checked in range).
    pub set: fn(&mut T, &str) -> Result<(), Refusal>,
    pub written: Written,
}

impl<T> Setting<T> {
    /// Reads `text` as this setting's value and sets it, checking a whole number's digits and range.
    pub fn apply(&self, target: &mut T, text: &str) -> Result<(), Refusal> {
        let text = text.trim();
        if let Values::Whole { min, max } = self.values {
            whole(text, min, max).ok_or(Refusal::Unrecognised)?;
        }
        (self.set)(target, text)
    }
}

/// Digits only (at most 20), as a number in `min..=max`.
pub fn whole(text: &str, min: u64, max: u64) -> Option<u64> {
    let digits = !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse::<u64>().ok())
        .flatten()
        .filter(|v| (min..=max).contains(v))
}

/// The setting of `T` with this key.
pub fn find<T>(table: &'static [Setting<T>], key: &str) -> Option<&'static Setting<T>> {
    table.iter().find(|s| s.key == key)
}

fn on_off(text: &str) -> Result<bool, Refusal> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(Refusal::Unrecognised),
    }
}

fn on_off_text(on: bool) -> Option<String> {
    Some(if on { "on" } else { "off" }.to_string())
}

/// A parsed id, or [`Refusal::Unrecognised`].
fn id<V>(parsed: Option<V>) -> Result<V, Refusal> {
    parsed.ok_or(Refusal::Unrecognised)
}

/// A whole number already checked by [`Setting::apply`].
fn number(text: &str) -> Result<u64, Refusal> {
    text.parse().map_err(|_| Refusal::Unrecognised)
}

fn text(value: impl ToString) -> Option<String> {
    Some(value.to_string())
}

const fn ids<T>(
    key: &'static str,
    expected: &'static str,
    get: fn(&T) -> Option<String>,
    set: fn(&mut T, &str) -> Result<(), Refusal>,
) -> Setting<T> {
    Setting {
        key,
        values: Values::Ids { expected },
        get,
        set,
        written: Written::Changed,
    }
}

const fn whole_number<T>(
    key: &'static str,
    min: u64,
    max: u64,
    get: fn(&T) -> Option<String>,
    set: fn(&mut T, &str) -> Result<(), Refusal>,
) -> Setting<T> {
    Setting {
        key,
        values: Values::Whole { min, max },
        get,
        set,
        written: Written::Changed,
    }
}

/// A setting the URL always carries (a custom model's required sizes and choices).
const fn always<T>(setting: Setting<T>) -> Setting<T> {
    Setting {
        written: Written::Always,
        ..setting
    }
}

const fn in_mode<T>(mode: Mode, setting: Setting<T>) -> Setting<T> {
    Setting {
        written: Written::InMode(mode),
        ..setting
    }
}

/// Every setting but the model, in the order the URL lists them.
pub static SETTINGS: [Setting<Inputs>; 26] = [
    Setting {
        written: Written::Always,
        ..ids(
            "mode",
            "inference or training",
            |i| text(i.mode.id()),
            |i, t| {
                i.mode = id(Mode::from_id(t))?;
                Ok(())
            },
        )
    },
    in_mode(
        Mode::Inference,
        ids(
            "weights",
            "fp32, fp16, bf16, fp8, int8, int4 or nf4",
            |i| text(i.inference.weights.id()),
            |i, t| {
                i.inference.weights = id(WeightFormat::from_id(t))?;
                Ok(())
            },
        ),
    ),
    Setting {
        key: "group",
        values: Values::Whole { min: 16, max: 4096 },
        get: |i| text(i.inference.effective_group()),
        set: |i, t| {
            let group = check_group(number(t)?).map_err(|e| Refusal::Unusable(e.to_string()))?;
            i.inference.group = Some(group);
            Ok(())
        },
        written: Written::Explicit(|i| i.inference.group.map(|g| g.to_string())),
    },
    ids(
        "dq",
        "on or off",
        |i| on_off_text(i.inference.double_quant == DoubleQuant::On),
        |i, t| {
            let on = on_off(t)?;
            i.inference.double_quant = if on {
                DoubleQuant::On
            } else {
                DoubleQuant::Off
            };
            Ok(())
        },
    ),
    ids(
        "kv",
        "fp32, fp16, bf16, fp8 or int8",
        |i| text(i.inference.kv.id()),
        |i, t| {
            i.inference.kv = id(KvFormat::from_id(t))?;
            Ok(())
        },
    ),
    whole_number(
        "context",
        1,
        MAX_TOKENS,
        |i| text(i.inference.context),
        |i, t| {
            i.inference.context = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "batch",
        1,
        MAX_BATCH,
        |i| text(i.inference.batch),
        |i, t| {
            i.inference.batch = number(t)?;
            Ok(())
        },
    ),
    in_mode(
        Mode::Training,
        ids(
            "recipe",
            "fp32, mixed-fp16, mixed-bf16, bf16 or fp8",
            |i| text(i.training.recipe.id()),
            |i, t| {
                i.training.recipe = id(Recipe::from_id(t))?;
                Ok(())
            },
        ),
    ),
    in_mode(
        Mode::Training,
        ids(
            "optimizer",
            "adamw, sgd, sgd-momentum, lion, adam-8bit or adafactor",
            |i| text(i.training.optimizer.id()),
            |i, t| {
                i.training.optimizer = id(Optimizer::from_id(t))?;
                Ok(())
            },
        ),
    ),
    ids(
        "grads",
        "16bit or fp32",
        |i| text(i.training.gradients.id()),
        |i, t| {
            i.training.gradients = id(GradientCopy::from_id(t))?;
            Ok(())
        },
    ),
    whole_number(
        "micro_batch",
        1,
        MAX_BATCH,
        |i| text(i.training.micro_batch),
        |i, t| {
            i.training.micro_batch = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "seq",
        1,
        MAX_TOKENS,
        |i| text(i.training.seq_len),
        |i, t| {
            i.training.seq_len = number(t)?;
            Ok(())
        },
    ),
    ids(
        "recompute",
        "none, selective or full",
        |i| text(i.training.recompute.id()),
        |i, t| {
            i.training.recompute = id(Recompute::from_id(t))?;
            Ok(())
        },
    ),
    ids(
        "dropout",
        "on or off",
        |i| on_off_text(i.training.dropout == Dropout::On),
        |i, t| {
            let on = on_off(t)?;
            i.training.dropout = if on { Dropout::On } else { Dropout::Off };
            Ok(())
        },
    ),
    whole_number(
        "tp",
        1,
        MAX_TENSOR_PARALLEL,
        |i| text(i.training.tensor_parallel),
        |i, t| {
            i.training.tensor_parallel = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "pp",
        1,
        MAX_DEVICES,
        |i| text(i.training.pipeline_parallel),
        |i, t| {
            i.training.pipeline_parallel = number(t)?;
            Ok(())
        },
    ),
    ids(
        "offload",
        "none, optimizer or all",
        |i| text(i.training.offload.id()),
        |i, t| {
            i.training.offload = id(Offload::from_id(t))?;
            Ok(())
        },
    ),
    whole_number(
        "ep",
        1,
        MAX_DEVICES,
        |i| text(i.training.expert_parallel),
        |i, t| {
            i.training.expert_parallel = number(t)?;
            Ok(())
        },
    ),
    ids(
        "sp",
        "on or off",
        |i| on_off_text(i.training.sequence_parallel == SequenceParallel::On),
        |i, t| {
            let on = on_off(t)?;
            i.training.sequence_parallel = if on {
                SequenceParallel::On
            } else {
                SequenceParallel::Off
            };
            Ok(())
        },
    ),
    whole_number(
        "zero",
        0,
        3,
        |i| text(i.training.zero.number()),
        |i, t| {
            i.training.zero = id(ZeroStage::from_number(number(t)?))?;
            Ok(())
        },
    ),
    ids(
        "finetune",
        "full, lora or qlora",
        |i| text(i.training.finetune.id()),
        |i, t| {
            i.training.finetune = id(Finetune::from_id(t))?;
            Ok(())
        },
    ),
    whole_number(
        "lora_rank",
        1,
        MAX_LORA_RANK,
        |i| text(i.training.lora_rank),
        |i, t| {
            i.training.lora_rank = number(t)?;
            Ok(())
        },
    ),
    ids(
        "lora_targets",
        "a comma-separated list of q, k, v, o, gate, up, down",
        |i| Some(i.training.lora_targets.ids()),
        |i, t| {
            let chosen: Option<Vec<LoraMatrix>> = t
                .split(',')
                .map(|m| LoraMatrix::from_id(m.trim()))
                .collect();
            let targets = LoraTargets::of(&id(chosen)?);
            if targets.is_empty() {
                return Err(Refusal::Unrecognised);
            }
            i.training.lora_targets = targets;
            Ok(())
        },
    ),
    ids(
        "gpu",
        "one of the listed GPU ids",
        |i| text(i.hardware.gpu.id()),
        |i, t| {
            i.hardware.gpu = id(Gpu::from_id(t))?;
            Ok(())
        },
    ),
    whole_number(
        "gpus",
        1,
        MAX_DEVICES,
        |i| text(i.hardware.count),
        |i, t| {
            i.hardware.count = number(t)?;
            Ok(())
        },
    ),
    ids(
        "unit",
        "gb or gib",
        |i| text(i.unit.id()),
        |i, t| {
            i.unit = id(UnitLead::from_id(t))?;
            Ok(())
        },
    ),
];
