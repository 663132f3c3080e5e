//! Toy datasets in the manner of TensorFlow Playground, generated from a seed.
//!
//! Owns the dataset kinds ([`DatasetKind`]), their generation ([`DataConfig::generate`]) and the
//! in-memory [`Data`] (inputs row-major, with class labels or regression targets). The 2-D generators
//! follow Playground's `dataset.ts` (spiral, circle, XOR, two Gaussians; noise 0 to 0.5) with its
//! coordinate ranges (about -6..6), but they use our own seeded generator, so the points are not
//! Playground's. Not here: batching and shuffling (the run does that) and any plotting.

use crate::base::detmath;
use crate::base::SplitMix64;
use std::f64::consts::PI;

/// Which toy problem to learn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetKind {
    /// Two interleaved spirals (two classes), the hardest of the four.
    Spirals,
    /// A disc inside a ring (two classes).
    Circles,
    /// Sign of x * y (two classes, four quadrants).
    Xor,
    /// Two Gaussian blobs at (2, 2) and (-2, -2) (two classes); noise widens them.
    Gaussians,
    /// 1-D regression: y = sin(x) on [-pi, pi] plus noise.
    Sine,
}

impl DatasetKind {
    /// Every dataset kind, in the order the UI lists them.
    pub const ALL: [DatasetKind; 5] = [
        DatasetKind::Spirals,
        DatasetKind::Circles,
        DatasetKind::Xor,
        DatasetKind::Gaussians,
        DatasetKind::Sine,
    ];

    /// A short stable name (for the URL).
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Spirals => "spirals",
            DatasetKind::Circles => "circles",
            DatasetKind::Xor => "xor",
            DatasetKind::Gaussians => "gaussians",
            DatasetKind::Sine => "sine",
        }
    }

    /// Whether the targets are class labels (true) or real values (false, the regression).
    pub fn is_classification(self) -> bool {
        self != DatasetKind::Sine
    }

    /// Number of input features.
    pub fn input_dim(self) -> usize {
        if self.is_classification() {
            2
        } else {
            1
        }
    }

    /// Number of network outputs: one logit per class, or one value for regression.
    pub fn output_dim(self) -> usize {
        if self.is_classification() {
            2
        } else {
            1
        }
    }
}

/// How to generate a dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataConfig {
    pub kind: DatasetKind,
    /// Number of points (at least 2).
    pub points: usize,
    /// Playground's noise, 0 to 0.5.
    pub noise: f32,
    pub seed: u64,
}

/// A generated dataset: `points` rows of `input_dim` features, and one target per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    kind: DatasetKind,
    inputs: Vec<f32>,
    targets: Targets,
}

/// The targets of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// A class index per point.
    Classes(Vec<u8>),
    /// A real value per point.
    Values(Vec<f32>),
}

impl DataConfig {
    /// Generates the points. Deterministic: the same config gives the same bits everywhere.
    pub fn generate(&self) -> Data {
        let mut rng = SplitMix64::new(self.seed ^ 0x6461_7461); // "data"
        let n = self.points.max(2);
        let noise = f64::from(self.noise.clamp(0.0, 0.5));
        let mut inputs = Vec::with_capacity(n * self.kind.input_dim());
        let mut classes = Vec::with_capacity(n);
        let mut values = Vec::new();
        match self.kind {
            DatasetKind::Spirals => {
                let half = n / 2;
                for (label, delta_t) in [(1u8, 0.0), (0u8, PI)] {
                    let count = if label == 1 { half } else { n - half };
                    for i in 0..count {
                        let r = i as f64 / count as f64 * 5.0;
                        let t = 1.75 * i as f64 / count as f64 * 2.0 * PI + delta_t;
                        let x = r * detmath::sin(t) + rng.uniform(-1.0, 1.0) * noise;
                        let y = r * detmath::cos(t) + rng.uniform(-1.0, 1.0) * noise;
                        inputs.extend([x as f32, y as f32]);
                        classes.push(label);
                    }
                }
            }
            DatasetKind::Circles => {
                let radius = 5.0;
                let half = n / 2;
                for i in 0..n {
                    // First half inside (radius 0..2.5), second half in the ring (3.5..5).
                    let (low, high) = if i < half {
                        (0.0, radius * 0.5)
                    } else {
                        (radius * 0.7, radius)
                    };
                    let r = rng.uniform(low, high);
                    let angle = rng.uniform(0.0, 2.0 * PI);
                    let x = r * detmath::sin(angle);
                    let y = r * detmath::cos(angle);
                    let noise_x = rng.uniform(-radius, radius) * noise;
                    let noise_y = rng.uniform(-radius, radius) * noise;
                    // As in Playground, noise moves the point used for the label, not the point.
                    let (label_x, label_y) = (x + noise_x, y + noise_y);
                    let inside =
                        label_x * label_x + label_y * label_y < (radius * 0.5) * (radius * 0.5);
                    inputs.extend([x as f32, y as f32]);
                    classes.push(u8::from(inside));
                }
            }
            DatasetKind::Xor => {
                let padding = 0.3;
                for _ in 0..n {
                    let mut x = rng.uniform(-5.0, 5.0);
                    x += if x > 0.0 { padding } else { -padding };
                    let mut y = rng.uniform(-5.0, 5.0);
                    y += if y > 0.0 { padding } else { -padding };
                    let noise_x = rng.uniform(-5.0, 5.0) * noise;
                    let noise_y = rng.uniform(-5.0, 5.0) * noise;
                    inputs.extend([x as f32, y as f32]);
                    classes.push(u8::from((x + noise_x) * (y + noise_y) >= 0.0));
                }
            }
            DatasetKind::Gaussians => {
                // Playground maps noise 0..0.5 to variance 0.5..4.
                let variance = 0.5 + noise / 0.5 * 3.5;
                let sd = variance.sqrt();
                let half = n / 2;
                for i in 0..n {
                    let (centre, label) = if i < half { (2.0, 1u8) } else { (-2.0, 0u8) };
                    let x = centre + sd * rng.normal();
                    let y = centre + sd * rng.normal();
                    inputs.extend([x as f32, y as f32]);
                    classes.push(label);
                }
            }
            DatasetKind::Sine => {
                for _ in 0..n {
                    let x = rng.uniform(-PI, PI);
                    let y = detmath::sin(x) + rng.uniform(-1.0, 1.0) * noise;
                    inputs.push(x as f32);
                    values.push(y as f32);
                }
            }
        }
        let targets = if self.kind.is_classification() {
            Targets::Classes(classes)
        } else {
            Targets::Values(values)
        };
        Data {
            kind: self.kind,
            inputs,
            targets,
        }
    }
}

impl Data {
    /// Which dataset this is.
    pub fn kind(&self) -> DatasetKind {
        self.kind
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.kind.input_dim()
    }

    /// Whether there are no points (never true for generated data).
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Inputs, row-major: point i is `inputs[i * input_dim .. (i + 1) * input_dim]`.
    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The axis-aligned box that holds every input, widened by 10% (for plots and the decision grid).
    /// For 1-D data the second range is that of the targets.
    pub fn bounds(&self) -> ([f32; 2], [f32; 2]) {
        let (xs, ys): (Vec<f32>, Vec<f32>) = match (&self.targets, self.kind.input_dim()) {
            (Targets::Values(v), 1) => (self.inputs.clone(), v.clone()),
            _ => self.inputs.chunks(2).map(|p| (p[0], p[1])).unzip(),
        };
        (padded_range(&xs), padded_range(&ys))
    }
}

fn padded_range(values: &[f32]) -> [f32; 2] {
    let low = values.iter().copied().fold(f32::INFINITY, f32::min);
    let high = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let pad = (high - low) * 0.05;
    [low - pad, high + pad]
}
