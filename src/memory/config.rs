//! A Hugging Face `config.json` read into an [`ArchSpec`]. This module owns [`import`]: the JSON
//! parsed by `serde_json`, the family chosen by `model_type`, every size read from the keys that
//! family's transformers configuration class defines (`models/<family>/configuration_*.py`), and
//! a record of which keys were used, which were left alone, and why. It never guesses a size: a
//! missing or malformed key is an error naming it. The result is a plain [`ArchSpec`], so a shared
//! link keeps the model without its JSON.

use core::fmt;

use serde_json::{Map, Value};

use super::arch::Window;
use super::arch::{ArchSpec, Architecture, Biases, Embeddings, Latent, Mlp, Moe, Norm, Positions};

/// The largest text accepted: real configs are a few KB (DeepSeek-V3's is 1.7 KB).
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// The families read, by `model_type`, for messages.
pub const FAMILIES: &str = "llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma, \
                            gemma2, gemma3 (its text model), gemma3_text, phi3, gpt2, gpt_neox, \
                            deepseek_v2 and deepseek_v3";

/// A config read into an architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub architecture: Architecture,
    /// The `model_type` it was read as.
    pub family: String,
    /// The keys that set a size or a choice, in the order read.
    pub used: Vec<String>,
    /// The keys present but not needed for memory (names, token ids, rope and routing settings).
    pub ignored: Vec<String>,
    /// Sentences on what was assumed or left out (a default taken, a vision tower not counted).
    pub notes: Vec<String>,
}

/// Why a config could not be read. `key` names the field at fault where there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn error(key: &str, message: String) -> ConfigError {
    ConfigError {
        key: Some(key.to_string()),
        message,
    }
}

/// Reads a `config.json` text. Nothing here panics on any input: size, depth (serde_json's
/// recursion limit), types and ranges are all checked, and the architecture's own checks run last.
pub fn import(text: &str) -> Result<Imported, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError {
            key: None,
            message: format!(
                "This text is {} bytes; a config.json is a few thousand. Paste the model's \
                 config.json (the limit is {} bytes).",
                text.len(),
                MAX_CONFIG_BYTES
            ),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| ConfigError {
        key: None,
        message: format!("This is not valid JSON: {e}."),
    })?;
    let Value::Object(root) = value else {
        return Err(ConfigError {
            key: None,
            message: "A config.json is a JSON object ({ ... }); this is not one.".to_string(),
        });
    };
    let mut outer = Reader::new(&root, "");
    let family = match outer.text("model_type")? {
        Some(t) => t,
        // The first GPT-2 configs on the Hub predate model_type.
        None if root.contains_key("n_embd") => "gpt2".to_string(),
        None => {
            return Err(error(
                "model_type",
                format!("model_type is missing, so the family is unknown (this reads {FAMILIES})."),
            ))
        }
    };
    let (spec, mut used, mut ignored, mut notes) = if family == "gemma3" {
        // Gemma 3's multimodal checkpoints keep the language model under text_config.
        let Some(Value::Object(inner)) = root.get("text_config") else {
            return Err(error(
                "text_config",
                "A gemma3 config keeps its language model in text_config, which is missing or \
                 not an object."
                    .to_string(),
            ));
        };
        outer.mark("text_config");
        let mut reader = Reader::new(inner, "text_config.");
        let spec = read_family(&mut reader, "gemma3_text")?;
        let mut notes = std::mem::take(&mut reader.notes);
        if root.contains_key("vision_config") {
            notes.push(
                "The vision tower (vision_config) and its projector are not counted: this budgets \
                 the language model."
                    .to_string(),
            );
        }
        let (used, ignored) = reader.keys();
        let (outer_used, outer_ignored) = outer.keys();
        (
            spec,
            [outer_used, used].concat(),
            [outer_ignored, ignored].concat(),
            notes,
        )
    } else {
        let spec = read_family(&mut outer, &family)?;
        let notes = std::mem::take(&mut outer.notes);
        let (used, ignored) = outer.keys();
        (spec, used, ignored, notes)
    };
    if root.contains_key("quantization_config") {
        notes.push(
            "The checkpoint is stored quantized (quantization_config): choose its format under \
             weight format."
                .to_string(),
        );
    }
    let architecture = Architecture::new(spec).map_err(|e| ConfigError {
        key: None,
        message: format!("The sizes read do not make a model: {e}"),
    })?;
    used.dedup();
    ignored.retain(|k| !used.contains(k));
    notes.dedup();
    Ok(Imported {
        architecture,
        family,
        used,
        ignored,
        notes,
    })
}

/// The keys of one JSON object, read with their types checked, remembering which were used.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
    used: Vec<String>,
    notes: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(map: &'a Map<String, Value>, prefix: &'static str) -> Self {
        Reader {
            map,
            prefix,
            used: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn mark(&mut self, key: &str) {
        let name = self.name(key);
        if !self.used.contains(&name) {
            self.used.push(name);
        }
    }

    /// The value of `key`, `None` when absent or null.
    fn get(&mut self, key: &str) -> Option<&'a Value> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                self.mark(key);
                Some(v)
            }
        }
    }

    /// A whole number, if present.
    fn number(&mut self, key: &str) -> Result<Option<u64>, ConfigError> {
        let name = self.name(key);
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v {
            Value::Number(n) => match n.as_u64() {
                Some(x) => Ok(Some(x)),
                None if n.as_i64().is_some() => Err(error(
                    &name,
                    format!("{name} is {n}; a size cannot be negative."),
                )),
                None => Err(error(
                    &name,
                    format!("{name} is {n}; it must be a whole number."),
                )),
            },
            other => Err(error(
                &name,
                format!("{name} must be a whole number; it is {}.", kind(other)),
            )),
        }
    }

    /// A whole number that must be there.
    fn required(&mut self, key: &str) -> Result<u64, ConfigError> {
        let name = self.name(key);
        self.number(key)?.ok_or_else(|| {
            error(
                &name,
                format!("{name} is missing; it is needed to size the model."),
            )
        })
    }

    /// A whole number, or `default` with a note saying it was assumed.
    fn or_default(&mut self, key: &str, default: u64, whose: &str) -> Result<u64, ConfigError> {
        match self.number(key)? {
            Some(v) => Ok(v),
            None => {
                let name = self.name(key);
                self.notes.push(format!(
                    "{name} is not in the file: {whose}'s default, {default}, is used."
                ));
                Ok(default)
            }
        }
    }

    fn flag(&mut self, key: &str, default: bool) -> Result<bool, ConfigError> {
        let name = self.name(key);
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(error(
                &name,
                format!("{name} must be true or false; it is {}.", kind(other)),
            )),
        }
    }

    fn text(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        let name = self.name(key);
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(error(
                &name,
                format!("{name} must be a string; it is {}.", kind(other)),
            )),
        }
    }

    /// A key whose only supported value is `expected` (a layout this calculator does not model).
    fn only(&mut self, key: &str, expected: u64, what: &str) -> Result<(), ConfigError> {
        let name = self.name(key);
        match self.number(key)? {
            Some(v) if v != expected => Err(error(
                &name,
                format!("{name} = {v} ({what}) is not supported; only {expected} is."),
            )),
            _ => Ok(()),
        }
    }

    /// The used keys and every other key present, prefixed.
    fn keys(&self) -> (Vec<String>, Vec<String>) {
        let ignored = self
            .map
            .keys()
            .map(|k| self.name(k))
            .filter(|k| !self.used.contains(k))
            .collect();
        (self.used.clone(), ignored)
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(24).collect();
            format!("the text \"{shown}\"")
        }
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Reads the sizes of one family from `r`.
fn read_family(r: &mut Reader, family: &str) -> Result<ArchSpec, ConfigError> {
    match family {
        "gpt2" => gpt2(r),
        "gpt_neox" => gpt_neox(r),
        "deepseek_v2" | "deepseek_v3" => deepseek(r, family == "deepseek_v3"),
        "llama" | "mistral" | "mixtral" | "qwen2" | "qwen2_moe" | "qwen3" | "qwen3_moe"
        | "gemma" | "gemma2" | "gemma3_text" | "phi3" => llama_like(r, family),
        other => {
            let shown: String = other.chars().take(40).collect();
            Err(error(
                "model_type",
                format!(
                    "model_type \"{shown}\" is not a family this calculator reads ({FAMILIES}). \
                     Type its sizes into the custom architecture instead."
                ),
            ))
        }
    }
}

/// The decoder families that share Llama's layout: rotary positions, RMSNorm, a gated MLP.
fn llama_like(r: &mut Reader, family: &str) -> Result<ArchSpec, ConfigError> {
    let gemma = family.starts_with("gemma");
    let gemma3 = family == "gemma3_text";
    let (layers, hidden, ffn) = (
        r.required("num_hidden_layers")?,
        r.required("hidden_size")?,
        r.required("intermediate_size")?,
    );
    // Gemma 3's nested text_config leaves out what equals Gemma3TextConfig's defaults.
    let (heads, vocab) = if gemma3 {
        (
            r.or_default("num_attention_heads", 8, "Gemma3TextConfig")?,
            r.or_default("vocab_size", 262_208, "Gemma3TextConfig")?,
        )
    } else {
        (
            r.required("num_attention_heads")?,
            r.required("vocab_size")?,
        )
    };
    let kv_heads = match (gemma3, r.number("num_key_value_heads")?) {
        (_, Some(k)) => k,
        (true, None) => r.or_default("num_key_value_heads", 4, "Gemma3TextConfig")?,
        (false, None) => heads,
    };
    // transformers: `head_dim` where given, else hidden / heads (Gemma's classes default to 256).
    let head_dim = match (gemma, r.number("head_dim")?) {
        (_, Some(d)) => d,
        (true, None) => r.or_default("head_dim", 256, "the Gemma configuration")?,
        (false, None) => hidden / heads.max(1),
    };
    let tied = r.flag("tie_word_embeddings", gemma)?;
    let attention_bias = r.flag("attention_bias", false)?;
    let biases = match family {
        // Qwen2's q, k and v always carry a bias (Qwen2-MoE: `qkv_bias`, on by default).
        "qwen2" => Biases::Qkv,
        "qwen2_moe" if r.flag("qkv_bias", true)? => Biases::Qkv,
        _ => match (attention_bias, r.flag("mlp_bias", false)?) {
            (false, false) => Biases::None,
            (true, false) => Biases::Attention,
            (true, true) => Biases::All,
            (false, true) => {
                return Err(error(
                    &r.name("mlp_bias"),
                    "mlp_bias = true without attention_bias (biases on the MLP only) is not a \
                     layout this calculator models."
                        .to_string(),
                ))
            }
        },
    };
    let max_context = if gemma3 {
        Some(r.or_default("max_position_embeddings", 131_072, "Gemma3TextConfig")?)
    } else {
        r.number("max_position_embeddings")?
    };
    let window = window(r, family, layers)?;
    let moe = match family {
        "mixtral" => Some(Moe {
            experts: r.required("num_local_experts")?,
            active: r.required("num_experts_per_tok")?,
            expert_ffn: ffn,
            shared_ffn: 0,
            shared_gate: false,
            router_bias: false,
            dense_layers: 0,
        }),
        "qwen2_moe" | "qwen3_moe" => qwen_moe(r, family == "qwen2_moe")?,
        _ => None,
    };
    Ok(ArchSpec {
        head_dim,
        embeddings: if tied {
            Embeddings::Tied
        } else {
            Embeddings::Untied
        },
        biases,
        max_context,
        block_norms: if family == "gemma2" || gemma3 { 4 } else { 2 },
        qk_norm: matches!(family, "qwen3" | "qwen3_moe" | "gemma3_text"),
        moe,
        window,
        ..ArchSpec::dense(layers, hidden, heads, kv_heads, ffn, vocab)
    })
}

/// Qwen's mixtures: every layer sparse (`decoder_sparse_step` 1, no `mlp_only_layers`); Qwen2-MoE
/// adds a gated shared expert.
fn qwen_moe(r: &mut Reader, shared: bool) -> Result<Option<Moe>, ConfigError> {
    let experts = r.required("num_experts")?;
    if experts == 0 {
        return Ok(None);
    }
    r.only("decoder_sparse_step", 1, "an MoE block every few layers")?;
    r.only("expert_interval", 1, "an MoE block every few layers")?;
    if let Some(v) = r.get("mlp_only_layers") {
        if !matches!(v, Value::Array(a) if a.is_empty()) {
            let name = r.name("mlp_only_layers");
            return Err(error(
                &name,
                format!(
                    "{name} lists dense layers among the MoE ones; that layout is not supported."
                ),
            ));
        }
    }
    let shared_ffn = if shared {
        r.number("shared_expert_intermediate_size")?.unwrap_or(0)
    } else {
        0
    };
    Ok(Some(Moe {
        experts,
        active: r.required("num_experts_per_tok")?,
        expert_ffn: r.required("moe_intermediate_size")?,
        shared_ffn,
        shared_gate: shared_ffn > 0,
        router_bias: false,
        dense_layers: 0,
    }))
}

/// Which layers attend through a sliding window, family by family (transformers' `layer_types`
/// rules): Mistral and Mixtral every layer; Qwen the layers from `max_window_layers` on, only with
/// `use_sliding_window`; Gemma 2 every other layer; Gemma 3 five of every six. An explicit
/// `layer_types` list wins.
fn window(r: &mut Reader, family: &str, layers: u64) -> Result<Option<Window>, ConfigError> {
    let qwen = family.starts_with("qwen");
    if family == "phi3" || family == "gemma" || family == "llama" {
        if r.map.contains_key("sliding_window") && family == "phi3" {
            r.notes.push(
                "sliding_window is left out: Phi-3 was trained with it, but whether a runtime \
                 trims the cache to it varies, so the full cache is counted."
                    .to_string(),
            );
        }
        return Ok(None);
    }
    if qwen && !r.flag("use_sliding_window", false)? {
        if r.map.contains_key("sliding_window") {
            r.notes.push(
                "sliding_window is not used: use_sliding_window is false, so every layer attends \
                 to the whole context."
                    .to_string(),
            );
        }
        return Ok(None);
    }
    let tokens = match family {
        "gemma3_text" => r.or_default("sliding_window", 4096, "Gemma3TextConfig")?,
        _ => match r.number("sliding_window")? {
            Some(t) => t,
            None => return Ok(None),
        },
    };
    if tokens == 0 {
        return Ok(None);
    }
    let global_layers = if let Some(types) = r.get("layer_types") {
        let name = r.name("layer_types");
        let Value::Array(list) = types else {
            return Err(error(
                &name,
                format!("{name} must be a list of layer kinds."),
            ));
        };
        if list.len() as u64 != layers {
            return Err(error(
                &name,
                format!(
                    "{name} lists {} layers but num_hidden_layers is {layers}.",
                    list.len()
                ),
            ));
        }
        let mut global = 0;
        for item in list {
            match item.as_str() {
                Some("full_attention") => global += 1,
                Some("sliding_attention") => {}
                _ => {
                    return Err(error(
                        &name,
                        format!(
                            "{name} holds {}; each entry must be \"full_attention\" or \
                             \"sliding_attention\".",
                            kind(item)
                        ),
                    ))
                }
            }
        }
        global
    } else {
        match family {
            // Layers i with (i + 1) % 2 == 0 are global.
            "gemma2" => layers / 2,
            "gemma3_text" => {
                let pattern = match r.number("sliding_window_pattern")? {
                    Some(p) => p,
                    None => r.or_default("_sliding_window_pattern", 6, "Gemma3TextConfig")?,
                };
                layers.checked_div(pattern).unwrap_or(0)
            }
            _ if qwen => r.required("max_window_layers")?.min(layers),
            _ => 0,
        }
    };
    Ok(Some(Window {
        tokens,
        global_layers,
    }))
}

/// GPT-2: learned positions, LayerNorm, biases everywhere, a plain MLP of `n_inner` (4 x n_embd
/// when null), tied embeddings.
fn gpt2(r: &mut Reader) -> Result<ArchSpec, ConfigError> {
    let hidden = r.required("n_embd")?;
    let heads = r.required("n_head")?;
    let positions = match r.number("n_positions")? {
        Some(n) => n,
        None => r.required("n_ctx")?,
    };
    let ffn = match r.number("n_inner")? {
        Some(f) => f,
        None => hidden.saturating_mul(4),
    };
    Ok(ArchSpec {
        head_dim: hidden / heads.max(1),
        embeddings: Embeddings::Tied,
        biases: Biases::All,
        mlp: Mlp::Plain,
        norm: Norm::Layer,
        positions: Positions::Learned(positions),
        max_context: Some(positions),
        ..ArchSpec::dense(
            r.required("n_layer")?,
            hidden,
            heads,
            heads,
            ffn,
            r.required("vocab_size")?,
        )
    })
}

/// GPT-NeoX (Pythia): rotary positions, LayerNorm, biases on every linear layer, a plain MLP.
fn gpt_neox(r: &mut Reader) -> Result<ArchSpec, ConfigError> {
    let hidden = r.required("hidden_size")?;
    let heads = r.required("num_attention_heads")?;
    if !r.flag("attention_bias", true)? {
        let name = r.name("attention_bias");
        return Err(error(
            &name,
            format!("{name} = false (a NeoX model with MLP biases only) is not supported."),
        ));
    }
    Ok(ArchSpec {
        embeddings: if r.flag("tie_word_embeddings", false)? {
            Embeddings::Tied
        } else {
            Embeddings::Untied
        },
        biases: Biases::All,
        mlp: Mlp::Plain,
        norm: Norm::Layer,
        max_context: r.number("max_position_embeddings")?,
        ..ArchSpec::dense(
            r.required("num_hidden_layers")?,
            hidden,
            heads,
            heads,
            r.required("intermediate_size")?,
            r.required("vocab_size")?,
        )
    })
}

/// DeepSeek-V2/V3: multi-head latent attention and DeepSeekMoE (routed and shared experts after
/// `first_k_dense_replace` dense layers; V3's routing bias). The multi-token-prediction module is
/// left out, as transformers leaves it out when loading.
fn deepseek(r: &mut Reader, v3: bool) -> Result<ArchSpec, ConfigError> {
    let layers = r.required("num_hidden_layers")?;
    let hidden = r.required("hidden_size")?;
    let heads = r.required("num_attention_heads")?;
    // Read for the record; latent attention rebuilds a key and value per head.
    r.number("num_key_value_heads")?;
    let latent = Latent {
        q_rank: r.number("q_lora_rank")?.unwrap_or(0),
        kv_rank: r.required("kv_lora_rank")?,
        rope_dim: r.required("qk_rope_head_dim")?,
        nope_dim: r.required("qk_nope_head_dim")?,
        v_dim: r.required("v_head_dim")?,
    };
    r.only("moe_layer_freq", 1, "an MoE block every few layers")?;
    let moe = match r.number("n_routed_experts")? {
        Some(experts) if experts > 0 => {
            let expert_ffn = r.required("moe_intermediate_size")?;
            let shared = r.number("n_shared_experts")?.unwrap_or(0);
            Some(Moe {
                experts,
                active: r.required("num_experts_per_tok")?,
                expert_ffn,
                shared_ffn: shared.saturating_mul(expert_ffn),
                shared_gate: false,
                router_bias: v3,
                dense_layers: r.number("first_k_dense_replace")?.unwrap_or(0),
            })
        }
        _ => None,
    };
    if let Some(n) = r
        .map
        .get("num_nextn_predict_layers")
        .and_then(Value::as_u64)
    {
        if n > 0 {
            r.notes.push(format!(
                "The multi-token-prediction module (num_nextn_predict_layers = {n}) is not \
                 counted: it serves speculative decoding and training, and transformers does not \
                 load it."
            ));
        }
    }
    let attention_bias = r.flag("attention_bias", false)?;
    Ok(ArchSpec {
        head_dim: latent.nope_dim + latent.rope_dim,
        embeddings: if r.flag("tie_word_embeddings", false)? {
            Embeddings::Tied
        } else {
            Embeddings::Untied
        },
        biases: if attention_bias {
            Biases::Attention
        } else {
            Biases::None
        },
        max_context: r.number("max_position_embeddings")?,
        latent: Some(latent),
        moe,
        ..ArchSpec::dense(
            layers,
            hidden,
            heads,
            heads,
            r.required("intermediate_size")?,
            r.required("vocab_size")?,
        )
    })
}
