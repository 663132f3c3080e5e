//! A custom architecture's fields as URL settings: [`SHAPE`].

use super::{
    always, ids, number, on_off, on_off_text, text, whole, whole_number, Refusal, Setting,
};
use crate::memory::arch::{
    ArchSpec, Biases, Embeddings, Latent, Mlp, Moe, Norm, Positions, Window, MAX_EXPERTS,
    MAX_LAYERS, MAX_WIDTH,
};
use crate::memory::budget::MAX_TOKENS;

/// The fields of a custom architecture, in the order the URL lists them. The first seven are
/// required in a URL (a missing one is taken from Llama 3 8B, with a notice).
pub static SHAPE: [Setting<ArchSpec>; 29] = [
    always(whole_number(
        "layers",
        1,
        10_000,
        |s| text(s.layers),
        |s, t| {
            s.layers = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "hidden",
        1,
        1 << 20,
        |s| text(s.hidden),
        |s, t| {
            s.hidden = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "heads",
        1,
        1 << 14,
        |s| text(s.heads),
        |s, t| {
            s.heads = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "kv_heads",
        1,
        1 << 14,
        |s| text(s.kv_heads),
        |s, t| {
            s.kv_heads = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "head_dim",
        1,
        1 << 20,
        |s| text(s.head_dim),
        |s, t| {
            s.head_dim = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "ffn",
        1,
        1 << 23,
        |s| text(s.ffn),
        |s, t| {
            s.ffn = number(t)?;
            Ok(())
        },
    )),
    always(whole_number(
        "vocab",
        1,
        1 << 24,
        |s| text(s.vocab),
        |s, t| {
            s.vocab = number(t)?;
            Ok(())
        },
    )),
    always(ids(
        "tied",
        "on or off",
        |s| on_off_text(s.embeddings == Embeddings::Tied),
        |s, t| {
            let on = on_off(t)?;
            s.embeddings = if on {
                Embeddings::Tied
            } else {
                Embeddings::Untied
            };
            Ok(())
        },
    )),
    always(ids(
        "bias",
        "none, qkv, attn or all",
        |s| {
            text(match s.biases {
                Biases::None => "none",
                Biases::Qkv => "qkv",
                Biases::Attention => "attn",
                Biases::All => "all",
            })
        },
        |s, t| {
            s.biases = match t {
                "none" => Biases::None,
                "qkv" => Biases::Qkv,
                "attn" => Biases::Attention,
                "all" => Biases::All,
                _ => return Err(Refusal::Unrecognised),
            };
            Ok(())
        },
    )),
    always(ids(
        "mlp",
        "gated or plain",
        |s| {
            text(match s.mlp {
                Mlp::Gated => "gated",
                Mlp::Plain => "plain",
            })
        },
        |s, t| {
            s.mlp = match t {
                "gated" => Mlp::Gated,
                "plain" => Mlp::Plain,
                _ => return Err(Refusal::Unrecognised),
            };
            Ok(())
        },
    )),
    always(ids(
        "norm",
        "rms or layer",
        |s| {
            text(match s.norm {
                Norm::Rms => "rms",
                Norm::Layer => "layer",
            })
        },
        |s, t| {
            s.norm = match t {
                "rms" => Norm::Rms,
                "layer" => Norm::Layer,
                _ => return Err(Refusal::Unrecognised),
            };
            Ok(())
        },
    )),
    always(ids(
        "positions",
        "rope or a learned table size",
        |s| match s.positions {
            Positions::Rotary => text("rope"),
            Positions::Learned(n) => text(n),
        },
        |s, t| {
            s.positions = if t.eq_ignore_ascii_case("rope") {
                Positions::Rotary
            } else {
                Positions::Learned(whole(t, 1, MAX_TOKENS).ok_or(Refusal::Unrecognised)?)
            };
            Ok(())
        },
    )),
    always(whole_number(
        "max_context",
        1,
        MAX_TOKENS,
        |s| s.max_context.map(|m| m.to_string()),
        |s, t| {
            s.max_context = Some(number(t)?);
            Ok(())
        },
    )),
    // The optional parts, written only where they differ from a plain model. Each part's
    // first key (experts, kv_rank, window) switches it on (0: off); the keys after it refuse
    // a value while the part is off.
    whole_number(
        "norms",
        1,
        8,
        |s| text(s.block_norms),
        |s, t| {
            s.block_norms = number(t)?;
            Ok(())
        },
    ),
    ids(
        "qk_norm",
        "on or off",
        |s| on_off_text(s.qk_norm),
        |s, t| {
            s.qk_norm = on_off(t)?;
            Ok(())
        },
    ),
    whole_number(
        "experts",
        0,
        MAX_EXPERTS,
        |s| text(s.moe.map_or(0, |m| m.experts)),
        |s, t| {
            let experts = number(t)?;
            s.moe = (experts > 0).then_some(match s.moe {
                Some(m) => Moe { experts, ..m },
                None => Moe {
                    experts,
                    active: 1,
                    expert_ffn: s.ffn,
                    shared_ffn: 0,
                    shared_gate: false,
                    router_bias: false,
                    dense_layers: 0,
                },
            });
            Ok(())
        },
    ),
    whole_number(
        "experts_active",
        1,
        MAX_EXPERTS,
        |s| s.moe.map(|m| m.active.to_string()),
        |s, t| {
            moe(s)?.active = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "expert_ffn",
        1,
        MAX_WIDTH * 8,
        |s| s.moe.map(|m| m.expert_ffn.to_string()),
        |s, t| {
            moe(s)?.expert_ffn = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "shared_ffn",
        0,
        MAX_WIDTH * 8,
        |s| s.moe.map(|m| m.shared_ffn.to_string()),
        |s, t| {
            moe(s)?.shared_ffn = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "dense_layers",
        0,
        MAX_LAYERS,
        |s| s.moe.map(|m| m.dense_layers.to_string()),
        |s, t| {
            moe(s)?.dense_layers = number(t)?;
            Ok(())
        },
    ),
    ids(
        "shared_gate",
        "on or off",
        |s| s.moe.and_then(|m| on_off_text(m.shared_gate)),
        |s, t| {
            let on = on_off(t)?;
            moe(s)?.shared_gate = on;
            Ok(())
        },
    ),
    ids(
        "router_bias",
        "on or off",
        |s| s.moe.and_then(|m| on_off_text(m.router_bias)),
        |s, t| {
            let on = on_off(t)?;
            moe(s)?.router_bias = on;
            Ok(())
        },
    ),
    whole_number(
        "kv_rank",
        0,
        MAX_WIDTH,
        |s| text(s.latent.map_or(0, |l| l.kv_rank)),
        |s, t| {
            let kv_rank = number(t)?;
            s.latent = (kv_rank > 0).then_some(match s.latent {
                Some(l) => Latent { kv_rank, ..l },
                None => Latent {
                    q_rank: 0,
                    kv_rank,
                    rope_dim: 64,
                    nope_dim: s.head_dim,
                    v_dim: s.head_dim,
                },
            });
            Ok(())
        },
    ),
    whole_number(
        "q_rank",
        0,
        MAX_WIDTH,
        |s| s.latent.map(|l| l.q_rank.to_string()),
        |s, t| {
            latent(s)?.q_rank = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "rope_dim",
        1,
        MAX_WIDTH,
        |s| s.latent.map(|l| l.rope_dim.to_string()),
        |s, t| {
            latent(s)?.rope_dim = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "nope_dim",
        0,
        MAX_WIDTH,
        |s| s.latent.map(|l| l.nope_dim.to_string()),
        |s, t| {
            latent(s)?.nope_dim = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "v_dim",
        1,
        MAX_WIDTH,
        |s| s.latent.map(|l| l.v_dim.to_string()),
        |s, t| {
            latent(s)?.v_dim = number(t)?;
            Ok(())
        },
    ),
    whole_number(
        "window",
        0,
        MAX_TOKENS,
        |s| text(s.window.map_or(0, |w| w.tokens)),
        |s, t| {
            let tokens = number(t)?;
            s.window = (tokens > 0).then(|| Window {
                tokens,
                global_layers: s.window.map_or(0, |w| w.global_layers),
            });
            Ok(())
        },
    ),
    whole_number(
        "global_layers",
        0,
        MAX_LAYERS,
        |s| s.window.map(|w| w.global_layers.to_string()),
        |s, t| {
            let global_layers = number(t)?;
            let w = s.window.as_mut().ok_or_else(|| {
                Refusal::Unusable(
                    "Set a window above 0 first: without one every layer is global.".to_string(),
                )
            })?;
            w.global_layers = global_layers;
            Ok(())
        },
    ),
];

/// The mixture of experts to edit, or why there is none.
fn moe(s: &mut ArchSpec) -> Result<&mut Moe, Refusal> {
    s.moe.as_mut().ok_or_else(|| {
        Refusal::Unusable(
            "Set the number of experts above 0 first: this model has no experts.".to_string(),
        )
    })
}

/// The latent attention to edit, or why there is none.
fn latent(s: &mut ArchSpec) -> Result<&mut Latent, Refusal> {
    s.latent.as_mut().ok_or_else(|| {
        Refusal::Unusable(
            "Set the key/value latent rank above 0 first: this model has plain attention."
                .to_string(),
        )
    })
}
