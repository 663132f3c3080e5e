//! Inference: the weights as stored, the KV cache, one layer's prefill working set and the next
//! token's logits, over tensor parallelism on every GPU.

use super::tensors::{bare_tensor, check_tensor_parallel, local_kv_heads, local_tensors};
use super::weights::weight_terms;
use super::{bytes_word, n, product, range, sequences, Category, Entry, Ledger};
use super::{MAX_BATCH, MAX_TENSOR_PARALLEL, MAX_TOKENS};
use crate::memory::arch::{Architecture, Mlp, Positions};
use crate::memory::dtype::{check_group, Storage, WeightFormat};
use crate::memory::error::MemoryError;
use crate::memory::inputs::{InferenceSettings, Inputs};

pub(super) fn inference(inputs: &Inputs) -> Result<Ledger, MemoryError> {
    let settings = &inputs.inference;
    let devices = inputs.hardware.count;
    let t = devices;
    range("batch", "The batch size", settings.batch, 1, MAX_BATCH)?;
    range(
        "context",
        "The context length",
        settings.context,
        1,
        MAX_TOKENS,
    )?;
    let group = if settings.weights.uses_groups() {
        check_group(u64::from(settings.effective_group()))?
    } else {
        settings.effective_group()
    };
    let storage = Storage::of(settings.weights, group, settings.double_quant);
    let arch = inputs.model.architecture();
    let n_params = inputs.model.n_params();
    let mut ledger = Ledger::new(devices, t, 1, n_params);
    let tensors = match &arch {
        Some(a) => {
            range("gpus", "The GPU count", t, 1, MAX_TENSOR_PARALLEL)?;
            check_tensor_parallel(a, t, "gpus")?;
            check_context(&mut ledger, a, settings.context)?;
            local_tensors(a, t, 1)
        }
        None => vec![bare_tensor(n_params, t)],
    };
    if t > 1 {
        ledger.note(format!(
            "The model is split over {t} GPUs with tensor parallelism; each row is one GPU's share."
        ));
    }
    weight_terms(
        &mut ledger,
        &tensors,
        arch.is_some(),
        settings.weights,
        &storage,
        1,
    )?;
    match &arch {
        Some(a) => {
            ledger.add(kv_cache(a, settings, t)?)?;
            ledger.add(prefill_working_set(a, settings, t)?)?;
            ledger.add(next_token_logits(a, settings, t)?)?;
        }
        None => ledger.note(
            "A bare parameter count gives the weights only: the KV cache and activations need \
             the architecture (choose a preset or enter one).",
        ),
    }
    ledger.note(
        "Not counted: the CUDA context and framework (typically a few hundred MiB) and allocator \
         fragmentation.",
    );
    Ok(ledger)
}

/// A context past learned positions is an error; past the length a model was trained for, a note.
fn check_context(ledger: &mut Ledger, a: &Architecture, context: u64) -> Result<(), MemoryError> {
    if let Positions::Learned(max) = a.spec().positions {
        if context > max {
            return Err(MemoryError::ContextTooLong {
                field: "context",
                context,
                max,
            });
        }
    } else if let Some(max) = a.max_context() {
        if context > max {
            ledger.note(format!(
                "The context ({} tokens) is longer than the {} tokens this model was trained for.",
                n(u128::from(context)),
                n(u128::from(max))
            ));
        }
    }
    Ok(())
}

/// Keys and values of every layer for every token of every sequence: full keys and values per
/// kv head, or under latent attention the compressed latent and the rotary key (DeepSeek-V2,
/// arXiv 2405.04434, section 2.1); a windowed layer keeps at most its window of tokens.
fn kv_cache(a: &Architecture, settings: &InferenceSettings, t: u64) -> Result<Entry, MemoryError> {
    let kv_bytes = settings.kv.bytes();
    let context = settings.context;
    let (global, windowed, window) = match a.window() {
        Some(w) => (w.global_layers, a.layers() - w.global_layers, w.tokens),
        None => (a.layers(), 0, context),
    };
    let kept = window.min(context);
    // Layer-tokens: every global layer holds the context, every windowed one at most the window.
    let layer_tokens = product(&[u128::from(global), u128::from(context)], "KV cache")?
        + product(&[u128::from(windowed), u128::from(kept)], "KV cache")?;
    let layers_text = if windowed == 0 {
        format!("{} layers x {} tokens", a.layers(), n(u128::from(context)))
    } else if global == 0 {
        format!(
            "{} layers x {} tokens (window {})",
            a.layers(),
            n(u128::from(kept)),
            n(u128::from(window))
        )
    } else {
        format!(
            "({} global layers x {} tokens + {} window layers x {} tokens)",
            global,
            n(u128::from(context)),
            windowed,
            n(u128::from(kept))
        )
    };
    let mut entry = match a.latent() {
        Some(l) => {
            let width = l.kv_rank + l.rope_dim;
            let expression = format!(
                "({} latent + {} rope key) x {layers_text} x {} x {}",
                l.kv_rank,
                l.rope_dim,
                sequences(settings.batch),
                bytes_word(kv_bytes)
            );
            let bytes = product(
                &[
                    u128::from(width),
                    layer_tokens,
                    u128::from(settings.batch),
                    u128::from(kv_bytes),
                ],
                "KV cache",
            )?;
            let (qk_width, v_width) = a.head_widths();
            let full = a.heads() * (qk_width + v_width);
            let entry = Entry::new("kv-cache", "KV cache", Category::KvCache, bytes, expression)
                .detail(format!(
                    "Multi-head latent attention caches one {}-value latent and one {}-value \
                     rotary key per token and layer; the {} heads' keys and values are rebuilt \
                     from them. Full keys and values would be {} values per token and layer \
                     ({} heads x ({} + {})), {}x more.",
                    l.kv_rank,
                    l.rope_dim,
                    a.heads(),
                    n(u128::from(full)),
                    a.heads(),
                    qk_width,
                    v_width,
                    full / width
                ));
            let entry = if t > 1 {
                entry.detail(format!(
                    "The latent is shared by every head, so each of the {t} GPUs keeps all of \
                     it: tensor parallelism does not split this cache."
                ))
            } else {
                entry
            };
            entry
        }
        None => {
            let kv_local = local_kv_heads(a, t);
            let bytes = product(
                &[
                    2,
                    u128::from(kv_local),
                    u128::from(a.head_dim()),
                    layer_tokens,
                    u128::from(settings.batch),
                    u128::from(kv_bytes),
                ],
                "KV cache",
            )?;
            let expression = if windowed == 0 {
                format!(
                    "2 (K and V) x {} layers x {} kv heads x {} head dim x {} tokens x {} x {}",
                    a.layers(),
                    kv_local,
                    a.head_dim(),
                    n(u128::from(context)),
                    sequences(settings.batch),
                    bytes_word(kv_bytes)
                )
            } else {
                format!(
                    "2 (K and V) x {} kv heads x {} head dim x {layers_text} x {} x {}",
                    kv_local,
                    a.head_dim(),
                    sequences(settings.batch),
                    bytes_word(kv_bytes)
                )
            };
            let mut entry =
                Entry::new("kv-cache", "KV cache", Category::KvCache, bytes, expression);
            if a.kv_heads() < a.heads() {
                entry = entry.detail(format!(
                    "Grouped-query attention: {} query heads share {} key/value heads, so the \
                     cache is {}x smaller than with one kv head per query head.",
                    a.heads(),
                    a.kv_heads(),
                    a.heads() / a.kv_heads()
                ));
            }
            if a.kv_heads() < t {
                entry = entry.detail(format!(
                    "With {t} GPUs and {} kv heads, each GPU keeps a replica of one kv head.",
                    a.kv_heads()
                ));
            }
            entry
        }
    };
    if windowed > 0 {
        entry = entry.detail(format!(
            "Sliding-window attention: {windowed} of the {} layers attend to the last {} tokens \
             only, so their cache stops growing there (a rolling buffer, as Mistral's reference \
             code and vLLM keep it; an engine that keeps every token spends more).",
            a.layers(),
            n(u128::from(window))
        ));
    }
    Ok(entry)
}

/// Prefill working set of one layer: the hidden states in and out and the MLP's intermediate (two
/// ffn-wide tensors for a gated MLP, one for a plain one), assuming a fused attention kernel (no
/// seq x seq scores) and no chunked prefill.
fn prefill_working_set(
    a: &Architecture,
    settings: &InferenceSettings,
    t: u64,
) -> Result<Entry, MemoryError> {
    let act_bytes: u32 = if settings.weights == WeightFormat::Fp32 {
        4
    } else {
        2
    };
    let ffn_tensors: u64 = match a.mlp() {
        Mlp::Gated => 2,
        Mlp::Plain => 1,
    };
    // The widest MLP intermediate a token meets: the dense MLP's, or in an MoE block the
    // experts it is routed to plus the shared expert.
    let (dense_layers, _) = a.dense_and_moe_layers();
    let dense_ffn = if dense_layers > 0 { a.ffn() } else { 0 };
    let ffn_local = dense_ffn.max(a.active_ffn().unwrap_or(0)) / t;
    let width = 2 * a.hidden() + ffn_tensors * ffn_local;
    let bytes = product(
        &[
            u128::from(act_bytes),
            u128::from(settings.batch),
            u128::from(settings.context),
            u128::from(width),
        ],
        "activations",
    )?;
    let expression = format!(
        "{} x {} x {} tokens x (2 x {} hidden + {} x {} ffn)",
        bytes_word(act_bytes),
        sequences(settings.batch),
        n(u128::from(settings.context)),
        a.hidden(),
        ffn_tensors,
        ffn_local
    );
    let mut entry = Entry::new(
        "activations",
        "Activations (prefill working set)",
        Category::Activations,
        bytes,
        expression,
    );
    if let Some(m) = a.moe() {
        entry = entry.detail(format!(
            "In a mixture-of-experts block each token goes through {} of the {} experts (MLP \
             width {} each){}: {} wide in all{}.",
            m.active,
            m.experts,
            m.expert_ffn,
            if m.shared_ffn > 0 {
                format!(" and the shared expert (width {})", m.shared_ffn)
            } else {
                String::new()
            },
            n(u128::from(m.active * m.expert_ffn + m.shared_ffn)),
            if dense_layers > 0 {
                format!(
                    ", against {} in the {dense_layers} dense blocks",
                    n(u128::from(a.ffn()))
                )
            } else {
                String::new()
            }
        ));
    }
    Ok(entry.detail(
        "An estimate, not a law: one layer's input, output and MLP intermediate during prefill, \
         with a fused attention kernel and no chunking. Engines differ.",
    ))
}

/// The fp32 logits of the next token, this rank's share of the vocabulary.
fn next_token_logits(
    a: &Architecture,
    settings: &InferenceSettings,
    t: u64,
) -> Result<Entry, MemoryError> {
    let vocab_local = a.vocab().div_ceil(t);
    let bytes = product(
        &[4, u128::from(settings.batch), u128::from(vocab_local)],
        "logits",
    )?;
    let expression = format!(
        "4 bytes (fp32) x {} x {} vocab",
        sequences(settings.batch),
        n(u128::from(vocab_local))
    );
    Ok(Entry::new(
        "logits",
        "Logits (next token)",
        Category::Buffers,
        bytes,
        expression,
    ))
}
