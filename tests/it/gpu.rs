//! The GPU backend against the CPU reference (`train::cpu`), natively through wgpu's Vulkan backend
//! (Mesa's lavapipe where there is no GPU; `scripts/tools.sh` installs it).
//!
//! - Every WGSL module the pipelines compile parses and validates (naga), without any adapter.
//! - The rounding kernel is bit exact against `train::precision` on every fp16 and bf16 code, every
//!   fp8 code, the midpoints between neighbours (ties) and the f32 values either side of them, the
//!   overflow boundaries, specials and a random sweep of f32 bit patterns, with both overflow rules.
//! - The GEMM kernel against the CPU's loops, and one step of every recipe against the CPU's step:
//!   to the tolerances documented in ARCHITECTURE.md ("GPU backend", reductions and
//!   transcendentals differ in the last bits).
//! - Whole runs on the GPU follow the CPU's loss curve.
//!
//! Tests that need an adapter print why they skip when there is none.

use std::sync::OnceLock;

use precision_lab::base::SplitMix64;
use precision_lab::gpu::kernels::{self, format_code};
use precision_lab::gpu::{layout, GpuContext, GpuLane, Unavailable};
use precision_lab::present::train::{Session, TrainState};
use precision_lab::train::stats::TensorRecord;
use precision_lab::train::{
    Activation, DataConfig, DatasetKind, Fp8Config, Loss, Optimizer, Overflow, Policy, Precision,
    Run, RunConfig, ScalerConfig, StepRecord,
};

/// The shared context, or `None` (with the reason printed) where no adapter exists. Any other
/// failure (kernels that do not compile or run) fails the test; so does a missing adapter when
/// `PRECISION_LAB_REQUIRE_GPU` is set, as `scripts/test.sh` does after installing lavapipe.
fn context() -> Option<&'static GpuContext> {
    static CONTEXT: OnceLock<Result<GpuContext, Unavailable>> = OnceLock::new();
    checked(CONTEXT.get_or_init(|| pollster::block_on(GpuContext::new())))
}

/// Both kernel variants (tiled, barrier-free) on the adapter, whatever it would pick itself.
fn both_variants() -> Vec<&'static GpuContext> {
    static TILED: OnceLock<Result<GpuContext, Unavailable>> = OnceLock::new();
    static DIRECT: OnceLock<Result<GpuContext, Unavailable>> = OnceLock::new();
    [
        checked(TILED.get_or_init(|| pollster::block_on(GpuContext::with_kernels(Some(true))))),
        checked(DIRECT.get_or_init(|| pollster::block_on(GpuContext::with_kernels(Some(false))))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn checked(context: &'static Result<GpuContext, Unavailable>) -> Option<&'static GpuContext> {
    match context {
        Ok(c) => Some(c),
        Err(e @ Unavailable::NoAdapter(_))
            if std::env::var_os("PRECISION_LAB_REQUIRE_GPU").is_none() =>
        {
            eprintln!("skipped: {e:?}; install mesa-vulkan-drivers for lavapipe");
            None
        }
        Err(e) => panic!("GPU context: {e}"),
    }
}

#[test]
fn every_wgsl_module_parses_and_validates() {
    let sources = kernels::sources();
    assert_eq!(sources.len(), 2 * kernels::KERNEL_FILES.len());
    for (name, native, source) in sources {
        let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| {
            panic!(
                "{name} (native f16 {native}): {}",
                e.emit_to_string(&source)
            )
        });
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::SHADER_FLOAT16,
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} (native f16 {native}): {e:?}"));
    }
    // Every .wgsl file on disk is compiled by some pipeline.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/shaders");
    for entry in std::fs::read_dir(dir).expect("shader directory") {
        let file = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("utf-8 name");
        let stem = file.trim_end_matches(".wgsl");
        let shared = ["common", "f16_emulated", "f16_native"].contains(&stem);
        let kernel = kernels::KERNEL_FILES.iter().any(|(n, _)| *n == stem);
        assert!(shared || kernel, "{file} is not compiled by any pipeline");
    }
}

/// `common.wgsl` and `gpu::layout` must agree on where each summary word lives and on every
/// `params.mode` code.
#[test]
fn summary_layout_agrees_between_wgsl_and_rust() {
    let common = include_str!("../../src/gpu/shaders/common.wgsl");
    let constant = |name: &str| -> usize {
        let line = common
            .lines()
            .find(|l| l.starts_with(&format!("const {name}: u32 = ")))
            .unwrap_or_else(|| panic!("common.wgsl defines {name}"));
        // `const NAME: u32 = 20u;` (maybe followed by a comment): the digits before `u;`.
        let value = &line[line.find('=').expect("a value") + 1..];
        let digits = value.split("u;").next().expect("a literal").trim();
        digits
            .parse()
            .unwrap_or_else(|e| panic!("{name} = {digits}: {e}"))
    };
    assert_eq!(constant("SUM_FLAGS"), layout::SUM_FLAGS);
    assert_eq!(constant("SUM_BAD_LAYERS"), layout::SUM_BAD_LAYERS);
    assert_eq!(constant("SUM_ATTEMPTED"), layout::SUM_ATTEMPTED);
    assert_eq!(constant("SUM_LOST"), layout::SUM_LOST);
    assert_eq!(constant("SUM_CORRECT"), layout::SUM_CORRECT);
    assert_eq!(constant("SUM_AMAX"), layout::SUM_AMAX);
    assert_eq!(constant("MAX_LAYERS"), layout::MAX_LAYERS);
    assert_eq!(constant("STAT_BASE"), layout::STAT_BASE);
    assert_eq!(constant("STAT_WORDS"), layout::STAT_WORDS);
    for (name, slot) in [
        ("STEP_LOSS_SCALE", layout::STEP_LOSS_SCALE),
        ("STEP_INV_SCALE", layout::STEP_INV_SCALE),
        ("STEP_GRAD_COEF", layout::STEP_GRAD_COEF),
        ("STEP_LR_NEG", layout::STEP_LR_NEG),
        ("STEP_MOMENTUM", layout::STEP_MOMENTUM),
        ("STEP_FIRST", layout::STEP_FIRST),
        ("STEP_SIZE_NEG", layout::STEP_SIZE_NEG),
        ("STEP_BC2_SQRT", layout::STEP_BC2_SQRT),
        ("STEP_ONE_MINUS_BETA1", layout::STEP_ONE_MINUS_BETA1),
        ("STEP_ONE_MINUS_BETA2", layout::STEP_ONE_MINUS_BETA2),
        ("STEP_BETA2", layout::STEP_BETA2),
        ("STEP_EPS", layout::STEP_EPS),
        ("STEP_SCALES", layout::STEP_SCALES),
    ] {
        assert_eq!(constant(name), slot, "{name}");
    }
    for (name, code) in [
        ("GEMM_TRANSPOSE_A", layout::GEMM_TRANSPOSE_A),
        ("GEMM_TRANSPOSE_B", layout::GEMM_TRANSPOSE_B),
        ("GEMM_ADD_BIAS", layout::GEMM_ADD_BIAS),
        ("GEMM_KEEP_RAW", layout::GEMM_KEEP_RAW),
        ("QUANTIZE_KEEP_SCALED", layout::QUANTIZE_KEEP_SCALED),
        ("ACT_RELU", layout::ACT_RELU),
        ("ACT_TANH", layout::ACT_TANH),
        ("ACT_GELU", layout::ACT_GELU),
        ("LOSS_CROSS_ENTROPY", layout::LOSS_CROSS_ENTROPY),
        ("LOSS_MSE_CLASS", layout::LOSS_MSE_CLASS),
        ("LOSS_MSE_VALUES", layout::LOSS_MSE_VALUES),
        ("FLAG_INF_GRAD", layout::FLAG_INF_GRAD),
    ] {
        assert_eq!(constant(name), code as usize, "{name}");
    }
}

/// Every value of a format given by its codes, the midpoints between neighbours and the f32 values
/// one ulp either side of each midpoint, both signs.
fn around_codes(values: impl Iterator<Item = f32>) -> Vec<u32> {
    let mut values: Vec<f32> = values.filter(|v| v.is_finite() && *v >= 0.0).collect();
    values.sort_by(f32::total_cmp);
    values.dedup();
    let mut out = Vec::new();
    for pair in values.windows(2) {
        let mid = ((f64::from(pair[0]) + f64::from(pair[1])) / 2.0) as f32;
        for x in [
            pair[0],
            mid,
            f32::from_bits(mid.to_bits() - 1),
            f32::from_bits(mid.to_bits() + 1),
        ] {
            out.push(x.to_bits());
            out.push((-x).to_bits());
        }
    }
    // Past the largest value: the overflow boundary (max + half an ulp) and beyond.
    let max = *values.last().expect("values");
    let ulp = max - values[values.len() - 2];
    for x in [max + ulp / 2.0, max + ulp, 2.0 * max, f32::MAX] {
        for y in [
            x,
            f32::from_bits(x.to_bits() - 1),
            f32::from_bits(x.to_bits() + 1),
        ] {
            out.push(y.to_bits());
            out.push((-y).to_bits());
        }
    }
    out
}

fn fp8_values(exponent_bits: u32, mantissa_bits: u32, bias: i32) -> impl Iterator<Item = f32> {
    let codes = 1u32 << (exponent_bits + mantissa_bits);
    (0..codes).map(move |c| {
        let e = (c >> mantissa_bits) as i32;
        let m = c & ((1 << mantissa_bits) - 1);
        let frac = m as f64 / f64::from(1u32 << mantissa_bits);
        let v = if e == 0 {
            frac * 2f64.powi(1 - bias)
        } else {
            (1.0 + frac) * 2f64.powi(e - bias)
        };
        v as f32
    })
}

fn interesting_inputs(format: Precision) -> Vec<u32> {
    let mut inputs = match format {
        Precision::F16 => around_codes((0..0x7c00u16).map(|c| half::f16::from_bits(c).to_f32())),
        Precision::Bf16 => around_codes((0..0x7f80u16).map(|c| half::bf16::from_bits(c).to_f32())),
        // E4M3: codes up to 0x7e (0x7f is NaN); E5M2: finite codes below the Inf exponent.
        Precision::E4m3 => around_codes(fp8_values(4, 3, 7).take(0x7f)),
        Precision::E5m2 => around_codes(fp8_values(5, 2, 15).take(0x7c)),
        // E2M1: all eight magnitudes are finite.
        Precision::E2m1 => around_codes(fp8_values(2, 1, 1)),
        Precision::F32 => Vec::new(),
    };
    // Specials, f32 subnormals and a random sweep of bit patterns (NaN payloads included).
    inputs.extend([
        0,
        0x8000_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0xffc0_0001,
        0x7f80_0001,
    ]);
    inputs.extend([
        1,
        2,
        3,
        0x0040_0000,
        0x007f_ffff,
        0x8000_0001,
        0x807f_ffff,
        0x0080_0000,
    ]);
    let mut rng = SplitMix64::new(0x5eed ^ u64::from(format_code(format)));
    inputs.extend((0..200_000).map(|_| rng.next_u64() as u32));
    inputs
}

#[test]
fn rounding_kernel_is_bit_exact_against_the_cpu() {
    let Some(context) = context() else { return };
    let mut variants = vec![(false, kernels::Kernels::new(context.device(), false, true))];
    if context.adapter().shader_f16 {
        variants.push((true, kernels::Kernels::new(context.device(), true, true)));
    }
    for format in [
        Precision::F16,
        Precision::Bf16,
        Precision::E4m3,
        Precision::E5m2,
        Precision::E2m1,
    ] {
        let inputs = interesting_inputs(format);
        for overflow in [Overflow::Default, Overflow::Saturate] {
            let want: Vec<u32> = inputs
                .iter()
                .map(|&x| format.round_with(f32::from_bits(x), overflow).to_bits())
                .collect();
            for (native, kernels) in &variants {
                let got = pollster::block_on(context.round_with(
                    kernels,
                    &inputs,
                    format_code(format),
                    overflow == Overflow::Saturate,
                ))
                .expect("the rounding kernel runs");
                let wrong: Vec<String> = inputs
                    .iter()
                    .zip(want.iter().zip(&got))
                    .filter(|(_, (w, g))| w != g)
                    .take(5)
                    .map(|(x, (w, g))| format!("{x:#010x} -> want {w:#010x}, got {g:#010x}"))
                    .collect();
                assert!(
                    wrong.is_empty(),
                    "{format} {overflow:?} (native f16 {native}), {} inputs: {wrong:?}",
                    inputs.len()
                );
            }
        }
    }
    println!("adapter: {}", context.adapter().describe());
}

#[test]
fn gemm_kernel_matches_an_exact_product_in_every_layout() {
    for context in both_variants() {
        gemm_matches(context);
    }
}

fn gemm_matches(context: &GpuContext) {
    let mut rng = SplitMix64::new(11);
    for (m, k, n) in [
        (1, 1, 1),
        (3, 5, 7),
        (32, 2, 16),
        (17, 33, 64),
        (64, 64, 64),
        (40, 100, 3),
    ] {
        let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect();
        // Mode 0: A (m x k) . B (k x n); 1: A stored k x m, transposed; 2: B stored n x k, transposed.
        for mode in 0..3u32 {
            let got = pollster::block_on(context.gemm(&a, &b, None, [m, k, n], mode))
                .expect("the GEMM kernel runs");
            assert_eq!(got.len(), m * n);
            for i in 0..m {
                for j in 0..n {
                    let (mut exact, mut bound) = (0.0f64, 0.0f64);
                    for kk in 0..k {
                        let x = if mode == 1 {
                            a[kk * m + i]
                        } else {
                            a[i * k + kk]
                        };
                        let y = if mode == 2 {
                            b[j * k + kk]
                        } else {
                            b[kk * n + j]
                        };
                        let p = f64::from(x) * f64::from(y);
                        exact += p;
                        bound += p.abs();
                    }
                    // f32 accumulation of k products: |error| <= (k + 1) 2^-24 sum |x y|; an index
                    // mistake would be off by O(1).
                    let tolerance = (k as f64 + 1.0) * 2f64.powi(-24) * bound;
                    let g = f64::from(got[i * n + j]);
                    assert!(
                        (g - exact).abs() <= tolerance,
                        "tiled {} mode {mode} {m}x{k}x{n} at ({i},{j}): {g} vs {exact}",
                        context.adapter().tiled
                    );
                }
            }
        }
    }
}

fn config(policy: Policy, optimizer: Optimizer, activation: Activation, loss: Loss) -> RunConfig {
    RunConfig {
        data: DataConfig {
            kind: DatasetKind::Circles,
            points: 256,
            noise: 0.1,
            seed: 5,
        },
        hidden: vec![16, 16],
        activation,
        loss,
        optimizer,
        batch_size: 32,
        policy,
        seed: 9,
        loss_shift: 0,
        weight_scale: 1.0,
        max_steps: None,
    }
}

/// Every recipe of the menu, and variants of the scaled ones.
fn policies() -> Vec<Policy> {
    let mut p: Vec<Policy> = Policy::menu();
    // Every NVFP4 trick off at once too.
    p.extend(Policy::from_name(
        "nvfp4-no-sr-no-rht-no-bf16-last-no-tensor-scale",
    ));
    p.push(Policy::Fp16Amp(ScalerConfig {
        init_scale: 2f32.powi(24),
        growth_interval: 3,
        ..ScalerConfig::default()
    }));
    p.push(Policy::Fp8(Fp8Config {
        history_len: 4,
        margin: 1,
    }));
    p
}

fn close(a: f32, b: f32, rel: f32, abs: f32) -> bool {
    (a == b) || (a - b).abs() <= abs + rel * a.abs().max(b.abs()) || (a.is_nan() && b.is_nan())
}

/// One step from the same weights and batch on both backends: the same loss, the same decisions,
/// the same statistics up to values that sit on a rounding boundary, nearly the same parameters.
#[test]
fn one_step_of_every_recipe_matches_the_cpu() {
    for context in both_variants() {
        one_step_matches(context);
    }
}

fn one_step_matches(context: &GpuContext) {
    for policy in policies() {
        for optimizer in [Optimizer::sgd(0.1), Optimizer::adam(0.01)] {
            for (activation, loss) in [
                (Activation::Tanh, Loss::CrossEntropy),
                (Activation::Relu, Loss::Mse),
                (Activation::Gelu, Loss::CrossEntropy),
            ] {
                let what = format!(
                    "{} {} {activation:?} {loss:?}, tiled {}",
                    policy.name(),
                    optimizer.name(),
                    context.adapter().tiled
                );
                let cfg = config(policy, optimizer, activation, loss);
                let mut cpu = Run::new(cfg.clone()).expect("valid config");
                let mut gpu = Run::new(cfg).expect("valid config");
                let mut lane = GpuLane::new(context, &gpu).expect("uploads");
                for step in 0..3 {
                    let want = cpu.step();
                    let got = pollster::block_on(lane.step(context, &mut gpu)).expect("GPU step");
                    match (want, got) {
                        (Some(want), Some(got)) => {
                            let derived = matches!(
                                policy,
                                Policy::Fp8Current | Policy::Mxfp8 | Policy::Nvfp4(_)
                            );
                            compare_records(&what, step, &want, &got, derived)
                        }
                        (None, None) => break,
                        _ => panic!(
                            "{what} step {step}: cpu {:?}, gpu {:?}",
                            cpu.stopped(),
                            gpu.stopped()
                        ),
                    }
                }
                assert_eq!(cpu.stopped(), gpu.stopped(), "{what}");
                pollster::block_on(lane.sync(context, &mut gpu)).expect("sync");
                for (lc, lg) in cpu.model().layers().iter().zip(gpu.model().layers()) {
                    for (a, b) in lc.weights().iter().zip(lg.weights()) {
                        // fp16 storage: a one-ulp difference (2^-11 relative) is allowed.
                        assert!(close(*a, *b, 2e-3, 1e-5), "{what}: weight {a} vs {b}");
                    }
                }
                assert_eq!(cpu.loss_scale(), gpu.loss_scale(), "{what}");
                assert_eq!(cpu.optimizer_steps(), gpu.optimizer_steps(), "{what}");
            }
        }
    }
}

/// `derived`: the recipe's scales come from this step's values (checked as close, not equal).
fn compare_records(what: &str, step: u32, want: &StepRecord, got: &StepRecord, derived: bool) {
    assert!(
        close(want.loss, got.loss, 1e-4, 1e-6),
        "{what} step {step}: loss {} vs {}",
        want.loss,
        got.loss
    );
    assert_eq!(want.accuracy, got.accuracy, "{what} step {step}");
    assert_eq!(want.loss_scale, got.loss_scale, "{what} step {step}");
    assert_eq!(want.skipped, got.skipped, "{what} step {step}");
    assert_eq!(want.tensors.len(), got.tensors.len(), "{what} step {step}");
    for (a, b) in want.tensors.iter().zip(&got.tensors) {
        assert_eq!((a.kind, a.format), (b.kind, b.format), "{what} step {step}");
        // A scale the GPU derives from this step's amax (current scaling, NVFP4's tensor scale)
        // follows the GPU's values, which may differ from the CPU's in their last bits.
        assert!(
            close(a.scale, b.scale, 1e-4, 0.0),
            "{what} step {step} {:?}: scale {} vs {}",
            a.kind,
            a.scale,
            b.scale
        );
        if !derived {
            assert_eq!(a.scale, b.scale, "{what} step {step}");
        }
        compare_blocks(what, step, a, b);
        let (s, t) = (&a.stats, &b.stats);
        assert_eq!(s.count, t.count, "{what} step {step} {:?}", a.kind);
        assert_eq!(
            s.non_finite, t.non_finite,
            "{what} step {step} {:?}",
            a.kind
        );
        // A value within an ulp of a class boundary may land on either side.
        let slack = 2 + s.count / 200;
        for (x, y, name) in [
            (s.zeros, t.zeros, "zeros"),
            (s.flushed, t.flushed, "flushed"),
            (s.subnormal, t.subnormal, "subnormal"),
            (s.overflowed, t.overflowed, "overflowed"),
        ] {
            assert!(
                x.abs_diff(y) <= slack,
                "{what} step {step} {:?} {name}: {x} vs {y}",
                a.kind
            );
        }
        assert_eq!(
            s.histogram.total(),
            t.histogram.total(),
            "{what} step {step}"
        );
    }
    assert!(
        (want.updates_lost - got.updates_lost).abs() <= 0.02,
        "{what} step {step}: updates lost {} vs {}",
        want.updates_lost,
        got.updates_lost
    );
}

/// A block recipe's readouts: the same blocks; counts within the statistics' slack (a value near a
/// rounding boundary may land on either side); sums within 1% (the GPU adds in f32, the CPU in f64).
fn compare_blocks(what: &str, step: u32, a: &TensorRecord, b: &TensorRecord) {
    match (&a.blocks, &b.blocks) {
        (None, None) => {}
        (Some(x), Some(y)) => {
            assert_eq!(
                (x.blocks, x.values),
                (y.blocks, y.values),
                "{what} step {step}"
            );
            let slack = 2 + x.values / 200;
            for (p, q, name) in [
                (x.saturated, y.saturated, "saturated"),
                (x.underflowed, y.underflowed, "underflowed"),
                (x.flushed, y.flushed, "flushed"),
                (x.nonzero, y.nonzero, "nonzero"),
            ] {
                assert!(
                    p.abs_diff(q) <= slack,
                    "{what} step {step} {name}: {p} vs {q}"
                );
            }
            for (p, q, name) in [
                (x.relative_error(), y.relative_error(), "error"),
                (
                    x.transposed_relative_error(),
                    y.transposed_relative_error(),
                    "transposed error",
                ),
                (x.magnitude_kept(), y.magnitude_kept(), "magnitude kept"),
            ] {
                assert!(
                    (p - q).abs() <= 0.01 * p.abs() + 1e-3,
                    "{what} step {step} {name}: {p} vs {q}"
                );
            }
        }
        _ => panic!(
            "{what} step {step}: blocks {:?} vs {:?}",
            a.blocks, b.blocks
        ),
    }
}

/// Whole runs: the GPU's loss curve stays within a documented band of the CPU's.
#[test]
fn gpu_runs_track_the_cpu_loss_curve() {
    let Some(context) = context() else { return };
    for policy in [
        Policy::Fp32,
        Policy::Fp16Amp(ScalerConfig::default()),
        Policy::Bf16Mixed,
        Policy::Fp8(Fp8Config::default()),
        Policy::Fp8Current,
        Policy::Mxfp8,
        Policy::Nvfp4(precision_lab::train::Nvfp4Switches::ALL_ON),
    ] {
        let cfg = config(
            policy,
            Optimizer::adam(0.01),
            Activation::Tanh,
            Loss::CrossEntropy,
        );
        let mut cpu = Run::new(cfg.clone()).expect("valid");
        let mut gpu = Run::new(cfg).expect("valid");
        let mut lane = GpuLane::new(context, &gpu).expect("uploads");
        let want = cpu.step_n(300);
        let got = pollster::block_on(lane.step_n(context, &mut gpu, 300)).expect("GPU steps");
        assert_eq!(want.len(), got.len());
        // Mean loss over windows of 50 steps: within 0.05 + 10 %.
        for (w, g) in want.chunks(50).zip(got.chunks(50)) {
            let mean = |r: &[StepRecord]| {
                r.iter().map(|s| f64::from(s.loss)).sum::<f64>() / r.len() as f64
            };
            let (a, b) = (mean(w), mean(g));
            assert!(
                (a - b).abs() <= 0.05 + 0.1 * a.max(b),
                "{}: window at step {}: cpu {a:.4}, gpu {b:.4}",
                policy.name(),
                w[0].step
            );
        }
        pollster::block_on(lane.sync(context, &mut gpu)).expect("sync");
        let (a, b) = (cpu.evaluate(), gpu.evaluate());
        assert!(
            (a.accuracy.unwrap_or(0.0) - b.accuracy.unwrap_or(0.0)).abs() <= 0.08,
            "{}: accuracy cpu {:?} gpu {:?}",
            policy.name(),
            a.accuracy,
            b.accuracy
        );
        // It learned something (the comparison above would pass for two broken runs).
        let first = got[..50].iter().map(|s| s.loss).sum::<f32>() / 50.0;
        let last = got[250..].iter().map(|s| s.loss).sum::<f32>() / 50.0;
        assert!(
            last < 0.8 * first,
            "{}: loss {first} -> {last}",
            policy.name()
        );
        println!(
            "{}: accuracy cpu {:?} gpu {:?}, loss {first} -> {last}",
            policy.name(),
            a.accuracy,
            b.accuracy
        );
    }
}

/// Several steps to a submission (recipes without a loss scaler or fp8 scaling) give the same
/// records and parameters, bit for bit, as one step at a time; recipes with them step one at a time.
#[test]
fn block_kernels_are_bit_exact_against_the_cpu() {
    use layout::{BLOCK_COLUMNS, BLOCK_NVFP4, BLOCK_STOCHASTIC, BLOCK_TILES};
    use precision_lab::train::block::{self, BlockKind, Blocks, Quantized};
    let Some(context) = context() else { return };
    let mut rng = SplitMix64::new(0xb10c);
    for (rows, cols) in [(32, 16), (33, 20), (7, 50), (64, 32)] {
        // Values over 30 binades, with zeros and a few outliers.
        let values: Vec<f32> = (0..rows * cols)
            .map(|i| match i % 37 {
                0 => 0.0,
                1 => 3000.0,
                _ => (rng.normal() * 2f64.powf(rng.uniform(-20.0, 10.0))) as f32,
            })
            .collect();
        let mut cases = vec![
            (BlockKind::Mxfp8, Blocks::AlongRows, 0),
            (BlockKind::Mxfp8, Blocks::AlongColumns, BLOCK_COLUMNS),
        ];
        for (cut, bits) in [
            (Blocks::AlongRows, 0),
            (Blocks::AlongColumns, BLOCK_COLUMNS),
            (Blocks::Tiles, BLOCK_TILES),
        ] {
            cases.push((BlockKind::Nvfp4, cut, bits | BLOCK_NVFP4));
        }
        for (kind, cut, mode) in cases {
            let nvfp4 = kind == BlockKind::Nvfp4;
            for stochastic in [false, true].into_iter().filter(|s| !s || nvfp4) {
                for tensor_scale in [true, false].into_iter().filter(|t| *t || nvfp4) {
                    for signs in [None, Some(0x9a3cu16)]
                        .into_iter()
                        .filter(|s| s.is_none() || nvfp4)
                    {
                        let seed = rng.next_u64();
                        let what = format!("{kind:?} {cut:?} {rows}x{cols} stochastic {stochastic} tensor scale {tensor_scale} signs {signs:?}");
                        let mut x = values.clone();
                        if let Some(s) = signs {
                            block::hadamard_columns(&mut x, rows, cols, s);
                        }
                        let mut want = Quantized::default();
                        let draws = stochastic.then_some(seed);
                        block::quantize(
                            &x,
                            rows,
                            cols,
                            kind,
                            cut,
                            draws,
                            tensor_scale,
                            false,
                            &mut want,
                        );
                        let mode = mode | if stochastic { BLOCK_STOCHASTIC } else { 0 };
                        let got = pollster::block_on(context.quantize_blocks(
                            &values,
                            (rows, cols),
                            (mode, seed),
                            tensor_scale,
                            signs,
                        ))
                        .expect("GPU blocks");
                        let (got, encode) = got.split_at(values.len());
                        for (i, (w, g)) in want.values.iter().zip(got).enumerate() {
                            assert_eq!(
                                w.to_bits(),
                                g.to_bits(),
                                "{what}: element {i} ({}): {w:e} vs {g:e}",
                                x[i]
                            );
                        }
                        assert_eq!(want.decode, 1.0 / encode[0], "{what}: S_enc {}", encode[0]);
                    }
                }
            }
        }
    }
}

#[test]
fn batched_steps_are_the_same_as_single_steps() {
    let Some(context) = context() else { return };
    for policy in [
        Policy::Fp32,
        Policy::Bf16Mixed,
        Policy::PureFp16,
        Policy::Fp16Amp(ScalerConfig::default()),
        Policy::Mxfp8,
        Policy::Nvfp4(precision_lab::train::Nvfp4Switches::ALL_ON),
    ] {
        for optimizer in [Optimizer::sgd(0.1), Optimizer::adam(0.01)] {
            let cfg = config(policy, optimizer, Activation::Gelu, Loss::CrossEntropy);
            let (mut one, mut many) = (
                Run::new(cfg.clone()).expect("valid"),
                Run::new(cfg).expect("valid"),
            );
            let (mut lane_one, mut lane_many) = (
                GpuLane::new(context, &one).expect("uploads"),
                GpuLane::new(context, &many).expect("uploads"),
            );
            let mut single = Vec::new();
            for _ in 0..45 {
                single.extend(
                    pollster::block_on(lane_one.step(context, &mut one)).expect("GPU step"),
                );
            }
            let batched =
                pollster::block_on(lane_many.step_n(context, &mut many, 45)).expect("GPU steps");
            let what = format!("{} {}", policy.name(), optimizer.name());
            assert_eq!(single.len(), batched.len(), "{what}");
            assert_eq!(format!("{single:?}"), format!("{batched:?}"), "{what}");
            pollster::block_on(lane_one.sync(context, &mut one)).expect("sync");
            pollster::block_on(lane_many.sync(context, &mut many)).expect("sync");
            assert_eq!(
                format!("{:?}", one.model()),
                format!("{:?}", many.model()),
                "{what}"
            );
        }
    }
}

/// A run that moves to the GPU mid-run (momentum and Adam moments included) and back to the CPU
/// goes on as if it had stayed on the CPU.
#[test]
fn a_run_moves_between_backends_mid_run_with_its_optimizer_state() {
    let Some(context) = context() else { return };
    for optimizer in [Optimizer::sgd(0.1), Optimizer::adam(0.01)] {
        let cfg = config(
            Policy::Bf16Mixed,
            optimizer,
            Activation::Tanh,
            Loss::CrossEntropy,
        );
        let mut reference = Run::new(cfg.clone()).expect("valid");
        let want = reference.step_n(30);
        let mut run = Run::new(cfg).expect("valid");
        let mut got = run.step_n(10);
        let mut lane = GpuLane::new(context, &run).expect("uploads");
        got.extend(pollster::block_on(lane.step_n(context, &mut run, 10)).expect("GPU steps"));
        pollster::block_on(lane.sync(context, &mut run)).expect("sync");
        got.extend(run.step_n(10));
        assert_eq!(got.len(), 30);
        for (w, g) in want.iter().zip(&got) {
            assert!(
                close(w.loss, g.loss, 1e-3, 1e-6),
                "{} step {}: cpu {} vs moved {}",
                optimizer.name(),
                w.step,
                w.loss,
                g.loss
            );
        }
    }
}

/// A session stepped on the GPU, then restored and continued on the CPU, keeps going.
#[test]
fn a_session_falls_back_to_the_cpu_from_the_last_synced_step() {
    let Some(context) = context() else { return };
    let state = TrainState::default();
    let mut session = Session::new(&state).expect("default settings run");
    let mut gpu =
        precision_lab::gpu::GpuSession::new(context, &mut session.runs_mut()).expect("uploads");
    let (taken, last) =
        pollster::block_on(gpu.slice(context, &mut session.runs_mut(), 5)).expect("slice");
    session.absorb_last(&last);
    assert_eq!(taken, 5 * session.lanes().len() as u64);
    let before = session.steps();
    // Pretend the next slice failed halfway: step one lane on the CPU, then restore.
    session.slice(3);
    gpu.restore(&mut session.runs_mut());
    assert_eq!(session.steps(), before);
    for lane in session.lanes() {
        assert_eq!(
            lane.run.history().len() as u64,
            before,
            "history rewound with the run"
        );
    }
    session.slice(2);
    assert_eq!(session.steps(), before + 2);
}
