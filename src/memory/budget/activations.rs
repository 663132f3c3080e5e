//! Stored activations for the backward pass: one transformer layer's tensors (Korthikanti et al.
//! 2022, generalised), times the layers, and the fp32 logits of the loss.

use super::tensors::{local_kv_heads, Stage};
use super::{n, product, sequences, Category, Entry, Ledger};
use crate::memory::arch::{Architecture, Mlp};
use crate::memory::error::MemoryError;
use crate::memory::inputs::{Dropout, Recompute, SequenceParallel, TrainingSettings};

/// One stored activation tensor of a transformer layer.
struct Component {
    name: &'static str,
    bytes: u128,
    formula: String,
}

/// The activations one transformer layer stores for the backward pass on one GPU, following
/// Korthikanti et al. 2022 (arXiv 2205.05198) section 4, generalised to grouped-query attention
/// (K and V have kv_heads x head_dim columns), a gated MLP, and dropout on or off. For a GPT-style
/// layer (q_dim = h, kv = heads, plain MLP of 4h, dropout, 16-bit) the sum is exactly their
/// sbh(34 + 5as/h); with tensor parallelism sbh(10 + 24/t + 5as/(ht)); with sequence parallelism
/// sbh(34/t + 5as/(ht)); selective recomputation drops the as^2b terms; full recomputation keeps
/// only the layer input, 2sbh (sharded by t under sequence parallelism).
pub fn layer_activations(arch: &Architecture, settings: &TrainingSettings) -> Vec<(String, u128)> {
    let kind = if arch.dense_and_moe_layers().0 > 0 {
        Kind::Dense
    } else {
        Kind::Moe
    };
    layer_components(arch, settings, kind)
        .into_iter()
        .map(|c| (c.name.to_string(), c.bytes))
        .collect()
}

/// The two kinds of block: a dense MLP, or a mixture of experts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dense,
    Moe,
}

/// The components [`layer_activations`] sums for a block of `kind`, with their formulas. Latent
/// attention scores with `nope + rope` values a head and reads `v` values; its up-projections'
/// inputs, the query and key/value latents, are stored too. In an MoE block the router's fp32
/// scores and each token's copy for every expert it is sent to are stored, and the MLP
/// intermediate is as wide as the experts a token uses plus the shared expert.
fn layer_components(
    arch: &Architecture,
    settings: &TrainingSettings,
    kind: Kind,
) -> Vec<Component> {
    let t = settings.tensor_parallel;
    let (recompute, dropout) = (settings.recompute, settings.dropout);
    let (s, b, h) = (
        u128::from(settings.seq_len),
        u128::from(settings.micro_batch),
        u128::from(arch.hidden()),
    );
    let t128 = u128::from(t.max(1));
    let p = u128::from(settings.recipe.activation_bytes());
    let sb = s * b;
    // Sharded by sequence under sequence parallelism, else whole on every rank.
    let rep = if settings.sequence_parallel == SequenceParallel::On {
        t128
    } else {
        1
    };
    let rep_text = if rep > 1 {
        format!(" / {t}")
    } else {
        String::new()
    };
    let tp_text = if t > 1 {
        format!(" / {t}")
    } else {
        String::new()
    };
    let (qk_head, v_head) = arch.head_widths();
    let q_dim = u128::from(arch.heads() * qk_head);
    let kv_dim = u128::from(local_kv_heads(arch, t) * qk_head) * t128;
    let v_dim = u128::from(local_kv_heads(arch, t) * v_head) * t128;
    let out_dim = u128::from(arch.heads() * v_head);
    let heads = u128::from(arch.heads());
    let dims = Dims {
        p,
        sb,
        h,
        rep,
        t128,
        rep_text: rep_text.clone(),
        tp_text: tp_text.clone(),
    };
    let mut out = Vec::new();
    let mut push = |name, bytes: u128, formula: String| {
        out.push(Component {
            name,
            bytes,
            formula,
        })
    };
    if recompute == Recompute::Full {
        push(
            "layer input (everything else is recomputed)",
            p * sb * h / rep,
            format!("{p} x s x b x h{rep_text}"),
        );
        return out;
    }
    let with_dropout = dropout == Dropout::On;
    let attention_core = recompute == Recompute::None;
    push(
        "attention norm input",
        p * sb * h / rep,
        format!("{p} x s x b x h{rep_text}"),
    );
    push(
        "QKV projection input",
        p * sb * h / rep,
        format!("{p} x s x b x h{rep_text}"),
    );
    if let Some(l) = arch.latent() {
        let ranks = u128::from(l.q_rank + l.kv_rank);
        push(
            "query and key/value latents (up-projection inputs)",
            p * sb * ranks / rep,
            format!("{p} x s x b x (q_rank + kv_rank){rep_text}"),
        );
    }
    push(
        "Q and K for the scores",
        p * sb * (q_dim + kv_dim) / t128,
        format!("{p} x s x b x (q_dim + kv_dim){tp_text}"),
    );
    if attention_core {
        push(
            "softmax output",
            p * heads * s * s * b / t128,
            format!("{p} x a x s^2 x b{tp_text}"),
        );
        if with_dropout {
            push(
                "softmax dropout mask",
                heads * s * s * b / t128,
                format!("1 x a x s^2 x b{tp_text}"),
            );
            push(
                "softmax dropout output",
                p * heads * s * s * b / t128,
                format!("{p} x a x s^2 x b{tp_text}"),
            );
        }
    }
    let (v_text, out_text) = match arch.latent() {
        Some(_) => ("heads x v_head", "heads x v_head"),
        None => ("kv_dim", "q_dim"),
    };
    push(
        "V",
        p * sb * v_dim / t128,
        format!("{p} x s x b x {v_text}{tp_text}"),
    );
    push(
        "attention output projection input",
        p * sb * out_dim / t128,
        format!("{p} x s x b x {out_text}{tp_text}"),
    );
    if with_dropout {
        push(
            "attention dropout mask",
            sb * h / rep,
            format!("1 x s x b x h{rep_text}"),
        );
    }
    mlp_components(arch, kind, &dims, with_dropout, &mut push);
    out
}

/// The sizes every component is a product of.
struct Dims {
    /// Bytes per stored activation value.
    p: u128,
    /// Tokens: sequence length x micro-batch.
    sb: u128,
    h: u128,
    /// The sequence-parallel divisor (t, or 1), and the tensor-parallel one.
    rep: u128,
    t128: u128,
    rep_text: String,
    tp_text: String,
}

/// The MLP half of a block: its norm and input, an MoE block's router scores and expert inputs,
/// the intermediate (as wide as `ffn`, or the experts a token uses plus the shared expert).
fn mlp_components(
    arch: &Architecture,
    kind: Kind,
    dims: &Dims,
    with_dropout: bool,
    push: &mut impl FnMut(&'static str, u128, String),
) {
    let Dims {
        p,
        sb,
        h,
        rep,
        t128,
        ref rep_text,
        ref tp_text,
    } = *dims;
    let (ffn, ffn_text) = match (kind, arch.moe()) {
        (Kind::Moe, Some(m)) => (
            u128::from(m.active * m.expert_ffn + m.shared_ffn),
            "(k x expert_ffn + shared_ffn)",
        ),
        _ => (u128::from(arch.ffn()), "ffn"),
    };
    push(
        "MLP norm input",
        p * sb * h / rep,
        format!("{p} x s x b x h{rep_text}"),
    );
    push(
        "MLP input",
        p * sb * h / rep,
        format!("{p} x s x b x h{rep_text}"),
    );
    if let (Kind::Moe, Some(m)) = (kind, arch.moe()) {
        push(
            "router scores (fp32)",
            4 * sb * u128::from(m.experts) / rep,
            format!("4 x s x b x experts{rep_text}"),
        );
        push(
            "expert inputs (a copy per chosen expert)",
            p * sb * u128::from(m.active) * h / rep,
            format!("{p} x s x b x k x h{rep_text}"),
        );
    }
    match arch.mlp() {
        Mlp::Plain => {
            push(
                "activation function input",
                p * sb * ffn / t128,
                format!("{p} x s x b x {ffn_text}{tp_text}"),
            );
            push(
                "down-projection input",
                p * sb * ffn / t128,
                format!("{p} x s x b x {ffn_text}{tp_text}"),
            );
        }
        Mlp::Gated => {
            push(
                "gate and up outputs",
                2 * p * sb * ffn / t128,
                format!("2 x {p} x s x b x {ffn_text}{tp_text}"),
            );
            push(
                "down-projection input (gated product)",
                p * sb * ffn / t128,
                format!("{p} x s x b x {ffn_text}{tp_text}"),
            );
        }
    }
    if with_dropout {
        push(
            "MLP dropout mask",
            sb * h / rep,
            format!("1 x s x b x h{rep_text}"),
        );
    }
}

/// The activations line (per layer times the stage's layers, times the micro-batches it holds at
/// once, each component in its detail) and, on the last stage, the logits line.
pub(super) fn activation_terms(
    ledger: &mut Ledger,
    arch: &Architecture,
    s: &TrainingSettings,
    stage: Stage,
) -> Result<(), MemoryError> {
    let t = s.tensor_parallel;
    // The largest product here is p x a x s^2 x b x layers <= 4 x 2^14 x 2^54 x 2^16 x 2^14 =
    // 2^100, inside u128; the checks below still refuse to wrap.
    let (dense_layers, moe_layers) = (stage.dense, stage.moe);
    let in_flight = stage.in_flight();
    let sum = |components: &[Component]| {
        components
            .iter()
            .try_fold(0u128, |acc, c| acc.checked_add(c.bytes))
            .ok_or(MemoryError::Overflow {
                what: "activations",
            })
    };
    let components = layer_components(arch, s, Kind::Dense);
    let per_layer = sum(&components)?;
    let moe_components = layer_components(arch, s, Kind::Moe);
    let per_moe_layer = sum(&moe_components)?;
    let bytes = product(&[per_layer, u128::from(dense_layers)], "activations")?
        .checked_add(product(
            &[per_moe_layer, u128::from(moe_layers)],
            "activations",
        )?)
        .ok_or(MemoryError::Overflow {
            what: "activations",
        })?;
    let bytes = product(&[bytes, u128::from(in_flight)], "activations")?;
    let label = match s.recompute {
        Recompute::None => "Activations",
        Recompute::Selective => "Activations (selective recomputation)",
        Recompute::Full => "Activations (full recomputation)",
    };
    let expression = match (dense_layers, moe_layers) {
        (_, 0) => format!("{} layers x {} bytes per layer", dense_layers, n(per_layer)),
        (0, _) => format!(
            "{moe_layers} MoE layers x {} bytes per layer",
            n(per_moe_layer)
        ),
        _ => format!(
            "{dense_layers} dense layers x {} bytes + {moe_layers} MoE layers x {} bytes",
            n(per_layer),
            n(per_moe_layer)
        ),
    };
    let expression = if in_flight > 1 {
        format!("({expression}) x {in_flight} micro-batches in flight (1F1B)")
    } else {
        expression
    };
    let mut entry = Entry::new(
        "activations",
        label,
        Category::Activations,
        bytes,
        expression,
    );
    entry = entry.detail(format!(
        "Per layer, with s = {}, b = {}, h = {}, a = {}, q_dim = {}, kv_dim = {}, ffn = {}{} \
         (Korthikanti et al. 2022, generalised):",
        s.seq_len,
        s.micro_batch,
        arch.hidden(),
        arch.heads(),
        arch.heads() * arch.head_widths().0,
        arch.kv_heads() * arch.head_widths().0,
        arch.ffn(),
        if t > 1 {
            format!(", t = {t}")
        } else {
            String::new()
        }
    ));
    if s.dropout == Dropout::On && s.recompute != Recompute::Full {
        entry = entry.detail(
            "Dropout on, as Korthikanti et al. count it; Llama-family models train without \
             dropout (turn it off to drop its masks).",
        );
    }
    if dense_layers > 0 {
        for c in &components {
            entry = entry.detail(format!("{}: {} = {}", c.name, c.formula, n(c.bytes)));
        }
    }
    if let Some(m) = arch.moe() {
        entry = entry.detail(format!(
            "In each MoE layer (k = {} of {} experts, expert_ffn = {}, shared_ffn = {}):",
            m.active, m.experts, m.expert_ffn, m.shared_ffn
        ));
        for c in &moe_components {
            entry = entry.detail(format!("{}: {} = {}", c.name, c.formula, n(c.bytes)));
        }
    }
    ledger.add(entry)?;
    if !stage.last() {
        return Ok(());
    }
    let vocab_local = arch.vocab().div_ceil(t);
    let bytes = product(
        &[
            4,
            u128::from(s.seq_len),
            u128::from(s.micro_batch),
            u128::from(vocab_local),
        ],
        "logits",
    )?;
    let expression = format!(
        "4 bytes x {} tokens x {} x {} vocab",
        n(u128::from(s.seq_len)),
        sequences(s.micro_batch),
        n(u128::from(vocab_local))
    );
    let entry = Entry::new(
        "logits",
        "Logits for the loss (fp32)",
        Category::Activations,
        bytes,
        expression,
    );
    ledger.add(entry.detail(
        "The output layer's logits, kept in fp32 for the cross-entropy loss (Korthikanti et al. \
         count 4sbv/t).",
    ))
}
