//! What a run is asked to do ([`RunConfig`]: data, network, loss, optimizer, batch, policy, the
//! "make it hard" shift), its defaults and checks, and why a configuration is refused.

use super::data::{DataConfig, DatasetKind};
use super::model::{Activation, Loss, MAX_HIDDEN_LAYERS, MAX_WIDTH};
use super::optim::Optimizer;
use super::policy::Policy;

/// Largest accepted "make it hard" shift (the loss is multiplied by 2^-loss_shift).
pub const MAX_LOSS_SHIFT: u32 = 60;

/// Everything that defines a run. Same config, same records, bit for bit, on every machine.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    pub data: DataConfig,
    /// Hidden layer widths (0 to 4 layers, 1 to 64 wide).
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    pub optimizer: Optimizer,
    /// Points per step (1 to the dataset size); batches walk a reshuffled order each epoch.
    pub batch_size: usize,
    pub policy: Policy,
    /// Seeds the initial weights and the batch order (the data has its own seed).
    pub seed: u64,
    /// "Make it hard" (Micikevicius et al.): the loss is multiplied by 2^-loss_shift, so every
    /// gradient is 2^loss_shift times smaller, as in networks whose gradients sit below fp16's range.
    /// The optimizer is compensated exactly (SGD's learning rate times 2^loss_shift, Adam's eps times
    /// 2^-loss_shift), so in fp32 the knob changes nothing (powers of two scale exactly); only a narrow
    /// format notices.
    pub loss_shift: u32,
    /// Multiplies the initial weights. Large weights with a small learning rate show updates lost to
    /// swamping when weights are stored in fp16 (an update below half an ulp of its weight vanishes).
    pub weight_scale: f32,
    /// Stop with [`Stopped::Finished`](super::Stopped::Finished) after this many steps.
    pub max_steps: Option<u64>,
}

/// Why a configuration cannot run.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    TooFewPoints {
        points: usize,
    },
    BatchSize {
        batch_size: usize,
        points: usize,
    },
    Hidden {
        hidden: Vec<usize>,
    },
    CrossEntropyNeedsClasses,
    LossShift {
        loss_shift: u32,
    },
    /// A hyperparameter is not finite or out of range; names it.
    Hyperparameter(&'static str),
}

impl Default for RunConfig {
    /// Circles, two hidden layers of 16 tanh units, cross-entropy, SGD 0.1 with momentum, batch 32,
    /// fp32.
    fn default() -> Self {
        RunConfig {
            data: DataConfig {
                kind: DatasetKind::Circles,
                points: 256,
                noise: 0.1,
                seed: 1,
            },
            hidden: vec![16, 16],
            activation: Activation::Tanh,
            loss: Loss::CrossEntropy,
            optimizer: Optimizer::sgd(0.1),
            batch_size: 32,
            policy: Policy::Fp32,
            seed: 1,
            loss_shift: 0,
            weight_scale: 1.0,
            max_steps: None,
        }
    }
}

impl RunConfig {
    /// Checks every field; `Run::new` calls this.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let points = self.data.points;
        if points < 2 {
            return Err(ConfigError::TooFewPoints { points });
        }
        if self.batch_size == 0 || self.batch_size > points {
            return Err(ConfigError::BatchSize {
                batch_size: self.batch_size,
                points,
            });
        }
        if self.hidden.len() > MAX_HIDDEN_LAYERS
            || self.hidden.iter().any(|&w| w == 0 || w > MAX_WIDTH)
        {
            return Err(ConfigError::Hidden {
                hidden: self.hidden.clone(),
            });
        }
        if self.loss == Loss::CrossEntropy && !self.data.kind.is_classification() {
            return Err(ConfigError::CrossEntropyNeedsClasses);
        }
        if self.loss_shift > MAX_LOSS_SHIFT {
            return Err(ConfigError::LossShift {
                loss_shift: self.loss_shift,
            });
        }
        if !(self.data.noise.is_finite() && (0.0..=0.5).contains(&self.data.noise)) {
            return Err(ConfigError::Hyperparameter("noise"));
        }
        if !(self.weight_scale.is_finite() && self.weight_scale > 0.0) {
            return Err(ConfigError::Hyperparameter("weight_scale"));
        }
        let positive = |x: f32| x.is_finite() && x > 0.0;
        let unit = |x: f32| x.is_finite() && (0.0..1.0).contains(&x);
        match self.optimizer {
            Optimizer::Sgd { lr, momentum } => {
                if !positive(lr) {
                    return Err(ConfigError::Hyperparameter("lr"));
                }
                if !unit(momentum) {
                    return Err(ConfigError::Hyperparameter("momentum"));
                }
            }
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                if !positive(lr) {
                    return Err(ConfigError::Hyperparameter("lr"));
                }
                if !unit(beta1) || !unit(beta2) {
                    return Err(ConfigError::Hyperparameter("beta"));
                }
                if !positive(eps) {
                    return Err(ConfigError::Hyperparameter("eps"));
                }
            }
        }
        match self.policy {
            Policy::Fp16Amp(s) => {
                if !(positive(s.init_scale)
                    && s.growth_factor.is_finite()
                    && s.growth_factor >= 1.0)
                {
                    return Err(ConfigError::Hyperparameter("loss scaler"));
                }
                if !(unit(s.backoff_factor) && s.backoff_factor > 0.0 && s.growth_interval > 0) {
                    return Err(ConfigError::Hyperparameter("loss scaler"));
                }
            }
            Policy::Fp8(c)
                if c.history_len == 0
                    || c.history_len > 4096
                    || !(-64..=64).contains(&c.margin) =>
            {
                return Err(ConfigError::Hyperparameter("fp8 scaling"));
            }
            _ => {}
        }
        Ok(())
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::TooFewPoints { points } => write!(f, "a dataset needs at least 2 points, not {points}"),
            ConfigError::BatchSize { batch_size, points } => {
                write!(f, "batch size {batch_size} must be between 1 and the {points} points")
            }
            ConfigError::Hidden { hidden } => write!(
                f,
                "hidden layers {hidden:?}: at most {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_WIDTH} units"
            ),
            ConfigError::CrossEntropyNeedsClasses => f.write_str("cross-entropy needs a classification dataset"),
            ConfigError::LossShift { loss_shift } => {
                write!(f, "loss shift {loss_shift} is beyond the maximum {MAX_LOSS_SHIFT}")
            }
            ConfigError::Hyperparameter(name) => write!(f, "{name} is out of range"),
        }
    }
}

impl std::error::Error for ConfigError {}
