//! Transformer architectures. This module owns [`Architecture`] (validated shape: layers, widths,
//! heads, vocabulary, embedding, bias, MLP, norm and position choices, and the optional parts of
//! today's models: a mixture of experts, multi-head latent attention, sliding-window layers), the
//! list of its weight tensors with their shapes and where they sit (which Adafactor, LoRA,
//! quantization, tensor and expert parallelism need), and the exact total and active parameter
//! counts computed from them. The published models are in `presets`. It does not know about bytes
//! or formats.

use core::fmt;

/// Whether the output projection shares the input embedding matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Embeddings {
    /// One vocab x hidden matrix serves as input embedding and output head (GPT-2, Gemma).
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
    /// Biases on the attention's projections, output included (`attention_bias` in Llama-family
    /// configs; DeepSeek's latent down-projections and output).
    Attention,
    /// Biases on every linear layer and norm (GPT-2, GPT-NeoX).
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

/// A mixture of experts: in each MoE layer a router sends every token to `active` of `experts`
/// expert MLPs (of width `expert_ffn`, gated or not as the model's MLP), beside an always-used
/// shared expert of width `shared_ffn` (0: none). The first `dense_layers` layers keep a dense MLP
/// of width `ffn` (DeepSeek's `first_k_dense_replace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Moe {
    pub experts: u64,
    pub active: u64,
    pub expert_ffn: u64,
    pub shared_ffn: u64,
    /// Qwen2-MoE's sigmoid gate on the shared expert: one hidden-sized vector per layer.
    pub shared_gate: bool,
    /// DeepSeek-V3's routing bias (`e_score_correction_bias`): one value per expert per layer.
    pub router_bias: bool,
    pub dense_layers: u64,
}

/// Multi-head latent attention (DeepSeek-V2/V3): keys and values are rebuilt from one compressed
/// latent of `kv_rank` values per token (plus a shared rotary key of `rope_dim`), which is all the
/// KV cache keeps; queries go through a latent of `q_rank` (0: a plain query projection). Each head
/// scores with `nope_dim + rope_dim` values and reads `v_dim` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Latent {
    pub q_rank: u64,
    pub kv_rank: u64,
    pub rope_dim: u64,
    pub nope_dim: u64,
    pub v_dim: u64,
}

/// Sliding-window attention: all layers but `global_layers` attend to the last `tokens` tokens
/// only, so their KV cache stops growing there (Mistral-7B-v0.1: every layer, 4096; Gemma 2: every
/// other layer; Gemma 3: five of every six).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub tokens: u64,
    pub global_layers: u64,
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
    /// Norm layers in each block: 2 (before attention and before the MLP), 4 in Gemma 2 and 3
    /// (also after each).
    pub block_norms: u64,
    /// An RMSNorm over each query and key head (Qwen3, Gemma 3): two head-sized vectors a layer.
    pub qk_norm: bool,
    pub moe: Option<Moe>,
    pub latent: Option<Latent>,
    pub window: Option<Window>,
}

impl ArchSpec {
    /// A dense decoder with rotary positions and two RMSNorms a block, without experts, latent
    /// attention or windows: the fields every model has, for building one up.
    pub const fn dense(
        layers: u64,
        hidden: u64,
        heads: u64,
        kv_heads: u64,
        ffn: u64,
        vocab: u64,
    ) -> ArchSpec {
        ArchSpec {
            layers,
            hidden,
            heads,
            kv_heads,
            head_dim: match hidden.checked_div(heads) {
                Some(d) => d,
                None => 0,
            },
            ffn,
            vocab,
            embeddings: Embeddings::Untied,
            biases: Biases::None,
            mlp: Mlp::Gated,
            norm: Norm::Rms,
            positions: Positions::Rotary,
            max_context: None,
            block_norms: 2,
            qk_norm: false,
            moe: None,
            latent: None,
            window: None,
        }
    }
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
    /// Query projection (hidden, or the query latent, -> heads x head size).
    Query,
    /// Key projection (hidden -> kv_heads x head_dim).
    Key,
    /// Value projection.
    Value,
    /// Latent attention: the query's down-projection to its latent.
    QueryDown,
    /// Latent attention: the down-projection to the key/value latent and the rotary key.
    KvDown,
    /// Latent attention: the up-projection from the latent to every head's key and value.
    KvUp,
    /// Attention output projection.
    AttentionOut,
    /// Gate projection of a gated MLP.
    Gate,
    /// Up projection (the first MLP matrix of a plain MLP).
    Up,
    /// Down projection.
    Down,
    /// A router: the expert scores of a mixture of experts (and its bias, and a shared expert's
    /// gate).
    Router,
    /// A bias vector of a linear layer.
    Bias,
    /// A norm's scale or shift vector.
    Norm,
    /// The untied output head.
    OutputHead,
}

impl TensorRole {
    /// True for the projection matrices inside a transformer block, the ones LoRA targets and
    /// weight-only quantizers (GPTQ, AWQ, bitsandbytes) convert. Routers stay in 16 bits, as
    /// those tools leave them.
    pub fn is_block_matrix(self) -> bool {
        matches!(
            self,
            TensorRole::Query
                | TensorRole::Key
                | TensorRole::Value
                | TensorRole::QueryDown
                | TensorRole::KvDown
                | TensorRole::KvUp
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
    /// Replicated on every rank (norms, biases of row-parallel layers, position table, latent
    /// down-projections, routers).
    Replicated,
}

/// Where a tensor sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// Outside the blocks: embeddings, the output head, the final norm.
    Outside,
    /// In every block.
    EveryLayer,
    /// In the blocks with a dense MLP (all of them without experts; DeepSeek's first few with).
    DenseLayers,
    /// In the blocks with a mixture of experts.
    MoeLayers,
}

/// One weight tensor, or `count` identical ones (one per layer of its place, times `copies`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tensor {
    pub role: TensorRole,
    /// Rows (output features); 1 for a vector.
    pub rows: u64,
    /// Columns (input features), or the vector length.
    pub cols: u64,
    /// How many identical tensors in the whole model: the layers of its place times `copies`.
    pub count: u64,
    /// Identical tensors within one layer: the experts, for a routed expert's matrix; else 1.
    pub copies: u64,
    pub place: Place,
    /// A routed expert's tensor: a token uses `active` of the `experts` copies, and expert
    /// parallelism spreads the copies over GPUs.
    pub expert: bool,
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

    /// True for tensors inside the transformer blocks.
    pub fn per_layer(&self) -> bool {
        self.place != Place::Outside
    }
}

/// The most parameters one transformer block holds, over the kinds of block (dense and MoE), in
/// a list of tensors (the whole model's, or one rank's share): what ZeRO-3 gathers at a time.
pub fn largest_block(tensors: &[Tensor]) -> u128 {
    let block = |kind: Place| -> u128 {
        tensors
            .iter()
            .filter(|t| t.place == Place::EveryLayer || t.place == kind)
            .map(|t| t.elements() * u128::from(t.copies))
            .sum()
    };
    let has = |kind: Place| tensors.iter().any(|t| t.place == kind);
    let mut largest = 0;
    for kind in [Place::DenseLayers, Place::MoeLayers] {
        if has(kind) {
            largest = largest.max(block(kind));
        }
    }
    if largest == 0 {
        largest = block(Place::EveryLayer);
    }
    largest
}

/// Sanity bounds: well above any real model, low enough that every product stays in `u128`.
pub(crate) const MAX_LAYERS: u64 = 10_000;
pub(crate) const MAX_WIDTH: u64 = 1 << 20;
pub(crate) const MAX_HEADS: u64 = 1 << 14;
pub(crate) const MAX_VOCAB: u64 = 1 << 24;
pub(crate) const MAX_CONTEXT: u64 = 1 << 27;
pub(crate) const MAX_EXPERTS: u64 = 1 << 12;

/// `value` within `1..=max`, or why not.
fn bounded(field: &'static str, value: u64, max: u64) -> Result<(), ArchError> {
    if value == 0 {
        return Err(ArchError::Zero { field });
    }
    if value > max {
        return Err(ArchError::TooLarge { field, value, max });
    }
    Ok(())
}

/// `value` within `0..=max`, or why not.
fn at_most(field: &'static str, value: u64, max: u64) -> Result<(), ArchError> {
    if value > max {
        return Err(ArchError::TooLarge { field, value, max });
    }
    Ok(())
}

impl Architecture {
    /// Checks a spec: every size at least 1 and below a sanity bound, heads a multiple of kv
    /// heads, experts per token at most the experts, and no more dense or global layers than
    /// layers. `head_dim` is its own field because it is not always hidden / heads.
    pub fn new(spec: ArchSpec) -> Result<Self, ArchError> {
        let checks: [(&'static str, u64, u64); 8] = [
            ("layers", spec.layers, MAX_LAYERS),
            ("hidden", spec.hidden, MAX_WIDTH),
            ("heads", spec.heads, MAX_HEADS),
            ("kv heads", spec.kv_heads, MAX_HEADS),
            ("head dim", spec.head_dim, MAX_WIDTH),
            ("ffn", spec.ffn, MAX_WIDTH * 8),
            ("vocab", spec.vocab, MAX_VOCAB),
            ("norms per block", spec.block_norms, 8),
        ];
        for (field, value, max) in checks {
            bounded(field, value, max)?;
        }
        if let Positions::Learned(n) = spec.positions {
            bounded("positions", n, MAX_CONTEXT)?;
        }
        if let Some(n) = spec.max_context {
            bounded("max context", n, MAX_CONTEXT)?;
        }
        if !spec.heads.is_multiple_of(spec.kv_heads) {
            return Err(ArchError::HeadsNotMultipleOfKvHeads {
                heads: spec.heads,
                kv_heads: spec.kv_heads,
            });
        }
        if let Some(m) = spec.moe {
            bounded("experts", m.experts, MAX_EXPERTS)?;
            bounded("experts per token", m.active, m.experts)?;
            bounded("expert ffn", m.expert_ffn, MAX_WIDTH * 8)?;
            at_most("shared expert ffn", m.shared_ffn, MAX_WIDTH * 8)?;
            // At least one MoE layer.
            at_most("dense layers", m.dense_layers, spec.layers - 1)?;
        }
        if let Some(l) = spec.latent {
            at_most("query latent", l.q_rank, MAX_WIDTH)?;
            bounded("key/value latent", l.kv_rank, MAX_WIDTH)?;
            bounded("rope head dim", l.rope_dim, MAX_WIDTH)?;
            at_most("nope head dim", l.nope_dim, MAX_WIDTH)?;
            bounded("value head dim", l.v_dim, MAX_WIDTH)?;
        }
        if let Some(w) = spec.window {
            bounded("window", w.tokens, MAX_CONTEXT)?;
            at_most("global layers", w.global_layers, spec.layers)?;
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
    /// Key/value heads: the spec's, or every head under latent attention (each head gets its
    /// own key and value from the latent).
    pub fn kv_heads(&self) -> u64 {
        match self.spec.latent {
            Some(_) => self.spec.heads,
            None => self.spec.kv_heads,
        }
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
    pub fn moe(&self) -> Option<Moe> {
        self.spec.moe
    }
    pub fn latent(&self) -> Option<Latent> {
        self.spec.latent
    }
    pub fn window(&self) -> Option<Window> {
        self.spec.window
    }

    /// Blocks with a dense MLP and blocks with a mixture of experts.
    pub fn dense_and_moe_layers(&self) -> (u64, u64) {
        match self.spec.moe {
            Some(m) => (m.dense_layers, self.spec.layers - m.dense_layers),
            None => (self.spec.layers, 0),
        }
    }

    /// Per head: the query/key width a score is taken over, and the value width.
    pub fn head_widths(&self) -> (u64, u64) {
        match self.spec.latent {
            Some(l) => (l.nope_dim + l.rope_dim, l.v_dim),
            None => (self.spec.head_dim, self.spec.head_dim),
        }
    }

    /// The per-token width of each MoE block's MLP intermediate: the experts a token uses plus
    /// the shared expert.
    pub fn active_ffn(&self) -> Option<u64> {
        self.spec
            .moe
            .map(|m| m.active * m.expert_ffn + m.shared_ffn)
    }

    /// The longest context this model can take: the learned position table's size, else the
    /// published training context, else `None` (no limit known).
    pub fn max_context(&self) -> Option<u64> {
        match self.spec.positions {
            Positions::Learned(n) => Some(self.spec.max_context.map_or(n, |m| m.min(n))),
            Positions::Rotary => self.spec.max_context,
        }
    }

    /// Every weight tensor with its shape and place. Per-layer tensors carry `count` = the layers
    /// of their place (times the experts, for an expert's).
    pub fn tensors(&self) -> Vec<Tensor> {
        let s = &self.spec;
        let h = s.hidden;
        let (dense_layers, moe_layers) = self.dense_and_moe_layers();
        let layers_of = |place: Place| match place {
            Place::Outside => 1,
            Place::EveryLayer => s.layers,
            Place::DenseLayers => dense_layers,
            Place::MoeLayers => moe_layers,
        };
        let mut out = Vec::new();
        let mut add = |role, rows, cols, place: Place, split| {
            out.push(Tensor {
                role,
                rows,
                cols,
                count: layers_of(place),
                copies: 1,
                place,
                expert: false,
                split,
            })
        };
        let norm_vectors = match s.norm {
            Norm::Rms => 1,
            Norm::Layer => 2,
        };
        add(
            TensorRole::TokenEmbedding,
            s.vocab,
            h,
            Place::Outside,
            Split::Split,
        );
        if let Positions::Learned(n) = s.positions {
            add(
                TensorRole::PositionEmbedding,
                n,
                h,
                Place::Outside,
                Split::Replicated,
            );
        }
        add(
            TensorRole::Norm,
            1,
            h * norm_vectors * s.block_norms,
            Place::EveryLayer,
            Split::Replicated,
        );
        self.attention_tensors(&mut add);
        if s.moe.is_some() {
            self.mlp_tensors(&mut add, s.ffn, Place::DenseLayers);
        } else {
            self.mlp_tensors(&mut add, s.ffn, Place::EveryLayer);
        }
        add(
            TensorRole::Norm,
            1,
            h * norm_vectors,
            Place::Outside,
            Split::Replicated,
        );
        if s.embeddings == Embeddings::Untied {
            add(
                TensorRole::OutputHead,
                s.vocab,
                h,
                Place::Outside,
                Split::Split,
            );
        }
        if let Some(m) = s.moe {
            self.expert_tensors(&mut out, m, moe_layers);
        }
        out.retain(|t| t.count > 0);
        out
    }

    /// Attention's tensors in every block: q, k, v and o (column-parallel q, k, v; row-parallel
    /// o), or latent attention's down- and up-projections; biases; q/k norms.
    fn attention_tensors(&self, add: &mut impl FnMut(TensorRole, u64, u64, Place, Split)) {
        let s = &self.spec;
        let h = s.hidden;
        let every = Place::EveryLayer;
        let attention_bias = matches!(s.biases, Biases::Attention | Biases::All);
        match s.latent {
            Some(l) => {
                let q_out = s.heads * (l.nope_dim + l.rope_dim);
                if l.q_rank > 0 {
                    add(TensorRole::QueryDown, l.q_rank, h, every, Split::Replicated);
                    add(TensorRole::Norm, 1, l.q_rank, every, Split::Replicated);
                    add(TensorRole::Query, q_out, l.q_rank, every, Split::Split);
                } else {
                    add(TensorRole::Query, q_out, h, every, Split::Split);
                }
                let kv_down = l.kv_rank + l.rope_dim;
                add(TensorRole::KvDown, kv_down, h, every, Split::Replicated);
                add(TensorRole::Norm, 1, l.kv_rank, every, Split::Replicated);
                let kv_up = s.heads * (l.nope_dim + l.v_dim);
                add(TensorRole::KvUp, kv_up, l.kv_rank, every, Split::Split);
                add(
                    TensorRole::AttentionOut,
                    h,
                    s.heads * l.v_dim,
                    every,
                    Split::Split,
                );
                if attention_bias {
                    let q_bias = if l.q_rank > 0 { l.q_rank } else { q_out };
                    add(
                        TensorRole::Bias,
                        1,
                        q_bias + kv_down,
                        every,
                        Split::Replicated,
                    );
                    add(TensorRole::Bias, 1, h, every, Split::Replicated);
                }
            }
            None => {
                let q_dim = s.heads * s.head_dim;
                let kv_dim = s.kv_heads * s.head_dim;
                add(TensorRole::Query, q_dim, h, every, Split::Split);
                add(TensorRole::Key, kv_dim, h, every, Split::Split);
                add(TensorRole::Value, kv_dim, h, every, Split::Split);
                add(TensorRole::AttentionOut, h, q_dim, every, Split::Split);
                if s.biases != Biases::None {
                    add(TensorRole::Bias, 1, q_dim + 2 * kv_dim, every, Split::Split);
                }
                if matches!(s.biases, Biases::Attention | Biases::All) {
                    add(TensorRole::Bias, 1, h, every, Split::Replicated);
                }
                if s.qk_norm {
                    add(
                        TensorRole::Norm,
                        1,
                        2 * s.head_dim,
                        every,
                        Split::Replicated,
                    );
                }
            }
        }
    }

    /// A dense MLP of width `ffn` in the blocks of `place`: gate and up column-parallel, down
    /// row-parallel, with biases where the model has them everywhere.
    fn mlp_tensors(
        &self,
        add: &mut impl FnMut(TensorRole, u64, u64, Place, Split),
        ffn: u64,
        place: Place,
    ) {
        let s = &self.spec;
        let h = s.hidden;
        if s.mlp == Mlp::Gated {
            add(TensorRole::Gate, ffn, h, place, Split::Split);
        }
        add(TensorRole::Up, ffn, h, place, Split::Split);
        add(TensorRole::Down, h, ffn, place, Split::Split);
        if s.biases == Biases::All {
            let up_bias = match s.mlp {
                Mlp::Gated => 2 * ffn,
                Mlp::Plain => ffn,
            };
            add(TensorRole::Bias, 1, up_bias, place, Split::Split);
            add(TensorRole::Bias, 1, h, place, Split::Replicated);
        }
    }

    /// Each MoE block's router, its routed experts (one copy each) and shared expert.
    fn expert_tensors(&self, out: &mut Vec<Tensor>, m: Moe, moe_layers: u64) {
        let s = &self.spec;
        let h = s.hidden;
        let place = Place::MoeLayers;
        let one = |role, rows, cols, split| Tensor {
            role,
            rows,
            cols,
            count: moe_layers,
            copies: 1,
            place,
            expert: false,
            split,
        };
        out.push(one(TensorRole::Router, m.experts, h, Split::Replicated));
        if m.router_bias {
            out.push(one(TensorRole::Router, 1, m.experts, Split::Replicated));
        }
        let expert = |role, rows, cols| Tensor {
            count: moe_layers * m.experts,
            copies: m.experts,
            expert: true,
            ..one(role, rows, cols, Split::Split)
        };
        if s.mlp == Mlp::Gated {
            out.push(expert(TensorRole::Gate, m.expert_ffn, h));
        }
        out.push(expert(TensorRole::Up, m.expert_ffn, h));
        out.push(expert(TensorRole::Down, h, m.expert_ffn));
        if m.shared_ffn > 0 {
            if s.mlp == Mlp::Gated {
                out.push(one(TensorRole::Gate, m.shared_ffn, h, Split::Split));
            }
            out.push(one(TensorRole::Up, m.shared_ffn, h, Split::Split));
            out.push(one(TensorRole::Down, h, m.shared_ffn, Split::Split));
        }
        if m.shared_gate {
            out.push(one(TensorRole::Router, 1, h, Split::Replicated));
        }
    }

    /// The exact parameter count: the sum of every tensor's elements.
    pub fn param_count(&self) -> u128 {
        self.tensors()
            .iter()
            .map(|t| t.elements() * u128::from(t.count))
            .sum()
    }

    /// The parameters a token passes through: all of them, but of each MoE block's routed
    /// experts only the `active` it is sent to (the convention of Mixtral's 12.9 B and
    /// Qwen's "activated" counts; the embedding counts in full).
    pub fn active_param_count(&self) -> u128 {
        let active = self.spec.moe.map_or(1, |m| m.active);
        self.tensors()
            .iter()
            .map(|t| {
                let count = if t.expert {
                    t.count / t.copies * active
                } else {
                    t.count
                };
                t.elements() * u128::from(count)
            })
            .sum()
    }

    /// Parameters in the largest transformer block (what ZeRO-3 gathers at a time).
    pub fn params_per_layer(&self) -> u128 {
        largest_block(&self.tensors())
    }
}
