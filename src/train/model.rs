//! The network: a small multilayer perceptron, its activations and losses, in plain f32.
//!
//! Owns the parameters ([`Mlp`], [`Dense`]), the shape limits, initialisation, the activation
//! functions with their derivatives, and the losses with their gradients. It does not decide where
//! values are rounded (that is `cpu`, driven by the precision policy), and it holds no optimizer
//! state. [`Mlp::loss_and_gradients`] is the plain-fp32 path, exposed for gradient checks and for
//! anyone who wants the textbook answer.

use super::cpu::{self, Numerics, Tape};
use crate::base::detmath;
use crate::base::SplitMix64;

/// Most hidden layers a network may have.
pub const MAX_HIDDEN_LAYERS: usize = 4;
/// Widest a hidden layer may be.
pub const MAX_WIDTH: usize = 512;

/// The nonlinearity between layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    Relu,
    Tanh,
    /// GELU, tanh approximation (PyTorch `approximate="tanh"`, GPT-2):
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    Gelu,
}

/// What the network is trained to minimise (mean over the batch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// Softmax cross-entropy over the output logits; classification only.
    CrossEntropy,
    /// Mean squared error over all outputs (against one-hot targets for classification).
    Mse,
}

/// One fully connected layer: `outputs = inputs . weights + bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    inputs: usize,
    outputs: usize,
    /// Row-major `inputs x outputs`: weight (k, j) joins input k to output j.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

/// A multilayer perceptron: hidden layers with one activation, then a linear output layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub(crate) layers: Vec<Dense>,
    activation: Activation,
}

/// Gradients of one layer's parameters, laid out like the parameters.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DenseGrad {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The targets of a batch.
#[derive(Clone, Copy, Debug)]
pub enum BatchTargets<'a> {
    Classes(&'a [u8]),
    Values(&'a [f32]),
}

impl Dense {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Row-major `inputs x outputs` weights.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Mutable weights (for tests and experiments; a run owns its own copy).
    pub fn weights_mut(&mut self) -> &mut [f32] {
        &mut self.weights
    }

    /// One bias per output.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// Mutable biases.
    pub fn bias_mut(&mut self) -> &mut [f32] {
        &mut self.bias
    }
}

impl Mlp {
    /// A network `inputs -> hidden[0] -> ... -> outputs`, initialised from `seed`: weights uniform in
    /// +-sqrt(6 / fan_in) (He) for ReLU and GELU, +-sqrt(6 / (fan_in + fan_out)) (Glorot) for tanh, then
    /// multiplied by `weight_scale`; biases zero. `None` if a size is 0 or beyond the limits.
    pub fn new(
        inputs: usize,
        hidden: &[usize],
        outputs: usize,
        activation: Activation,
        weight_scale: f32,
        seed: u64,
    ) -> Option<Mlp> {
        if inputs == 0
            || outputs == 0
            || hidden.len() > MAX_HIDDEN_LAYERS
            || hidden.iter().any(|&w| w == 0 || w > MAX_WIDTH)
            || !weight_scale.is_finite()
        {
            return None;
        }
        let mut rng = SplitMix64::new(seed ^ 0x696e_6974); // "init"
        let sizes: Vec<usize> = std::iter::once(inputs)
            .chain(hidden.iter().copied())
            .chain(std::iter::once(outputs))
            .collect();
        let layers = sizes
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let limit = match activation {
                    Activation::Tanh => (6.0 / (fan_in + fan_out) as f64).sqrt(),
                    Activation::Relu | Activation::Gelu => (6.0 / fan_in as f64).sqrt(),
                };
                let weights = (0..fan_in * fan_out)
                    .map(|_| (rng.uniform(-limit, limit) * f64::from(weight_scale)) as f32)
                    .collect();
                Dense {
                    inputs: fan_in,
                    outputs: fan_out,
                    weights,
                    bias: vec![0.0; fan_out],
                }
            })
            .collect();
        Some(Mlp { layers, activation })
    }

    /// The layers, input side first; the last one is the linear output layer.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Mutable layers (for tests and experiments).
    pub fn layers_mut(&mut self) -> &mut [Dense] {
        &mut self.layers
    }

    /// The hidden activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Number of inputs.
    pub fn input_dim(&self) -> usize {
        self.layers[0].inputs
    }

    /// Number of outputs.
    pub fn output_dim(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }

    /// Total number of weights and biases.
    pub fn n_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.bias.len())
            .sum()
    }

    /// The plain fp32 forward and backward pass on one batch: the mean loss and the gradient of every
    /// parameter. `inputs` is row-major `batch x input_dim`.
    pub fn loss_and_gradients(
        &self,
        inputs: &[f32],
        targets: BatchTargets<'_>,
        loss: Loss,
    ) -> (f32, Vec<DenseGrad>) {
        let batch = inputs.len() / self.input_dim();
        let numerics = Numerics::fp32();
        let scales = cpu::Fp8Scales::ones(self.layers.len());
        let mut tape = Tape::default();
        cpu::forward(self, &numerics, &scales, inputs, batch, &mut tape);
        let mut dlogits = Vec::new();
        let outcome = loss_gradient(
            loss,
            tape.logits(),
            targets,
            self.output_dim(),
            1.0,
            &mut dlogits,
        );
        let mut grads = Vec::new();
        cpu::backward(
            self, &numerics, &scales, &mut tape, &dlogits, batch, 1.0, &mut grads, None,
        );
        (outcome.mean_loss as f32, grads)
    }
}

impl Activation {
    /// Every activation, in UI order.
    pub const ALL: [Activation; 3] = [Activation::Relu, Activation::Tanh, Activation::Gelu];

    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
        }
    }

    /// The activation of `z`, computed in f64 with deterministic functions and returned as f32 (as
    /// hardware computes fp16 elementwise ops in f32 "opmath" and rounds once at the end).
    #[inline]
    pub(crate) fn apply(self, z: f32) -> f32 {
        match self {
            Activation::Relu => {
                if z > 0.0 {
                    z
                } else {
                    0.0
                }
            }
            Activation::Tanh => detmath::tanh(f64::from(z)) as f32,
            Activation::Gelu => {
                let x = f64::from(z);
                (0.5 * x * (1.0 + detmath::tanh(GELU_C * (x + 0.044715 * x * x * x)))) as f32
            }
        }
    }

    /// The derivative at pre-activation `z` with stored output `h`. Tanh uses the output (1 - h^2), as
    /// PyTorch's `tanh_backward` does; GELU uses the input.
    #[inline]
    pub(crate) fn derivative(self, z: f32, h: f32) -> f32 {
        match self {
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - h * h,
            Activation::Gelu => {
                let x = f64::from(z);
                let t = detmath::tanh(GELU_C * (x + 0.044715 * x * x * x));
                (0.5 * (1.0 + t)
                    + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * x * x))
                    as f32
            }
        }
    }
}

/// sqrt(2 / pi).
const GELU_C: f64 = 0.797_884_560_802_865_4;

impl Loss {
    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "cross-entropy",
            Loss::Mse => "mse",
        }
    }
}

/// The loss of a batch and how many predictions were right.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LossOutcome {
    /// Mean loss, accumulated in f64 (this is a report; the gradient does not depend on it).
    pub mean_loss: f64,
    /// Correct argmax predictions (classification), else 0.
    pub correct: usize,
}

/// The factor `loss_gradient` multiplies (softmax - one-hot) or (prediction - target) by: the
/// multiplier over the mean's N (batch rows for cross-entropy, every output for MSE; times 2 for the
/// square), computed in f64 and rounded once. Another backend (`crate::gpu`) receives the same f32.
pub(crate) fn grad_coefficient(
    loss: Loss,
    grad_multiplier: f32,
    batch: usize,
    outputs: usize,
) -> f32 {
    match loss {
        Loss::CrossEntropy => (f64::from(grad_multiplier) / batch as f64) as f32,
        Loss::Mse => (2.0 * f64::from(grad_multiplier) / (batch * outputs) as f64) as f32,
    }
}

/// The mean loss over a batch of `logits` (row-major `batch x outputs`), and its gradient with
/// respect to the logits multiplied by `grad_multiplier` (loss scale times the "make it hard" factor),
/// computed in f32 as autocast runs losses in f32, written to `dlogits`.
pub(crate) fn loss_gradient(
    loss: Loss,
    logits: &[f32],
    targets: BatchTargets<'_>,
    outputs: usize,
    grad_multiplier: f32,
    dlogits: &mut Vec<f32>,
) -> LossOutcome {
    let batch = logits.len() / outputs;
    dlogits.clear();
    dlogits.resize(logits.len(), 0.0);
    let mut total = 0.0f64;
    let mut correct = 0;
    match loss {
        Loss::CrossEntropy => {
            // d(mean CE)/dz_j = (softmax_j - onehot_j) / batch.
            let coef = grad_coefficient(loss, grad_multiplier, batch, outputs);
            for (row, (z, dz)) in logits
                .chunks(outputs)
                .zip(dlogits.chunks_mut(outputs))
                .enumerate()
            {
                let label = target_class(targets, row);
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0f32;
                for (d, &zj) in dz.iter_mut().zip(z) {
                    *d = detmath::exp(f64::from(zj - max)) as f32;
                    sum += *d;
                }
                for (j, d) in dz.iter_mut().enumerate() {
                    let p = *d / sum;
                    *d = (p - if j == label { 1.0 } else { 0.0 }) * coef;
                }
                total += detmath::ln(f64::from(sum)) + f64::from(max) - f64::from(z[label]);
                if argmax(z) == label {
                    correct += 1;
                }
            }
        }
        Loss::Mse => {
            // d(mean over batch*outputs of (z - t)^2)/dz = 2 (z - t) / (batch * outputs).
            let coef = grad_coefficient(loss, grad_multiplier, batch, outputs);
            for (row, (z, dz)) in logits
                .chunks(outputs)
                .zip(dlogits.chunks_mut(outputs))
                .enumerate()
            {
                let mut label = None;
                for (j, (d, &zj)) in dz.iter_mut().zip(z).enumerate() {
                    let t = match targets {
                        BatchTargets::Classes(c) => {
                            label = Some(usize::from(c[row]));
                            if usize::from(c[row]) == j {
                                1.0
                            } else {
                                0.0
                            }
                        }
                        BatchTargets::Values(v) => v[row * outputs + j],
                    };
                    let diff = zj - t;
                    *d = diff * coef;
                    total += f64::from(diff) * f64::from(diff) / outputs as f64;
                }
                if label.is_some_and(|l| argmax(z) == l) {
                    correct += 1;
                }
            }
        }
    }
    LossOutcome {
        mean_loss: total / batch as f64,
        correct,
    }
}

fn target_class(targets: BatchTargets<'_>, row: usize) -> usize {
    match targets {
        BatchTargets::Classes(c) => usize::from(c[row]),
        // Cross-entropy on regression targets is rejected when a run is configured.
        BatchTargets::Values(_) => 0,
    }
}

/// Index of the largest value; the first on ties; 0 if all are NaN.
pub(crate) fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = j;
        }
    }
    best
}
