//! Transformer architectures and the model presets. This module owns [`Architecture`] (validated
//! shape: layers, widths, heads, vocabulary, embedding, bias, MLP, norm and position choices), the
//! list of its weight tensors with their shapes (which Adafactor, LoRA, quantization and tensor
//! parallelism need), the exact parameter count computed from them, and the [`Preset`] catalogue
//! with each model's published configuration. It does not know about bytes or formats.

use core::fmt;

/// Whether the output projection shares the input embedding matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Embeddings {
    /// One vocab x hidden matrix serves as input embedding and output head (GPT-2).
    Tied,
    /// A separate output head (Llama, Mistral, Qwen2).
    Untied,
}

/// Which linear layers carry a bias vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Biases {
    /// No biases anywhere (Llama, Mistral).
    None,
    /// Biases on the query, key and value projections only (Qwen2).
    Qkv,
    /// Biases on every linear layer and norm (GPT-2).
    All,
}

/// The feed-forward block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mlp {
    /// `down(act(gate(x)) * up(x))`: three hidden x ffn matrices (SwiGLU in Llama, Mistral, Qwen2).
    Gated,
    /// `down(act(up(x)))`: two matrices (GPT-2's GELU MLP).
    Plain,
}

/// The normalisation layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Norm {
    /// RMSNorm: one scale vector of size hidden.
    Rms,
    /// LayerNorm: a scale and a shift vector (the shift counts as a bias only in the sense of
    /// parameters; it is always present).
    Layer,
}

/// How positions enter the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Positions {
    /// Rotary embeddings: no parameters.
    Rotary,
    /// A learned table of `n` positions x hidden (GPT-2: 1024). The context can never exceed `n`.
    Learned(u64),
}

/// The raw fields of an architecture, as typed or stored in a URL. Turn it into an
/// [`Architecture`] with [`Architecture::new`], which checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArchSpec {
    pub layers: u64,
    pub hidden: u64,
    pub heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
    pub ffn: u64,
    pub vocab: u64,
    pub embeddings: Embeddings,
    pub biases: Biases,
    pub mlp: Mlp,
    pub norm: Norm,
    pub positions: Positions,
    /// The longest context the model was trained for, if known (caps "largest context that fits").
    pub max_context: Option<u64>,
}

/// A checked transformer architecture. Fields are private; read them through getters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Architecture {
    spec: ArchSpec,
}

/// Why an [`ArchSpec`] was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchError {
    /// A size that must be at least 1 is 0.
    Zero { field: &'static str },
    /// A size beyond the sanity bound for its field.
    TooLarge {
        field: &'static str,
        value: u64,
        max: u64,
    },
    /// Query heads must be a whole multiple of key/value heads (grouped-query attention).
    HeadsNotMultipleOfKvHeads { heads: u64, kv_heads: u64 },
}

impl fmt::Display for ArchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchError::Zero { field } => write!(f, "{field} must be at least 1."),
            ArchError::TooLarge { field, value, max } => {
                write!(f, "{field} = {value} is larger than the limit of {max}.")
            }
            ArchError::HeadsNotMultipleOfKvHeads { heads, kv_heads } => write!(
                f,
                "{heads} attention heads cannot be shared evenly by {kv_heads} key/value heads; \
                 heads must be a multiple of kv heads."
            ),
        }
    }
}

impl std::error::Error for ArchError {}

/// What a weight tensor does; LoRA targets, quantization and tensor parallelism key on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TensorRole {
    /// The input token embedding (vocab x hidden).
    TokenEmbedding,
    /// The learned position table.
    PositionEmbedding,
    /// Query projection (hidden -> heads x head_dim).
    Query,
    /// Key projection (hidden -> kv_heads x head_dim).
    Key,
    /// Value projection.
    Value,
    /// Attention output projection.
    AttentionOut,
    /// Gate projection of a gated MLP.
    Gate,
    /// Up projection (the first MLP matrix of a plain MLP).
    Up,
    /// Down projection.
    Down,
    /// A bias vector of a linear layer.
    Bias,
    /// A norm's scale or shift vector.
    Norm,
    /// The untied output head.
    OutputHead,
}

impl TensorRole {
    /// True for the seven projection matrices inside a transformer block, the ones LoRA targets
    /// and weight-only quantizers (GPTQ, AWQ, bitsandbytes) convert.
    pub fn is_block_matrix(self) -> bool {
        matches!(
            self,
            TensorRole::Query
                | TensorRole::Key
                | TensorRole::Value
                | TensorRole::AttentionOut
                | TensorRole::Gate
                | TensorRole::Up
                | TensorRole::Down
        )
    }
}

/// How Megatron-style tensor parallelism treats a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// Split across the `t` ranks (column- or row-parallel matrices, vocab-parallel embeddings,
    /// biases of column-parallel layers).
    Split,
    /// Replicated on every rank (norms, biases of row-parallel layers, position table).
    Replicated,
}

/// One weight tensor (or `count` identical ones, one per layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tensor {
    pub role: TensorRole,
    /// Rows (output features); 1 for a vector.
    pub rows: u64,
    /// Columns (input features), or the vector length.
    pub cols: u64,
    /// How many identical tensors (the number of layers for per-layer tensors).
    pub count: u64,
    /// True for tensors inside each transformer block, false for the embedding, head and final
    /// norm.
    pub per_layer: bool,
    pub split: Split,
}

impl Tensor {
    /// Elements in one tensor.
    pub fn elements(&self) -> u128 {
        u128::from(self.rows) * u128::from(self.cols)
    }

    /// True for a matrix (both dimensions above 1), false for a vector.
    pub fn is_matrix(&self) -> bool {
        self.rows > 1 && self.cols > 1
    }
}

/// Sanity bounds: well above any real model, low enough that every product stays in `u128`.
const MAX_LAYERS: u64 = 10_000;
const MAX_WIDTH: u64 = 1 << 20;
const MAX_HEADS: u64 = 1 << 14;
const MAX_VOCAB: u64 = 1 << 24;
const MAX_CONTEXT: u64 = 1 << 27;

impl Architecture {
    /// Checks a spec: every size at least 1 and below a sanity bound, and heads a multiple of kv
    /// heads. `head_dim` is its own field because it is not always hidden / heads.
    pub fn new(spec: ArchSpec) -> Result<Self, ArchError> {
        let checks: [(&'static str, u64, u64); 7] = [
            ("layers", spec.layers, MAX_LAYERS),
            ("hidden", spec.hidden, MAX_WIDTH),
            ("heads", spec.heads, MAX_HEADS),
            ("kv heads", spec.kv_heads, MAX_HEADS),
            ("head dim", spec.head_dim, MAX_WIDTH),
            ("ffn", spec.ffn, MAX_WIDTH * 8),
            ("vocab", spec.vocab, MAX_VOCAB),
        ];
        for (field, value, max) in checks {
            if value == 0 {
                return Err(ArchError::Zero { field });
            }
            if value > max {
                return Err(ArchError::TooLarge { field, value, max });
            }
        }
        if let Positions::Learned(n) = spec.positions {
            if n == 0 {
                return Err(ArchError::Zero { field: "positions" });
            }
            if n > MAX_CONTEXT {
                return Err(ArchError::TooLarge {
                    field: "positions",
                    value: n,
                    max: MAX_CONTEXT,
                });
            }
        }
        if let Some(n) = spec.max_context {
            if n == 0 {
                return Err(ArchError::Zero {
                    field: "max context",
                });
            }
            if n > MAX_CONTEXT {
                return Err(ArchError::TooLarge {
                    field: "max context",
                    value: n,
                    max: MAX_CONTEXT,
                });
            }
        }
        if !spec.heads.is_multiple_of(spec.kv_heads) {
            return Err(ArchError::HeadsNotMultipleOfKvHeads {
                heads: spec.heads,
                kv_heads: spec.kv_heads,
            });
        }
        Ok(Architecture { spec })
    }

    /// The fields, for display and for the URL.
    pub fn spec(&self) -> ArchSpec {
        self.spec
    }
    pub fn layers(&self) -> u64 {
        self.spec.layers
    }
    pub fn hidden(&self) -> u64 {
        self.spec.hidden
    }
    pub fn heads(&self) -> u64 {
        self.spec.heads
    }
    pub fn kv_heads(&self) -> u64 {
        self.spec.kv_heads
    }
    pub fn head_dim(&self) -> u64 {
        self.spec.head_dim
    }
    pub fn ffn(&self) -> u64 {
        self.spec.ffn
    }
    pub fn vocab(&self) -> u64 {
        self.spec.vocab
    }
    pub fn mlp(&self) -> Mlp {
        self.spec.mlp
    }

    /// The longest context this model can take: the learned position table's size, else the
    /// published training context, else `None` (no limit known).
    pub fn max_context(&self) -> Option<u64> {
        match self.spec.positions {
            Positions::Learned(n) => Some(self.spec.max_context.map_or(n, |m| m.min(n))),
            Positions::Rotary => self.spec.max_context,
        }
    }

    /// Every weight tensor with its shape. Per-layer tensors carry `count = layers`.
    pub fn tensors(&self) -> Vec<Tensor> {
        let s = &self.spec;
        let h = s.hidden;
        let q_dim = s.heads * s.head_dim;
        let kv_dim = s.kv_heads * s.head_dim;
        let layers = s.layers;
        let norm_vectors = match s.norm {
            Norm::Rms => 1,
            Norm::Layer => 2,
        };
        let per_layer = |role, rows, cols, split| Tensor {
            role,
            rows,
            cols,
            count: layers,
            per_layer: true,
            split,
        };
        let mut out = vec![Tensor {
            role: TensorRole::TokenEmbedding,
            rows: s.vocab,
            cols: h,
            count: 1,
            per_layer: false,
            split: Split::Split,
        }];
        if let Positions::Learned(n) = s.positions {
            out.push(Tensor {
                role: TensorRole::PositionEmbedding,
                rows: n,
                cols: h,
                count: 1,
                per_layer: false,
                split: Split::Replicated,
            });
        }
        // Attention: q, k, v are column-parallel (split by output), o is row-parallel.
        out.push(per_layer(
            TensorRole::Norm,
            1,
            h * norm_vectors,
            Split::Replicated,
        ));
        out.push(per_layer(TensorRole::Query, q_dim, h, Split::Split));
        out.push(per_layer(TensorRole::Key, kv_dim, h, Split::Split));
        out.push(per_layer(TensorRole::Value, kv_dim, h, Split::Split));
        out.push(per_layer(TensorRole::AttentionOut, h, q_dim, Split::Split));
        if matches!(s.biases, Biases::Qkv | Biases::All) {
            out.push(per_layer(
                TensorRole::Bias,
                1,
                q_dim + 2 * kv_dim,
                Split::Split,
            ));
        }
        if s.biases == Biases::All {
            out.push(per_layer(TensorRole::Bias, 1, h, Split::Replicated));
        }
        // MLP: gate and up are column-parallel, down is row-parallel.
        out.push(per_layer(
            TensorRole::Norm,
            1,
            h * norm_vectors,
            Split::Replicated,
        ));
        if s.mlp == Mlp::Gated {
            out.push(per_layer(TensorRole::Gate, s.ffn, h, Split::Split));
        }
        out.push(per_layer(TensorRole::Up, s.ffn, h, Split::Split));
        out.push(per_layer(TensorRole::Down, h, s.ffn, Split::Split));
        if s.biases == Biases::All {
            let up_bias = match s.mlp {
                Mlp::Gated => 2 * s.ffn,
                Mlp::Plain => s.ffn,
            };
            out.push(per_layer(TensorRole::Bias, 1, up_bias, Split::Split));
            out.push(per_layer(TensorRole::Bias, 1, h, Split::Replicated));
        }
        out.push(Tensor {
            role: TensorRole::Norm,
            rows: 1,
            cols: h * norm_vectors,
            count: 1,
            per_layer: false,
            split: Split::Replicated,
        });
        if s.embeddings == Embeddings::Untied {
            out.push(Tensor {
                role: TensorRole::OutputHead,
                rows: s.vocab,
                cols: h,
                count: 1,
                per_layer: false,
                split: Split::Split,
            });
        }
        out
    }

    /// The exact parameter count: the sum of every tensor's elements.
    pub fn param_count(&self) -> u128 {
        self.tensors()
            .iter()
            .map(|t| t.elements() * u128::from(t.count))
            .sum()
    }

    /// Parameters in one transformer block (what ZeRO-3 gathers at a time).
    pub fn params_per_layer(&self) -> u128 {
        self.tensors()
            .iter()
            .filter(|t| t.per_layer)
            .map(|t| t.elements())
            .sum()
    }
}

/// The built-in models. Ids are the URL values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    Qwen2_72b,
    Mistral7b,
    Llama3_8b,
    Llama3_70b,
    Llama31_405b,
    Gpt2,
}

impl Preset {
    /// Every preset, in menu order.
    pub const ALL: [Preset; 6] = [
        Preset::Qwen2_72b,
        Preset::Mistral7b,
        Preset::Llama3_8b,
        Preset::Llama3_70b,
        Preset::Llama31_405b,
        Preset::Gpt2,
    ];

    /// The URL id.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "qwen2-72b",
            Preset::Mistral7b => "mistral-7b",
            Preset::Llama3_8b => "llama-3-8b",
            Preset::Llama3_70b => "llama-3-70b",
            Preset::Llama31_405b => "llama-3.1-405b",
            Preset::Gpt2 => "gpt2",
        }
    }

    /// Looks a preset up by URL id.
    pub fn from_id(id: &str) -> Option<Self> {
        Preset::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The model's name as its publisher writes it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "Qwen2-72B",
            Preset::Mistral7b => "Mistral-7B-v0.1",
            Preset::Llama3_8b => "Llama-3-8B",
            Preset::Llama3_70b => "Llama-3-70B",
            Preset::Llama31_405b => "Llama-3.1-405B",
            Preset::Gpt2 => "GPT-2 (small)",
        }
    }

    /// Where the configuration comes from (the model's published `config.json`).
    pub fn source(self) -> &'static str {
        match self {
            Preset::Qwen2_72b => "huggingface.co/Qwen/Qwen2-72B config.json",
            Preset::Mistral7b => "huggingface.co/mistralai/Mistral-7B-v0.1 config.json",
            Preset::Llama3_8b => "huggingface.co/meta-llama/Meta-Llama-3-8B config.json",
            Preset::Llama3_70b => "huggingface.co/meta-llama/Meta-Llama-3-70B config.json",
            Preset::Llama31_405b => "huggingface.co/meta-llama/Llama-3.1-405B config.json",
            Preset::Gpt2 => "huggingface.co/openai-community/gpt2 config.json",
        }
    }

    /// The published parameter count (docs/sources.md, "Model presets"); tests check that
    /// [`Architecture::param_count`] reproduces it exactly.
    pub fn published_params(self) -> u128 {
        match self {
            Preset::Qwen2_72b => 72_706_203_648,
            Preset::Mistral7b => 7_241_732_096,
            Preset::Llama3_8b => 8_030_261_248,
            Preset::Llama3_70b => 70_553_706_496,
            Preset::Llama31_405b => 405_853_388_800,
            Preset::Gpt2 => 124_439_808,
        }
    }

    /// The architecture, from the published configuration.
    pub fn architecture(self) -> Architecture {
        let llama_like = |layers, hidden, heads, kv_heads, ffn, vocab, max_context| ArchSpec {
            layers,
            hidden,
            heads,
            kv_heads,
            head_dim: hidden / heads,
            ffn,
            vocab,
            embeddings: Embeddings::Untied,
            biases: Biases::None,
            mlp: Mlp::Gated,
            norm: Norm::Rms,
            positions: Positions::Rotary,
            max_context: Some(max_context),
        };
        let spec = match self {
            Preset::Qwen2_72b => ArchSpec {
                biases: Biases::Qkv,
                ..llama_like(80, 8192, 64, 8, 29568, 152064, 32768)
            },
            Preset::Mistral7b => llama_like(32, 4096, 32, 8, 14336, 32000, 32768),
            Preset::Llama3_8b => llama_like(32, 4096, 32, 8, 14336, 128256, 8192),
            Preset::Llama3_70b => llama_like(80, 8192, 64, 8, 28672, 128256, 8192),
            Preset::Llama31_405b => llama_like(126, 16384, 128, 8, 53248, 128256, 131072),
            Preset::Gpt2 => ArchSpec {
                layers: 12,
                hidden: 768,
                heads: 12,
                kv_heads: 12,
                head_dim: 64,
                ffn: 3072,
                vocab: 50257,
                embeddings: Embeddings::Tied,
                biases: Biases::All,
                mlp: Mlp::Plain,
                norm: Norm::Layer,
                positions: Positions::Learned(1024),
                max_context: Some(1024),
            },
        };
        Architecture::new(spec).expect("preset architectures are valid")
    }
}
