//! Precision policies: complete mixed-precision training recipes, from fp32 to fp8.
//!
//! Owns [`Policy`] (which recipe) and [`TensorFormats`] (what that recipe keeps in which format, for the
//! view to explain), and maps a policy to the rounding points the CPU backend applies. It does not
//! round anything itself (`precision`, `cpu`) or run steps (`run`). The recipes follow Micikevicius et
//! al. 2018 ("Mixed Precision Training"), PyTorch autocast + `GradScaler`, and NVIDIA Transformer
//! Engine's fp8 `DelayedScaling`, `Float8CurrentScaling`, `MXFP8BlockScaling` and
//! `NVFP4BlockScaling` recipes (docs/sources.md, "Mixed-precision training").

use super::block::{BlockKind, BlockRecipe, Nvfp4Switches};
use super::cpu::{Gemm, Numerics};
use super::precision::Precision;
use super::scaler::{Fp8Config, ScalerConfig};

/// A mixed-precision training recipe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    /// Everything in fp32: the baseline.
    Fp32,
    /// `model.half()` and nothing else: weights, activations, gradients and optimizer state all in
    /// fp16, no master copy, no loss scaling. Small gradients flush to zero and small updates are lost
    /// against large weights (swamping).
    PureFp16,
    /// fp16 forward and backward (autocast-style casts) with fp32 master weights and optimizer, but no
    /// loss scaling: updates are safe, small gradients still flush to zero.
    Fp16Master,
    /// fp16 automatic mixed precision: fp32 master weights plus dynamic loss scaling as PyTorch's
    /// `GradScaler` (skip the step on Inf/NaN).
    Fp16Amp(ScalerConfig),
    /// bf16 autocast with fp32 master weights; bf16 has fp32's range, so no loss scaling.
    Bf16Mixed,
    /// Transformer Engine style fp8: GEMM inputs in E4M3 (activations, weights) and E5M2 (gradients),
    /// each with a per-tensor scale from its amax history (delayed scaling), fp32 accumulation, other
    /// ops and master weights in fp32.
    Fp8(Fp8Config),
    /// Transformer Engine's `Float8CurrentScaling`: the same fp8 GEMMs with each tensor's scale
    /// computed from its own amax in the same step (`448 / amax`, `57344 / amax` for gradients).
    Fp8Current,
    /// MXFP8 (OCP MX v1.0, Transformer Engine's `MXFP8BlockScaling`): E4M3 everywhere, gradients
    /// included, in blocks of 32 along each GEMM's reduction dimension with E8M0 scales.
    Mxfp8,
    /// NVFP4 training (arXiv:2509.25149; Transformer Engine's `NVFP4BlockScaling`): E2M1 in blocks
    /// of 16 with E4M3 scales and an fp32 tensor scale; 16x16 blocks for weights; stochastic
    /// rounding for gradients; a random Hadamard transform on the weight-gradient GEMM's inputs;
    /// the last layer in bf16. Each trick can be turned off.
    Nvfp4(Nvfp4Switches),
}

/// The NVFP4 recipe's names, indexed by the switches turned off (bit 0 stochastic rounding, 1 the
/// Hadamard transform, 2 the bf16 last layer, 3 the tensor scale).
const NVFP4_NAMES: [&str; 16] = [
    "nvfp4",
    "nvfp4-no-sr",
    "nvfp4-no-rht",
    "nvfp4-no-sr-no-rht",
    "nvfp4-no-bf16-last",
    "nvfp4-no-sr-no-bf16-last",
    "nvfp4-no-rht-no-bf16-last",
    "nvfp4-no-sr-no-rht-no-bf16-last",
    "nvfp4-no-tensor-scale",
    "nvfp4-no-sr-no-tensor-scale",
    "nvfp4-no-rht-no-tensor-scale",
    "nvfp4-no-sr-no-rht-no-tensor-scale",
    "nvfp4-no-bf16-last-no-tensor-scale",
    "nvfp4-no-sr-no-bf16-last-no-tensor-scale",
    "nvfp4-no-rht-no-bf16-last-no-tensor-scale",
    "nvfp4-no-sr-no-rht-no-bf16-last-no-tensor-scale",
];

/// How a scale factor protects the gradients of a recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scaling {
    /// No scaling.
    None,
    /// One loss scale, adapted by `GradScaler`.
    DynamicLoss,
    /// A scale per tensor from its amax history.
    PerTensorDelayed,
    /// A scale per tensor from its amax in the same step.
    PerTensorCurrent,
    /// A power-of-two (E8M0) scale per block of 32 values.
    Mx,
    /// An E4M3 scale per block of 16 values (16x16 for weights) and an fp32 scale per tensor.
    Nvfp4,
}

/// What a recipe keeps in which format (for the view's explanation of a policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorFormats {
    /// Format of the weights as the forward GEMMs read them.
    pub forward_weights: Precision,
    /// Format of the activations fed to GEMMs.
    pub forward_activations: Precision,
    /// Format of the gradients fed to the backward GEMMs.
    pub gradients: Precision,
    /// Format the weights and optimizer state are stored and updated in (fp32 = master weights).
    pub storage: Precision,
    pub scaling: Scaling,
}

impl Policy {
    /// One of each recipe with default settings, in the order the UI lists them.
    pub fn defaults() -> [Policy; 9] {
        [
            Policy::Fp32,
            Policy::PureFp16,
            Policy::Fp16Master,
            Policy::Fp16Amp(ScalerConfig::default()),
            Policy::Bf16Mixed,
            Policy::Fp8(Fp8Config::default()),
            Policy::Fp8Current,
            Policy::Mxfp8,
            Policy::Nvfp4(Nvfp4Switches::ALL_ON),
        ]
    }

    /// What the trainer's menus offer: every recipe, then NVFP4 with each of its tricks turned off
    /// alone.
    pub fn menu() -> Vec<Policy> {
        let on = Nvfp4Switches::ALL_ON;
        let mut menu = Policy::defaults().to_vec();
        menu.extend(
            [
                Nvfp4Switches {
                    stochastic: false,
                    ..on
                },
                Nvfp4Switches {
                    hadamard: false,
                    ..on
                },
                Nvfp4Switches {
                    bf16_last: false,
                    ..on
                },
                Nvfp4Switches {
                    tensor_scale: false,
                    ..on
                },
            ]
            .map(Policy::Nvfp4),
        );
        menu
    }

    /// A short stable name (for the URL and legends).
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Fp32 => "fp32",
            Policy::PureFp16 => "fp16-pure",
            Policy::Fp16Master => "fp16-master",
            Policy::Fp16Amp(_) => "fp16-amp",
            Policy::Bf16Mixed => "bf16-mixed",
            Policy::Fp8(_) => "fp8",
            Policy::Fp8Current => "fp8-current",
            Policy::Mxfp8 => "mxfp8",
            Policy::Nvfp4(s) => {
                let off = [!s.stochastic, !s.hadamard, !s.bf16_last, !s.tensor_scale];
                let index = off
                    .iter()
                    .enumerate()
                    .fold(0, |i, (bit, &o)| i | usize::from(o) << bit);
                NVFP4_NAMES[index]
            }
        }
    }

    /// The policy with default settings whose [`name`](Self::name) is `name` (any NVFP4 variant
    /// included).
    pub fn from_name(name: &str) -> Option<Policy> {
        if let Some(index) = NVFP4_NAMES.iter().position(|n| *n == name) {
            let on = |bit: usize| index >> bit & 1 == 0;
            return Some(Policy::Nvfp4(Nvfp4Switches {
                stochastic: on(0),
                hadamard: on(1),
                bf16_last: on(2),
                tensor_scale: on(3),
            }));
        }
        Policy::defaults().into_iter().find(|p| p.name() == name)
    }

    /// What this recipe keeps in which format.
    pub fn formats(&self) -> TensorFormats {
        use Precision::*;
        let (w, a, g, storage, scaling) = match self {
            Policy::Fp32 => (F32, F32, F32, F32, Scaling::None),
            Policy::PureFp16 => (F16, F16, F16, F16, Scaling::None),
            Policy::Fp16Master => (F16, F16, F16, F32, Scaling::None),
            Policy::Fp16Amp(_) => (F16, F16, F16, F32, Scaling::DynamicLoss),
            Policy::Bf16Mixed => (Bf16, Bf16, Bf16, F32, Scaling::None),
            Policy::Fp8(_) => (E4m3, E4m3, E5m2, F32, Scaling::PerTensorDelayed),
            Policy::Fp8Current => (E4m3, E4m3, E5m2, F32, Scaling::PerTensorCurrent),
            Policy::Mxfp8 => (E4m3, E4m3, E4m3, F32, Scaling::Mx),
            Policy::Nvfp4(_) => (E2m1, E2m1, E2m1, F32, Scaling::Nvfp4),
        };
        TensorFormats {
            forward_weights: w,
            forward_activations: a,
            gradients: g,
            storage,
            scaling,
        }
    }

    /// The rounding points for the CPU backend.
    pub(crate) fn numerics(&self) -> Numerics {
        let formats = self.formats();
        match self {
            // Only the GEMM operands are fp8; everything between GEMMs stays in fp32.
            Policy::Fp8(_) => Numerics::fp32_with_gemm(Gemm::Fp8),
            Policy::Fp8Current => Numerics::fp32_with_gemm(Gemm::Fp8Current),
            Policy::Mxfp8 => Numerics::fp32_with_gemm(Gemm::Block(BlockRecipe {
                kind: BlockKind::Mxfp8,
                switches: Nvfp4Switches::ALL_ON,
                signs: 0,
            })),
            Policy::Nvfp4(switches) => Numerics::fp32_with_gemm(Gemm::Block(BlockRecipe {
                kind: BlockKind::Nvfp4,
                switches: *switches,
                signs: 0,
            })),
            _ => Numerics {
                act: formats.forward_activations,
                grad: formats.gradients,
                weight: formats.forward_weights,
                gemm: Gemm::Plain,
            },
        }
    }
}
