//! The model's tensors as one tensor-parallel rank holds them, and the LoRA adapters on them.

use crate::memory::arch::{Architecture, Place, Split, Tensor, TensorRole};
use crate::memory::error::MemoryError;
use crate::memory::inputs::{LoraMatrix, LoraTargets};
use crate::memory::units::div_ceil;

/// The weight tensors as one tensor-parallel rank holds them: split tensors keep
/// `ceil(dim / t)` of their split dimension (rows for column-parallel and vocab-parallel
/// tensors, columns for row-parallel ones), replicated tensors stay whole; with expert
/// parallelism of size `ep` a rank holds `experts / ep` of each MoE layer's experts.
pub(super) fn local_tensors(arch: &Architecture, t: u64, ep: u64) -> Vec<Tensor> {
    arch.tensors()
        .into_iter()
        .map(|mut tensor| {
            if tensor.expert && ep > 1 {
                tensor.copies /= ep;
                tensor.count /= ep;
            }
            if tensor.split == Split::Split && t > 1 {
                match tensor.role {
                    // Row-parallel matrices (their input is split) and split bias vectors.
                    TensorRole::AttentionOut | TensorRole::Down | TensorRole::Bias => {
                        tensor.cols = tensor.cols.div_ceil(t)
                    }
                    // Column-parallel: q, k, v, the latent up-projections, gate, up;
                    // vocab-parallel embedding and head.
                    _ => tensor.rows = tensor.rows.div_ceil(t),
                }
            }
            tensor
        })
        .collect()
}

/// A bare count as one vector tensor, its `ceil(N / t)` share per tensor-parallel rank.
pub(super) fn bare_tensor(n_params: u128, t: u64) -> Tensor {
    let share = div_ceil(n_params, u128::from(t));
    Tensor {
        role: TensorRole::Bias,
        rows: 1,
        // n_params <= 10^15 < 2^64.
        cols: u64::try_from(share).unwrap_or(u64::MAX),
        count: 1,
        copies: 1,
        place: Place::Outside,
        expert: false,
        split: Split::Split,
    }
}

pub(super) fn elements(tensors: &[Tensor]) -> u128 {
    tensors
        .iter()
        .map(|t| t.elements() * u128::from(t.count))
        .sum()
}

/// Checks that Megatron-style tensor parallelism of size `t` divides the architecture evenly.
pub(super) fn check_tensor_parallel(
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
    let (dense_layers, _) = arch.dense_and_moe_layers();
    if dense_layers > 0 && !arch.ffn().is_multiple_of(t) {
        return Err(fail("the MLP width", arch.ffn()));
    }
    if let Some(m) = arch.moe() {
        if !m.expert_ffn.is_multiple_of(t) {
            return Err(fail("each expert's MLP width", m.expert_ffn));
        }
        if !m.shared_ffn.is_multiple_of(t) {
            return Err(fail("the shared expert's MLP width", m.shared_ffn));
        }
    }
    if !arch.hidden().is_multiple_of(t) {
        return Err(fail("the hidden size", arch.hidden()));
    }
    Ok(())
}

/// Checks expert parallelism of size `ep` over `d` data-parallel GPUs: the model must have
/// experts, and `ep` must divide both the data-parallel GPUs and the experts.
pub(super) fn check_expert_parallel(
    arch: Option<&Architecture>,
    ep: u64,
    d: u64,
) -> Result<(), MemoryError> {
    if ep == 1 {
        return Ok(());
    }
    let fail = |message: String| MemoryError::NotDivisible {
        field: "ep",
        message,
    };
    let Some(m) = arch.and_then(|a| a.moe()) else {
        return Err(fail(
            "Expert parallelism spreads a mixture of experts over GPUs; this model has no \
             experts, so the expert-parallel size must be 1."
                .to_string(),
        ));
    };
    if !d.is_multiple_of(ep) {
        return Err(fail(format!(
            "The expert-parallel size {ep} must divide the {d} data-parallel GPUs (GPUs / \
             tensor-parallel size)."
        )));
    }
    if !m.experts.is_multiple_of(ep) {
        return Err(fail(format!(
            "Expert parallelism over {ep} GPUs needs the experts ({}) to be a multiple of {ep}.",
            m.experts
        )));
    }
    Ok(())
}

/// Key/value heads one rank holds.
pub(super) fn local_kv_heads(arch: &Architecture, t: u64) -> u64 {
    if arch.kv_heads() >= t {
        arch.kv_heads() / t
    } else {
        1
    }
}

/// The LoRA adapter tensors for the chosen targets: A (rank x in) and B (out x rank) per matrix.
pub(super) fn adapter_tensors(local: &[Tensor], rank: u64, targets: LoraTargets) -> Vec<Tensor> {
    // Under latent attention PEFT's usual target names reach the latent projections: q_a/q_b
    // (or q), kv_a, kv_b; "k" and "v" name the one down-projection and up-projection they share.
    let roles_of = |m: LoraMatrix| -> &'static [TensorRole] {
        match m {
            LoraMatrix::Q => &[TensorRole::Query, TensorRole::QueryDown],
            LoraMatrix::K => &[TensorRole::Key, TensorRole::KvDown],
            LoraMatrix::V => &[TensorRole::Value, TensorRole::KvUp],
            LoraMatrix::O => &[TensorRole::AttentionOut],
            LoraMatrix::Gate => &[TensorRole::Gate],
            LoraMatrix::Up => &[TensorRole::Up],
            LoraMatrix::Down => &[TensorRole::Down],
        }
    };
    let mut out = Vec::new();
    for m in LoraMatrix::ALL {
        if !targets.contains(m) {
            continue;
        }
        for base in local.iter().filter(|t| roles_of(m).contains(&t.role)) {
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

/// One pipeline stage: its index among `of` stages and the layers it holds, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stage {
    pub index: u64,
    pub of: u64,
    pub dense: u64,
    pub moe: u64,
}

impl Stage {
    /// The whole model on one stage.
    pub fn whole(arch: &Architecture) -> Stage {
        let (dense, moe) = arch.dense_and_moe_layers();
        Stage {
            index: 0,
            of: 1,
            dense,
            moe,
        }
    }

    /// Stage `index` of `of`, each holding `layers / of` consecutive layers (the caller checks
    /// that `of` divides the layers); DeepSeek's leading dense layers fall in the first stages.
    pub fn of(arch: &Architecture, index: u64, of: u64) -> Stage {
        let per = arch.layers() / of;
        let (start, end) = (index * per, (index + 1) * per);
        let dense_layers = arch.dense_and_moe_layers().0;
        let dense = dense_layers.min(end).saturating_sub(start);
        Stage {
            index,
            of,
            dense,
            moe: per - dense,
        }
    }

    pub fn first(&self) -> bool {
        self.index == 0
    }

    pub fn last(&self) -> bool {
        self.index + 1 == self.of
    }

    /// Micro-batches whose activations this stage holds at once under 1F1B: the first stage
    /// all `of`, the last one (Narayanan et al. 2021, arXiv 2104.04473, section 2.2).
    pub fn in_flight(&self) -> u64 {
        self.of - self.index
    }
}

/// The tensors one pipeline stage holds: its layers' share of every per-layer tensor, the
/// embeddings on the first stage, the final norm and output head on the last (with tied
/// embeddings the last stage keeps its own copy of the embedding matrix, as Megatron does).
pub(super) fn stage_tensors(tensors: &[Tensor], stage: Stage, tied: bool) -> Vec<Tensor> {
    if stage.of == 1 {
        return tensors.to_vec();
    }
    let mut out = Vec::new();
    for t in tensors {
        let layers = match t.place {
            Place::Outside => None,
            Place::EveryLayer => Some(stage.dense + stage.moe),
            Place::DenseLayers => Some(stage.dense),
            Place::MoeLayers => Some(stage.moe),
        };
        match layers {
            Some(n) => out.push(Tensor {
                count: n * t.copies,
                ..*t
            }),
            None => {
                let on_first = matches!(
                    t.role,
                    TensorRole::TokenEmbedding | TensorRole::PositionEmbedding
                );
                if (on_first && stage.first()) || (!on_first && stage.last()) {
                    out.push(*t);
                }
                if tied && t.role == TensorRole::TokenEmbedding && stage.last() {
                    out.push(Tensor {
                        role: TensorRole::OutputHead,
                        ..*t
                    });
                }
            }
        }
    }
    out.retain(|t| t.count > 0);
    out
}
