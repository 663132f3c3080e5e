//! Native tests of `precision_lab::train`: rounding, elementary functions, gradients, the loss scaler,
//! the precision recipes end to end, determinism and the records a view reads.

use precision_lab::train::*;

// ---------------------------------------------------------------------------------------------
// Rounding into the simulated formats.

/// NaN-aware, sign-of-zero-aware equality.
fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Inputs that probe every rounding decision of a format given as the f32 values of its codes:
/// each value, the midpoints to its neighbour, and one f32 ulp either side of each midpoint.
fn probes(values: &[f32]) -> Vec<f32> {
    let mut out = Vec::new();
    for pair in values.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        out.push(a);
        if a.is_finite() && b.is_finite() {
            let mid = ((f64::from(a) + f64::from(b)) / 2.0) as f32;
            out.extend([
                mid,
                f32::from_bits(mid.to_bits() - 1),
                f32::from_bits(mid.to_bits() + 1),
            ]);
        }
    }
    out.extend(out.clone().iter().map(|x| -x));
    out
}

#[track_caller]
fn check_against(format: Precision, oracle: impl Fn(f32) -> f32, inputs: &[f32]) {
    for &x in inputs {
        let got = format.round(x);
        let want = oracle(x);
        assert!(
            same(got, want),
            "{format}: round({x:e} = {:#x}) = {got:e}, oracle says {want:e}",
            x.to_bits()
        );
    }
}

#[test]
fn fp16_rounding_matches_half_at_every_tie_and_on_a_sweep() {
    let oracle = |x: f32| half::f16::from_f32(x).to_f32();
    let mut codes: Vec<f32> = (0u16..0x7c00)
        .map(|b| half::f16::from_bits(b).to_f32())
        .collect();
    codes.push(f32::INFINITY);
    check_against(Precision::F16, oracle, &probes(&codes));
    // A strided sweep over all f32 bit patterns (about a million values, every exponent).
    let sweep: Vec<f32> = (0..=u32::MAX / 4093)
        .map(|i| f32::from_bits(i * 4093))
        .collect();
    check_against(Precision::F16, oracle, &sweep);
}

#[test]
fn bf16_rounding_matches_half_at_every_tie_and_on_a_sweep() {
    let oracle = |x: f32| half::bf16::from_f32(x).to_f32();
    let codes: Vec<f32> = (0u16..=0x7f80)
        .map(|b| half::bf16::from_bits(b).to_f32())
        .collect();
    check_against(Precision::Bf16, oracle, &probes(&codes));
    let sweep: Vec<f32> = (0..=u32::MAX / 4093)
        .map(|i| f32::from_bits(i * 4093))
        .collect();
    check_against(Precision::Bf16, oracle, &sweep);
}

/// The finite non-negative values of an OCP fp8 format, decoded from the definition (no shared code
/// with `src/`): value = 2^(e - bias) * (1 + m / 2^mant) for e > 0, 2^(1 - bias) * m / 2^mant for e = 0.
fn fp8_values(exponent_bits: u32, mantissa_bits: u32, max: f64) -> Vec<f64> {
    let bias = (1i32 << (exponent_bits - 1)) - 1;
    let mut out = Vec::new();
    for e in 0..(1u32 << exponent_bits) {
        for m in 0..(1u32 << mantissa_bits) {
            let frac = f64::from(m) / f64::from(1u32 << mantissa_bits);
            let v = if e == 0 {
                2f64.powi(1 - bias) * frac
            } else {
                2f64.powi(e as i32 - bias) * (1.0 + frac)
            };
            if v <= max {
                out.push(v);
            }
        }
    }
    out
}

/// Brute-force RNE: the nearest listed value, ties to the one with an even code (even index), and
/// beyond `max + ulp/2` the overflow value.
fn nearest_even(values: &[f64], x: f64, overflow: f64) -> f64 {
    let a = x.abs();
    let top = values[values.len() - 1];
    let ulp_top = top - values[values.len() - 2];
    if a >= top + ulp_top / 2.0 {
        // At exactly the midpoint the even neighbour is the (non-finite) next code, since max's code
        // is odd in both formats.
        return overflow.copysign(x);
    }
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        let (d, db) = ((v - a).abs(), (values[best] - a).abs());
        if d < db || (d == db && i % 2 == 0) {
            best = i;
        }
    }
    values[best].copysign(x)
}

#[test]
fn fp8_rounding_matches_a_brute_force_oracle() {
    for (format, e, m, max, overflow) in [
        (Precision::E4m3, 4, 3, 448.0, f64::NAN),
        (Precision::E5m2, 5, 2, 57344.0, f64::INFINITY),
    ] {
        let values = fp8_values(e, m, max);
        assert_eq!(values.last().copied(), Some(f64::from(format.max_finite())));
        let codes: Vec<f32> = values
            .iter()
            .map(|&v| v as f32)
            .chain([max as f32 * 1.25])
            .collect();
        let mut inputs = probes(&codes);
        inputs.extend((0..2000).map(|i| (i as f32 - 1000.0) * 0.37 * max as f32 / 1000.0));
        check_against(
            format,
            |x| nearest_even(&values, f64::from(x), overflow) as f32,
            &inputs,
        );
    }
}

#[track_caller]
fn check_round(format: Precision, overflow: Overflow, x: f32, want: f32) {
    let got = format.round_with(x, overflow);
    assert!(
        same(got, want),
        "{format} {overflow:?}: round({x:e}) = {got:e}, want {want:e}"
    );
}

#[test]
fn fp8_rounding_of_hand_worked_values() {
    use Overflow::{Default as Plain, Saturate};
    let e4 = Precision::E4m3;
    let e5 = Precision::E5m2;
    // E4M3: max 448 = 1.110b x 2^8; the next code 1.111b x 2^8 = 480 is NaN. 464 is the midpoint and
    // ties to 448 (mantissa 110 is even); anything above becomes NaN, or 448 when saturating.
    check_round(e4, Plain, 448.0, 448.0);
    check_round(e4, Plain, 464.0, 448.0);
    check_round(e4, Plain, 465.0, f32::NAN);
    check_round(e4, Plain, -1000.0, f32::NAN);
    check_round(e4, Saturate, -1000.0, -448.0);
    check_round(e4, Saturate, f32::INFINITY, 448.0);
    check_round(e4, Saturate, f32::NAN, f32::NAN);
    // Between 1 and 1.125 (mantissa 000 and 001) the tie 1.0625 goes to 1; between 1.125 and 1.25 the
    // tie 1.1875 goes to 1.25 (mantissa 010).
    check_round(e4, Plain, 1.0625, 1.0);
    check_round(e4, Plain, 1.1875, 1.25);
    // Subnormals: steps of 2^-9. 2^-10 is a tie between 0 and 2^-9 and goes to 0 (keeping the sign);
    // 1.5 x 2^-10 rounds up to 2^-9; 7.5 x 2^-9 ties between 7 x 2^-9 and 2^-6 (the min normal) and
    // goes to 2^-6 (8 x 2^-9, even).
    check_round(e4, Plain, 2f32.powi(-10), 0.0);
    check_round(e4, Plain, -(2f32.powi(-10)), -0.0);
    check_round(e4, Plain, 1.5 * 2f32.powi(-10), 2f32.powi(-9));
    check_round(e4, Plain, 7.5 * 2f32.powi(-9), 2f32.powi(-6));
    // E5M2: max 57344 = 1.11b x 2^15; the midpoint to 2^16 (Inf's place) is 61440 and ties to Inf.
    check_round(e5, Plain, 57344.0, 57344.0);
    check_round(e5, Plain, 61439.0, 57344.0);
    check_round(e5, Plain, 61440.0, f32::INFINITY);
    check_round(e5, Saturate, 61440.0, 57344.0);
    check_round(e5, Plain, 1.125, 1.0);
    check_round(e5, Plain, 1.375, 1.5);
    check_round(e5, Plain, 2f32.powi(-16), 2f32.powi(-16));
    check_round(e5, Plain, 2f32.powi(-17), 0.0);
    // fp16 facts the statistics rely on.
    assert_eq!(Precision::F16.min_subnormal(), 2f32.powi(-24));
    assert_eq!(Precision::F16.min_normal(), 2f32.powi(-14));
    // 2^-133 = 2^-149 (the smallest f32 subnormal, bit 0) x 2^16.
    assert_eq!(Precision::Bf16.min_subnormal(), f32::from_bits(1 << 16));
    assert_eq!(Precision::E4m3.min_subnormal(), 2f32.powi(-9));
    assert_eq!(Precision::E5m2.min_subnormal(), 2f32.powi(-16));
}

// ---------------------------------------------------------------------------------------------
// Deterministic elementary functions.

#[test]
fn deterministic_math_agrees_with_std_to_a_few_ulps() {
    use precision_lab::base::detmath;
    let mut worst = [0f64; 5];
    for i in 0..20_000 {
        let x = (i as f64 - 10_000.0) * 0.0031; // -31 .. 31
        let rel = |a: f64, b: f64| {
            if b == 0.0 {
                a.abs()
            } else {
                ((a - b) / b).abs()
            }
        };
        worst[0] = worst[0].max(rel(detmath::exp(x), x.exp()));
        worst[1] = worst[1].max(rel(detmath::tanh(x), x.tanh()));
        worst[2] = worst[2].max((detmath::sin(x) - x.sin()).abs());
        worst[3] = worst[3].max((detmath::cos(x) - x.cos()).abs());
        let y = (x + 31.5) * 1e3f64.powf(x / 31.0);
        worst[4] = worst[4].max((detmath::ln(y) - y.ln()).abs());
    }
    for (name, w) in ["exp", "tanh", "sin", "cos", "ln"].iter().zip(worst) {
        assert!(w < 1e-14, "{name}: worst error {w:e}");
    }
    assert_eq!(detmath::exp(1000.0), f64::INFINITY);
    assert_eq!(detmath::exp(-1000.0), 0.0);
    assert_eq!(detmath::ln(0.0), f64::NEG_INFINITY);
    assert!(detmath::ln(-1.0).is_nan());
    assert!((detmath::ln(1e-310) - 1e-310f64.ln()).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Gradient checks: the engine's fp32 backward pass against central finite differences of an
// independent f64 forward pass written here.

fn reference_loss(
    mlp: &Mlp,
    params: &[Vec<f64>],
    inputs: &[f32],
    targets: &[u8],
    loss: Loss,
) -> f64 {
    let layers = mlp.layers();
    let batch = inputs.len() / layers[0].inputs();
    let mut total = 0.0;
    for row in 0..batch {
        let mut x: Vec<f64> = (0..layers[0].inputs())
            .map(|k| f64::from(inputs[row * layers[0].inputs() + k]))
            .collect();
        for (l, layer) in layers.iter().enumerate() {
            let (w, b) = params[2 * l..2 * l + 2].split_at(1);
            let mut z: Vec<f64> = b[0].clone();
            for (k, &xk) in x.iter().enumerate() {
                for (j, zj) in z.iter_mut().enumerate() {
                    *zj += xk * w[0][k * layer.outputs() + j];
                }
            }
            if l + 1 < layers.len() {
                for zj in &mut z {
                    *zj = match mlp.activation() {
                        Activation::Relu => zj.max(0.0),
                        Activation::Tanh => zj.tanh(),
                        Activation::Gelu => {
                            let c = (2.0 / std::f64::consts::PI).sqrt();
                            0.5 * *zj * (1.0 + (c * (*zj + 0.044715 * zj.powi(3))).tanh())
                        }
                    };
                }
            }
            x = z;
        }
        let label = usize::from(targets[row]);
        total += match loss {
            Loss::CrossEntropy => {
                let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = max + x.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
                lse - x[label]
            }
            Loss::Mse => {
                let n = x.len() as f64;
                x.iter()
                    .enumerate()
                    .map(|(j, v)| (v - if j == label { 1.0 } else { 0.0 }).powi(2) / n)
                    .sum()
            }
        };
    }
    total / batch as f64
}

#[test]
fn gradients_match_finite_differences_for_every_activation_and_loss() {
    let data = DataConfig {
        kind: DatasetKind::Xor,
        points: 8,
        noise: 0.0,
        seed: 5,
    }
    .generate();
    let inputs: Vec<f32> = data.inputs().iter().map(|v| v * 0.3).collect();
    let Targets::Classes(labels) = data.targets() else {
        panic!("xor has classes")
    };
    for activation in Activation::ALL {
        for loss in [Loss::CrossEntropy, Loss::Mse] {
            let mlp = Mlp::new(2, &[5, 4], 2, activation, 1.0, 11).expect("valid shape");
            let (engine_loss, grads) =
                mlp.loss_and_gradients(&inputs, BatchTargets::Classes(labels), loss);
            let params: Vec<Vec<f64>> = mlp
                .layers()
                .iter()
                .flat_map(|l| [l.weights(), l.bias()])
                .map(|p| p.iter().map(|&v| f64::from(v)).collect())
                .collect();
            let base = reference_loss(&mlp, &params, &inputs, labels, loss);
            assert!(
                (f64::from(engine_loss) - base).abs() < 1e-5,
                "{activation:?} {loss:?}: loss {engine_loss} vs {base}"
            );
            let analytic: Vec<&[f32]> = grads
                .iter()
                .flat_map(|g| [g.weights.as_slice(), g.bias.as_slice()])
                .collect();
            let h = 1e-6;
            for (t, tensor) in params.iter().enumerate() {
                for i in 0..tensor.len() {
                    let mut plus = params.clone();
                    plus[t][i] += h;
                    let mut minus = params.clone();
                    minus[t][i] -= h;
                    let numeric = (reference_loss(&mlp, &plus, &inputs, labels, loss)
                        - reference_loss(&mlp, &minus, &inputs, labels, loss))
                        / (2.0 * h);
                    let got = f64::from(analytic[t][i]);
                    // f32 arithmetic in the engine: a few 1e-7 relative, on gradients of order 0.01-1.
                    assert!(
                        (got - numeric).abs() <= 1e-5 + 1e-4 * numeric.abs(),
                        "{activation:?} {loss:?} tensor {t} index {i}: analytic {got:e}, numeric {numeric:e}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dynamic loss scaling.

#[test]
fn grad_scaler_follows_pytorch_step_by_step() {
    let mut scaler = GradScaler::new(ScalerConfig {
        growth_interval: 3,
        ..ScalerConfig::default()
    });
    assert_eq!(scaler.scale(), 65536.0);
    assert_eq!(scaler.inv_scale(), 1.0 / 65536.0);
    // Overflow: back off and reset the count.
    scaler.update(true);
    assert_eq!((scaler.scale(), scaler.growth_tracker()), (32768.0, 0));
    // `interval - 1` clean steps count up without growing...
    scaler.update(false);
    assert_eq!((scaler.scale(), scaler.growth_tracker()), (32768.0, 1));
    scaler.update(false);
    assert_eq!((scaler.scale(), scaler.growth_tracker()), (32768.0, 2));
    // ...and the interval-th grows and resets.
    scaler.update(false);
    assert_eq!((scaler.scale(), scaler.growth_tracker()), (65536.0, 0));
    // An overflow in the middle of a streak resets it.
    scaler.update(false);
    scaler.update(true);
    assert_eq!((scaler.scale(), scaler.growth_tracker()), (32768.0, 0));
    // Growth that would overflow f32 is not kept (the count still resets).
    let mut huge = GradScaler::new(ScalerConfig {
        init_scale: f32::MAX,
        growth_interval: 1,
        ..ScalerConfig::default()
    });
    huge.update(false);
    assert_eq!((huge.scale(), huge.growth_tracker()), (f32::MAX, 0));
    // The inverse is computed in f64 then rounded once: for 3 it is the f32 nearest 1/3.
    let three = GradScaler::new(ScalerConfig {
        init_scale: 3.0,
        ..ScalerConfig::default()
    });
    assert_eq!(three.inv_scale(), (1.0f64 / 3.0) as f32);
}

fn small_config(policy: Policy) -> RunConfig {
    RunConfig {
        data: DataConfig {
            kind: DatasetKind::Circles,
            points: 128,
            noise: 0.0,
            seed: 3,
        },
        hidden: vec![8, 8],
        activation: Activation::Tanh,
        loss: Loss::CrossEntropy,
        optimizer: Optimizer::sgd(0.1),
        batch_size: 32,
        policy,
        seed: 7,
        loss_shift: 0,
        weight_scale: 1.0,
        max_steps: None,
    }
}

#[test]
fn amp_run_skips_overflowing_steps_and_adapts_the_scale_like_grad_scaler() {
    // Start the scale at 2^24: the scaled logit gradients (up to 2^24 / 32 = 2^19) overflow fp16's
    // 65504, so the first steps must be skipped and back off until the gradients fit.
    let interval = 5;
    let scaler = ScalerConfig {
        init_scale: 2f32.powi(24),
        growth_interval: interval,
        ..ScalerConfig::default()
    };
    let mut run = Run::new(small_config(Policy::Fp16Amp(scaler))).expect("valid config");
    let before = run.model().clone();
    let first = run.step().expect("running");
    assert!(first.skipped, "2^24 must overflow fp16 gradients");
    assert_eq!(first.loss_scale, 2f32.powi(24));
    assert!(first.tensors.iter().any(|t| t.stats.overflowed > 0));
    assert_eq!(
        run.model(),
        &before,
        "a skipped step must not touch the weights"
    );
    let records = run.step_n(60);
    let all: Vec<&StepRecord> = std::iter::once(&first).chain(&records).collect();
    // Replay PyTorch's rule on the recorded `skipped` flags and compare every step's scale.
    let (mut scale, mut clean) = (2f32.powi(24), 0);
    for r in &all {
        assert_eq!(r.loss_scale, scale, "step {}", r.step);
        if r.skipped {
            scale *= 0.5;
            clean = 0;
        } else {
            clean += 1;
            if clean == interval {
                scale *= 2.0;
                clean = 0;
            }
        }
    }
    let skipped = all.iter().filter(|r| r.skipped).count();
    assert!(
        skipped >= 4,
        "2^24 -> 2^20 needs at least four backoffs, saw {skipped}"
    );
    assert!(all.iter().any(|r| !r.skipped) && run.is_running());
    assert!(
        all.windows(2).any(|w| w[1].loss_scale > w[0].loss_scale),
        "the scale must grow after clean steps"
    );
}

// ---------------------------------------------------------------------------------------------
// The recipes end to end.

fn trained(config: RunConfig, steps: u32) -> (Run, Vec<StepRecord>) {
    let mut run = Run::new(config).expect("valid config");
    let records = run.step_n(steps);
    (run, records)
}

/// Mean over the last `n` records of the share of logit-gradient values that flushed to zero.
fn late_logit_flush(records: &[StepRecord], n: usize) -> f32 {
    let tail = &records[records.len() - n..];
    let sum: f32 = tail
        .iter()
        .map(|r| {
            let t = r
                .tensors
                .iter()
                .find(|t| t.kind == TensorKind::OutputGrad { layer: 2 })
                .expect("logits recorded");
            t.stats.flushed_fraction()
        })
        .sum();
    sum / n as f32
}

#[test]
fn amp_matches_fp32_while_pure_fp16_underflows_with_the_hard_knob() {
    let steps = 300;
    let (fp32, _) = trained(small_config(Policy::Fp32), steps);
    let (amp, _) = trained(
        small_config(Policy::Fp16Amp(ScalerConfig::default())),
        steps,
    );
    let fp32_loss = fp32.evaluate().loss;
    let amp_loss = amp.evaluate().loss;
    // Circles without noise is separable: 300 steps take fp32 from ln 2 = 0.69 to well under 0.05.
    assert!(fp32_loss < 0.05, "fp32 should learn circles: {fp32_loss}");
    // AMP rounds activations and gradients to fp16 (relative error 2^-11) but keeps fp32 master
    // weights: its loss should be within 20% (plus a small absolute slack) of fp32's.
    assert!(
        (amp_loss - fp32_loss).abs() <= 0.2 * fp32_loss + 0.005,
        "amp {amp_loss} vs fp32 {fp32_loss}"
    );

    // The hard knob multiplies the loss by 2^-20. Logit gradients are then about 2^-20 x (p - y) / 32,
    // mostly below fp16's smallest subnormal 2^-24 (6e-8): they flush, and nothing downstream learns.
    let hard = |policy| RunConfig {
        loss_shift: 20,
        ..small_config(policy)
    };
    let (pure, pure_records) = trained(hard(Policy::PureFp16), steps);
    let (fp32_hard, _) = trained(hard(Policy::Fp32), steps);
    let (amp_hard, _) = trained(hard(Policy::Fp16Amp(ScalerConfig::default())), steps);
    let flushed = late_logit_flush(&pure_records, 50);
    assert!(
        flushed > 0.9,
        "pure fp16 should flush most logit gradients to zero, flushed {flushed}"
    );
    let pure_loss = pure.evaluate().loss;
    // Chance level is ln 2 = 0.69; a network that barely trains stays near it, far above fp32's < 0.05.
    assert!(
        pure_loss > 0.4,
        "pure fp16 should not learn with the hard knob: {pure_loss}"
    );
    // fp32 cannot tell the knob is there (the compensation is exact powers of two)...
    assert_eq!(fp32_hard.evaluate().loss.to_bits(), fp32_loss.to_bits());
    // ...and loss scaling (2^16 and growing) brings AMP's gradients back into fp16's range.
    let amp_hard_loss = amp_hard.evaluate().loss;
    assert!(
        amp_hard_loss < 0.05,
        "amp with the hard knob should still learn: {amp_hard_loss}"
    );
}

#[test]
fn bf16_and_fp8_survive_the_hard_knob() {
    // bf16 has fp32's exponent range, and fp8's per-tensor scales follow the gradients' amax down:
    // neither needs a loss scale to learn with gradients 2^20 times smaller.
    for policy in [Policy::Bf16Mixed, Policy::Fp8(Fp8Config::default())] {
        let (run, records) = trained(
            RunConfig {
                loss_shift: 20,
                ..small_config(policy)
            },
            300,
        );
        let loss = run.evaluate().loss;
        assert!(loss < 0.05, "{}: loss {loss}", policy.name());
        assert!(late_logit_flush(&records, 50) < 0.01, "{}", policy.name());
    }
}

#[test]
fn fp8_scales_follow_the_gradient_amax() {
    let (_, records) = trained(
        RunConfig {
            loss_shift: 20,
            ..small_config(Policy::Fp8(Fp8Config::default()))
        },
        20,
    );
    let logits = |r: &StepRecord| {
        r.tensors
            .iter()
            .find(|t| t.kind == TensorKind::OutputGrad { layer: 2 })
            .expect("recorded")
            .clone()
    };
    // Step 0 uses scale 1 (no history yet); the logit gradients are about 2^-25, so they quantize
    // to E5M2 (smallest subnormal 2^-16) as zeros.
    assert_eq!(logits(&records[0]).scale, 1.0);
    assert!(logits(&records[0]).stats.flushed_fraction() > 0.9);
    // From step 1 the scale is 2^floor(log2(57344 / amax)), far above 2^30, and nothing flushes.
    let later = logits(&records[10]);
    assert!(later.scale > 2f32.powi(30), "scale {}", later.scale);
    assert_eq!(later.stats.flushed, 0);
}

#[test]
fn amax_history_gives_power_of_two_scales_with_delay() {
    let mut history = AmaxHistory::new(3);
    assert_eq!(history.scale(), 1.0);
    // 448 / 1 = 448 -> 2^floor(log2 448) = 2^8.
    history.record(1.0, 448.0, 0);
    assert_eq!(history.scale(), 256.0);
    // A zero amax keeps the scale; the max over the window still rules.
    history.record(0.0, 448.0, 0);
    assert_eq!(history.scale(), 256.0);
    // 448 / 100 = 4.48 -> 4; with margin 1 -> 2.
    history.record(100.0, 448.0, 1);
    assert_eq!(history.scale(), 2.0);
    // 100 stays in the 3-step window for two more steps, then 1.0 rules again.
    history.record(1.0, 448.0, 0);
    assert_eq!(history.scale(), 4.0);
    history.record(1.0, 448.0, 0);
    assert_eq!(history.scale(), 4.0);
    history.record(1.0, 448.0, 0);
    assert_eq!(history.scale(), 256.0);
    // Inf/NaN amax leaves the scale alone (while it is in the window).
    history.record(f32::NAN, 448.0, 0);
    assert_eq!(history.scale(), 256.0);
}

#[test]
fn large_weights_lose_updates_without_master_weights() {
    // Weights 4x the usual size (|w| up to about 4) and SGD at lr 0.003: an fp16 weight in [2, 4) has
    // an ulp of 2^-9 = 0.002, so any update below 0.001 rounds away, and most updates here are a few
    // 1e-4. With fp32 master weights the same updates land (f32's ulp at 2 is 2.4e-7); only the rare
    // update below that (a saturated tanh) is lost. Measured: pure 0.50, master 0.001.
    let config = |policy| RunConfig {
        weight_scale: 4.0,
        optimizer: Optimizer::sgd(0.003),
        ..small_config(policy)
    };
    let mean_lost = |records: &[StepRecord]| {
        records.iter().map(|r| r.updates_lost).sum::<f32>() / records.len() as f32
    };
    let (_, pure) = trained(config(Policy::PureFp16), 300);
    let (_, master) = trained(config(Policy::Fp16Master), 300);
    let (pure_lost, master_lost) = (mean_lost(&pure), mean_lost(&master));
    assert!(
        pure_lost > 0.4,
        "pure fp16 should lose many updates to swamping: {pure_lost}"
    );
    assert!(
        master_lost < 0.01,
        "master weights should keep updates: {master_lost}"
    );
}

// ---------------------------------------------------------------------------------------------
// Divergence, determinism and the view's data.

#[test]
fn pure_fp16_adam_diverges_with_a_reason_instead_of_panicking() {
    // Adam's second moment (1 - 0.999) g^2 underflows in fp16 and eps = 1e-8 rounds to 0, so m / denom
    // is m / 0 = Inf and the weights become non-finite: PyTorch's famous fp16-Adam failure.
    let mut run = Run::new(RunConfig {
        optimizer: Optimizer::adam(0.01),
        ..small_config(Policy::PureFp16)
    })
    .expect("valid");
    let records = run.step_n(200);
    let Some(Stopped::Diverged { step, reason }) = run.stopped() else {
        panic!("expected divergence, got {:?}", run.stopped());
    };
    assert!(
        matches!(reason, Divergence::WeightsNotFinite { .. }),
        "{reason:?}"
    );
    assert_eq!(records.last().map(|r| r.step), Some(step));
    assert!(run.step().is_none() && run.step_n(10).is_empty());
    assert!(run
        .stopped()
        .expect("stopped")
        .explanation()
        .contains("Diverged at step"));
    // The same recipe with master weights does not diverge.
    let mut amp = Run::new(RunConfig {
        optimizer: Optimizer::adam(0.01),
        ..small_config(Policy::Fp16Amp(ScalerConfig::default()))
    })
    .expect("valid");
    amp.step_n(200);
    assert!(amp.is_running());
}

#[test]
fn forward_overflow_stops_with_a_non_finite_loss() {
    // Weights 10^4 times too large push pure fp16 activations past 65504: the logits become Inf.
    let mut run = Run::new(RunConfig {
        weight_scale: 1e4,
        activation: Activation::Relu,
        ..small_config(Policy::PureFp16)
    })
    .expect("valid");
    let records = run.step_n(5);
    assert_eq!(records.len(), 1);
    assert_eq!(
        run.stopped(),
        Some(Stopped::Diverged {
            step: 0,
            reason: Divergence::LossNotFinite
        })
    );
    assert!(!records[0].loss.is_finite());
}

/// Every number of a record, as text; f32 Debug output round-trips, so equal text means equal bits.
fn fingerprint(records: &[StepRecord]) -> String {
    format!("{records:?}")
}

#[test]
fn same_config_gives_bit_identical_records() {
    for policy in Policy::defaults() {
        for optimizer in [Optimizer::sgd(0.1), Optimizer::adam(0.01)] {
            let config = RunConfig {
                optimizer,
                activation: Activation::Gelu,
                ..small_config(policy)
            };
            let (a, ra) = trained(config.clone(), 40);
            let (b, rb) = trained(config, 40);
            assert_eq!(fingerprint(&ra), fingerprint(&rb), "{}", policy.name());
            assert_eq!(format!("{:?}", a.model()), format!("{:?}", b.model()));
        }
    }
    // A different seed gives different numbers (the test above would pass for a constant function).
    let (_, x) = trained(small_config(Policy::Fp32), 5);
    let (_, y) = trained(
        RunConfig {
            seed: 8,
            ..small_config(Policy::Fp32)
        },
        5,
    );
    assert_ne!(fingerprint(&x), fingerprint(&y));
}

#[test]
fn step_n_is_the_same_as_single_steps() {
    let config = small_config(Policy::Fp16Amp(ScalerConfig::default()));
    let (_, sliced) = {
        let mut run = Run::new(config.clone()).expect("valid");
        let mut all = Vec::new();
        for k in [1, 7, 3, 29] {
            all.extend(run.step_n(k));
        }
        (run, all)
    };
    let (_, whole) = trained(config, 40);
    assert_eq!(fingerprint(&sliced), fingerprint(&whole));
}

#[test]
fn records_and_history_describe_each_step() {
    let mut run = Run::new(RunConfig {
        max_steps: Some(12),
        ..small_config(Policy::Fp16Master)
    })
    .expect("valid");
    let records = run.step_n(100);
    assert_eq!(records.len(), 12);
    assert_eq!(run.stopped(), Some(Stopped::Finished { steps: 12 }));
    assert_eq!(run.history().len(), 12);
    for (r, s) in records.iter().zip(run.history()) {
        assert_eq!(
            (r.step, r.loss.to_bits(), r.skipped),
            (s.step, s.loss.to_bits(), s.skipped)
        );
        // Three layers, two watched tensors each: output gradient and weight gradient.
        assert_eq!(r.tensors.len(), 6);
        for t in &r.tensors {
            assert_eq!(t.format, Precision::F16);
            assert_eq!(t.stats.histogram.total(), t.stats.count);
        }
        let acc = r.accuracy.expect("classification");
        assert!((0.0..=1.0).contains(&acc));
    }
}

#[test]
fn tensor_stats_classify_each_value() {
    let before = [0.0, 1e-9, 1e-6, 1.0, 1e5, f32::NAN, -2e-8];
    let after: Vec<f32> = before.iter().map(|&v| Precision::F16.round(v)).collect();
    let stats = TensorStats::of_rounding(&before, &after, Precision::F16);
    assert_eq!(stats.count, 7);
    // 0 stays zero; 1e-9 and -2e-8 (below 2^-25 = 3e-8, half the smallest subnormal) flush.
    assert_eq!((stats.zeros, stats.flushed), (3, 2));
    // 1e-6 is an fp16 subnormal (below 2^-14 = 6.1e-5).
    assert_eq!(stats.subnormal, 1);
    assert_eq!((stats.overflowed, stats.non_finite), (1, 1));
    let h = &stats.histogram;
    assert_eq!((h.zero, h.non_finite, h.above, h.below), (1, 1, 0, 0));
    // 1.0 is in the bin [2^0, 2^1); 1e5 in [2^16, 2^17); 1e-9 in [2^-30, 2^-29).
    assert_eq!(h.bins[(0 - HIST_MIN_EXP) as usize], 1);
    assert_eq!(h.bins[(16 - HIST_MIN_EXP) as usize], 1);
    assert_eq!(h.bins[(-30 - HIST_MIN_EXP) as usize], 1);
    assert_eq!(
        Log2Histogram::bin_range(0),
        (2f64.powi(-40), 2f64.powi(-39))
    );
}

#[test]
fn decision_grid_and_prediction_curve_show_what_was_learned() {
    let (run, _) = trained(small_config(Policy::Fp32), 300);
    let grid = run.decision_grid(16).expect("classification");
    assert_eq!(grid.probabilities.len(), 256);
    assert!(grid.probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
    // Circles: class 1 is the inner disc, so the centre is class 1 and the corners are not.
    let at = |row: usize, col: usize| grid.probabilities[row * 16 + col];
    assert!(
        at(8, 8) > 0.9 && at(0, 0) < 0.1 && at(15, 15) < 0.1,
        "centre {} corner {}",
        at(8, 8),
        at(0, 0)
    );
    assert!(run.prediction_curve(10).is_none());

    let sine = RunConfig {
        data: DataConfig {
            kind: DatasetKind::Sine,
            points: 64,
            noise: 0.0,
            seed: 1,
        },
        loss: Loss::Mse,
        optimizer: Optimizer::adam(0.02),
        batch_size: 16,
        ..small_config(Policy::Bf16Mixed)
    };
    let mut run = Run::new(sine).expect("valid");
    let initial = run.evaluate().loss;
    run.step_n(300);
    let trained_loss = run.evaluate().loss;
    assert!(
        trained_loss < 0.25 * initial,
        "sine regression: {initial} -> {trained_loss}"
    );
    assert!(run.decision_grid(8).is_none());
    let curve = run.prediction_curve(5).expect("regression");
    assert_eq!(curve.len(), 5);
    assert!(run.evaluate().accuracy.is_none());
}

#[test]
fn bad_configs_are_errors_not_panics() {
    let base = small_config(Policy::Fp32);
    let sine = DataConfig {
        kind: DatasetKind::Sine,
        points: 64,
        noise: 0.0,
        seed: 1,
    };
    for (config, want) in [
        (
            RunConfig {
                data: sine,
                ..base.clone()
            },
            ConfigError::CrossEntropyNeedsClasses,
        ),
        (
            RunConfig {
                batch_size: 0,
                ..base.clone()
            },
            ConfigError::BatchSize {
                batch_size: 0,
                points: 128,
            },
        ),
        (
            RunConfig {
                batch_size: 129,
                ..base.clone()
            },
            ConfigError::BatchSize {
                batch_size: 129,
                points: 128,
            },
        ),
        (
            RunConfig {
                hidden: vec![4; 5],
                ..base.clone()
            },
            ConfigError::Hidden { hidden: vec![4; 5] },
        ),
        (
            RunConfig {
                hidden: vec![513],
                ..base.clone()
            },
            ConfigError::Hidden { hidden: vec![513] },
        ),
        (
            RunConfig {
                loss_shift: 61,
                ..base.clone()
            },
            ConfigError::LossShift { loss_shift: 61 },
        ),
        (
            RunConfig {
                optimizer: Optimizer::sgd(f32::NAN),
                ..base.clone()
            },
            ConfigError::Hyperparameter("lr"),
        ),
        (
            RunConfig {
                weight_scale: 0.0,
                ..base.clone()
            },
            ConfigError::Hyperparameter("weight_scale"),
        ),
    ] {
        assert_eq!(Run::new(config).err(), Some(want));
    }
    // No hidden layer at all is a valid (linear) model.
    assert!(Run::new(RunConfig {
        hidden: vec![],
        ..base
    })
    .is_ok());
}

#[test]
fn datasets_are_balanced_and_reproducible() {
    for kind in DatasetKind::ALL {
        let config = DataConfig {
            kind,
            points: 200,
            noise: 0.2,
            seed: 9,
        };
        let data = config.generate();
        assert_eq!(data, config.generate());
        assert_eq!(data.len(), 200);
        assert_eq!(data.inputs().len(), 200 * kind.input_dim());
        assert!(
            data.inputs()
                .iter()
                .all(|v| v.is_finite() && v.abs() < 12.0),
            "{kind:?}"
        );
        if let Targets::Classes(c) = data.targets() {
            let ones = c.iter().filter(|&&l| l == 1).count();
            assert!(
                (50..=150).contains(&ones),
                "{kind:?}: {ones} of 200 in class 1"
            );
        }
        assert_ne!(data, DataConfig { seed: 10, ..config }.generate());
    }
    for policy in Policy::defaults() {
        assert_eq!(Policy::from_name(policy.name()), Some(policy));
    }
}

#[test]
fn trainer_rounding_agrees_with_the_format_engine() {
    use precision_lab::formats::{Format, Rounding};
    // The trainer's fast f32 rounder must give exactly what the site's format engine gives (it decides
    // on exact integers and shares no code with `train::precision`), for both overflow rules.
    for precision in [
        Precision::F16,
        Precision::Bf16,
        Precision::E4m3,
        Precision::E5m2,
        Precision::E2m1,
    ] {
        let format: Format = precision.name().parse().expect("catalogue name");
        let mut codes: Vec<f32> = (0..1u64 << format.total_bits())
            .map(|c| format.decode(c) as f32)
            .filter(|v| v.is_finite() && *v >= 0.0)
            .collect();
        codes.sort_by(f32::total_cmp);
        codes.dedup();
        let mut inputs = probes(&codes);
        inputs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::MAX, 1e-45, -1e-45]);
        // One overflow rule for both (`base::Overflow`).
        for overflow in [Overflow::Default, Overflow::Saturate] {
            for &x in &inputs {
                if overflow == Overflow::Saturate && x.is_infinite() {
                    continue; // The engine keeps Inf as Inf; satfinite clamps it. Tested by hand above.
                }
                let want =
                    format.decode(format.encode(f64::from(x), Rounding::NearestEven, overflow))
                        as f32;
                let got = precision.round_with(x, overflow);
                assert!(
                    same(got, want),
                    "{precision} {overflow:?}: round({x:e}) = {got:e}, engine says {want:e}"
                );
            }
        }
    }
}
