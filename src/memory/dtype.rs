//! How many bits a stored number takes. This module owns the weight formats (`fp32` ... `nf4`)
//! with their grouping and scale overhead, the KV-cache formats, and [`Storage`], which turns an
//! element count into an exact bit count including every scale. It does not decide which tensors
//! use which format (that is the budget's job) and does not encode values (that is `formats`).

use core::fmt;

use super::units::div_ceil;

/// A weight storage format, by URL id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeightFormat {
    Fp32,
    Fp16,
    Bf16,
    /// FP8 (E4M3) weights with one fp32 scale per tensor.
    Fp8,
    /// Symmetric int8 with one fp16 scale per group of weights.
    Int8,
    /// Symmetric int4 with one fp16 scale per group of weights (GPTQ/AWQ style, zero points not
    /// counted: asymmetric variants add 4 bits per group).
    Int4,
    /// NormalFloat4 (QLoRA) with blockwise absmax, optionally double-quantized.
    Nf4,
}

impl WeightFormat {
    /// Every format, in menu order.
    pub const ALL: [WeightFormat; 7] = [
        WeightFormat::Fp32,
        WeightFormat::Fp16,
        WeightFormat::Bf16,
        WeightFormat::Fp8,
        WeightFormat::Int8,
        WeightFormat::Int4,
        WeightFormat::Nf4,
    ];

    /// The URL id.
    pub fn id(self) -> &'static str {
        match self {
            WeightFormat::Fp32 => "fp32",
            WeightFormat::Fp16 => "fp16",
            WeightFormat::Bf16 => "bf16",
            WeightFormat::Fp8 => "fp8",
            WeightFormat::Int8 => "int8",
            WeightFormat::Int4 => "int4",
            WeightFormat::Nf4 => "nf4",
        }
    }

    /// Looks a format up by URL id.
    pub fn from_id(id: &str) -> Option<Self> {
        WeightFormat::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Bits per element before any scale.
    pub fn element_bits(self) -> u32 {
        match self {
            WeightFormat::Fp32 => 32,
            WeightFormat::Fp16 | WeightFormat::Bf16 => 16,
            WeightFormat::Fp8 | WeightFormat::Int8 => 8,
            WeightFormat::Int4 | WeightFormat::Nf4 => 4,
        }
    }

    /// True for formats that need scales and are applied only to the block matrices when the
    /// architecture is known (embeddings, head and norms stay in 16 bits, as GPTQ, AWQ and
    /// bitsandbytes leave them).
    pub fn is_quantized(self) -> bool {
        matches!(
            self,
            WeightFormat::Fp8 | WeightFormat::Int8 | WeightFormat::Int4 | WeightFormat::Nf4
        )
    }

    /// True where a group size applies.
    pub fn uses_groups(self) -> bool {
        matches!(
            self,
            WeightFormat::Int8 | WeightFormat::Int4 | WeightFormat::Nf4
        )
    }

    /// The group size a quantizer uses by default: 128 for int8/int4 (GPTQ, AWQ), 64 for NF4
    /// (bitsandbytes' default blocksize, the QLoRA paper's).
    pub fn default_group(self) -> u32 {
        match self {
            WeightFormat::Nf4 => 64,
            _ => 128,
        }
    }
}

/// Whether NF4's block constants are themselves quantized (QLoRA's "double quantization").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DoubleQuant {
    /// fp32 absmax per block: 32 / 64 = 0.5 extra bits per weight at block 64.
    Off,
    /// 8-bit absmax per block plus one fp32 constant per 256 blocks: 8/64 + 32/(64 x 256) =
    /// 0.126953125 extra bits per weight, 4.126953125 in all ("~4.127", QLoRA paper section 3).
    #[default]
    On,
}

/// One level of scale overhead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScaleLevel {
    /// One scale of `bits` bits for every `elements` elements of a tensor (the last group of a
    /// tensor may be partial and still has a scale).
    PerGroup { elements: u64, bits: u32 },
    /// One scale of `bits` bits per tensor.
    PerTensor { bits: u32 },
}

/// A storage layout: bits per element plus zero or more levels of scales.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Storage {
    element_bits: u32,
    levels: Vec<ScaleLevel>,
}

/// Why a group size was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupError {
    pub group: u64,
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "A group size of {} is not usable; pick a power of two from 16 to 4096 (64 and 128 are common).",
            self.group
        )
    }
}

impl std::error::Error for GroupError {}

/// Group sizes accepted: powers of two from 16 to 4096, what quantizers actually offer.
pub fn check_group(group: u64) -> Result<u32, GroupError> {
    if (16..=4096).contains(&group) && group.is_power_of_two() {
        Ok(group as u32)
    } else {
        Err(GroupError { group })
    }
}

impl Storage {
    /// A plain format with no scales.
    pub fn plain(element_bits: u32) -> Self {
        Storage {
            element_bits,
            levels: Vec::new(),
        }
    }

    /// A layout from its parts.
    pub fn of_levels(element_bits: u32, levels: Vec<ScaleLevel>) -> Self {
        Storage {
            element_bits,
            levels,
        }
    }

    /// The layout of a weight format at a group size (ignored where it does not apply).
    pub fn of(format: WeightFormat, group: u32, double_quant: DoubleQuant) -> Self {
        let element_bits = format.element_bits();
        let levels = match format {
            WeightFormat::Fp32 | WeightFormat::Fp16 | WeightFormat::Bf16 => Vec::new(),
            WeightFormat::Fp8 => vec![ScaleLevel::PerTensor { bits: 32 }],
            WeightFormat::Int8 | WeightFormat::Int4 => vec![ScaleLevel::PerGroup {
                elements: u64::from(group),
                bits: 16,
            }],
            // QLoRA: the absmax of each block of `group` weights is an fp32 constant. With double
            // quantization those constants are stored as 8-bit floats in blocks of 256, each block
            // with one fp32 constant of its own: 8/group + 32/(group x 256) bits per weight.
            WeightFormat::Nf4 => match double_quant {
                DoubleQuant::Off => vec![ScaleLevel::PerGroup {
                    elements: u64::from(group),
                    bits: 32,
                }],
                DoubleQuant::On => vec![
                    ScaleLevel::PerGroup {
                        elements: u64::from(group),
                        bits: 8,
                    },
                    ScaleLevel::PerGroup {
                        elements: u64::from(group) * 256,
                        bits: 32,
                    },
                ],
            },
        };
        Storage {
            element_bits,
            levels,
        }
    }

    /// Bits per element, not counting scales.
    pub fn element_bits(&self) -> u32 {
        self.element_bits
    }

    /// The scale levels.
    pub fn levels(&self) -> &[ScaleLevel] {
        &self.levels
    }

    /// Bits of the elements of `count` tensors of `elements` each.
    pub fn element_bits_for(&self, elements: u128, count: u128) -> u128 {
        elements * count * u128::from(self.element_bits)
    }

    /// Bits of the scales of `count` tensors of `elements` each (groups never straddle tensors).
    pub fn scale_bits_for(&self, elements: u128, count: u128) -> u128 {
        self.levels
            .iter()
            .map(|level| match *level {
                ScaleLevel::PerGroup {
                    elements: per,
                    bits,
                } => div_ceil(elements, u128::from(per)) * u128::from(bits) * count,
                ScaleLevel::PerTensor { bits } => u128::from(bits) * count,
            })
            .sum()
    }

    /// The average overhead in bits per element for a tensor so large that partial groups do not
    /// matter, as an exact fraction (numerator, denominator): NF4 with double quantization at
    /// block 64 gives 8/64 + 32/16384 = 2080/16384 = 0.126953125.
    pub fn asymptotic_scale_bits(&self) -> (u128, u128) {
        let mut numerator = 0u128;
        let mut denominator = 1u128;
        for level in &self.levels {
            if let ScaleLevel::PerGroup { elements, bits } = *level {
                let per = u128::from(elements);
                numerator = numerator * per + u128::from(bits) * denominator;
                denominator *= per;
            }
        }
        (numerator, denominator)
    }
}

/// The format of the KV cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KvFormat {
    Fp32,
    Fp16,
    Bf16,
    /// FP8 KV cache (vLLM `--kv-cache-dtype fp8`); its per-tensor scales are a few bytes and are
    /// not counted.
    Fp8,
    /// int8 KV cache; per-tensor scales not counted.
    Int8,
}

impl KvFormat {
    /// Every KV format, in menu order.
    pub const ALL: [KvFormat; 5] = [
        KvFormat::Fp32,
        KvFormat::Fp16,
        KvFormat::Bf16,
        KvFormat::Fp8,
        KvFormat::Int8,
    ];

    /// The URL id.
    pub fn id(self) -> &'static str {
        match self {
            KvFormat::Fp32 => "fp32",
            KvFormat::Fp16 => "fp16",
            KvFormat::Bf16 => "bf16",
            KvFormat::Fp8 => "fp8",
            KvFormat::Int8 => "int8",
        }
    }

    /// Looks a format up by URL id.
    pub fn from_id(id: &str) -> Option<Self> {
        KvFormat::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Bytes per cached element.
    pub fn bytes(self) -> u32 {
        match self {
            KvFormat::Fp32 => 4,
            KvFormat::Fp16 | KvFormat::Bf16 => 2,
            KvFormat::Fp8 | KvFormat::Int8 => 1,
        }
    }
}
