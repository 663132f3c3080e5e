//! Training: weights (full, LoRA's frozen base, QLoRA's NF4 base) and adapters, master weights,
//! gradients, optimizer states, short-lived buffers, activations and logits, over tensor and data
//! parallelism with ZeRO's sharding.

use super::activations::activation_terms;
use super::optimizer::optimizer_terms;
use super::tensors::{
    adapter_tensors, bare_tensor, check_expert_parallel, check_tensor_parallel, elements,
    local_tensors, stage_tensors, Stage,
};
use super::weights::weight_terms;
use super::{bytes_word, n, range, Category, Entry, Ledger, Term};
use super::{MAX_BATCH, MAX_LORA_RANK, MAX_TENSOR_PARALLEL, MAX_TOKENS};
use crate::memory::arch::{largest_block, Architecture, Embeddings, Positions, Tensor};
use crate::memory::dtype::{DoubleQuant, Storage, WeightFormat};
use crate::memory::error::MemoryError;
use crate::memory::inputs::{
    Finetune, GradientCopy, Inputs, Offload, Recipe, SequenceParallel, TrainingSettings, ZeroStage,
};
use crate::memory::units::Bytes;

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
    let pp = range(
        "pp",
        "The pipeline-parallel size",
        s.pipeline_parallel,
        1,
        MAX_TENSOR_PARALLEL,
    )?;
    let arch = inputs.model.architecture();
    let Some(a) = arch.filter(|_| pp > 1) else {
        if pp > 1 {
            return Err(MemoryError::NeedsArchitecture {
                field: "pp",
                what: "Pipeline parallelism splits the layers, so it",
            });
        }
        let stage = arch.as_ref().map(Stage::whole);
        return stage_ledger(inputs, stage);
    };
    if !a.layers().is_multiple_of(pp) {
        return Err(MemoryError::NotDivisible {
            field: "pp",
            message: format!(
                "Pipeline parallelism over {pp} stages needs the layers ({}) to be a multiple \
                 of {pp}.",
                a.layers()
            ),
        });
    }
    let stages = (0..pp)
        .map(|i| stage_ledger(inputs, Some(Stage::of(&a, i, pp))))
        .collect::<Result<Vec<Ledger>, MemoryError>>()?;
    Ok(pipeline(stages, a.layers() / pp))
}

/// The stages' ledgers as one: the fullest stage's GPU, with every term's total summed over all
/// stages (a term only other stages hold, such as the last stage's logits, shows 0 on this GPU).
fn pipeline(mut stages: Vec<Ledger>, per_stage: u64) -> Ledger {
    let pp = stages.len() as u64;
    let per_gpu: Vec<u128> = stages
        .iter()
        .map(|l| l.terms.iter().map(|t| t.per_device.get()).sum())
        .collect();
    // The first of the fullest stages.
    let fullest = (0..stages.len())
        .max_by_key(|&i| (per_gpu[i], core::cmp::Reverse(i)))
        .unwrap_or(0);
    let gpus_per_stage = u128::from(stages[0].devices / pp.max(1));
    let merge = |pick: fn(&Ledger) -> &Vec<Term>| -> Vec<Term> {
        let mut merged: Vec<Term> = pick(&stages[fullest]).clone();
        for term in &mut merged {
            term.total = Bytes(0);
        }
        for (i, stage) in stages.iter().enumerate() {
            for term in pick(stage) {
                let stage_total = term.per_device.get() * gpus_per_stage;
                match merged.iter_mut().find(|m| m.id == term.id) {
                    Some(m) => m.total = Bytes(m.total.get() + stage_total),
                    None => {
                        let mut other = term.clone();
                        other.total = Bytes(stage_total);
                        if i != fullest {
                            other.per_device = Bytes(0);
                            other.expression =
                                format!("on other pipeline stages: {}", other.expression);
                        }
                        merged.push(other);
                    }
                }
            }
        }
        merged
    };
    let terms = merge(|l| &l.terms);
    let host = merge(|l| &l.host);
    let mut base = stages.swap_remove(fullest);
    base.terms = terms;
    base.host = host;
    let shown: Vec<String> = per_gpu.iter().map(|b| Bytes(*b).gb()).collect();
    base.note(format!(
        "Pipeline parallelism: {pp} stages of {per_stage} layers. Each row is stage {}'s GPU, the \
         fullest; per GPU, stage by stage: {}. Under the 1F1B schedule the first stage holds the \
         activations of {pp} micro-batches at once (Narayanan et al. 2021); the last one holds \
         the output head and the logits. The all-GPUs column sums every stage.",
        fullest + 1,
        shown.join(", ")
    ));
    base
}

/// The ledger of one pipeline stage's GPU (`None`: a bare parameter count, no stages).
fn stage_ledger(inputs: &Inputs, stage: Option<Stage>) -> Result<Ledger, MemoryError> {
    let s = &inputs.training;
    let devices = inputs.hardware.count;
    let pp = stage.map_or(1, |st| st.of);
    let t = parallel_size(s, devices, pp)?;
    let d = devices / (t * pp);
    let arch = inputs.model.architecture();
    let n_params = inputs.model.n_params();
    let mut ledger = Ledger::new(devices, t, d, n_params);
    ledger.pipeline_parallel = pp;
    let ep = range(
        "ep",
        "The expert-parallel size",
        s.expert_parallel,
        1,
        devices,
    )?;
    check_expert_parallel(arch.as_ref(), ep, d)?;
    let (local, local_ep) = match (&arch, stage) {
        (Some(a), Some(stage)) => {
            check_shapes(a, s, t)?;
            let tied = a.spec().embeddings == Embeddings::Tied;
            (
                stage_tensors(&local_tensors(a, t, 1), stage, tied),
                stage_tensors(&local_tensors(a, t, ep), stage, tied),
            )
        }
        _ => {
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
    match (&arch, stage) {
        (Some(a), Some(stage)) => activation_terms(&mut ledger, a, s, stage)?,
        _ => ledger.note(
            "Activations need the architecture (layers, hidden size, heads); with a bare \
             parameter count only the model states are counted.",
        ),
    }
    ledger.n_trainable = match (s.finetune, &arch) {
        (Finetune::Full, _) | (_, None) => n_params,
        (_, Some(a)) => {
            elements(&trainable_tensors(s, true, &local_tensors(a, t, 1))?) * u128::from(t)
        }
    };
    offload(&mut ledger, s, d)?;
    if d > 1 {
        let pipeline = if pp > 1 {
            format!(" x {pp} pipeline stages")
        } else {
            String::new()
        };
        ledger.note(format!(
            "{devices} GPUs = {t} tensor-parallel{pipeline} x {d} data-parallel; ZeRO stage {} \
             shards {}.",
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

/// ZeRO-Offload: gradients, master weights and optimizer states (and with `all`, the weights)
/// move to host memory, sharded as on the GPU (Ren et al. 2021, arXiv 2101.06840, section 4).
fn offload(ledger: &mut Ledger, s: &TrainingSettings, d: u64) -> Result<(), MemoryError> {
    let needs = |stage: ZeroStage, message: &str| -> Result<(), MemoryError> {
        if s.zero < stage {
            return Err(MemoryError::NotDivisible {
                field: "offload",
                message: message.to_string(),
            });
        }
        Ok(())
    };
    match s.offload {
        Offload::None => return Ok(()),
        Offload::Optimizer => needs(
            ZeroStage::Zero1,
            "Offloading the optimizer needs ZeRO stage 1 or more (DeepSpeed's offload_optimizer).",
        )?,
        Offload::All => needs(
            ZeroStage::Zero3,
            "Offloading the weights needs ZeRO stage 3 (DeepSpeed's offload_param).",
        )?,
    }
    let all = s.offload == Offload::All;
    ledger.move_to_host(|t| {
        t.category == Category::TrainingState || (all && t.category == Category::Weights)
    });
    ledger.note(format!(
        "ZeRO-Offload: {} in host memory, {}; the optimizer steps on the CPU. PCIe traffic \
         each step is the price.",
        if all {
            "the weights, gradients, master weights and optimizer states live"
        } else {
            "gradients, master weights and optimizer states live"
        },
        if d > 1 {
            format!("each of the {d} data-parallel processes keeping its shard")
        } else {
            "the whole of them".to_string()
        }
    ));
    Ok(())
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

/// Checks the sizes and returns the tensor-parallel size; with the pipeline stages it must
/// divide the GPUs.
fn parallel_size(s: &TrainingSettings, devices: u64, pp: u64) -> Result<u64, MemoryError> {
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
    if !devices.is_multiple_of(t * pp) {
        return Err(MemoryError::NotDivisible {
            field: "pp",
            message: format!(
                "{t} tensor-parallel x {pp} pipeline stages = {} GPUs must divide the {devices} \
                 GPUs.",
                t * pp
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
    if (s.zero == ZeroStage::Zero3 && d > 1) || s.offload == Offload::All {
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
