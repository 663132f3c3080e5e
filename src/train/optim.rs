//! Optimizers (SGD with momentum, Adam) as PyTorch writes them, with every stored tensor rounded to the
//! precision the parameters live in.
//!
//! Owns the update rules and their state. With fp32 storage (every recipe with master weights) the
//! roundings are the identity and this is PyTorch's fp32 optimizer. With fp16 storage ("pure fp16",
//! `model.half()`), each in-place op (`mul_`, `add_`, `addcdiv_`...) is computed in f32 and rounded
//! to fp16, as PyTorch's kernels do, so an update smaller than half a unit in the last place of its
//! weight is lost (swamping), and Adam's eps (1e-8) rounds to zero in fp16. It does not know about loss
//! scaling or skipped steps (`run` decides whether to call it).

use super::precision::Precision;

/// The optimizer and its hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// SGD with momentum (PyTorch `torch.optim.SGD`, dampening 0, no Nesterov, no weight decay):
    /// buf = momentum * buf + g (buf = g at the first step); w -= lr * buf.
    Sgd { lr: f32, momentum: f32 },
    /// Adam (PyTorch `torch.optim.Adam`, no weight decay, no amsgrad).
    Adam {
        lr: f32,
        beta1: f32,
        beta2: f32,
        eps: f32,
    },
}

impl Optimizer {
    /// SGD with the given learning rate and momentum 0.9.
    pub fn sgd(lr: f32) -> Self {
        Optimizer::Sgd { lr, momentum: 0.9 }
    }

    /// Adam with the given learning rate and PyTorch's other defaults (0.9, 0.999, 1e-8).
    pub fn adam(lr: f32) -> Self {
        Optimizer::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// A short stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "sgd",
            Optimizer::Adam { .. } => "adam",
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f32 {
        match *self {
            Optimizer::Sgd { lr, .. } | Optimizer::Adam { lr, .. } => lr,
        }
    }
}

/// The state of one parameter tensor's optimizer (momentum buffer, or Adam's moments).
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ParamState {
    /// SGD's momentum buffer or Adam's first moment; empty before the first update.
    pub(crate) first: Vec<f32>,
    /// Adam's second moment; empty before the first update (and for SGD).
    pub(crate) second: Vec<f32>,
}

/// Adam's per-step scalars as PyTorch hands them to its kernels: computed in f64 from the step count,
/// then rounded to f32.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AdamScalars {
    pub step_size: f32,
    pub bias_correction2_sqrt: f32,
    pub one_minus_beta1: f32,
    pub one_minus_beta2: f32,
}

impl AdamScalars {
    pub(crate) fn new(lr: f32, beta1: f32, beta2: f32, step: u64) -> AdamScalars {
        let bias_correction1 = 1.0 - pow_u64(f64::from(beta1), step);
        let bias_correction2 = 1.0 - pow_u64(f64::from(beta2), step);
        AdamScalars {
            step_size: (f64::from(lr) / bias_correction1) as f32,
            bias_correction2_sqrt: bias_correction2.sqrt() as f32,
            one_minus_beta1: (1.0 - f64::from(beta1)) as f32,
            one_minus_beta2: (1.0 - f64::from(beta2)) as f32,
        }
    }
}

/// What an update did, for the "updates lost to swamping" measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateOutcome {
    /// Parameters whose computed update was nonzero.
    pub attempted: u32,
    /// Of those, parameters whose stored value did not change: the update was swamped by rounding.
    pub lost: u32,
}

impl std::ops::AddAssign for UpdateOutcome {
    fn add_assign(&mut self, other: Self) {
        self.attempted += other.attempted;
        self.lost += other.lost;
    }
}

/// Applies one optimizer step (`step` counts from 1) to `params` with gradients `grads`, rounding every
/// stored value to `storage`.
pub(crate) fn update(
    optimizer: &Optimizer,
    storage: Precision,
    step: u64,
    params: &mut [f32],
    grads: &[f32],
    state: &mut ParamState,
) -> UpdateOutcome {
    let r = |x: f32| storage.round(x);
    let mut outcome = UpdateOutcome::default();
    let mut apply = |p: &mut f32, delta_is_zero: bool, new: f32| {
        if !delta_is_zero {
            outcome.attempted += 1;
            if new == *p {
                outcome.lost += 1;
            }
        }
        *p = new;
    };
    match *optimizer {
        Optimizer::Sgd { lr, momentum } => {
            let first_step = state.first.is_empty();
            if first_step {
                // buf = clone(grad).
                state.first = grads.to_vec();
            }
            for ((p, &g), buf) in params.iter_mut().zip(grads).zip(state.first.iter_mut()) {
                if !first_step {
                    // buf.mul_(momentum).add_(grad): two in-place ops, two roundings.
                    *buf = r(r(momentum * *buf) + g);
                }
                // param.add_(buf, alpha=-lr): computed in f32, rounded once.
                let new = r(*p + (-lr) * *buf);
                apply(p, *buf == 0.0, new);
            }
        }
        Optimizer::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => {
            if state.first.is_empty() {
                state.first = vec![0.0; params.len()];
                state.second = vec![0.0; params.len()];
            }
            // Python computes the bias corrections in f64; the kernels receive them as f32 scalars.
            let AdamScalars {
                step_size,
                bias_correction2_sqrt,
                one_minus_beta1,
                one_minus_beta2,
            } = AdamScalars::new(lr, beta1, beta2, step);
            for (((p, &g), m), v) in params
                .iter_mut()
                .zip(grads)
                .zip(state.first.iter_mut())
                .zip(state.second.iter_mut())
            {
                // exp_avg.lerp_(grad, 1 - beta1): m + w (g - m) for weight w < 0.5.
                *m = r(*m + one_minus_beta1 * (g - *m));
                // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2).
                *v = r(r(beta2 * *v) + one_minus_beta2 * g * g);
                // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps).
                let denom = r(r(r(v.sqrt()) / bias_correction2_sqrt) + eps);
                // param.addcdiv_(exp_avg, denom, value=-step_size).
                let new = r(*p + (-step_size) * (*m / denom));
                apply(p, *m == 0.0, new);
            }
        }
    }
    outcome
}

/// base^n by binary exponentiation in a fixed order (`f64::powi` is not specified to the bit).
fn pow_u64(base: f64, mut n: u64) -> f64 {
    let (mut result, mut square) = (1.0, base);
    while n > 0 {
        if n & 1 == 1 {
            result *= square;
        }
        square *= square;
        n >>= 1;
    }
    result
}
