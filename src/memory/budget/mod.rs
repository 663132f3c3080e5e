//! The budget itself: from [`Inputs`] to a [`Report`], a ledger of [`Term`]s with exact byte
//! counts per device and in total, each with its formula and the numbers put in, plus whether it
//! fits and the largest batch or context that does. This module owns the accounting conventions
//! (which copies exist, what ZeRO and tensor parallelism shard, Korthikanti et al.'s activation
//! terms, the KV cache). It does not parse text (see `params`, `query`) or draw (see `plot`).
//!
//! Here: the report's types, the `Ledger` the two modes write their lines to, and the search for
//! the largest batch or context. The lines themselves: `inference` and `training` (one function
//! per group of lines), over the tensors one rank holds (`tensors`), stored weights (`weights`),
//! optimizer states (`optimizer`) and stored activations (`activations`).

mod activations;
mod inference;
mod optimizer;
mod tensors;
mod training;
mod weights;

pub use activations::layer_activations;

use super::error::MemoryError;
use super::inputs::{Inputs, Mode};
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
    /// Pipeline stages (training; 1 in inference). `terms` are the fullest stage's GPU; each
    /// term's `total` sums every stage.
    pub pipeline_parallel: u64,
    /// What ZeRO-Offload keeps in host (CPU) memory: its terms, their sum for one GPU's process,
    /// and over all of them.
    pub host: Vec<Term>,
    pub host_per_device: Bytes,
    pub host_total: Bytes,
    /// Total parameters of the model.
    pub n_params: u128,
    /// Parameters that train (all of them, or the LoRA adapters).
    pub n_trainable: u128,
    /// For a mixture of experts, the parameters one token passes through
    /// ([`Architecture::active_param_count`](crate::memory::Architecture::active_param_count)).
    pub n_active: Option<u128>,
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

/// The ledger as the two modes write it, before fit and search are added: its lines, how the
/// devices divide, and the notes.
struct Ledger {
    terms: Vec<Term>,
    /// Terms kept in host memory instead (ZeRO-Offload).
    host: Vec<Term>,
    devices: u64,
    tensor_parallel: u64,
    data_parallel: u64,
    pipeline_parallel: u64,
    n_params: u128,
    n_trainable: u128,
    notes: Vec<String>,
}

impl Ledger {
    fn new(devices: u64, tensor_parallel: u64, data_parallel: u64, n_params: u128) -> Ledger {
        Ledger {
            terms: Vec::new(),
            host: Vec::new(),
            devices,
            tensor_parallel,
            data_parallel,
            pipeline_parallel: 1,
            n_params,
            n_trainable: 0,
            notes: Vec::new(),
        }
    }

    /// Puts a line on the ledger: its bytes on one tensor-parallel rank, divided over its
    /// data-parallel shards, held on every device.
    fn add(&mut self, entry: Entry) -> Result<(), MemoryError> {
        let per_device = Bytes(div_ceil(entry.bytes, u128::from(entry.shard.max(1))));
        let expression = if entry.shard > 1 {
            format!("{} / {} data-parallel GPUs", entry.expression, entry.shard)
        } else {
            entry.expression
        };
        let total = per_device
            .checked_mul(u128::from(self.devices))
            .ok_or(MemoryError::Overflow { what: "total" })?;
        self.terms.push(Term {
            id: entry.id,
            label: entry.label,
            category: entry.category,
            per_device,
            total,
            expression,
            detail: entry.detail,
        });
        Ok(())
    }

    fn note(&mut self, sentence: impl Into<String>) {
        self.notes.push(sentence.into());
    }

    /// Moves the terms `moved` picks from the GPU to host memory.
    fn move_to_host(&mut self, moved: impl Fn(&Term) -> bool) {
        let (host, gpu): (Vec<Term>, Vec<Term>) = self.terms.drain(..).partition(|t| moved(t));
        self.terms = gpu;
        self.host.extend(host);
    }
}

/// One line before it goes on the ledger: the bytes one tensor-parallel rank holds, with the
/// formula that gives them; replicated over data-parallel ranks unless [`Entry::sharded`].
struct Entry {
    id: &'static str,
    label: &'static str,
    category: Category,
    bytes: u128,
    expression: String,
    shard: u64,
    detail: Vec<String>,
}

impl Entry {
    fn new(
        id: &'static str,
        label: &'static str,
        category: Category,
        bytes: u128,
        expression: String,
    ) -> Entry {
        Entry {
            id,
            label,
            category,
            bytes,
            expression,
            shard: 1,
            detail: Vec::new(),
        }
    }

    /// Divided over `shard` data-parallel ranks (ZeRO); 1 = replicated.
    fn sharded(self, shard: u64) -> Entry {
        Entry { shard, ..self }
    }

    /// A further line under the formula.
    fn detail(mut self, line: impl Into<String>) -> Entry {
        self.detail.push(line.into());
        self
    }
}

fn finish(inputs: &Inputs, ledger: Ledger, largest: Largest) -> Report {
    let per_device = Bytes(ledger.terms.iter().map(|t| t.per_device.get()).sum());
    let total = Bytes(ledger.terms.iter().map(|t| t.total.get()).sum());
    let host_per_device = Bytes(ledger.host.iter().map(|t| t.per_device.get()).sum());
    let host_total = Bytes(ledger.host.iter().map(|t| t.total.get()).sum());
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
        pipeline_parallel: ledger.pipeline_parallel,
        host: ledger.host,
        host_per_device,
        host_total,
        n_params: ledger.n_params,
        n_trainable: ledger.n_trainable,
        n_active: inputs
            .model
            .architecture()
            .filter(|a| a.moe().is_some())
            .map(|a| a.active_param_count()),
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
        Mode::Inference => inference::inference(inputs),
        Mode::Training => training::training(inputs),
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
