//! Training steps per second, CPU backend vs GPU backend, for networks of two hidden layers of 16 to
//! 512 units (native; the browser run is `node tests/bench/train.mjs --gpu`).
//!
//! `cargo bench --bench gpu`. Not a timed test: it prints a Markdown table. Workload: the browser
//! benchmark's (`present::train::bench_config`: two spirals, 512 points, tanh, cross-entropy, SGD with
//! momentum, batch 64), fp32 and bf16 mixed precision. Each figure is the best of three windows of at
//! least 0.3 s after a warm-up. The GPU runs calls of about 20 ms as the view does: these recipes (no
//! loss scaler, no fp8 scaling) go up to 32 steps per submission and one small readback. On Mesa's lavapipe (a CPU Vulkan driver) the
//! "GPU" figures are software timings.
use std::hint::black_box;
use std::time::{Duration, Instant};

use precision_lab::gpu::{GpuContext, GpuLane};
use precision_lab::present::train::{bench_config, GPU_BENCH_WIDTHS};
use precision_lab::train::{Policy, Run};

fn best_of_three(mut window: impl FnMut() -> f64) -> f64 {
    (0..3).map(|_| window()).fold(0.0, f64::max)
}

fn cpu_rate(policy: Policy, hidden: &[usize], window: Duration) -> f64 {
    let mut run = Run::new(bench_config(policy, hidden)).expect("valid bench config");
    black_box(run.step_n(5));
    best_of_three(|| {
        let start = Instant::now();
        let mut steps = 0u64;
        while start.elapsed() < window {
            steps += black_box(run.step_n(2)).len() as u64;
        }
        steps as f64 / start.elapsed().as_secs_f64()
    })
}

fn gpu_rate(context: &GpuContext, policy: Policy, hidden: &[usize], window: Duration) -> f64 {
    let mut run = Run::new(bench_config(policy, hidden)).expect("valid bench config");
    let mut lane = GpuLane::new(context, &run).expect("the network fits the GPU");
    let mut steps_of = |k| {
        pollster::block_on(lane.step_n(context, &mut run, k))
            .expect("GPU steps")
            .len() as u64
    };
    // Calls of about 20 ms, as the view's slices (at most 32 steps, one submission, for recipes
    // without a loss scaler or fp8 scaling).
    let start = Instant::now();
    black_box(steps_of(4));
    let per_step = start.elapsed().as_secs_f64() / 4.0;
    let k = ((0.02 / per_step) as u32).clamp(1, 32);
    best_of_three(|| {
        let start = Instant::now();
        let mut steps = 0u64;
        while start.elapsed() < window {
            steps += steps_of(k);
        }
        steps as f64 / start.elapsed().as_secs_f64()
    })
}

fn main() {
    let context = match pollster::block_on(GpuContext::new()) {
        Ok(c) => c,
        Err(e) => {
            println!("no GPU adapter: {e}");
            return;
        }
    };
    let window = Duration::from_millis(300);
    println!("adapter: {}", context.adapter().describe());
    println!("spirals 512 points, hidden [w, w] tanh, batch 64, SGD momentum, cross-entropy\n");
    println!("| hidden | policy | CPU steps/s | GPU steps/s | GPU / CPU |");
    println!("|---|---|---|---|---|");
    for width in GPU_BENCH_WIDTHS {
        let hidden = [width, width];
        for policy in [Policy::Fp32, Policy::Bf16Mixed] {
            let cpu = cpu_rate(policy, &hidden, window);
            let gpu = gpu_rate(&context, policy, &hidden, window);
            println!(
                "| {width}, {width} | {} | {cpu:.0} | {gpu:.0} | {:.2}x |",
                policy.name(),
                gpu / cpu
            );
        }
    }
}
