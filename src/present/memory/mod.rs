//! The Memory view's model: the calculator's URL state, the typed-input checks, the menu labels,
//! and the text of the ledger, the verdict and the seed check, as plain data.
//!
//! Pure and natively tested. This module owns wording for display and the mapping between the
//! page's inputs (one key per input, the same keys as the URL) and [`Inputs`]; it does not count
//! a single byte: every figure comes from `memory::estimate` and is written with `memory::units`,
//! so text and `data-bytes` come from the same exact integers.

pub mod import;
mod parts;

pub use parts::{active_sentence, host_rows, host_sentence};

use crate::memory::arch::Positions;
use crate::memory::budget::MAX_TOKENS;
use crate::memory::inputs::{LoraMatrix, Optimizer, Recipe};
use crate::memory::settings::{find, Refusal, Values, SETTINGS, SHAPE};
use crate::memory::units::group_thousands;
use crate::memory::{
    estimate, from_query, to_query, Architecture, Bytes, Inputs, KvFormat, Largest, Mode,
    ModelChoice, Notice, ParamCount, Preset, Report, UnitLead, WeightFormat, GPUS,
};
use crate::route::Query;

/// Every query key the calculator owns (the rest of the query, such as `view`, is left alone).
pub fn keys() -> Vec<&'static str> {
    let mut keys = vec!["model", "params"];
    keys.extend(SHAPE.iter().map(|s| s.key));
    keys.extend(SETTINGS.iter().map(|s| s.key));
    keys
}

/// Reads the calculator's inputs from the page query; unusable values fall back with a notice.
pub fn read(query: &Query) -> (Inputs, Vec<Notice>) {
    from_query(query.pairs())
}

/// Writes `inputs` into `query`, replacing every calculator key and keeping the others.
pub fn write(inputs: &Inputs, query: &mut Query) {
    for key in keys() {
        query.remove(key);
    }
    for (key, value) in to_query(inputs) {
        query.set(&key, &value);
    }
}

/// A whole-number input: its query key, what to call it, and the range the URL accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberField {
    pub key: &'static str,
    pub label: &'static str,
    pub min: u64,
    pub max: u64,
}

/// What each whole-number input is called; its range is its setting's (`memory::settings`).
const NUMBER_LABELS: [(&str, &str); 32] = [
    ("gpus", "GPUs"),
    ("context", "context (tokens)"),
    ("batch", "batch (sequences)"),
    ("group", "group size (weights per scale)"),
    ("micro_batch", "micro-batch (sequences per GPU)"),
    ("seq", "sequence length (tokens)"),
    ("tp", "tensor-parallel size"),
    ("ep", "expert-parallel size"),
    ("pp", "pipeline stages"),
    ("lora_rank", "LoRA rank"),
    ("layers", "layers"),
    ("hidden", "hidden size"),
    ("heads", "attention heads"),
    ("kv_heads", "key/value heads"),
    ("head_dim", "head dim"),
    ("ffn", "MLP width (ffn)"),
    ("vocab", "vocabulary"),
    ("max_context", "max context (tokens)"),
    ("norms", "norms per block"),
    ("experts", "experts (0: a dense MLP)"),
    ("experts_active", "experts per token"),
    ("expert_ffn", "each expert's MLP width"),
    ("shared_ffn", "shared expert's MLP width (0: none)"),
    ("dense_layers", "dense layers before the first MoE layer"),
    ("kv_rank", "key/value latent rank (0: plain attention)"),
    ("q_rank", "query latent rank (0: none)"),
    ("rope_dim", "rotary key size per head"),
    ("nope_dim", "non-rotary query/key size per head"),
    ("v_dim", "value size per head"),
    ("window", "sliding window in tokens (0: none)"),
    ("global_layers", "layers without the window"),
    ("zero", "ZeRO stage"),
];

/// The range of the whole-number setting `key`, from the settings tables.
fn whole_range(key: &str) -> Option<(u64, u64)> {
    let values = find(&SETTINGS, key)
        .map(|s| s.values)
        .or_else(|| find(&SHAPE, key).map(|s| s.values))?;
    match values {
        Values::Whole { min, max } => Some((min, max)),
        Values::Ids { .. } => None,
    }
}

/// Every whole-number input, with the bounds the URL accepts, so anything accepted here survives
/// the round trip through the URL.
pub fn number_fields() -> Vec<NumberField> {
    NUMBER_LABELS
        .iter()
        .filter_map(|(key, _)| number_field(key))
        .collect()
}

/// The whole-number input with this key.
pub fn number_field(key: &str) -> Option<NumberField> {
    let (key, label) = NUMBER_LABELS.into_iter().find(|(k, _)| *k == key)?;
    let (min, max) = whole_range(key)?;
    Some(NumberField {
        key,
        label,
        min,
        max,
    })
}

/// Parses what a person typed into a whole-number input: digits (commas or underscores between
/// them are allowed), within the field's range. The error is a sentence for next to the input.
pub fn parse_whole(text: &str, field: &NumberField) -> Result<u64, String> {
    let trimmed = text.trim();
    let shown = shorten(trimmed);
    if trimmed.is_empty() {
        return Err(format!(
            "Type a whole number from {} to {}.",
            field.min,
            group_thousands(u128::from(field.max))
        ));
    }
    if trimmed.starts_with('-') || trimmed.starts_with('\u{2212}') {
        return Err(format!(
            "\"{shown}\" is negative; the {} is a whole number from {} to {}.",
            field.label,
            field.min,
            group_thousands(u128::from(field.max))
        ));
    }
    let digits: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ',' | '_'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{shown}\" is not a whole number; the {} is a whole number from {} to {}.",
            field.label,
            field.min,
            group_thousands(u128::from(field.max))
        ));
    }
    let value = digits
        .parse::<u64>()
        .ok()
        .filter(|v| (field.min..=field.max).contains(v));
    value.ok_or_else(|| {
        format!(
            "The {} must be from {} to {}; got {shown}.",
            field.label,
            field.min,
            group_thousands(u128::from(field.max))
        )
    })
}

/// The current value of a whole-number input (`None` where the input does not apply, such as
/// architecture fields for a preset).
pub fn number_value(inputs: &Inputs, key: &str) -> Option<u64> {
    whole_range(key)?;
    let text = match (find(&SETTINGS, key), find(&SHAPE, key)) {
        (Some(setting), _) => (setting.get)(inputs)?,
        (None, Some(field)) => match inputs.model {
            ModelChoice::Custom(a) => (field.get)(&a.spec())?,
            _ => return None,
        },
        (None, None) => return None,
    };
    text.parse().ok()
}

/// `inputs` with one whole-number input changed, or why the value cannot be used (a group size
/// that is not offered, an architecture that does not check out).
pub fn with_number(inputs: &Inputs, key: &str, value: u64) -> Result<Inputs, String> {
    let refused = |refusal: Refusal| match refusal {
        Refusal::Unusable(reason) => reason,
        Refusal::Unrecognised => match number_field(key) {
            Some(f) => format!(
                "The {} must be from {} to {}.",
                f.label,
                f.min,
                group_thousands(u128::from(f.max))
            ),
            None => format!("\"{key}\" is not a whole-number input."),
        },
    };
    let text = value.to_string();
    let mut next = *inputs;
    if let Some(setting) = find(&SETTINGS, key) {
        setting.apply(&mut next, &text).map_err(refused)?;
        return Ok(next);
    }
    let Some(field) = find(&SHAPE, key) else {
        return Err(format!("\"{key}\" is not an input of this calculator."));
    };
    let ModelChoice::Custom(a) = inputs.model else {
        return Err(format!("\"{key}\" is not an input of this model."));
    };
    let mut spec = a.spec();
    field.apply(&mut spec, &text).map_err(refused)?;
    next.model = ModelChoice::Custom(Architecture::new(spec).map_err(|e| e.to_string())?);
    Ok(next)
}

/// `inputs` with the model replaced by a typed parameter count (`7e9`, `7B`, `7,241,732,096`).
pub fn with_params(inputs: &Inputs, text: &str) -> Result<Inputs, String> {
    let count = ParamCount::parse(text).map_err(|e| e.to_string())?;
    Ok(Inputs {
        model: ModelChoice::Params(count),
        ..*inputs
    })
}

/// The parameter count as shown in its input: exact, with thousands separators.
pub fn params_text(inputs: &Inputs) -> String {
    group_thousands(inputs.model.n_params())
}

/// A menu: `(id, label)` pairs in order.
pub type Options = Vec<(&'static str, String)>;

/// The menu of every select input, by key.
pub fn options(key: &str) -> Options {
    let own =
        |pairs: &[(&'static str, &str)]| pairs.iter().map(|(id, l)| (*id, l.to_string())).collect();
    match key {
        "model" => {
            let mut out: Options = Preset::ALL
                .into_iter()
                .map(|p| {
                    (
                        p.id(),
                        format!(
                            "{} ({} parameters)",
                            p.name(),
                            short_count(p.published_params())
                        ),
                    )
                })
                .collect();
            out.push(("params", "A parameter count only".to_string()));
            out.push(("custom", "A custom architecture".to_string()));
            out
        }
        "mode" => own(&[("inference", "Inference"), ("training", "Training")]),
        "weights" => WeightFormat::ALL
            .into_iter()
            .map(|f| (f.id(), weight_label(f).to_string()))
            .collect(),
        "kv" => KvFormat::ALL
            .into_iter()
            .map(|f| {
                let bytes = f.bytes();
                (
                    f.id(),
                    format!(
                        "{} ({} byte{})",
                        f.id(),
                        bytes,
                        if bytes == 1 { "" } else { "s" }
                    ),
                )
            })
            .collect(),
        "recipe" => Recipe::ALL
            .into_iter()
            .map(|r| (r.id(), recipe_label(r).to_string()))
            .collect(),
        "optimizer" => Optimizer::ALL
            .into_iter()
            .map(|o| (o.id(), optimizer_label(o).to_string()))
            .collect(),
        "grads" => own(&[
            (
                "16bit",
                "16-bit gradients: 16 bytes/param with Adam (ZeRO paper)",
            ),
            (
                "fp32",
                "fp32 gradients: 18 bytes/param with Adam (Megatron, Hugging Face)",
            ),
        ]),
        "recompute" => own(&[
            ("none", "none: store every activation"),
            ("selective", "selective: recompute attention scores"),
            ("full", "full: store each layer's input only"),
        ]),
        "zero" => own(&[
            ("0", "0: everything replicated"),
            ("1", "1: shard optimizer states"),
            ("2", "2: shard states and gradients"),
            ("3", "3: shard states, gradients and weights"),
        ]),
        "finetune" => own(&[
            ("full", "all parameters train"),
            ("lora", "LoRA: frozen base, trained adapters"),
            ("qlora", "QLoRA: NF4 base, trained adapters"),
        ]),
        "gpu" => GPUS
            .iter()
            .map(|g| (g.id(), g.name().to_string()))
            .collect(),
        "bias" => own(&[
            ("none", "none"),
            ("qkv", "q, k, v only"),
            ("attn", "attention projections (q, k, v, o)"),
            ("all", "every linear layer"),
        ]),
        "offload" => own(&[
            ("none", "nothing: everything on the GPU"),
            ("optimizer", "gradients, master weights, optimizer states"),
            ("all", "those and the weights (ZeRO-3)"),
        ]),
        "mlp" => own(&[
            ("gated", "gated (SwiGLU: 3 matrices)"),
            ("plain", "plain (GELU: 2 matrices)"),
        ]),
        "norm" => own(&[
            ("rms", "RMSNorm (weight only)"),
            ("layer", "LayerNorm (weight and bias)"),
        ]),
        _ => Vec::new(),
    }
}

/// The id selected in a select input, or the on/off state of a checkbox (`"on"`/`"off"`).
pub fn choice_value(inputs: &Inputs, key: &str) -> String {
    if key == "model" {
        return match inputs.model {
            ModelChoice::Preset(p) => p.id().to_string(),
            ModelChoice::Params(_) => "params".to_string(),
            ModelChoice::Custom(_) => "custom".to_string(),
        };
    }
    if let Some(setting) = find(&SETTINGS, key) {
        return (setting.get)(inputs).unwrap_or_default();
    }
    if let Some(field) = find(&SHAPE, key) {
        // A bare parameter count has no shape: its menus show Llama 3 8B's, where "custom" starts.
        let spec = inputs
            .model
            .architecture()
            .unwrap_or_else(|| Preset::Llama3_8b.architecture())
            .spec();
        return (field.get)(&spec).unwrap_or_default();
    }
    let on = |b: bool| if b { "on" } else { "off" }.to_string();
    key.strip_prefix("lora-")
        .and_then(LoraMatrix::from_id)
        .map(|m| on(inputs.training.lora_targets.contains(m)))
        .unwrap_or_default()
}

/// `inputs` with a select input (or checkbox, `"on"`/`"off"`) changed. Unknown ids and choices
/// that make an invalid architecture are refused with a sentence for next to the input.
pub fn with_choice(inputs: &Inputs, key: &str, id: &str) -> Result<Inputs, String> {
    let mut next = *inputs;
    let unknown = || format!("\"{}\" is not one of the choices.", shorten(id));
    let refused = |refusal: Refusal| match refusal {
        Refusal::Unusable(reason) => reason,
        Refusal::Unrecognised if key == "positions" => format!(
            "\"{}\" is neither \"rope\" nor a position-table size from 1 to {}.",
            shorten(id.trim()),
            group_thousands(u128::from(MAX_TOKENS))
        ),
        Refusal::Unrecognised => unknown(),
    };
    if key == "model" {
        next.model = match id {
            "params" => ModelChoice::Params(
                ParamCount::new(inputs.model.n_params()).map_err(|e| e.to_string())?,
            ),
            "custom" => ModelChoice::Custom(
                inputs
                    .model
                    .architecture()
                    .unwrap_or_else(|| Preset::Llama3_8b.architecture()),
            ),
            _ => ModelChoice::Preset(Preset::from_id(id).ok_or_else(unknown)?),
        };
        return Ok(next);
    }
    if let Some(setting) = find(&SETTINGS, key) {
        setting.apply(&mut next, id).map_err(refused)?;
        return Ok(next);
    }
    if let Some(field) = find(&SHAPE, key) {
        let ModelChoice::Custom(a) = inputs.model else {
            return Err("Choose \"A custom architecture\" to edit the model's shape.".to_string());
        };
        let mut spec = a.spec();
        field.apply(&mut spec, id).map_err(refused)?;
        next.model = ModelChoice::Custom(Architecture::new(spec).map_err(|e| e.to_string())?);
        return Ok(next);
    }
    let matrix = key
        .strip_prefix("lora-")
        .and_then(LoraMatrix::from_id)
        .ok_or_else(|| format!("\"{key}\" is not an input of this calculator."))?;
    let t = &mut next.training;
    let mut chosen: Vec<LoraMatrix> = LoraMatrix::ALL
        .into_iter()
        .filter(|m| t.lora_targets.contains(*m) && *m != matrix)
        .collect();
    let on = match id {
        "on" => true,
        "off" => false,
        _ => return Err(unknown()),
    };
    if on {
        chosen.push(matrix);
    }
    if chosen.is_empty() {
        return Err("LoRA needs at least one target matrix.".to_string());
    }
    t.lora_targets = crate::memory::inputs::LoraTargets::of(&chosen);
    Ok(next)
}

fn weight_label(format: WeightFormat) -> &'static str {
    match format {
        WeightFormat::Fp32 => "fp32 (4 bytes)",
        WeightFormat::Fp16 => "fp16 (2 bytes)",
        WeightFormat::Bf16 => "bf16 (2 bytes)",
        WeightFormat::Fp8 => "FP8 E4M3 (1 byte, fp32 scale per tensor)",
        WeightFormat::Int8 => "int8 (1 byte, fp16 scale per group)",
        WeightFormat::Int4 => "int4 (4 bits, fp16 scale per group)",
        WeightFormat::Nf4 => "NF4 (4 bits, block constants)",
    }
}

fn recipe_label(recipe: Recipe) -> &'static str {
    match recipe {
        Recipe::Fp32 => "fp32 everywhere",
        Recipe::MixedFp16 => "mixed fp16, fp32 master weights",
        Recipe::MixedBf16 => "mixed bf16, fp32 master weights",
        Recipe::PureBf16 => "pure bf16, no master copy",
        Recipe::Fp8 => "FP8 (Transformer Engine)",
    }
}

fn optimizer_label(optimizer: Optimizer) -> &'static str {
    match optimizer {
        Optimizer::AdamW => "Adam / AdamW (m and v)",
        Optimizer::Sgd => "SGD (no state)",
        Optimizer::SgdMomentum => "SGD with momentum",
        Optimizer::Lion => "Lion (momentum only)",
        Optimizer::Adam8bit => "8-bit Adam (bitsandbytes)",
        Optimizer::Adafactor => "Adafactor (factored)",
    }
}

/// "72.7B", "124M": a menu-friendly count (the exact one is shown next to the input).
fn short_count(n: u128) -> String {
    let (unit, scale) = if n >= 1_000_000_000 {
        ("B", 1_000_000_000)
    } else {
        ("M", 1_000_000)
    };
    format!("{}{unit}", crate::memory::units::decimal(n, scale, 1))
}

/// One ledger row, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The term id (`data-testid="mem-row-<id>"`).
    pub id: &'static str,
    pub label: &'static str,
    pub category: &'static str,
    /// Exact bytes per GPU, as an integer string (`data-bytes`).
    pub bytes: String,
    /// Exact bytes per GPU with thousands separators.
    pub bytes_text: String,
    /// ("145.41 GB", "135.43 GiB"), lead unit first (see [`amounts`]).
    pub per_device: (String, String),
    /// The same for all GPUs together.
    pub total: (String, String),
    /// The formula with the numbers put in and its result in both units.
    pub formula: String,
    pub detail: Vec<String>,
}

/// The ledger rows of a report, in the report's order.
pub fn rows(report: &Report, lead: UnitLead) -> Vec<Row> {
    report
        .terms
        .iter()
        .map(|t| Row {
            id: t.id,
            label: t.label,
            category: t.category.label(),
            bytes: t.per_device.get().to_string(),
            bytes_text: group_thousands(t.per_device.get()),
            per_device: amounts(t.per_device, lead),
            total: amounts(t.total, lead),
            formula: format!("{} = {}", t.expression, both(t.per_device, lead)),
            detail: t.detail.clone(),
        })
        .collect()
}

pub use crate::memory::units::amount;

/// Both units, the lead one first: ("145.41 GB", "135.43 GiB").
pub fn amounts(bytes: Bytes, lead: UnitLead) -> (String, String) {
    let (gb, gib) = (amount(bytes, false), amount(bytes, true));
    match lead {
        UnitLead::Gb => (gb, gib),
        UnitLead::Gib => (gib, gb),
    }
}

/// "145.41 GB = 135.43 GiB", the lead unit first.
pub fn both(bytes: Bytes, lead: UnitLead) -> String {
    let (first, second) = amounts(bytes, lead);
    format!("{first} = {second}")
}

/// The verdict in both units: "Fits: 146.75 GB = 136.67 GiB per GPU of 85.52 GB = 79.65 GiB ...".
pub fn verdict(report: &Report, lead: UnitLead) -> String {
    match report.fit {
        crate::memory::Fit::Fits { headroom } => format!(
            "Fits: {} per GPU of {}, {} to spare.",
            both(report.per_device, lead),
            both(report.capacity, lead),
            both(headroom, lead)
        ),
        crate::memory::Fit::DoesNotFit { shortfall } => format!(
            "Does not fit: {} per GPU needed, {} available, {} short.",
            both(report.per_device, lead),
            both(report.capacity, lead),
            both(shortfall, lead)
        ),
    }
}

/// A value the page budgets differently from what the URL asks for, because the model cannot
/// take it (GPT-2 reads at most 1024 tokens): the input keeps what the reader chose, so another
/// model gets it back, and this says what was used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    /// The input it concerns (`context`, `seq`), for the note next to it.
    pub key: &'static str,
    pub asked: u64,
    pub used: u64,
    /// The note, in a sentence.
    pub note: String,
}

/// The inputs the budget is computed for: `inputs` with the context (inference) or sequence
/// length (training) brought down to the model's learned positions where it is longer, and a
/// note for each value brought down. A rotary model past its trained context is budgeted as
/// asked (it can run; the report notes it).
pub fn fit_to_model(inputs: &Inputs) -> (Inputs, Vec<Adjustment>) {
    let mut fitted = *inputs;
    let mut notes = Vec::new();
    let Some(arch) = inputs.model.architecture() else {
        return (fitted, notes);
    };
    let Positions::Learned(max) = arch.spec().positions else {
        return (fitted, notes);
    };
    let model = inputs.model.label();
    let mut fit = |key: &'static str, what: &str, value: &mut u64| {
        if *value > max {
            notes.push(Adjustment {
                key,
                asked: *value,
                used: max,
                note: format!(
                    "{model} reads at most {} tokens (its learned positions), so the budget uses a \
                     {what} of {}; your {} is kept for other models.",
                    group_thousands(u128::from(max)),
                    group_thousands(u128::from(max)),
                    group_thousands(u128::from(*value)),
                ),
            });
            *value = max;
        }
    };
    match inputs.mode {
        Mode::Inference => fit("context", "context", &mut fitted.inference.context),
        Mode::Training => fit("seq", "sequence length", &mut fitted.training.seq_len),
    }
    (fitted, notes)
}

/// For inference, the fewest GPUs of the chosen kind the model fits on, split with tensor
/// parallelism (the calculator's GPU count), up to 64; `None` in training (where what helps is a
/// choice of sharding, not only a count) or if even 64 are not enough.
pub fn gpus_needed(inputs: &Inputs) -> Option<u64> {
    if inputs.mode != Mode::Inference {
        return None;
    }
    (1..=64u64).find(|&count| {
        let mut probe = *inputs;
        probe.hardware.count = count;
        estimate(&fit_to_model(&probe).0).is_ok_and(|r| fits(&r))
    })
}

/// Whether the report fits.
pub fn fits(report: &Report) -> bool {
    matches!(report.fit, crate::memory::Fit::Fits { .. })
}

/// The largest micro-batch or context that fits, as a sentence.
pub fn largest_sentence(report: &Report, inputs: &Inputs) -> String {
    let tokens = |n: u64| format!("{} tokens", group_thousands(u128::from(n)));
    let sequences = |n: u64| {
        if n == 1 {
            "1 sequence".to_string()
        } else {
            format!("{} sequences", group_thousands(u128::from(n)))
        }
    };
    let training = inputs.mode == Mode::Training;
    let gpu = inputs.hardware.gpu.name();
    match report.largest {
        Largest::MicroBatch(n) => format!(
            "Largest micro-batch that fits on each {gpu}: {} of {} (at larger batches the \
             activations no longer fit).",
            sequences(n),
            tokens(inputs.training.seq_len)
        ),
        Largest::Context(n) => format!(
            "Longest context that fits on each {gpu} at a batch of {}: {}.",
            sequences(inputs.inference.batch),
            tokens(n)
        ),
        Largest::AtLimit { limit } if training => format!(
            "Every micro-batch up to the search limit, {}, fits.",
            sequences(limit)
        ),
        Largest::AtLimit { limit } => {
            let model_limit = inputs.model.architecture().and_then(|a| a.max_context());
            if model_limit == Some(limit) {
                format!(
                    "The model's whole context, {}, fits at a batch of {}.",
                    tokens(limit),
                    sequences(inputs.inference.batch)
                )
            } else {
                format!(
                    "Contexts up to the search limit, {}, fit at a batch of {}.",
                    tokens(limit),
                    sequences(inputs.inference.batch)
                )
            }
        }
        Largest::Nothing if training => {
            "Not even a micro-batch of 1 sequence fits: shard more (ZeRO, tensor parallelism), \
             recompute activations or use a smaller recipe."
                .to_string()
        }
        Largest::Nothing => "Not even a context of 1 token fits at this batch: the weights take \
                             too much of each GPU."
            .to_string(),
        Largest::NeedsArchitecture => {
            "The largest batch or context needs the model's shapes: choose a preset or a custom \
             architecture instead of a bare parameter count."
                .to_string()
        }
    }
}

/// What is being budgeted, in a sentence: model, parameters, mode, GPUs and layout.
pub fn summary(report: &Report, inputs: &Inputs) -> String {
    let gpu = inputs.hardware.gpu;
    let mut out = format!(
        "{}: {} parameters, {} on {} x {} ({}).",
        inputs.model.label(),
        group_thousands(report.n_params),
        match inputs.mode {
            Mode::Inference => "inference",
            Mode::Training => "training",
        },
        report.devices,
        gpu.name(),
        both(gpu.capacity(), inputs.unit)
    );
    if inputs.mode == Mode::Training {
        out.push_str(&format!(
            " Trainable parameters: {}. Layout: {} tensor-parallel x {}{} data-parallel.",
            group_thousands(report.n_trainable),
            report.tensor_parallel,
            if report.pipeline_parallel > 1 {
                format!("{} pipeline stages x ", report.pipeline_parallel)
            } else {
                String::new()
            },
            report.data_parallel
        ));
    }
    out
}

/// One of the seed's worked examples, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedRow {
    pub id: &'static str,
    pub claim: &'static str,
    /// Exact bytes, as an integer string (`data-bytes`).
    pub bytes: String,
    pub computed: String,
    pub verdict: String,
    /// The inputs that reproduce it.
    pub inputs: Inputs,
}

/// The seed check, in the order the seed gives its examples.
pub fn seed_rows() -> Vec<SeedRow> {
    crate::memory::seed_check()
        .into_iter()
        .map(|e| SeedRow {
            id: e.id,
            claim: e.claim,
            bytes: e.bytes.get().to_string(),
            computed: e.computed,
            verdict: e.verdict,
            inputs: e.inputs,
        })
        .collect()
}

/// At most 40 characters of typed text, for echoing it in a message.
fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        let head: String = text.chars().take(39).collect();
        format!("{head}\u{2026}")
    } else {
        text.to_string()
    }
}
