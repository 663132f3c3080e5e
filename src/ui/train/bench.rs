//! Benchmark pages, for the benchmark scripts (`tests/bench/`), not for readers:
//! `?view=train&bench=1` (steps per second of every recipe, the numbers `tests/bench/train.mjs`
//! compares with TensorFlow.js) and `?view=train&bench=gpu` (CPU against WebGPU). Each writes its
//! result as JSON into `data-bench` on its section.

use super::trainer::now_ms;
use crate::gpu::GpuContext;
use crate::present::train::{bench_config, hidden_text, BENCH_NETWORKS, GPU_BENCH_WIDTHS};
use crate::train::{Policy, Run};
use leptos::prelude::*;

/// The browser benchmark (`?view=train&bench=1`): steps per second of every policy on the
/// benchmark workloads, timing only the calls to `step_n` (yields excluded), best of three
/// windows of 300 ms, as `cargo bench --bench train` does natively. Writes JSON to `data-bench`
/// when done, and the benchmark dataset to `data-bench-data` for the TensorFlow.js peer.
#[component]
pub(super) fn Bench() -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::from("running…"));
    let dataset = bench_dataset_json();
    leptos::task::spawn_local(async move {
        let mut rows = Vec::new();
        for hidden in BENCH_NETWORKS {
            for policy in Policy::menu() {
                status.set(format!("running {} {:?}…", policy.name(), hidden));
                let rate = bench_policy(policy, hidden).await;
                rows.push(format!(
                    "{{\"policy\":\"{}\",\"hidden\":\"{}\",\"steps_per_s\":{}}}",
                    policy.name(),
                    hidden_text(hidden),
                    rate
                ));
            }
        }
        status.set("done".into());
        result.set(Some(format!("[{}]", rows.join(","))));
    });
    view! {
        <section class="train-bench" data-testid="bench" data-bench=move || result.get() data-bench-data=dataset>
            <h2>"Benchmark"</h2>
            <p>{move || status.get()}</p>
        </section>
    }
}

/// The CPU-vs-WebGPU benchmark (`?view=train&bench=gpu`): steps per second of fp32 and bf16 mixed
/// precision on networks of two hidden layers of 16 to 512 units ([`GPU_BENCH_WIDTHS`]), on the CPU
/// backend (time inside `step_n`, as [`Bench`]) and on the GPU backend (wall time of awaited steps:
/// each step waits for its summary, which is how the view runs it), best of three windows of
/// 300 ms. Writes JSON (`{"adapter": ..., "rows": [...]}`) to `data-bench` when done.
#[component]
pub(super) fn GpuBench() -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::from("running…"));
    leptos::task::spawn_local(async move {
        let context = GpuContext::new().await;
        let adapter = match &context {
            Ok(c) => c.adapter().describe(),
            Err(e) => format!("none: {e}"),
        };
        let mut rows = Vec::new();
        for width in GPU_BENCH_WIDTHS {
            let hidden = [width, width];
            for policy in [Policy::Fp32, Policy::Bf16Mixed] {
                status.set(format!("running {} {width}x2…", policy.name()));
                let cpu = bench_policy(policy, &hidden).await;
                let gpu = match &context {
                    Ok(c) => bench_gpu(c, policy, &hidden).await,
                    Err(_) => f64::NAN,
                };
                let number = |x: f64| {
                    if x.is_finite() {
                        format!("{x:.1}")
                    } else {
                        "null".into()
                    }
                };
                rows.push(format!(
                    "{{\"policy\":\"{}\",\"hidden\":\"{width},{width}\",\"cpu\":{},\"webgpu\":{}}}",
                    policy.name(),
                    number(cpu),
                    number(gpu)
                ));
            }
        }
        status.set("done".into());
        result.set(Some(format!(
            "{{\"adapter\":{},\"rows\":[{}]}}",
            json_string(&adapter),
            rows.join(",")
        )));
    });
    view! {
        <section class="train-bench" data-testid="bench" data-bench=move || result.get() data-bench-data=bench_dataset_json()>
            <h2>"Benchmark: CPU vs WebGPU"</h2>
            <p>{move || status.get()}</p>
        </section>
    }
}

/// The benchmark workload's dataset as JSON (`{"inputs": [...], "classes": [...]}`), for the
/// TensorFlow.js peer the benchmark scripts run in the same page.
fn bench_dataset_json() -> String {
    let run = Run::new(bench_config(Policy::Fp32, BENCH_NETWORKS[0])).ok();
    run.map(|r| {
        let inputs: Vec<String> = r.data().inputs().iter().map(|v| v.to_string()).collect();
        let classes: Vec<String> = match r.data().targets() {
            crate::train::Targets::Classes(c) => c.iter().map(|v| v.to_string()).collect(),
            crate::train::Targets::Values(_) => Vec::new(),
        };
        format!(
            "{{\"inputs\":[{}],\"classes\":[{}]}}",
            inputs.join(","),
            classes.join(",")
        )
    })
    .unwrap_or_default()
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

async fn bench_gpu(context: &GpuContext, policy: Policy, hidden: &[usize]) -> f64 {
    let Ok(mut run) = Run::new(bench_config(policy, hidden)) else {
        return f64::NAN;
    };
    let Ok(mut lane) = crate::gpu::GpuLane::new(context, &run) else {
        return f64::NAN;
    };
    if lane.step_n(context, &mut run, 5).await.is_err() {
        return f64::NAN;
    }
    // Calls of about 20 ms, as the view's slices (up to 32 steps per submission).
    let start = now_ms();
    if lane.step_n(context, &mut run, 4).await.is_err() {
        return f64::NAN;
    }
    let k = (20.0 / ((now_ms() - start) / 4.0).max(0.01)).clamp(1.0, 32.0) as u32;
    let mut best = 0.0f64;
    for _ in 0..3 {
        let (start, mut steps) = (now_ms(), 0u64);
        while now_ms() - start < 300.0 {
            match lane.step_n(context, &mut run, k).await {
                Ok(records) if !records.is_empty() => steps += records.len() as u64,
                _ => return f64::NAN,
            }
        }
        best = best.max(steps as f64 * 1000.0 / (now_ms() - start));
    }
    best
}

async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn bench_policy(policy: Policy, hidden: &[usize]) -> f64 {
    let Ok(mut run) = Run::new(bench_config(policy, hidden)) else {
        return f64::NAN;
    };
    run.step_n(20);
    let mut best = 0.0f64;
    for _ in 0..3 {
        let (mut busy, mut steps) = (0.0, 0u64);
        while busy < 300.0 {
            let start = now_ms();
            let records = run.step_n(10);
            busy += now_ms() - start;
            if records.is_empty() {
                let Ok(fresh) = Run::new(bench_config(policy, hidden)) else {
                    return f64::NAN;
                };
                run = fresh;
                continue;
            }
            steps += records.len() as u64;
            std::hint::black_box(records);
            yield_to_browser().await;
        }
        best = best.max(steps as f64 * 1000.0 / busy);
    }
    best
}
