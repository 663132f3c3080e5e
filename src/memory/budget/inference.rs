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
            local_tensors(a, t)
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

/// Keys and values of every layer for every token of every sequence.
fn kv_cache(a: &Architecture, settings: &InferenceSettings, t: u64) -> Result<Entry, MemoryError> {
    let kv_local = local_kv_heads(a, t);
    let kv_bytes = settings.kv.bytes();
    let bytes = product(
        &[
            2,
            u128::from(a.layers()),
            u128::from(kv_local),
            u128::from(a.head_dim()),
            u128::from(settings.context),
            u128::from(settings.batch),
            u128::from(kv_bytes),
        ],
        "KV cache",
    )?;
    let expression = format!(
        "2 (K and V) x {} layers x {} kv heads x {} head dim x {} tokens x {} x {}",
        a.layers(),
        kv_local,
        a.head_dim(),
        n(u128::from(settings.context)),
        sequences(settings.batch),
        bytes_word(kv_bytes)
    );
    let mut entry = Entry::new("kv-cache", "KV cache", Category::KvCache, bytes, expression);
    if a.kv_heads() < a.heads() {
        entry = entry.detail(format!(
            "Grouped-query attention: {} query heads share {} key/value heads, so the cache \
             is {}x smaller than with one kv head per query head.",
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
    let ffn_local = a.ffn() / t;
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
    let entry = Entry::new(
        "activations",
        "Activations (prefill working set)",
        Category::Activations,
        bytes,
        expression,
    );
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
