//! Training: weights (full, LoRA's frozen base, QLoRA's NF4 base) and adapters, master weights,
//! gradients, optimizer states, short-lived buffers, activations and logits, over tensor and data
//! parallelism with ZeRO's sharding.

use super::activations::activation_terms;
use super::optimizer::optimizer_terms;
use super::tensors::{
    adapter_tensors, bare_tensor, check_expert_parallel, check_tensor_parallel, elements,
    local_tensors,
};
use super::weights::weight_terms;
use super::{bytes_word, n, range, Category, Entry, Ledger};
use super::{MAX_BATCH, MAX_LORA_RANK, MAX_TENSOR_PARALLEL, MAX_TOKENS};
use crate::memory::arch::{largest_block, Architecture, Positions, Tensor};
use crate::memory::dtype::{DoubleQuant, Storage, WeightFormat};
use crate::memory::error::MemoryError;
use crate::memory::inputs::{
    Finetune, GradientCopy, Inputs, Recipe, SequenceParallel, TrainingSettings, ZeroStage,
};

/// How many data-parallel ranks share each kind of state under the chosen ZeRO stage.
#[derive(Clone, Copy)]
struct Shards {
    weights: u64,
    states: u64,
    gradients: u64,
}

impl Shards {
    fn of(zero: ZeroStage, d: u64) -> Shards {
        let from = |stage: ZeroStage| if zero >= stage { d } else { 1 };
        Shards {
            weights: from(ZeroStage::Zero3),
            states: from(ZeroStage::Zero1),
            gradients: from(ZeroStage::Zero2),
        }
    }
}

pub(super) fn training(inputs: &Inputs) -> Result<Ledger, MemoryError> {
    let s = &inputs.training;
    let devices = inputs.hardware.count;
    let t = parallel_size(s, devices)?;
    let d = devices / t;
    let arch = inputs.model.architecture();
    let n_params = inputs.model.n_params();
    let mut ledger = Ledger::new(devices, t, d, n_params);
    let ep = range(
        "ep",
        "The expert-parallel size",
        s.expert_parallel,
        1,
        devices,
    )?;
    check_expert_parallel(arch.as_ref(), ep, d)?;
    let (local, local_ep) = match &arch {
        Some(a) => {
            check_shapes(a, s, t)?;
            (local_tensors(a, t, 1), local_tensors(a, t, ep))
        }
        None => {
            let bare = vec![bare_tensor(n_params, t)];
            (bare.clone(), bare)
        }
    };
    if t > 1 {
        ledger.note(format!(
            "Tensor parallelism over {t} GPUs: split matrices keep 1/{t} per GPU; norms and the \
             biases of row-parallel layers are replicated."
        ));
    }
    if ep > 1 {
        ledger.note(format!(
            "Expert parallelism over {ep} GPUs: each holds 1/{ep} of every MoE layer's experts \
             and sends tokens to the others. Sharded states are the same either way: ZeRO \
             shards the experts over the {} GPUs that hold the same ones.",
            d / ep
        ));
    }
    let trainable = trainable_tensors(s, arch.is_some(), &local)?;
    let trainable_ep = trainable_tensors(s, arch.is_some(), &local_ep)?;
    let views = Views {
        local: &local,
        trainable: &trainable,
        local_ep: &local_ep,
        trainable_ep: &trainable_ep,
    };
    let shards = Shards::of(s.zero, d);
    model_weights(&mut ledger, s, &views, shards)?;
    let grad_bytes = master_and_gradients(&mut ledger, s, &views, shards)?;
    optimizer_terms(
        &mut ledger,
        s.optimizer,
        s.recipe,
        views.trainable(shards.states),
        arch.is_some(),
        shards.states,
    )?;
    buffers(&mut ledger, s, arch.as_ref(), &local_ep, &trainable_ep, d)?;
    match &arch {
        Some(a) => activation_terms(&mut ledger, a, s)?,
        None => ledger.note(
            "Activations need the architecture (layers, hidden size, heads); with a bare \
             parameter count only the model states are counted.",
        ),
    }
    ledger.n_trainable = match s.finetune {
        Finetune::Full => n_params,
        _ => elements(&trainable) * u128::from(t),
    };
    if d > 1 {
        ledger.note(format!(
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
    ledger.note(convention(s.recipe, grad_bytes));
    ledger.note(
        "Not counted: the CUDA context and framework (typically a few hundred MiB), communication \
         buckets and allocator fragmentation.",
    );
    Ok(ledger)
}

/// One rank's tensors with and without expert parallelism. A state sharded by ZeRO over the `d`
/// data-parallel GPUs is the same share either way (each rank keeps `1/ep` of the experts,
/// sharded over the `d/ep` ranks that hold the same ones: `1/d`), so sharded states count the
/// whole list over `d`; a state kept whole counts the rank's own experts.
struct Views<'a> {
    local: &'a [Tensor],
    trainable: &'a [Tensor],
    local_ep: &'a [Tensor],
    trainable_ep: &'a [Tensor],
}

impl<'a> Views<'a> {
    fn local(&self, shard: u64) -> &'a [Tensor] {
        if shard > 1 {
            self.local
        } else {
            self.local_ep
        }
    }
    fn trainable(&self, shard: u64) -> &'a [Tensor] {
        if shard > 1 {
            self.trainable
        } else {
            self.trainable_ep
        }
    }
}

/// Checks the sizes and returns the tensor-parallel size, which must divide the GPUs.
fn parallel_size(s: &TrainingSettings, devices: u64) -> Result<u64, MemoryError> {
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
    Ok(t)
}

/// Tensor and sequence parallelism must divide the architecture; learned positions bound the
/// sequence.
fn check_shapes(a: &Architecture, s: &TrainingSettings, t: u64) -> Result<(), MemoryError> {
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
    Ok(())
}

/// The tensors that train: all of them, or the LoRA adapters on the chosen matrices.
fn trainable_tensors(
    s: &TrainingSettings,
    known: bool,
    local: &[Tensor],
) -> Result<Vec<Tensor>, MemoryError> {
    match s.finetune {
        Finetune::Full => Ok(local.to_vec()),
        Finetune::Lora | Finetune::Qlora => {
            if !known {
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
            Ok(adapter_tensors(local, s.lora_rank, s.lora_targets))
        }
    }
}

/// The weights computed with: the whole model, LoRA's frozen base or QLoRA's NF4 base, then the
/// adapters.
fn model_weights(
    ledger: &mut Ledger,
    s: &TrainingSettings,
    views: &Views,
    shards: Shards,
) -> Result<(), MemoryError> {
    let wb = s.recipe.weight_bytes();
    let local = views.local(shards.weights);
    let n_trainable = elements(views.trainable(shards.weights));
    match s.finetune {
        Finetune::Full => ledger.add(
            Entry::new(
                "weights",
                "Weights",
                Category::Weights,
                n_trainable * u128::from(wb),
                format!("{} x {} params", bytes_word(wb), n(n_trainable)),
            )
            .sharded(shards.weights),
        )?,
        Finetune::Lora => {
            let base = elements(local);
            ledger.add(
                Entry::new(
                    "weights",
                    "Frozen base weights",
                    Category::Weights,
                    base * u128::from(wb),
                    format!("{} x {} params", bytes_word(wb), n(base)),
                )
                .sharded(shards.weights),
            )?;
        }
        Finetune::Qlora => {
            let storage = Storage::of(WeightFormat::Nf4, 64, DoubleQuant::On);
            let nf4 = WeightFormat::Nf4;
            weight_terms(ledger, local, true, nf4, &storage, shards.weights)?;
        }
    }
    if s.finetune != Finetune::Full {
        let expression = format!(
            "{} x {} adapter params (rank {}, {})",
            bytes_word(wb),
            n(n_trainable),
            s.lora_rank,
            s.lora_targets.ids()
        );
        ledger.add(
            Entry::new(
                "adapter-weights",
                "LoRA adapter weights",
                Category::Weights,
                n_trainable * u128::from(wb),
                expression,
            )
            .sharded(shards.weights),
        )?;
    }
    Ok(())
}

/// The fp32 master copy (mixed precision) and the gradients; returns the gradients' bytes per
/// element.
fn master_and_gradients(
    ledger: &mut Ledger,
    s: &TrainingSettings,
    views: &Views,
    shards: Shards,
) -> Result<u32, MemoryError> {
    let n_trainable = elements(views.trainable(shards.states));
    if s.recipe.master_bytes() > 0 {
        ledger.add(
            Entry::new(
                "master-weights",
                "fp32 master weights",
                Category::TrainingState,
                n_trainable * 4,
                format!("4 bytes x {} params", n(n_trainable)),
            )
            .sharded(shards.states),
        )?;
    }
    let grad_bytes: u32 = match (s.recipe, s.gradients) {
        (Recipe::Fp32, _) | (_, GradientCopy::Fp32) => 4,
        (_, GradientCopy::Sixteen) => 2,
    };
    let n_trainable = elements(views.trainable(shards.gradients));
    let label = if grad_bytes == 4 {
        "Gradients (fp32)"
    } else {
        "Gradients (16-bit)"
    };
    ledger.add(
        Entry::new(
            "gradients",
            label,
            Category::TrainingState,
            n_trainable * u128::from(grad_bytes),
            format!("{} x {} params", bytes_word(grad_bytes), n(n_trainable)),
        )
        .sharded(shards.gradients),
    )?;
    Ok(grad_bytes)
}

/// Short-lived buffers: Transformer Engine's FP8 weight copies, ZeRO-3's gathered layer.
fn buffers(
    ledger: &mut Ledger,
    s: &TrainingSettings,
    arch: Option<&Architecture>,
    local: &[Tensor],
    trainable: &[Tensor],
    d: u64,
) -> Result<(), MemoryError> {
    let matrices = |tensors: &[Tensor], all: bool| -> u128 {
        let kept: Vec<Tensor> = tensors
            .iter()
            .copied()
            .filter(|t| all || t.role.is_block_matrix())
            .collect();
        elements(&kept)
    };
    if s.recipe == Recipe::Fp8 {
        let matmul = match arch {
            Some(_) => matrices(trainable, s.finetune != Finetune::Full),
            None => elements(trainable),
        };
        let frozen_matmul = if s.finetune == Finetune::Lora {
            matrices(local, false)
        } else {
            0
        };
        let count = matmul + frozen_matmul;
        let entry = Entry::new(
            "fp8-weight-cache",
            "FP8 weight copies",
            Category::Buffers,
            count,
            format!("1 byte x {} matrix params", n(count)),
        );
        ledger.add(entry.detail(
            "Transformer Engine casts each weight matrix to FP8 once per step and keeps the copy \
             for the backward pass.",
        ))?;
    }
    if s.zero == ZeroStage::Zero3 && d > 1 {
        if arch.is_none() {
            ledger
                .note("ZeRO-3's gathered-layer buffer needs the architecture and is not counted.");
            return Ok(());
        }
        let layer = largest_block(local);
        let wb = s.recipe.weight_bytes();
        let entry = Entry::new(
            "zero3-gather",
            "ZeRO-3 gathered layer",
            Category::Buffers,
            layer * u128::from(wb),
            format!("{} x {} params of one layer", bytes_word(wb), n(layer)),
        );
        ledger.add(entry.detail(
            "ZeRO-3 all-gathers each layer's weights before using them; we count one layer at a \
             time (DeepSpeed's prefetch and live-parameter limits can hold more).",
        ))?;
    }
    Ok(())
}

/// The bytes-per-parameter convention in force, and how to see the other one.
fn convention(recipe: Recipe, grad_bytes: u32) -> &'static str {
    match (recipe, grad_bytes) {
        (Recipe::MixedFp16 | Recipe::MixedBf16 | Recipe::Fp8, 2) => {
            "Convention: 16-bit weights and gradients plus fp32 master weights and Adam states, \
             16 bytes per parameter with Adam (ZeRO paper). Megatron and Hugging Face count 18, \
             with fp32 gradients: switch the gradient copy to fp32 to see it."
        }
        (Recipe::MixedFp16 | Recipe::MixedBf16 | Recipe::Fp8, _) => {
            "Convention: fp32 gradients (Megatron's main_grad), 18 bytes per parameter with Adam \
             (Megatron, Hugging Face); the ZeRO paper counts 16 with 16-bit gradients."
        }
        (Recipe::PureBf16, _) => "Pure bf16: no fp32 master copy; optimizer states are bf16 too.",
        (Recipe::Fp32, _) => "fp32: every copy is 4 bytes per element.",
    }
}
