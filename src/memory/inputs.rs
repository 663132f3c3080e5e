//! Everything a person chooses, as domain types. This module owns [`Inputs`] and its parts (model
//! choice, mode, inference and training settings, hardware, unit lead), their defaults and their
//! URL ids. It does not parse queries (see `query`) or compute anything (see `budget`); numeric
//! ranges are checked by `budget::estimate`, which names the offending field in its error.

use super::arch::Architecture;
use super::dtype::{DoubleQuant, KvFormat, WeightFormat};
use super::gpu::Gpu;
use super::params::ParamCount;
use super::presets::Preset;
use super::units::UnitLead;

/// Which model is being budgeted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
// The architecture variant is a few hundred bytes; inputs stay `Copy` values that a keystroke
// copies, which costs less than a heap box would.
#[allow(clippy::large_enum_variant)]
pub enum ModelChoice {
    /// A built-in model: architecture and parameter count known.
    Preset(Preset),
    /// A bare parameter count: model states are exact, activations and KV cache need shapes.
    Params(ParamCount),
    /// An architecture typed by hand; its parameter count is computed.
    Custom(Architecture),
}

impl ModelChoice {
    /// The architecture, when known.
    pub fn architecture(&self) -> Option<Architecture> {
        match self {
            ModelChoice::Preset(p) => Some(p.architecture()),
            ModelChoice::Params(_) => None,
            ModelChoice::Custom(a) => Some(*a),
        }
    }

    /// The total parameter count.
    pub fn n_params(&self) -> u128 {
        match self {
            ModelChoice::Params(n) => n.get(),
            _ => self.architecture().map_or(0, |a| a.param_count()),
        }
    }

    /// A short name for headings: the preset's name, "7,000,000,000 parameters" or "Custom".
    pub fn label(&self) -> String {
        match self {
            ModelChoice::Preset(p) => p.name().to_string(),
            ModelChoice::Params(n) => format!("{n} parameters"),
            ModelChoice::Custom(_) => "Custom architecture".to_string(),
        }
    }
}

/// Running the model or training it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    Inference,
    Training,
}

impl Mode {
    pub fn id(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Training => "training",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "inference" => Some(Mode::Inference),
            "training" => Some(Mode::Training),
            _ => None,
        }
    }
}

/// Settings used in inference mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InferenceSettings {
    pub weights: WeightFormat,
    /// Weights per scale for int8/int4 and per block for NF4 (ignored otherwise); `None` uses
    /// the format's default ([`WeightFormat::default_group`]).
    pub group: Option<u32>,
    pub double_quant: DoubleQuant,
    pub kv: KvFormat,
    /// Tokens held in the KV cache per sequence (prompt plus generated).
    pub context: u64,
    /// Sequences decoded at once.
    pub batch: u64,
}

impl InferenceSettings {
    /// The group size in effect: the chosen one, or the format's default.
    pub fn effective_group(&self) -> u32 {
        self.group.unwrap_or(self.weights.default_group())
    }
}

impl Default for InferenceSettings {
    fn default() -> Self {
        InferenceSettings {
            weights: WeightFormat::Bf16,
            group: None,
            double_quant: DoubleQuant::On,
            kv: KvFormat::Bf16,
            context: 4096,
            batch: 1,
        }
    }
}

/// What precision each copy of the model lives in during training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Recipe {
    /// Everything fp32: 4-byte weights, gradients, states and activations.
    Fp32,
    /// fp16 weights, gradients and activations, fp32 master weights and optimizer states
    /// (Micikevicius et al. 2018; the ZeRO paper's accounting).
    MixedFp16,
    /// As `MixedFp16` with bf16.
    #[default]
    MixedBf16,
    /// bf16 weights, gradients and optimizer states, no fp32 master copy.
    PureBf16,
    /// NVIDIA Transformer Engine FP8: bf16 parameters with fp32 master weights and states; matrix
    /// multiplies run in FP8 with an FP8 copy of each weight matrix.
    Fp8,
}

impl Recipe {
    pub const ALL: [Recipe; 5] = [
        Recipe::Fp32,
        Recipe::MixedFp16,
        Recipe::MixedBf16,
        Recipe::PureBf16,
        Recipe::Fp8,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Recipe::Fp32 => "fp32",
            Recipe::MixedFp16 => "mixed-fp16",
            Recipe::MixedBf16 => "mixed-bf16",
            Recipe::PureBf16 => "bf16",
            Recipe::Fp8 => "fp8",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        Recipe::ALL.into_iter().find(|r| r.id() == id)
    }
    /// Bytes of the working copy of each weight.
    pub fn weight_bytes(self) -> u32 {
        match self {
            Recipe::Fp32 => 4,
            _ => 2,
        }
    }
    /// Bytes of the fp32 master copy (0 where there is none).
    pub fn master_bytes(self) -> u32 {
        match self {
            Recipe::MixedFp16 | Recipe::MixedBf16 | Recipe::Fp8 => 4,
            Recipe::Fp32 | Recipe::PureBf16 => 0,
        }
    }
    /// Bytes of each optimizer state element (fp32 except in pure bf16).
    pub fn state_bytes(self) -> u32 {
        match self {
            Recipe::PureBf16 => 2,
            _ => 4,
        }
    }
    /// Bytes of each stored activation element (16-bit except fp32 training; Transformer Engine
    /// keeps some matmul inputs in FP8, which we count at 2 bytes, an upper bound).
    pub fn activation_bytes(self) -> u32 {
        match self {
            Recipe::Fp32 => 4,
            _ => 2,
        }
    }
}

/// The optimizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Optimizer {
    /// Adam/AdamW: first and second moment per parameter.
    #[default]
    AdamW,
    /// Plain SGD: no state.
    Sgd,
    /// SGD with momentum: one state.
    SgdMomentum,
    /// Lion: one momentum state.
    Lion,
    /// bitsandbytes 8-bit Adam: 1-byte states in blocks of 2048 with an fp32 absmax per block;
    /// tensors under 4096 elements keep fp32 states.
    Adam8bit,
    /// Adafactor (default, no first moment): a factored second moment, row and column sums per
    /// matrix, full for vectors.
    Adafactor,
}

impl Optimizer {
    pub const ALL: [Optimizer; 6] = [
        Optimizer::AdamW,
        Optimizer::Sgd,
        Optimizer::SgdMomentum,
        Optimizer::Lion,
        Optimizer::Adam8bit,
        Optimizer::Adafactor,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Optimizer::AdamW => "adamw",
            Optimizer::Sgd => "sgd",
            Optimizer::SgdMomentum => "sgd-momentum",
            Optimizer::Lion => "lion",
            Optimizer::Adam8bit => "adam-8bit",
            Optimizer::Adafactor => "adafactor",
        }
    }
    /// Also accepts `adam` for Adam/AdamW (same memory).
    pub fn from_id(id: &str) -> Option<Self> {
        if id == "adam" {
            return Some(Optimizer::AdamW);
        }
        Optimizer::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// Where gradients live: the 16 vs 18 bytes/param conventions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GradientCopy {
    /// Gradients in the working precision, 2 bytes (ZeRO paper: 2 + 2 + 12 = 16 bytes/param).
    #[default]
    Sixteen,
    /// fp32 gradients, 4 bytes (Megatron's `main_grad`, Hugging Face's "18 bytes/param").
    Fp32,
}

impl GradientCopy {
    pub fn id(self) -> &'static str {
        match self {
            GradientCopy::Sixteen => "16bit",
            GradientCopy::Fp32 => "fp32",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "16bit" | "16" => Some(GradientCopy::Sixteen),
            "fp32" | "32" => Some(GradientCopy::Fp32),
            _ => None,
        }
    }
}

/// Activation recomputation (Korthikanti et al. 2022).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Recompute {
    /// Store everything the backward pass needs.
    #[default]
    None,
    /// Recompute the attention core (softmax, its dropout): drops the 5as/h term.
    Selective,
    /// Store only each layer's input and recompute the layer.
    Full,
}

impl Recompute {
    pub fn id(self) -> &'static str {
        match self {
            Recompute::None => "none",
            Recompute::Selective => "selective",
            Recompute::Full => "full",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "none" => Some(Recompute::None),
            "selective" => Some(Recompute::Selective),
            "full" => Some(Recompute::Full),
            _ => None,
        }
    }
}

/// Megatron sequence parallelism alongside tensor parallelism.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SequenceParallel {
    #[default]
    Off,
    On,
}

/// Dropout in the transformer layers. Korthikanti et al. count its masks (GPT-3 used dropout);
/// Llama-family models train without it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dropout {
    #[default]
    On,
    Off,
}

/// ZeRO stage (Rajbhandari et al. 2020).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZeroStage {
    /// Plain data parallelism: everything replicated.
    #[default]
    Zero0,
    /// Optimizer states (with master weights) sharded: P_os.
    Zero1,
    /// Plus gradients: P_os+g.
    Zero2,
    /// Plus parameters: P_os+g+p.
    Zero3,
}

impl ZeroStage {
    pub fn number(self) -> u8 {
        match self {
            ZeroStage::Zero0 => 0,
            ZeroStage::Zero1 => 1,
            ZeroStage::Zero2 => 2,
            ZeroStage::Zero3 => 3,
        }
    }
    pub fn from_number(n: u64) -> Option<Self> {
        match n {
            0 => Some(ZeroStage::Zero0),
            1 => Some(ZeroStage::Zero1),
            2 => Some(ZeroStage::Zero2),
            3 => Some(ZeroStage::Zero3),
            _ => None,
        }
    }
}

/// What ZeRO-Offload moves to the host's memory (Ren et al. 2021, arXiv 2101.06840; DeepSpeed's
/// `offload_optimizer` and `offload_param`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Offload {
    /// Everything stays on the GPU.
    #[default]
    None,
    /// Gradients, master weights and optimizer states live in CPU memory; the optimizer steps
    /// there.
    Optimizer,
    /// Also the weights (ZeRO-3 only): the GPU holds one gathered layer at a time.
    All,
}

impl Offload {
    pub fn id(self) -> &'static str {
        match self {
            Offload::None => "none",
            Offload::Optimizer => "optimizer",
            Offload::All => "all",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        [Offload::None, Offload::Optimizer, Offload::All]
            .into_iter()
            .find(|o| o.id() == id)
    }
}

/// A matrix LoRA can adapt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoraMatrix {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

impl LoraMatrix {
    pub const ALL: [LoraMatrix; 7] = [
        LoraMatrix::Q,
        LoraMatrix::K,
        LoraMatrix::V,
        LoraMatrix::O,
        LoraMatrix::Gate,
        LoraMatrix::Up,
        LoraMatrix::Down,
    ];
    pub fn id(self) -> &'static str {
        match self {
            LoraMatrix::Q => "q",
            LoraMatrix::K => "k",
            LoraMatrix::V => "v",
            LoraMatrix::O => "o",
            LoraMatrix::Gate => "gate",
            LoraMatrix::Up => "up",
            LoraMatrix::Down => "down",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        LoraMatrix::ALL.into_iter().find(|m| m.id() == id)
    }
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of LoRA target matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoraTargets(u8);

impl LoraTargets {
    /// No matrices.
    pub const NONE: LoraTargets = LoraTargets(0);
    /// Every projection (QLoRA's recommendation).
    pub const ALL: LoraTargets = LoraTargets(0x7f);

    /// The set of the given matrices.
    pub fn of(matrices: &[LoraMatrix]) -> Self {
        LoraTargets(matrices.iter().fold(0, |acc, m| acc | m.bit()))
    }
    pub fn contains(self, matrix: LoraMatrix) -> bool {
        self.0 & matrix.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// "q,k,v,o" in canonical order.
    pub fn ids(self) -> String {
        LoraMatrix::ALL
            .into_iter()
            .filter(|m| self.contains(*m))
            .map(LoraMatrix::id)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Default for LoraTargets {
    /// q and v, the original LoRA paper's choice.
    fn default() -> Self {
        LoraTargets::of(&[LoraMatrix::Q, LoraMatrix::V])
    }
}

/// Full fine-tuning or a low-rank adapter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Finetune {
    /// Every parameter trains.
    #[default]
    Full,
    /// LoRA: the base is frozen in the recipe's weight precision; adapters train.
    Lora,
    /// QLoRA: the base's block matrices are frozen in NF4 with double quantization (block 64);
    /// embeddings, head and norms stay bf16; adapters train.
    Qlora,
}

impl Finetune {
    pub fn id(self) -> &'static str {
        match self {
            Finetune::Full => "full",
            Finetune::Lora => "lora",
            Finetune::Qlora => "qlora",
        }
    }
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "full" => Some(Finetune::Full),
            "lora" => Some(Finetune::Lora),
            "qlora" => Some(Finetune::Qlora),
            _ => None,
        }
    }
}

/// Settings used in training mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrainingSettings {
    pub recipe: Recipe,
    pub optimizer: Optimizer,
    pub gradients: GradientCopy,
    /// Sequences per device per forward pass.
    pub micro_batch: u64,
    /// Tokens per sequence.
    pub seq_len: u64,
    pub recompute: Recompute,
    pub dropout: Dropout,
    /// Tensor-parallel size t; the data-parallel size is the GPU count / t.
    pub tensor_parallel: u64,
    /// Expert-parallel size: each MoE layer's experts are spread over this many of the
    /// data-parallel GPUs (Megatron-Core's expert parallelism); 1 for a dense model.
    pub expert_parallel: u64,
    /// Pipeline stages: the layers split over this many GPUs in turn (1F1B schedule).
    pub pipeline_parallel: u64,
    pub offload: Offload,
    pub sequence_parallel: SequenceParallel,
    pub zero: ZeroStage,
    pub finetune: Finetune,
    pub lora_rank: u64,
    pub lora_targets: LoraTargets,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        TrainingSettings {
            recipe: Recipe::MixedBf16,
            optimizer: Optimizer::AdamW,
            gradients: GradientCopy::Sixteen,
            micro_batch: 1,
            seq_len: 2048,
            recompute: Recompute::None,
            dropout: Dropout::On,
            tensor_parallel: 1,
            expert_parallel: 1,
            pipeline_parallel: 1,
            offload: Offload::None,
            sequence_parallel: SequenceParallel::Off,
            zero: ZeroStage::Zero0,
            finetune: Finetune::Full,
            lora_rank: 16,
            lora_targets: LoraTargets::default(),
        }
    }
}

/// The accelerator and how many of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hardware {
    pub gpu: Gpu,
    /// Number of devices; inference splits the model over all of them with tensor parallelism,
    /// training uses `tensor_parallel x data_parallel`.
    pub count: u64,
}

impl Default for Hardware {
    fn default() -> Self {
        Hardware {
            gpu: Gpu::default_gpu(),
            count: 1,
        }
    }
}

/// Every choice on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inputs {
    pub model: ModelChoice,
    pub mode: Mode,
    pub inference: InferenceSettings,
    pub training: TrainingSettings,
    pub hardware: Hardware,
    pub unit: UnitLead,
}

impl Default for Inputs {
    /// Qwen2-72B in bf16 inference on one H100: the seed's first example.
    fn default() -> Self {
        Inputs {
            model: ModelChoice::Preset(Preset::Qwen2_72b),
            mode: Mode::Inference,
            inference: InferenceSettings::default(),
            training: TrainingSettings::default(),
            hardware: Hardware::default(),
            unit: UnitLead::Gb,
        }
    }
}
