//! The overflow rule, shared by the format engine and the trainer's fast rounding: one concept,
//! one type.

/// What happens when a finite value rounds past the largest finite value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// The format's own behaviour: infinity where it has one (IEEE, e5m2), else NaN where it has one
    /// (e4m3fn, the FNUZ formats, e8m0fnu), else saturate (FP6, FP4, integers). As in IEEE 754, rounding
    /// toward zero (or toward the opposite infinity) still gives the largest finite value.
    #[default]
    Default,
    /// Clamp to the largest finite value, keeping the sign (OCP "saturating" conversion;
    /// NVIDIA's `satfinite`, which Transformer Engine uses when it casts to fp8). NaN stays NaN.
    Saturate,
}
