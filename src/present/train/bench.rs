//! The fixed workloads of the steps-per-second benchmarks (shared with `benches/`).

use crate::train::{Activation, DataConfig, DatasetKind, Loss, Optimizer, Policy, RunConfig};

/// The fixed workloads of the steps-per-second benchmark (the same as `benches/train.rs`): two
/// spirals of 512 points, noise 0.1, tanh, cross-entropy, SGD 0.03 with momentum, batch 64.
pub fn bench_config(policy: Policy, hidden: &[usize]) -> RunConfig {
    RunConfig {
        data: DataConfig {
            kind: DatasetKind::Spirals,
            points: 512,
            noise: 0.1,
            seed: 1,
        },
        hidden: hidden.to_vec(),
        activation: Activation::Tanh,
        loss: Loss::CrossEntropy,
        optimizer: Optimizer::sgd(0.03),
        batch_size: 64,
        policy,
        seed: 1,
        loss_shift: 0,
        weight_scale: 1.0,
        max_steps: None,
    }
}

/// The benchmark's networks: 2 x 32 and 4 x 64 hidden units.
pub const BENCH_NETWORKS: [&[usize]; 2] = [&[32, 32], &[64, 64, 64, 64]];

/// Hidden widths of the CPU-vs-GPU benchmark (`cargo bench --bench gpu`, `?view=train&bench=gpu`):
/// two hidden layers of each width, on [`bench_config`]'s workload.
pub const GPU_BENCH_WIDTHS: [usize; 6] = [16, 32, 64, 128, 256, 512];
