//! The URL-state round trip. This module owns [`from_query`] (query pairs to [`Inputs`], with a
//! [`Notice`] for every value it could not use) and [`to_query`] (the inverse), so a view keeps
//! all state in the query string. Hostile or stale values never fail: each falls back to its
//! default and says so. It does not touch the browser; the view reads and writes the URL.
//!
//! Keys: `model` (a preset id or `custom`), `params`, the architecture fields for `custom`
//! (`layers hidden heads kv_heads head_dim ffn vocab tied bias mlp norm positions max_context`),
//! `mode`, inference (`weights group dq kv context batch`), training (`recipe optimizer grads
//! micro_batch seq recompute dropout tp sp zero finetune lora_rank lora_targets`), hardware
//! (`gpu gpus`) and `unit`. Unknown keys (such as `view`) are ignored; the first of repeated keys
//! wins, as `URLSearchParams.get` does.

use core::fmt;

use super::arch::{Architecture, Biases, Embeddings, Mlp, Norm, Positions, Preset};
use super::budget::{MAX_BATCH, MAX_DEVICES, MAX_LORA_RANK, MAX_TENSOR_PARALLEL, MAX_TOKENS};
use super::dtype::{check_group, DoubleQuant, KvFormat, WeightFormat};
use super::gpu::Gpu;
use super::inputs::{
    Dropout, Finetune, GradientCopy, Inputs, LoraMatrix, LoraTargets, Mode, ModelChoice, Optimizer,
    Recipe, Recompute, SequenceParallel, ZeroStage,
};
use super::params::{shorten, ParamCount};
use super::units::UnitLead;

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
    if let Some(mode) = reader.choice("mode", "inference or training", Mode::from_id) {
        inputs.mode = mode;
    }

    // Inference.
    let inf = &mut inputs.inference;
    if let Some(v) = reader.choice(
        "weights",
        "fp32, fp16, bf16, fp8, int8, int4 or nf4",
        WeightFormat::from_id,
    ) {
        inf.weights = v;
    }
    if let Some(v) = reader.number("group", 16, 4096) {
        match check_group(v) {
            Ok(g) => inf.group = Some(g),
            Err(e) => reader.notice(
                "group",
                format!("{e} Using the default, {}.", inf.weights.default_group()),
            ),
        }
    }
    if let Some(v) = reader.choice("dq", "on or off", on_off) {
        inf.double_quant = if v { DoubleQuant::On } else { DoubleQuant::Off };
    }
    if let Some(v) = reader.choice("kv", "fp32, fp16, bf16, fp8 or int8", KvFormat::from_id) {
        inf.kv = v;
    }
    if let Some(v) = reader.number("context", 1, MAX_TOKENS) {
        inf.context = v;
    }
    if let Some(v) = reader.number("batch", 1, MAX_BATCH) {
        inf.batch = v;
    }

    // Training.
    let tr = &mut inputs.training;
    if let Some(v) = reader.choice(
        "recipe",
        "fp32, mixed-fp16, mixed-bf16, bf16 or fp8",
        Recipe::from_id,
    ) {
        tr.recipe = v;
    }
    if let Some(v) = reader.choice(
        "optimizer",
        "adamw, sgd, sgd-momentum, lion, adam-8bit or adafactor",
        Optimizer::from_id,
    ) {
        tr.optimizer = v;
    }
    if let Some(v) = reader.choice("grads", "16bit or fp32", GradientCopy::from_id) {
        tr.gradients = v;
    }
    if let Some(v) = reader.number("micro_batch", 1, MAX_BATCH) {
        tr.micro_batch = v;
    }
    if let Some(v) = reader.number("seq", 1, MAX_TOKENS) {
        tr.seq_len = v;
    }
    if let Some(v) = reader.choice("recompute", "none, selective or full", Recompute::from_id) {
        tr.recompute = v;
    }
    if let Some(v) = reader.choice("dropout", "on or off", on_off) {
        tr.dropout = if v { Dropout::On } else { Dropout::Off };
    }
    if let Some(v) = reader.number("tp", 1, MAX_TENSOR_PARALLEL) {
        tr.tensor_parallel = v;
    }
    if let Some(v) = reader.choice("sp", "on or off", on_off) {
        tr.sequence_parallel = if v {
            SequenceParallel::On
        } else {
            SequenceParallel::Off
        };
    }
    if let Some(v) = reader.number("zero", 0, 3) {
        tr.zero = ZeroStage::from_number(v).unwrap_or_default();
    }
    if let Some(v) = reader.choice("finetune", "full, lora or qlora", Finetune::from_id) {
        tr.finetune = v;
    }
    if let Some(v) = reader.number("lora_rank", 1, MAX_LORA_RANK) {
        tr.lora_rank = v;
    }
    if let Some(v) = reader.choice(
        "lora_targets",
        "a comma-separated list of q, k, v, o, gate, up, down",
        lora_targets,
    ) {
        tr.lora_targets = v;
    }

    // Hardware and display.
    if let Some(v) = reader.choice("gpu", "one of the listed GPU ids", Gpu::from_id) {
        inputs.hardware.gpu = v;
    }
    if let Some(v) = reader.number("gpus", 1, MAX_DEVICES) {
        inputs.hardware.count = v;
    }
    if let Some(v) = reader.choice("unit", "gb or gib", UnitLead::from_id) {
        inputs.unit = v;
    }
    (inputs, reader.notices)
}

/// Writes inputs as query pairs: the model and mode always, the primary choice of the mode
/// always, everything else only where it differs from the default. `from_query` reads it back to
/// the same inputs with no notices.
pub fn to_query(inputs: &Inputs) -> Vec<(String, String)> {
    let d = Inputs::default();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |key: &str, value: String| out.push((key.to_string(), value));
    match &inputs.model {
        ModelChoice::Preset(p) => put("model", p.id().to_string()),
        ModelChoice::Params(n) => put("params", n.to_query_text()),
        ModelChoice::Custom(a) => {
            put("model", "custom".to_string());
            let s = a.spec();
            for (key, value) in [
                ("layers", s.layers),
                ("hidden", s.hidden),
                ("heads", s.heads),
                ("kv_heads", s.kv_heads),
                ("head_dim", s.head_dim),
                ("ffn", s.ffn),
                ("vocab", s.vocab),
            ] {
                put(key, value.to_string());
            }
            put(
                "tied",
                on_off_id(s.embeddings == Embeddings::Tied).to_string(),
            );
            put(
                "bias",
                match s.biases {
                    Biases::None => "none",
                    Biases::Qkv => "qkv",
                    Biases::All => "all",
                }
                .to_string(),
            );
            put(
                "mlp",
                match s.mlp {
                    Mlp::Gated => "gated",
                    Mlp::Plain => "plain",
                }
                .to_string(),
            );
            put(
                "norm",
                match s.norm {
                    Norm::Rms => "rms",
                    Norm::Layer => "layer",
                }
                .to_string(),
            );
            put(
                "positions",
                match s.positions {
                    Positions::Rotary => "rope".to_string(),
                    Positions::Learned(n) => n.to_string(),
                },
            );
            if let Some(m) = s.max_context {
                put("max_context", m.to_string());
            }
        }
    }
    put("mode", inputs.mode.id().to_string());

    let (i, di) = (&inputs.inference, &d.inference);
    if inputs.mode == Mode::Inference || i.weights != di.weights {
        put("weights", i.weights.id().to_string());
    }
    if let Some(group) = i.group {
        put("group", group.to_string());
    }
    if i.double_quant != di.double_quant {
        put(
            "dq",
            on_off_id(i.double_quant == DoubleQuant::On).to_string(),
        );
    }
    if i.kv != di.kv {
        put("kv", i.kv.id().to_string());
    }
    if i.context != di.context {
        put("context", i.context.to_string());
    }
    if i.batch != di.batch {
        put("batch", i.batch.to_string());
    }

    let (t, dt) = (&inputs.training, &d.training);
    if inputs.mode == Mode::Training || t.recipe != dt.recipe {
        put("recipe", t.recipe.id().to_string());
    }
    if inputs.mode == Mode::Training || t.optimizer != dt.optimizer {
        put("optimizer", t.optimizer.id().to_string());
    }
    if t.gradients != dt.gradients {
        put("grads", t.gradients.id().to_string());
    }
    if t.micro_batch != dt.micro_batch {
        put("micro_batch", t.micro_batch.to_string());
    }
    if t.seq_len != dt.seq_len {
        put("seq", t.seq_len.to_string());
    }
    if t.recompute != dt.recompute {
        put("recompute", t.recompute.id().to_string());
    }
    if t.dropout != dt.dropout {
        put("dropout", on_off_id(t.dropout == Dropout::On).to_string());
    }
    if t.tensor_parallel != dt.tensor_parallel {
        put("tp", t.tensor_parallel.to_string());
    }
    if t.sequence_parallel != dt.sequence_parallel {
        put(
            "sp",
            on_off_id(t.sequence_parallel == SequenceParallel::On).to_string(),
        );
    }
    if t.zero != dt.zero {
        put("zero", t.zero.number().to_string());
    }
    if t.finetune != dt.finetune {
        put("finetune", t.finetune.id().to_string());
    }
    if t.lora_rank != dt.lora_rank {
        put("lora_rank", t.lora_rank.to_string());
    }
    if t.lora_targets != dt.lora_targets {
        put("lora_targets", t.lora_targets.ids());
    }

    if inputs.hardware.gpu != d.hardware.gpu {
        put("gpu", inputs.hardware.gpu.id().to_string());
    }
    if inputs.hardware.count != d.hardware.count {
        put("gpus", inputs.hardware.count.to_string());
    }
    if inputs.unit != d.unit {
        put("unit", inputs.unit.id().to_string());
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

    /// A value from a fixed set; an unknown one leaves the default and a notice.
    fn choice<T>(
        &mut self,
        key: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let raw = self.get(key)?;
        match parse(raw.trim()) {
            Some(v) => Some(v),
            None => {
                let shown = shorten(raw);
                self.notice(
                    key,
                    format!(
                        "\"{shown}\" is not recognised (expected {expected}); using the default."
                    ),
                );
                None
            }
        }
    }

    /// A whole number in `min..=max`, digits only.
    fn number(&mut self, key: &str, min: u64, max: u64) -> Option<u64> {
        let raw = self.get(key)?;
        let trimmed = raw.trim();
        let parsed = if !trimmed.is_empty()
            && trimmed.len() <= 20
            && trimmed.bytes().all(|b| b.is_ascii_digit())
        {
            trimmed.parse::<u64>().ok()
        } else {
            None
        };
        match parsed {
            Some(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                let shown = shorten(raw);
                self.notice(
                    key,
                    format!(
                        "\"{shown}\" is not a whole number from {min} to {max}; using the default."
                    ),
                );
                None
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
                                "\"{}\" is not a preset (expected qwen2-72b, mistral-7b, llama-3-8b, \
                                 llama-3-70b, llama-3.1-405b, gpt2 or custom); using Qwen2-72B.",
                                shorten(&id)
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

    fn custom(&mut self) -> ModelChoice {
        let base = Preset::Llama3_8b.architecture().spec();
        let mut spec = base;
        let fields: [(&str, &mut u64, u64); 7] = [
            ("layers", &mut spec.layers, 10_000),
            ("hidden", &mut spec.hidden, 1 << 20),
            ("heads", &mut spec.heads, 1 << 14),
            ("kv_heads", &mut spec.kv_heads, 1 << 14),
            ("head_dim", &mut spec.head_dim, 1 << 20),
            ("ffn", &mut spec.ffn, 1 << 23),
            ("vocab", &mut spec.vocab, 1 << 24),
        ];
        for (key, slot, max) in fields {
            match self.get(key) {
                Some(_) => {
                    if let Some(v) = self.number(key, 1, max) {
                        *slot = v;
                    }
                }
                None => self.notice(key, format!("Missing; using {} from Llama-3-8B.", *slot)),
            }
        }
        if let Some(v) = self.choice("tied", "on or off", on_off) {
            spec.embeddings = if v {
                Embeddings::Tied
            } else {
                Embeddings::Untied
            };
        }
        if let Some(v) = self.choice("bias", "none, qkv or all", |s| match s {
            "none" => Some(Biases::None),
            "qkv" => Some(Biases::Qkv),
            "all" => Some(Biases::All),
            _ => None,
        }) {
            spec.biases = v;
        }
        if let Some(v) = self.choice("mlp", "gated or plain", |s| match s {
            "gated" => Some(Mlp::Gated),
            "plain" => Some(Mlp::Plain),
            _ => None,
        }) {
            spec.mlp = v;
        }
        if let Some(v) = self.choice("norm", "rms or layer", |s| match s {
            "rms" => Some(Norm::Rms),
            "layer" => Some(Norm::Layer),
            _ => None,
        }) {
            spec.norm = v;
        }
        if let Some(v) = self.choice("positions", "rope or a learned table size", |s| {
            if s == "rope" {
                Some(Positions::Rotary)
            } else if !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok().filter(|n| *n > 0).map(Positions::Learned)
            } else {
                None
            }
        }) {
            spec.positions = v;
        }
        spec.max_context = None;
        if self.get("max_context").is_some() {
            spec.max_context = self.number("max_context", 1, MAX_TOKENS);
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

fn on_off(s: &str) -> Option<bool> {
    match s {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

fn on_off_id(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

fn lora_targets(s: &str) -> Option<LoraTargets> {
    let mut chosen = Vec::new();
    for part in s.split(',') {
        chosen.push(LoraMatrix::from_id(part.trim())?);
    }
    let targets = LoraTargets::of(&chosen);
    (!targets.is_empty()).then_some(targets)
}
