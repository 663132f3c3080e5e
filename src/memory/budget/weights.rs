//! The weights as stored: elements in their format, quantization scales per group and per tensor,
//! and the tensors a quantized checkpoint keeps in 16 bits.

use super::tensors::elements;
use super::{bytes_word, n, Category, Entry, Ledger};
use crate::memory::arch::Tensor;
use crate::memory::dtype::{ScaleLevel, Storage, WeightFormat};
use crate::memory::error::MemoryError;
use crate::memory::units::{decimal, div_ceil};

/// Bytes per element of the tensors a quantized checkpoint keeps unquantized (16 bits).
const KEPT_BYTES: u32 = 2;

/// Bits of weights stored in `storage`, split into elements and scales, with expression text.
struct Stored {
    element_bits: u128,
    scale_bits: u128,
    elements: u128,
    /// Per scale level: how many scales, their bits, and what each covers.
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
            ScaleLevel::PerGroup { elements, bits } => (bits, format!("per {elements} weights")),
            ScaleLevel::PerTensor { bits } => (bits, "per tensor".to_string()),
        };
        out.groups.push((scales / u128::from(bits), bits, what));
    }
    out
}

/// The weight lines for `tensors` stored as `format` (`storage`), divided over `shard`
/// data-parallel ranks. With the architecture `known`, a quantized format covers only the
/// transformer blocks' matrices; the rest is a line of its own in 16 bits.
pub(super) fn weight_terms(
    ledger: &mut Ledger,
    tensors: &[Tensor],
    known: bool,
    format: WeightFormat,
    storage: &Storage,
    shard: u64,
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
    let mut weights = Entry::new(
        "weights",
        "Weights",
        Category::Weights,
        element_bytes,
        expression,
    );
    if !kept.is_empty() {
        weights = weights.detail(format!(
            "Only the transformer blocks' projection matrices are stored in {}; embeddings, \
             output head and norms stay in 16 bits (the next row), as GPTQ, AWQ and bitsandbytes \
             leave them.",
            format.id()
        ));
    }
    ledger.add(weights.sharded(shard))?;
    if !kept.is_empty() {
        let kept_elements = elements(&kept);
        ledger.add(
            Entry::new(
                "weights-kept",
                "Weights kept in 16 bits",
                Category::Weights,
                kept_elements * u128::from(KEPT_BYTES),
                format!("{} x {} params", bytes_word(KEPT_BYTES), n(kept_elements)),
            )
            .sharded(shard),
        )?;
    }
    if stored.scale_bits > 0 {
        let parts: Vec<String> = stored
            .groups
            .iter()
            .map(|(count, bits, what)| format!("{bits} bits x {} scales ({what})", n(*count)))
            .collect();
        let mut scales = Entry::new(
            "weight-scales",
            "Quantization scales",
            Category::Weights,
            div_ceil(stored.scale_bits, 8),
            format!("({}) / 8", parts.join(" + ")),
        );
        if format == WeightFormat::Nf4 {
            let (num, den) = storage.asymptotic_scale_bits();
            let average = decimal(num, den, 15);
            let average = average.trim_end_matches('0');
            scales = scales.detail(format!(
                "Per weight: 4 + {average} bits on average for large tensors{}.",
                if storage.levels().len() == 2 {
                    " (8-bit block constants plus one fp32 constant per 256 blocks: QLoRA's double quantization)"
                } else {
                    " (one fp32 constant per block)"
                }
            ));
        }
        ledger.add(scales.sharded(shard))?;
    }
    Ok(())
}
