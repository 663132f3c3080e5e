//! Training steps per second for each precision policy on the CPU backend (native).
//!
//! `cargo bench --bench train`. Not a timed test: it prints a table. Workloads: two spirals (512
//! points, noise 0.1), SGD 0.03 with momentum, tanh, cross-entropy, batch 64, and two networks (2 hidden
//! layers of 32, and 4 hidden layers of 64, the largest the view allows). Each figure is the best of
//! three timed windows of at least 0.3 s after a warm-up, so a busy machine reads slower, not faster.
//! The bench profile inherits `[profile.release]` (opt-level "z", LTO), the same as the wasm build.

// The workload is the one the browser benchmark runs (`?view=train&bench=1`), so the native and
// wasm figures measure the same thing.
use precision_lab::present::train::bench_config as config;
use precision_lab::train::{Policy, Run};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Steps per second over one window of at least `window`, in slices of 10 steps as a view would run.
fn steps_per_second(policy: Policy, hidden: &[usize], window: Duration) -> f64 {
    let mut run = Run::new(config(policy, hidden)).expect("valid bench config");
    black_box(run.step_n(20));
    let start = Instant::now();
    let mut steps = 0u64;
    while start.elapsed() < window {
        let records = run.step_n(10);
        if records.is_empty() {
            // A run that stopped (it should not with these settings) restarts so timing continues.
            run = Run::new(config(policy, hidden)).expect("valid bench config");
            continue;
        }
        steps += records.len() as u64;
        black_box(records);
    }
    steps as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let window = Duration::from_millis(300);
    for hidden in precision_lab::present::train::BENCH_NETWORKS {
        println!(
            "\nspirals 512 points, hidden {hidden:?} tanh, batch 64, SGD momentum, cross-entropy"
        );
        println!("{:<24} {:>10} {:>10}", "policy", "steps/s", "vs fp32");
        let mut fp32 = None;
        for policy in Policy::menu() {
            let best = (0..3)
                .map(|_| steps_per_second(policy, hidden, window))
                .fold(0.0, f64::max);
            let base = *fp32.get_or_insert(best);
            println!("{:<24} {:>10.0} {:>9.2}x", policy.name(), best, base / best);
        }
    }
}
