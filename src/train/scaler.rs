//! Scale factors that keep gradients inside a narrow format's range: PyTorch's dynamic loss scaler and
//! Transformer Engine's delayed per-tensor fp8 scaling.
//!
//! Owns the state machines ([`GradScaler`], [`AmaxHistory`]) and their configuration
//! ([`ScalerConfig`], [`Fp8Config`]). It does not multiply tensors or decide when a step runs (that
//! is `run`); it is told "there was an Inf/NaN" or "this was the amax" and answers with the next
//! scale.

/// Settings of the dynamic loss scaler; the defaults are PyTorch's `GradScaler` defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalerConfig {
    /// Scale at step 0 (PyTorch: 2^16).
    pub init_scale: f32,
    /// Multiplier after `growth_interval` clean steps in a row (PyTorch: 2).
    pub growth_factor: f32,
    /// Multiplier after a step with Inf/NaN gradients (PyTorch: 0.5).
    pub backoff_factor: f32,
    /// Clean steps in a row before growing (PyTorch: 2000).
    pub growth_interval: u32,
}

impl Default for ScalerConfig {
    fn default() -> Self {
        ScalerConfig {
            init_scale: 65536.0,
            growth_factor: 2.0,
            backoff_factor: 0.5,
            growth_interval: 2000,
        }
    }
}

/// Dynamic loss scaling exactly as PyTorch's `torch.amp.GradScaler` (`_amp_update_scale_`):
///
/// - the loss is multiplied by `scale()` before the backward pass;
/// - gradients are unscaled by `inv_scale()`, the reciprocal computed in f64 and cast to f32
///   (`self._scale.double().reciprocal().float()`), and checked for Inf/NaN;
/// - on Inf/NaN the optimizer step is skipped, the scale is multiplied by the backoff factor and the
///   count of clean steps is reset;
/// - otherwise the count grows by one, and when it reaches the growth interval the scale is multiplied
///   by the growth factor (kept only if the result is finite) and the count is reset.
#[derive(Clone, Debug, PartialEq)]
pub struct GradScaler {
    config: ScalerConfig,
    scale: f32,
    growth_tracker: u32,
}

impl GradScaler {
    /// A scaler at `config.init_scale` with no clean steps counted.
    pub fn new(config: ScalerConfig) -> Self {
        GradScaler {
            config,
            scale: config.init_scale,
            growth_tracker: 0,
        }
    }

    /// The current scale (stored in f32, as PyTorch stores it in a float32 tensor).
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// 1 / scale, computed in f64 and cast to f32.
    pub fn inv_scale(&self) -> f32 {
        (1.0 / f64::from(self.scale)) as f32
    }

    /// Clean steps counted towards the next growth.
    pub fn growth_tracker(&self) -> u32 {
        self.growth_tracker
    }

    /// The configuration.
    pub fn config(&self) -> &ScalerConfig {
        &self.config
    }

    /// Updates the scale after a step; `found_inf` says whether any gradient was Inf or NaN.
    pub fn update(&mut self, found_inf: bool) {
        if found_inf {
            self.scale *= self.config.backoff_factor;
            self.growth_tracker = 0;
        } else {
            let successful = self.growth_tracker + 1;
            if successful >= self.config.growth_interval {
                let grown = self.scale * self.config.growth_factor;
                if grown.is_finite() {
                    self.scale = grown;
                }
                self.growth_tracker = 0;
            } else {
                self.growth_tracker = successful;
            }
        }
    }
}

/// Settings of fp8 delayed scaling (Transformer Engine's `DelayedScaling` recipe).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fp8Config {
    /// Steps of amax kept per tensor; the scale uses their maximum (TE `amax_compute_algo="max"`).
    pub history_len: usize,
    /// Extra headroom: the scale is divided by 2^margin (TE `margin`, default 0).
    pub margin: i32,
}

impl Default for Fp8Config {
    fn default() -> Self {
        // TE's current default history is 1024 steps; a toy run is short, so we keep 16.
        Fp8Config {
            history_len: 16,
            margin: 0,
        }
    }
}

/// The amax history of one tensor and the scale derived from it.
///
/// The scale used at step t comes from the amaxes of steps before t ("delayed"): a tensor that grows
/// suddenly saturates for a step. The scale is the power of two 2^(floor(log2(fp8_max / amax)) -
/// margin), TE's original formula (newer TE can also use the exact ratio); powers of two make scaling
/// and unscaling exact. An amax of 0 or Inf/NaN leaves the scale unchanged, as in TE. The scale
/// starts at 1.
#[derive(Clone, Debug, PartialEq)]
pub struct AmaxHistory {
    history: Vec<f32>,
    next: usize,
    scale: f32,
}

impl AmaxHistory {
    /// An empty history (at least one slot) with scale 1.
    pub fn new(history_len: usize) -> Self {
        AmaxHistory {
            history: vec![0.0; history_len.max(1)],
            next: 0,
            scale: 1.0,
        }
    }

    /// The scale to multiply the tensor by before casting to fp8.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Records this step's amax and recomputes the scale for the next step.
    pub fn record(&mut self, amax: f32, fp8_max: f32, margin: i32) {
        self.history[self.next] = amax;
        self.next = (self.next + 1) % self.history.len();
        let mut max = 0.0f32;
        for &a in &self.history {
            if a > max || a.is_nan() {
                max = a;
            }
        }
        if max > 0.0 && max.is_finite() {
            let exponent = floor_log2(fp8_max / max) - margin;
            // Keep the scale a normal f32 (2^-126 ..= 2^127).
            self.scale = f32::from_bits(((exponent.clamp(-126, 127) + 127) as u32) << 23);
        }
    }
}

/// floor(log2(x)) for a positive finite f32, read from its exponent bits (subnormals: -127 or below).
fn floor_log2(x: f32) -> i32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32;
    if exponent == 0 {
        // Subnormal: 2^-126 * 0.m; find the leading one of the mantissa.
        let mantissa = bits & 0x7f_ffff;
        -127 - (mantissa.leading_zeros() as i32 - 9)
    } else {
        exponent - 127
    }
}
