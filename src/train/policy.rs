//! Precision policies: complete mixed-precision training recipes, from fp32 to fp8.
//!
//! Owns [`Policy`] (which recipe) and [`TensorFormats`] (what that recipe keeps in which format, for the
//! view to explain), and maps a policy to the rounding points the CPU backend applies. It does not
//! round anything itself (`precision`, `cpu`) or run steps (`run`). The recipes follow Micikevicius et
//! al. 2018 ("Mixed Precision Training"), PyTorch autocast + `GradScaler`, and NVIDIA Transformer
//! Engine's fp8 `DelayedScaling` recipe (docs/sources.md, "Mixed-precision training").

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
}

/// How a scale factor protects the gradients of a recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scaling {
    /// No scaling.
    None,
    /// One loss scale, adapted by `GradScaler`.
    DynamicLoss,
    /// A scale per tensor from its amax history.
    PerTensorDelayed,
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
    pub fn defaults() -> [Policy; 6] {
        [
            Policy::Fp32,
            Policy::PureFp16,
            Policy::Fp16Master,
            Policy::Fp16Amp(ScalerConfig::default()),
            Policy::Bf16Mixed,
            Policy::Fp8(Fp8Config::default()),
        ]
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
        }
    }

    /// The policy with default settings whose [`name`](Self::name) is `name`.
    pub fn from_name(name: &str) -> Option<Policy> {
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
            _ => Numerics {
                act: formats.forward_activations,
                grad: formats.gradients,
                weight: formats.forward_weights,
                gemm: Gemm::Plain,
            },
        }
    }
}
