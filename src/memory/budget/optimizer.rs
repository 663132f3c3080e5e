//! Optimizer states: Adam's two moments, SGD's and Lion's momentum, bitsandbytes' 8-bit Adam,
//! Adafactor's factored second moment.

use super::tensors::elements;
use super::{bytes_word, n, Category, Entry, Ledger};
use crate::memory::arch::Tensor;
use crate::memory::error::MemoryError;
use crate::memory::inputs::{Optimizer, Recipe};
use crate::memory::units::div_ceil;

/// The optimizer's state lines for the `trainable` tensors, divided over `shard` data-parallel
/// ranks; Adafactor needs the architecture `known` (its factors follow the matrices' shapes).
pub(super) fn optimizer_terms(
    ledger: &mut Ledger,
    optimizer: Optimizer,
    recipe: Recipe,
    trainable: &[Tensor],
    known: bool,
    shard: u64,
) -> Result<(), MemoryError> {
    let sb = recipe.state_bytes();
    let n_local = elements(trainable);
    let simple = |id, label| {
        let expression = format!("{} x {} params", bytes_word(sb), n(n_local));
        let bytes = n_local * u128::from(sb);
        Entry::new(id, label, Category::TrainingState, bytes, expression).sharded(shard)
    };
    match optimizer {
        Optimizer::AdamW => {
            ledger.add(simple("optimizer-m", "Adam first moment (m)"))?;
            ledger.add(simple("optimizer-v", "Adam second moment (v)"))?;
        }
        Optimizer::Sgd => {}
        Optimizer::SgdMomentum => ledger.add(simple("optimizer-momentum", "SGD momentum"))?,
        Optimizer::Lion => ledger.add(simple("optimizer-momentum", "Lion momentum"))?,
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
                let entry = Entry::new(
                    id,
                    label,
                    Category::TrainingState,
                    bytes,
                    expression.clone(),
                );
                ledger.add(entry.sharded(shard))?;
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
            let expression = format!(
                "{} x ({} row and column factors of {} matrices + {} vector params)",
                bytes_word(sb),
                n(factors),
                n(matrices),
                n(vectors)
            );
            let entry = Entry::new(
                "optimizer-v-factored",
                "Adafactor factored second moment",
                Category::TrainingState,
                (factors + vectors) * u128::from(sb),
                expression,
            );
            let entry = entry.detail("Adafactor's default keeps no first moment (beta1 = None).");
            ledger.add(entry.sharded(shard))?;
        }
    }
    Ok(())
}
