//! The budget itself: from [`Inputs`] to a [`Report`], a ledger of [`Term`]s with exact byte
//! counts per device and in total, each with its formula and the numbers put in, plus whether it
//! fits and the largest batch or context that does. This module owns the accounting conventions
//! (which copies exist, what ZeRO and tensor parallelism shard, Korthikanti et al.'s activation
//! terms, the KV cache). It does not parse text (see `params`, `query`) or draw (see `plot`).

use super::arch::{Architecture, Mlp, Positions, Split, Tensor, TensorRole};
use super::dtype::{check_group, DoubleQuant, Storage, WeightFormat};
use super::error::MemoryError;
use super::inputs::{
    Dropout, Finetune, GradientCopy, Inputs, LoraMatrix, Mode, Optimizer, Recipe, Recompute,
    SequenceParallel, TrainingSettings, ZeroStage,
};
use super::units::{div_ceil, group_thousands, Bytes, UnitLead};

/// Largest micro-batch or inference batch accepted.
pub const MAX_BATCH: u64 = 1 << 16;
/// Longest sequence or context accepted, in tokens.
pub const MAX_TOKENS: u64 = 1 << 27;
/// Largest tensor-parallel size accepted.
pub const MAX_TENSOR_PARALLEL: u64 = 1024;
/// Most devices accepted.
pub const MAX_DEVICES: u64 = 1 << 20;
/// Largest LoRA rank accepted.
pub const MAX_LORA_RANK: u64 = 1 << 16;

/// What kind of memory a term is; the plot colours by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// The weights the model computes with (and frozen base weights).
    Weights,
    /// Master weights, gradients and optimizer states.
    TrainingState,
    /// Stored activations and logits.
    Activations,
    /// The attention key/value cache.
    KvCache,
    /// Short-lived buffers (gathered ZeRO-3 layers, FP8 weight copies).
    Buffers,
}

impl Category {
    /// A short name for legends.
    pub fn label(self) -> &'static str {
        match self {
            Category::Weights => "Weights",
            Category::TrainingState => "Training state",
            Category::Activations => "Activations",
            Category::KvCache => "KV cache",
            Category::Buffers => "Buffers",
        }
    }
}

/// One line of the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// Stable id, used as `data-testid="mem-row-<id>"`.
    pub id: &'static str,
    /// What it is, for people.
    pub label: &'static str,
    pub category: Category,
    /// Exact bytes on each device.
    pub per_device: Bytes,
    /// Exact bytes on all devices together (`per_device x devices`).
    pub total: Bytes,
    /// The left side of the formula with the numbers put in: "2 bytes x 72,706,203,648 params".
    pub expression: String,
    /// Further lines that break the term down (activation components, conventions).
    pub detail: Vec<String>,
}

impl Term {
    /// The full formula: "2 bytes x 72,706,203,648 params = 145.41 GB = 135.43 GiB".
    pub fn formula(&self, lead: UnitLead) -> String {
        format!("{} = {}", self.expression, self.per_device.both(lead))
    }
}

/// Whether the budget fits on one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// It fits, with this much to spare per device.
    Fits { headroom: Bytes },
    /// It does not, by this much per device.
    DoesNotFit { shortfall: Bytes },
}

/// The largest batch (training) or context (inference) that fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Largest {
    /// The largest training micro-batch that fits.
    MicroBatch(u64),
    /// The largest inference context that fits at the chosen batch.
    Context(u64),
    /// Even the search's upper limit fits (the limit is given: the model's context or a cap).
    AtLimit { limit: u64 },
    /// Nothing fits, not even a batch of 1 or a context of 1 token.
    Nothing,
    /// The search needs the architecture (a bare parameter count has no activations or KV cache).
    NeedsArchitecture,
}

/// The result of a budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub terms: Vec<Term>,
    /// Devices the budget is spread over.
    pub devices: u64,
    /// Tensor-parallel size used.
    pub tensor_parallel: u64,
    /// Data-parallel size used (training; 1 in inference).
    pub data_parallel: u64,
    /// Total parameters of the model.
    pub n_params: u128,
    /// Parameters that train (all of them, or the LoRA adapters).
    pub n_trainable: u128,
    pub per_device: Bytes,
    pub total: Bytes,
    /// The chosen GPU's capacity.
    pub capacity: Bytes,
    pub fit: Fit,
    pub largest: Largest,
    /// Conventions and caveats, as sentences.
    pub notes: Vec<String>,
}

impl Report {
    /// The term with this id, if present.
    pub fn term(&self, id: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.id == id)
    }

    /// Per-device bytes of the terms in the given categories.
    pub fn per_device_of(&self, categories: &[Category]) -> Bytes {
        Bytes(
            self.terms
                .iter()
                .filter(|t| categories.contains(&t.category))
                .map(|t| t.per_device.get())
                .sum(),
        )
    }

    /// "fits" or "does not fit", with the margin in the lead unit.
    pub fn fit_sentence(&self, lead: UnitLead) -> String {
        match self.fit {
            Fit::Fits { headroom } => format!(
                "Fits: {} of {} per device, {} to spare.",
                self.per_device.lead(lead),
                self.capacity.lead(lead),
                headroom.lead(lead)
            ),
            Fit::DoesNotFit { shortfall } => format!(
                "Does not fit: {} needed per device, {} available, {} short.",
                self.per_device.lead(lead),
                self.capacity.lead(lead),
                shortfall.lead(lead)
            ),
        }
    }
}

/// Computes the budget for a set of inputs.
pub fn estimate(inputs: &Inputs) -> Result<Report, MemoryError> {
    let ledger = ledger(inputs)?;
    let largest = largest(inputs);
    Ok(finish(inputs, ledger, largest))
}

/// What the ledger builders return before fit and search are added.
struct Ledger {
    terms: Vec<Term>,
    devices: u64,
    tensor_parallel: u64,
    data_parallel: u64,
    n_params: u128,
    n_trainable: u128,
    notes: Vec<String>,
}

fn finish(inputs: &Inputs, ledger: Ledger, largest: Largest) -> Report {
    let per_device = Bytes(ledger.terms.iter().map(|t| t.per_device.get()).sum());
    let total = Bytes(ledger.terms.iter().map(|t| t.total.get()).sum());
    let capacity = inputs.hardware.gpu.capacity();
    let fit = if per_device <= capacity {
        Fit::Fits {
            headroom: Bytes(capacity.get() - per_device.get()),
        }
    } else {
        Fit::DoesNotFit {
            shortfall: Bytes(per_device.get() - capacity.get()),
        }
    };
    let mut notes = ledger.notes;
    notes.push(inputs.hardware.gpu.capacity_note());
    Report {
        terms: ledger.terms,
        devices: ledger.devices,
        tensor_parallel: ledger.tensor_parallel,
        data_parallel: ledger.data_parallel,
        n_params: ledger.n_params,
        n_trainable: ledger.n_trainable,
        per_device,
        total,
        capacity,
        fit,
        largest,
        notes,
    }
}

fn ledger(inputs: &Inputs) -> Result<Ledger, MemoryError> {
    range(
        "gpus",
        "The GPU count",
        inputs.hardware.count,
        1,
        MAX_DEVICES,
    )?;
    match inputs.mode {
        Mode::Inference => inference(inputs),
        Mode::Training => training(inputs),
    }
}

/// Per-device bytes only, for the searches.
fn per_device(inputs: &Inputs) -> Option<u128> {
    let ledger = ledger(inputs).ok()?;
    ledger
        .terms
        .iter()
        .try_fold(0u128, |acc, t| acc.checked_add(t.per_device.get()))
}

/// Finds the largest micro-batch (training) or context (inference) whose budget fits, by
/// doubling then bisection; the budget grows monotonically with both.
fn largest(inputs: &Inputs) -> Largest {
    if inputs.model.architecture().is_none() {
        return Largest::NeedsArchitecture;
    }
    let capacity = inputs.hardware.gpu.capacity().get();
    let (limit, set): (u64, fn(&mut Inputs, u64)) = match inputs.mode {
        Mode::Training => (MAX_BATCH, |i, n| i.training.micro_batch = n),
        Mode::Inference => {
            let model_limit = inputs
                .model
                .architecture()
                .and_then(|a| a.max_context())
                .unwrap_or(MAX_TOKENS);
            (model_limit.min(MAX_TOKENS), |i, n| i.inference.context = n)
        }
    };
    let fits = |n: u64| {
        let mut probe = *inputs;
        set(&mut probe, n);
        per_device(&probe).is_some_and(|bytes| bytes <= capacity)
    };
    if !fits(1) {
        return Largest::Nothing;
    }
    if fits(limit) {
        return Largest::AtLimit { limit };
    }
    // Invariant: fits(low) and !fits(high).
    let (mut low, mut high) = (1u64, limit);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if fits(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    match inputs.mode {
        Mode::Training => Largest::MicroBatch(low),
        Mode::Inference => Largest::Context(low),
    }
}

fn range(
    field: &'static str,
    label: &'static str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<u64, MemoryError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(MemoryError::OutOfRange {
            field,
            label,
            value,
            min,
            max,
        })
    }
}

/// Checked product of factors.
fn product(factors: &[u128], what: &'static str) -> Result<u128, MemoryError> {
    factors
        .iter()
        .try_fold(1u128, |acc, &f| acc.checked_mul(f))
        .ok_or(MemoryError::Overflow { what })
}

fn n(value: u128) -> String {
    group_thousands(value)
}

/// "1 sequence" / "4 sequences".
fn sequences(count: u64) -> String {
    if count == 1 {
        "1 sequence".to_string()
    } else {
        format!("{} sequences", n(u128::from(count)))
    }
}

/// "1 byte" / "2 bytes".
fn bytes_word(count: u32) -> String {
    if count == 1 {
        "1 byte".to_string()
    } else {
        format!("{count} bytes")
    }
}

/// A term that holds `bytes` on one tensor-parallel rank, divided over `shard` data-parallel
/// ranks (1 = replicated), and repeated on `devices` devices.
#[allow(clippy::too_many_arguments)]
fn term(
    id: &'static str,
    label: &'static str,
    category: Category,
    bytes: u128,
    expression: String,
    shard: u64,
    devices: u64,
    detail: Vec<String>,
) -> Result<Term, MemoryError> {
    let per_device = Bytes(div_ceil(bytes, u128::from(shard.max(1))));
    let expression = if shard > 1 {
        format!("{expression} / {shard} data-parallel GPUs")
    } else {
        expression
    };
    let total = per_device
        .checked_mul(u128::from(devices))
        .ok_or(MemoryError::Overflow { what: "total" })?;
    Ok(Term {
        id,
        label,
        category,
        per_device,
        total,
        expression,
        detail,
    })
}

/// The weight tensors as one tensor-parallel rank holds them: split tensors keep
/// `ceil(dim / t)` of their split dimension (rows for column-parallel and vocab-parallel
/// tensors, columns for row-parallel ones), replicated tensors stay whole.
fn local_tensors(arch: &Architecture, t: u64) -> Vec<Tensor> {
    arch.tensors()
        .into_iter()
        .map(|mut tensor| {
            if tensor.split == Split::Split && t > 1 {
                match tensor.role {
                    TensorRole::AttentionOut | TensorRole::Down | TensorRole::Bias => {
                        tensor.cols = tensor.cols.div_ceil(t)
                    }
                    _ => tensor.rows = tensor.rows.div_ceil(t),
                }
            }
            tensor
        })
        .collect()
}

/// A bare count as one vector tensor, its `ceil(N / t)` share per tensor-parallel rank.
fn bare_tensor(n_params: u128, t: u64) -> Tensor {
    let share = div_ceil(n_params, u128::from(t));
    Tensor {
        role: TensorRole::Bias,
        rows: 1,
        // n_params <= 10^15 < 2^64.
        cols: u64::try_from(share).unwrap_or(u64::MAX),
        count: 1,
        per_layer: false,
        split: Split::Split,
    }
}

fn elements(tensors: &[Tensor]) -> u128 {
    tensors
        .iter()
        .map(|t| t.elements() * u128::from(t.count))
        .sum()
}

/// Checks that Megatron-style tensor parallelism of size `t` divides the architecture evenly.
fn check_tensor_parallel(
    arch: &Architecture,
    t: u64,
    field: &'static str,
) -> Result<(), MemoryError> {
    if t == 1 {
        return Ok(());
    }
    let fail = |what: &str, value: u64| MemoryError::NotDivisible {
        field,
        message: format!(
            "Tensor parallelism over {t} GPUs needs {what} ({value}) to be a multiple of {t}."
        ),
    };
    if !arch.heads().is_multiple_of(t) {
        return Err(fail("the attention heads", arch.heads()));
    }
    // Fewer kv heads than ranks: each rank keeps a replica of one kv head (vLLM does this).
    if !arch.kv_heads().is_multiple_of(t) && !t.is_multiple_of(arch.kv_heads()) {
        return Err(fail("the key/value heads", arch.kv_heads()));
    }
    if !arch.ffn().is_multiple_of(t) {
        return Err(fail("the MLP width", arch.ffn()));
    }
    if !arch.hidden().is_multiple_of(t) {
        return Err(fail("the hidden size", arch.hidden()));
    }
    Ok(())
}

/// Key/value heads one rank holds.
fn local_kv_heads(arch: &Architecture, t: u64) -> u64 {
    if arch.kv_heads() >= t {
        arch.kv_heads() / t
    } else {
        1
    }
}

/// Bits of weights stored in `storage`, split into elements and scales, with expression text.
struct Stored {
    element_bits: u128,
    scale_bits: u128,
    elements: u128,
    groups: Vec<(u128, u32, String)>,
}

fn store(tensors: &[Tensor], storage: &Storage) -> Stored {
    let mut out = Stored {
        element_bits: 0,
        scale_bits: 0,
        elements: 0,
        groups: Vec::new(),
    };
    for t in tensors {
        let count = u128::from(t.count);
        out.element_bits += storage.element_bits_for(t.elements(), count);
        out.scale_bits += storage.scale_bits_for(t.elements(), count);
        out.elements += t.elements() * count;
    }
    for level in storage.levels() {
        let one = Storage::of_levels(storage.element_bits(), vec![*level]);
        let scales: u128 = tensors
            .iter()
            .map(|t| one.scale_bits_for(t.elements(), u128::from(t.count)))
            .sum();
        let (bits, what) = match *level {
            super::dtype::ScaleLevel::PerGroup { elements, bits } => {
                (bits, format!("per {elements} weights"))
            }
            super::dtype::ScaleLevel::PerTensor { bits } => (bits, "per tensor".to_string()),
        };
        out.groups.push((scales / u128::from(bits), bits, what));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn weight_terms(
    tensors: &[Tensor],
    known: bool,
    format: WeightFormat,
    storage: &Storage,
    kept_bytes: u32,
    shard: u64,
    devices: u64,
    terms: &mut Vec<Term>,
) -> Result<(), MemoryError> {
    let (quantized, kept): (Vec<Tensor>, Vec<Tensor>) = if format.is_quantized() && known {
        tensors.iter().partition(|t| t.role.is_block_matrix())
    } else {
        (tensors.to_vec(), Vec::new())
    };
    let stored = store(&quantized, storage);
    let element_bytes = div_ceil(stored.element_bits, 8);
    let expression = if storage.element_bits().is_multiple_of(8) {
        format!(
            "{} x {} params",
            bytes_word(storage.element_bits() / 8),
            n(stored.elements)
        )
    } else {
        format!(
            "{} bits x {} params / 8",
            storage.element_bits(),
            n(stored.elements)
        )
    };
    let mut detail = Vec::new();
    if !kept.is_empty() {
        detail.push(format!(
            "Only the transformer blocks' projection matrices are stored in {}; embeddings, \
             output head and norms stay in 16 bits (the next row), as GPTQ, AWQ and bitsandbytes \
             leave them.",
            format.id()
        ));
    }
    terms.push(term(
        "weights",
        "Weights",
        Category::Weights,
        element_bytes,
        expression,
        shard,
        devices,
        detail,
    )?);
    if !kept.is_empty() {
        let kept_elements = elements(&kept);
        terms.push(term(
            "weights-kept",
            "Weights kept in 16 bits",
            Category::Weights,
            kept_elements * u128::from(kept_bytes),
            format!("{} x {} params", bytes_word(kept_bytes), n(kept_elements)),
            shard,
            devices,
            Vec::new(),
        )?);
    }
    if stored.scale_bits > 0 {
        let parts: Vec<String> = stored
            .groups
            .iter()
            .map(|(count, bits, what)| format!("{bits} bits x {} scales ({what})", n(*count)))
            .collect();
        let mut detail = Vec::new();
        if format == WeightFormat::Nf4 {
            let (num, den) = storage.asymptotic_scale_bits();
            let average = super::units::decimal(num, den, 15);
            let average = average.trim_end_matches('0');
            detail.push(format!(
                "Per weight: 4 + {average} bits on average for large tensors{}.",
                if storage.levels().len() == 2 {
                    " (8-bit block constants plus one fp32 constant per 256 blocks: QLoRA's double quantization)"
                } else {
                    " (one fp32 constant per block)"
                }
            ));
        }
        terms.push(term(
            "weight-scales",
            "Quantization scales",
            Category::Weights,
            div_ceil(stored.scale_bits, 8),
            format!("({}) / 8", parts.join(" + ")),
            shard,
            devices,
            detail,
        )?);
    }
    Ok(())
}

fn inference(inputs: &Inputs) -> Result<Ledger, MemoryError> {
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
    let mut notes = Vec::new();
    let mut terms = Vec::new();
    let tensors = match &arch {
        Some(a) => {
            range("gpus", "The GPU count", t, 1, MAX_TENSOR_PARALLEL)?;
            check_tensor_parallel(a, t, "gpus")?;
            if let Positions::Learned(max) = a.spec().positions {
                if settings.context > max {
                    return Err(MemoryError::ContextTooLong {
                        field: "context",
                        context: settings.context,
                        max,
                    });
                }
            } else if let Some(max) = a.max_context() {
                if settings.context > max {
                    notes.push(format!(
                        "The context ({} tokens) is longer than the {} tokens this model was \
                         trained for.",
                        n(u128::from(settings.context)),
                        n(u128::from(max))
                    ));
                }
            }
            local_tensors(a, t)
        }
        None => vec![bare_tensor(n_params, t)],
    };
    if t > 1 {
        notes.push(format!(
            "The model is split over {t} GPUs with tensor parallelism; each row is one GPU's share."
        ));
    }
    // Kept tensors are 16-bit; fp32 inference keeps everything in fp32 anyway.
    weight_terms(
        &tensors,
        arch.is_some(),
        settings.weights,
        &storage,
        2,
        1,
        devices,
        &mut terms,
    )?;
    match &arch {
        Some(a) => {
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
            let mut detail = Vec::new();
            if a.kv_heads() < a.heads() {
                detail.push(format!(
                    "Grouped-query attention: {} query heads share {} key/value heads, so the cache \
                     is {}x smaller than with one kv head per query head.",
                    a.heads(),
                    a.kv_heads(),
                    a.heads() / a.kv_heads()
                ));
            }
            if a.kv_heads() < t {
                detail.push(format!(
                    "With {t} GPUs and {} kv heads, each GPU keeps a replica of one kv head.",
                    a.kv_heads()
                ));
            }
            terms.push(term(
                "kv-cache",
                "KV cache",
                Category::KvCache,
                bytes,
                expression,
                1,
                devices,
                detail,
            )?);
            // Prefill working set of one layer: the hidden states in and out and the MLP's
            // intermediate (two ffn-wide tensors for a gated MLP, one for a plain one), assuming a
            // fused attention kernel (no seq x seq scores) and no chunked prefill.
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
            terms.push(term(
                "activations",
                "Activations (prefill working set)",
                Category::Activations,
                bytes,
                format!(
                    "{} x {} x {} tokens x (2 x {} hidden + {} x {} ffn)",
                    bytes_word(act_bytes),
                    sequences(settings.batch),
                    n(u128::from(settings.context)),
                    a.hidden(),
                    ffn_tensors,
                    ffn_local
                ),
                1,
                devices,
                vec![
                    "An estimate, not a law: one layer's input, output and MLP intermediate during \
                     prefill, with a fused attention kernel and no chunking. Engines differ."
                        .to_string(),
                ],
            )?);
            let vocab_local = a.vocab().div_ceil(t);
            let bytes = product(
                &[4, u128::from(settings.batch), u128::from(vocab_local)],
                "logits",
            )?;
            terms.push(term(
                "logits",
                "Logits (next token)",
                Category::Buffers,
                bytes,
                format!(
                    "4 bytes (fp32) x {} x {} vocab",
                    sequences(settings.batch),
                    n(u128::from(vocab_local))
                ),
                1,
                devices,
                Vec::new(),
            )?);
        }
        None => notes.push(
            "A bare parameter count gives the weights only: the KV cache and activations need \
             the architecture (choose a preset or enter one)."
                .to_string(),
        ),
    }
    notes.push(
        "Not counted: the CUDA context and framework (typically a few hundred MiB) and allocator \
         fragmentation."
            .to_string(),
    );
    Ok(Ledger {
        terms,
        devices,
        tensor_parallel: t,
        data_parallel: 1,
        n_params,
        n_trainable: 0,
        notes,
    })
}

/// The LoRA adapter tensors for the chosen targets: A (rank x in) and B (out x rank) per matrix.
fn adapter_tensors(
    local: &[Tensor],
    rank: u64,
    targets: super::inputs::LoraTargets,
) -> Vec<Tensor> {
    let role_of = |m: LoraMatrix| match m {
        LoraMatrix::Q => TensorRole::Query,
        LoraMatrix::K => TensorRole::Key,
        LoraMatrix::V => TensorRole::Value,
        LoraMatrix::O => TensorRole::AttentionOut,
        LoraMatrix::Gate => TensorRole::Gate,
        LoraMatrix::Up => TensorRole::Up,
        LoraMatrix::Down => TensorRole::Down,
    };
    let mut out = Vec::new();
    for m in LoraMatrix::ALL {
        if !targets.contains(m) {
            continue;
        }
        for base in local.iter().filter(|t| t.role == role_of(m)) {
            out.push(Tensor {
                rows: rank,
                cols: base.cols,
                ..*base
            });
            out.push(Tensor {
                rows: base.rows,
                cols: rank,
                ..*base
            });
        }
    }
    out
}

fn training(inputs: &Inputs) -> Result<Ledger, MemoryError> {
    let s = &inputs.training;
    let devices = inputs.hardware.count;
    let t = range(
        "tp",
        "The tensor-parallel size",
        s.tensor_parallel,
        1,
        MAX_TENSOR_PARALLEL,
    )?;
    range(
        "micro_batch",
        "The micro-batch size",
        s.micro_batch,
        1,
        MAX_BATCH,
    )?;
    range("seq", "The sequence length", s.seq_len, 1, MAX_TOKENS)?;
    if !devices.is_multiple_of(t) {
        return Err(MemoryError::NotDivisible {
            field: "tp",
            message: format!(
                "The tensor-parallel size {t} must divide the {devices} GPUs (data-parallel size = GPUs / tensor-parallel size)."
            ),
        });
    }
    let d = devices / t;
    let arch = inputs.model.architecture();
    let n_params = inputs.model.n_params();
    let recipe = s.recipe;
    let mut notes = Vec::new();
    let mut terms = Vec::new();

    let local = match &arch {
        Some(a) => {
            check_tensor_parallel(a, t, "tp")?;
            if s.sequence_parallel == SequenceParallel::On && !s.seq_len.is_multiple_of(t) {
                return Err(MemoryError::NotDivisible {
                    field: "seq",
                    message: format!(
                        "Sequence parallelism over {t} GPUs needs the sequence length ({}) to be a multiple of {t}.",
                        s.seq_len
                    ),
                });
            }
            if let Positions::Learned(max) = a.spec().positions {
                if s.seq_len > max {
                    return Err(MemoryError::ContextTooLong {
                        field: "seq",
                        context: s.seq_len,
                        max,
                    });
                }
            }
            local_tensors(a, t)
        }
        None => vec![bare_tensor(n_params, t)],
    };
    if t > 1 {
        notes.push(format!(
            "Tensor parallelism over {t} GPUs: split matrices keep 1/{t} per GPU; norms and the \
             biases of row-parallel layers are replicated."
        ));
    }

    // Which tensors train, and the frozen base under LoRA / QLoRA.
    let trainable: Vec<Tensor> = match s.finetune {
        Finetune::Full => local.clone(),
        Finetune::Lora | Finetune::Qlora => {
            if arch.is_none() {
                return Err(MemoryError::NeedsArchitecture {
                    field: "finetune",
                    what: "LoRA adds matrices shaped like the ones it adapts, so it",
                });
            }
            range("lora_rank", "The LoRA rank", s.lora_rank, 1, MAX_LORA_RANK)?;
            if s.lora_targets.is_empty() {
                return Err(MemoryError::OutOfRange {
                    field: "lora_targets",
                    label: "The number of LoRA target matrices",
                    value: 0,
                    min: 1,
                    max: 7,
                });
            }
            adapter_tensors(&local, s.lora_rank, s.lora_targets)
        }
    };
    let n_trainable_local = elements(&trainable);
    let weights_shard = if s.zero >= ZeroStage::Zero3 { d } else { 1 };
    let states_shard = if s.zero >= ZeroStage::Zero1 { d } else { 1 };
    let grads_shard = if s.zero >= ZeroStage::Zero2 { d } else { 1 };

    match s.finetune {
        Finetune::Full => {
            let wb = recipe.weight_bytes();
            terms.push(term(
                "weights",
                "Weights",
                Category::Weights,
                n_trainable_local * u128::from(wb),
                format!("{} x {} params", bytes_word(wb), n(n_trainable_local)),
                weights_shard,
                devices,
                Vec::new(),
            )?);
        }
        Finetune::Lora => {
            let wb = recipe.weight_bytes();
            let base = elements(&local);
            terms.push(term(
                "weights",
                "Frozen base weights",
                Category::Weights,
                base * u128::from(wb),
                format!("{} x {} params", bytes_word(wb), n(base)),
                weights_shard,
                devices,
                Vec::new(),
            )?);
        }
        Finetune::Qlora => {
            let storage = Storage::of(WeightFormat::Nf4, 64, DoubleQuant::On);
            weight_terms(
                &local,
                true,
                WeightFormat::Nf4,
                &storage,
                2,
                weights_shard,
                devices,
                &mut terms,
            )?;
        }
    }
    if s.finetune != Finetune::Full {
        let wb = recipe.weight_bytes();
        terms.push(term(
            "adapter-weights",
            "LoRA adapter weights",
            Category::Weights,
            n_trainable_local * u128::from(wb),
            format!(
                "{} x {} adapter params (rank {}, {})",
                bytes_word(wb),
                n(n_trainable_local),
                s.lora_rank,
                s.lora_targets.ids()
            ),
            weights_shard,
            devices,
            Vec::new(),
        )?);
    }

    if recipe.master_bytes() > 0 {
        terms.push(term(
            "master-weights",
            "fp32 master weights",
            Category::TrainingState,
            n_trainable_local * 4,
            format!("4 bytes x {} params", n(n_trainable_local)),
            states_shard,
            devices,
            Vec::new(),
        )?);
    }
    let grad_bytes: u32 = match (recipe, s.gradients) {
        (Recipe::Fp32, _) | (_, GradientCopy::Fp32) => 4,
        (_, GradientCopy::Sixteen) => 2,
    };
    terms.push(term(
        "gradients",
        if grad_bytes == 4 {
            "Gradients (fp32)"
        } else {
            "Gradients (16-bit)"
        },
        Category::TrainingState,
        n_trainable_local * u128::from(grad_bytes),
        format!(
            "{} x {} params",
            bytes_word(grad_bytes),
            n(n_trainable_local)
        ),
        grads_shard,
        devices,
        Vec::new(),
    )?);

    optimizer_terms(
        s.optimizer,
        recipe,
        &trainable,
        arch.is_some(),
        states_shard,
        devices,
        &mut terms,
    )?;

    // Buffers.
    if recipe == Recipe::Fp8 {
        let matmul: u128 = match arch {
            Some(_) => elements(
                &trainable
                    .iter()
                    .copied()
                    .filter(|t| t.role.is_block_matrix() || s.finetune != Finetune::Full)
                    .collect::<Vec<_>>(),
            ),
            None => n_trainable_local,
        };
        let frozen_matmul: u128 = if s.finetune == Finetune::Lora {
            elements(
                &local
                    .iter()
                    .copied()
                    .filter(|t| t.role.is_block_matrix())
                    .collect::<Vec<_>>(),
            )
        } else {
            0
        };
        let count = matmul + frozen_matmul;
        terms.push(term(
            "fp8-weight-cache",
            "FP8 weight copies",
            Category::Buffers,
            count,
            format!("1 byte x {} matrix params", n(count)),
            1,
            devices,
            vec![
                "Transformer Engine casts each weight matrix to FP8 once per step and keeps the \
                 copy for the backward pass."
                    .to_string(),
            ],
        )?);
    }
    if s.zero == ZeroStage::Zero3 && d > 1 {
        match &arch {
            Some(_) => {
                let layer: u128 = local
                    .iter()
                    .filter(|t| t.per_layer)
                    .map(|t| t.elements())
                    .sum();
                let wb = recipe.weight_bytes();
                terms.push(term(
                    "zero3-gather",
                    "ZeRO-3 gathered layer",
                    Category::Buffers,
                    layer * u128::from(wb),
                    format!("{} x {} params of one layer", bytes_word(wb), n(layer)),
                    1,
                    devices,
                    vec![
                        "ZeRO-3 all-gathers each layer's weights before using them; we count one \
                         layer at a time (DeepSpeed's prefetch and live-parameter limits can hold more)."
                            .to_string(),
                    ],
                )?);
            }
            None => notes.push(
                "ZeRO-3's gathered-layer buffer needs the architecture and is not counted."
                    .to_string(),
            ),
        }
    }

    match &arch {
        Some(a) => activation_terms(a, inputs, t, devices, &mut terms)?,
        None => notes.push(
            "Activations need the architecture (layers, hidden size, heads); with a bare \
             parameter count only the model states are counted."
                .to_string(),
        ),
    }
    let n_trainable = match s.finetune {
        Finetune::Full => n_params,
        _ => n_trainable_local * u128::from(t),
    };
    if d > 1 {
        notes.push(format!(
            "{devices} GPUs = {t} tensor-parallel x {d} data-parallel; ZeRO stage {} shards {}.",
            s.zero.number(),
            match s.zero {
                ZeroStage::Zero0 => "nothing (plain data parallelism)",
                ZeroStage::Zero1 => "the optimizer states and master weights",
                ZeroStage::Zero2 => "the optimizer states, master weights and gradients",
                ZeroStage::Zero3 => "the optimizer states, master weights, gradients and weights",
            }
        ));
    }
    notes.push(match (recipe, grad_bytes) {
        (Recipe::MixedFp16 | Recipe::MixedBf16 | Recipe::Fp8, 2) => {
            "Convention: 16-bit weights and gradients plus fp32 master weights and Adam states, \
             16 bytes per parameter with Adam (ZeRO paper). Megatron and Hugging Face count 18, \
             with fp32 gradients: switch the gradient copy to fp32 to see it."
                .to_string()
        }
        (Recipe::MixedFp16 | Recipe::MixedBf16 | Recipe::Fp8, _) => {
            "Convention: fp32 gradients (Megatron's main_grad), 18 bytes per parameter with Adam \
             (Megatron, Hugging Face); the ZeRO paper counts 16 with 16-bit gradients."
                .to_string()
        }
        (Recipe::PureBf16, _) => {
            "Pure bf16: no fp32 master copy; optimizer states are bf16 too.".to_string()
        }
        (Recipe::Fp32, _) => "fp32: every copy is 4 bytes per element.".to_string(),
    });
    notes.push(
        "Not counted: the CUDA context and framework (typically a few hundred MiB), communication \
         buckets and allocator fragmentation."
            .to_string(),
    );
    Ok(Ledger {
        terms,
        devices,
        tensor_parallel: t,
        data_parallel: d,
        n_params,
        n_trainable,
        notes,
    })
}

fn optimizer_terms(
    optimizer: Optimizer,
    recipe: Recipe,
    trainable: &[Tensor],
    known: bool,
    shard: u64,
    devices: u64,
    terms: &mut Vec<Term>,
) -> Result<(), MemoryError> {
    let sb = recipe.state_bytes();
    let n_local = elements(trainable);
    let simple = |id, label, terms: &mut Vec<Term>| -> Result<(), MemoryError> {
        terms.push(term(
            id,
            label,
            Category::TrainingState,
            n_local * u128::from(sb),
            format!("{} x {} params", bytes_word(sb), n(n_local)),
            shard,
            devices,
            Vec::new(),
        )?);
        Ok(())
    };
    match optimizer {
        Optimizer::AdamW => {
            simple("optimizer-m", "Adam first moment (m)", terms)?;
            simple("optimizer-v", "Adam second moment (v)", terms)?;
        }
        Optimizer::Sgd => {}
        Optimizer::SgdMomentum => simple("optimizer-momentum", "SGD momentum", terms)?,
        Optimizer::Lion => simple("optimizer-momentum", "Lion momentum", terms)?,
        Optimizer::Adam8bit => {
            // bitsandbytes: tensors with at least 4096 elements get 1-byte states quantized in
            // blocks of 2048 with one fp32 absmax per block; smaller tensors keep fp32 states.
            let (mut big, mut blocks, mut small) = (0u128, 0u128, 0u128);
            for t in trainable {
                let count = u128::from(t.count);
                if t.elements() >= 4096 {
                    big += t.elements() * count;
                    blocks += div_ceil(t.elements(), 2048) * count;
                } else {
                    small += t.elements() * count;
                }
            }
            let bytes = big + 4 * blocks + 4 * small;
            let expression = format!(
                "1 byte x {} params + 4 bytes x {} absmax blocks of 2048 + 4 bytes x {} params in tensors under 4096",
                n(big),
                n(blocks),
                n(small)
            );
            for (id, label) in [
                ("optimizer-m", "8-bit Adam first moment (m)"),
                ("optimizer-v", "8-bit Adam second moment (v)"),
            ] {
                terms.push(term(
                    id,
                    label,
                    Category::TrainingState,
                    bytes,
                    expression.clone(),
                    shard,
                    devices,
                    Vec::new(),
                )?);
            }
        }
        Optimizer::Adafactor => {
            if !known {
                return Err(MemoryError::NeedsArchitecture {
                    field: "optimizer",
                    what: "Adafactor's factored second moment (one row and one column vector per \
                           matrix)",
                });
            }
            let (mut factors, mut matrices, mut vectors) = (0u128, 0u128, 0u128);
            for t in trainable {
                let count = u128::from(t.count);
                if t.is_matrix() {
                    factors += (u128::from(t.rows) + u128::from(t.cols)) * count;
                    matrices += count;
                } else {
                    vectors += t.elements() * count;
                }
            }
            terms.push(term(
                "optimizer-v-factored",
                "Adafactor factored second moment",
                Category::TrainingState,
                (factors + vectors) * u128::from(sb),
                format!(
                    "{} x ({} row and column factors of {} matrices + {} vector params)",
                    bytes_word(sb),
                    n(factors),
                    n(matrices),
                    n(vectors)
                ),
                shard,
                devices,
                vec!["Adafactor's default keeps no first moment (beta1 = None).".to_string()],
            )?);
        }
    }
    Ok(())
}

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
    layer_components(
        arch,
        settings.seq_len,
        settings.micro_batch,
        settings.tensor_parallel,
        settings.sequence_parallel,
        settings.recompute,
        settings.dropout,
        settings.recipe.activation_bytes(),
    )
    .into_iter()
    .map(|c| (c.name.to_string(), c.bytes))
    .collect()
}

#[allow(clippy::too_many_arguments)]
fn layer_components(
    arch: &Architecture,
    seq: u64,
    batch: u64,
    t: u64,
    sp: SequenceParallel,
    recompute: Recompute,
    dropout: Dropout,
    p: u32,
) -> Vec<Component> {
    let (s, b, h) = (
        u128::from(seq),
        u128::from(batch),
        u128::from(arch.hidden()),
    );
    let t128 = u128::from(t.max(1));
    let p = u128::from(p);
    let sb = s * b;
    // Sharded by sequence under sequence parallelism, else whole on every rank.
    let rep = if sp == SequenceParallel::On { t128 } else { 1 };
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
    let q_dim = u128::from(arch.heads() * arch.head_dim());
    let kv_dim = u128::from(local_kv_heads(arch, t) * arch.head_dim()) * t128;
    let heads = u128::from(arch.heads());
    let ffn = u128::from(arch.ffn());
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
    push(
        "V",
        p * sb * kv_dim / t128,
        format!("{p} x s x b x kv_dim{tp_text}"),
    );
    push(
        "attention output projection input",
        p * sb * q_dim / t128,
        format!("{p} x s x b x q_dim{tp_text}"),
    );
    if with_dropout {
        push(
            "attention dropout mask",
            sb * h / rep,
            format!("1 x s x b x h{rep_text}"),
        );
    }
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
    match arch.mlp() {
        Mlp::Plain => {
            push(
                "activation function input",
                p * sb * ffn / t128,
                format!("{p} x s x b x ffn{tp_text}"),
            );
            push(
                "down-projection input",
                p * sb * ffn / t128,
                format!("{p} x s x b x ffn{tp_text}"),
            );
        }
        Mlp::Gated => {
            push(
                "gate and up outputs",
                2 * p * sb * ffn / t128,
                format!("2 x {p} x s x b x ffn{tp_text}"),
            );
            push(
                "down-projection input (gated product)",
                p * sb * ffn / t128,
                format!("{p} x s x b x ffn{tp_text}"),
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
    out
}

fn activation_terms(
    arch: &Architecture,
    inputs: &Inputs,
    t: u64,
    devices: u64,
    terms: &mut Vec<Term>,
) -> Result<(), MemoryError> {
    let s = &inputs.training;
    let p = s.recipe.activation_bytes();
    // The largest product here is p x a x s^2 x b x layers <= 4 x 2^14 x 2^54 x 2^16 x 2^14 =
    // 2^100, inside u128; the checks below still refuse to wrap.
    let components = layer_components(
        arch,
        s.seq_len,
        s.micro_batch,
        t,
        s.sequence_parallel,
        s.recompute,
        s.dropout,
        p,
    );
    let per_layer = components
        .iter()
        .try_fold(0u128, |acc, c| acc.checked_add(c.bytes))
        .ok_or(MemoryError::Overflow {
            what: "activations",
        })?;
    let bytes = product(&[per_layer, u128::from(arch.layers())], "activations")?;
    let mut detail = vec![format!(
        "Per layer, with s = {}, b = {}, h = {}, a = {}, q_dim = {}, kv_dim = {}, ffn = {}{} \
         (Korthikanti et al. 2022, generalised):",
        s.seq_len,
        s.micro_batch,
        arch.hidden(),
        arch.heads(),
        arch.heads() * arch.head_dim(),
        arch.kv_heads() * arch.head_dim(),
        arch.ffn(),
        if t > 1 {
            format!(", t = {t}")
        } else {
            String::new()
        }
    )];
    if s.dropout == Dropout::On && s.recompute != Recompute::Full {
        detail.push(
            "Dropout on, as Korthikanti et al. count it; Llama-family models train without \
             dropout (turn it off to drop its masks)."
                .to_string(),
        );
    }
    for c in &components {
        detail.push(format!("{}: {} = {}", c.name, c.formula, n(c.bytes)));
    }
    terms.push(term(
        "activations",
        match s.recompute {
            Recompute::None => "Activations",
            Recompute::Selective => "Activations (selective recomputation)",
            Recompute::Full => "Activations (full recomputation)",
        },
        Category::Activations,
        bytes,
        format!(
            "{} layers x {} bytes per layer",
            arch.layers(),
            n(per_layer)
        ),
        1,
        devices,
        detail,
    )?);
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
    terms.push(term(
        "logits",
        "Logits for the loss (fp32)",
        Category::Activations,
        bytes,
        format!(
            "4 bytes x {} tokens x {} x {} vocab",
            n(u128::from(s.seq_len)),
            sequences(s.micro_batch),
            n(u128::from(vocab_local))
        ),
        1,
        devices,
        vec![
            "The output layer's logits, kept in fp32 for the cross-entropy loss (Korthikanti et al. \
             count 4sbv/t)."
                .to_string(),
        ],
    )?);
    Ok(())
}
