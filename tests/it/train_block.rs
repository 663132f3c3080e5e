//! The block-scaled training recipes (MXFP8, NVFP4) and per-tensor current scaling: hand-worked
//! blocks, the trainer's quantizers against the site's format engine, the Hadamard transform, and
//! one whole step against a plain reference written here.

use precision_lab::base::detmath;
use precision_lab::base::rng::{mix, SplitMix64};
use precision_lab::formats::mx::{self, Element, ScaleRounding};
use precision_lab::formats::{nvfp4, Format, Overflow as FOverflow, Rounding};
use precision_lab::train::block::{
    self, current_scale, hadamard_columns, mx_exponent, BlockKind, Blocks, Quantized,
};
use precision_lab::train::{
    DataConfig, DatasetKind, Nvfp4Switches, Optimizer, Policy, Precision, Run, RunConfig,
};

fn quantized(x: &[f32], rows: usize, cols: usize, kind: BlockKind, blocks: Blocks) -> Quantized {
    let mut out = Quantized::default();
    block::quantize(x, rows, cols, kind, blocks, None, true, true, &mut out);
    out
}

/// One row of NVFP4 blocks without the fp32 tensor scale, nearest-even.
fn nvfp4_row_without_tensor_scale(x: &[f32]) -> Quantized {
    let mut out = Quantized::default();
    block::quantize(
        x,
        1,
        x.len(),
        BlockKind::Nvfp4,
        Blocks::AlongRows,
        None,
        false,
        true,
        &mut out,
    );
    out
}

#[test]
fn mxfp8_blocks_worked_by_hand() {
    // One outlier: amax 1000 needs X = 4 (1000 / 2 = 500 is past 448), so 1000 / 4 = 250 rounds to
    // E4M3's 256 (neighbours 240 and 256, step 16) and reads back 1024; 1 and 0.5 stay exact; 0.001 / 4
    // is below half of E4M3's smallest subnormal 2^-9 and flushes.
    let mut x = vec![0.0f32; 32];
    x[..4].copy_from_slice(&[1000.0, 1.0, 0.5, 0.001]);
    let q = quantized(&x, 1, 32, BlockKind::Mxfp8, Blocks::AlongRows);
    assert_eq!(mx_exponent(1000.0), 2);
    assert_eq!(&q.values[..4], &[1024.0, 1.0, 0.5, 0.0]);
    assert_eq!(&q.elements[..4], &[256.0, 0.25, 0.125, 0.0]);
    assert_eq!(
        (q.stats.blocks, q.stats.flushed, q.stats.nonzero),
        (1, 1, 4)
    );
    assert_eq!(q.decode, 1.0);

    // Tiny values: 1e-30 x 2^108 = 324.5 fits under 448 and 1e-30 x 2^109 = 649 does not, so X is
    // 2^-108, and 324.5 rounds to E4M3's 320 (step 32 between 256 and 448).
    assert_eq!(mx_exponent(1e-30), -108);
    let q = quantized(&[1e-30; 32], 1, 32, BlockKind::Mxfp8, Blocks::AlongRows);
    assert_eq!(q.values[0], 320.0 * 2f32.powi(-108));

    // Ties go to the even code: with amax 448 (X = 1), 17 lies between 16 and 18 and goes to 16
    // (mantissa 000), 19 between 18 and 20 goes to 20 (mantissa 010).
    let q = quantized(
        &[448.0, 17.0, 19.0, -17.0],
        1,
        4,
        BlockKind::Mxfp8,
        Blocks::AlongRows,
    );
    assert_eq!(q.values, [448.0, 16.0, 20.0, -16.0]);

    // A block below E8M0's range: 1e-40 wants X = 2^-136; E8M0 stops at 2^-127, which is counted.
    let q = quantized(&[1e-40, 0.0], 1, 2, BlockKind::Mxfp8, Blocks::AlongRows);
    assert_eq!(q.stats.underflowed, 1);
    assert_eq!(mx_exponent(1e-40), -127);
    // Down columns: a 2x2 matrix gives one block per column.
    let q = quantized(
        &[1.0, 1000.0, 3.0, 0.001],
        2,
        2,
        BlockKind::Mxfp8,
        Blocks::AlongColumns,
    );
    assert_eq!(q.stats.blocks, 2);
    assert_eq!(q.values, [1.0, 1024.0, 3.0, 0.0]);
}

#[test]
fn mxfp8_quantizer_equals_the_engine_with_the_round_up_scale() {
    let mut rng = SplitMix64::new(31);
    for _ in 0..200 {
        let spread = rng.uniform(-30.0, 30.0);
        let x: Vec<f32> = (0..32)
            .map(|_| (rng.normal() * 2f64.powf(spread + rng.uniform(-6.0, 6.0))) as f32)
            .collect();
        let q = quantized(&x, 1, 32, BlockKind::Mxfp8, Blocks::AlongRows);
        let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let engine = mx::quantize_block(&wide, Element::Fp8E4M3, ScaleRounding::RoundUp).unwrap();
        for (i, e) in engine.elements.iter().enumerate() {
            assert_eq!(
                f64::from(q.values[i]),
                e.value,
                "element {i} of {x:?}: scale 2^{:?}",
                engine.shared_exponent
            );
        }
    }
}

#[test]
fn nvfp4_blocks_worked_by_hand() {
    // No tensor scale: a block whose amax is 5376 wants s = 5376 / 6 = 896, past E4M3's 448, so the
    // scale saturates at 448 and 5376 / 448 = 12 clips to 6: it reads back 2688. -1 / 448 is below
    // half of E2M1's 0.5 and flushes to zero inside the block.
    let x = [5376.0, 448.0, 0.0, -1.0];
    let mut out = nvfp4_row_without_tensor_scale(&x);
    assert_eq!((out.stats.saturated, out.stats.flushed), (1, 1));
    assert_eq!(out.values, [2688.0, 448.0, 0.0, 0.0]);
    // A block of tiny values without the tensor scale: 0.001 / 6 is below half of E4M3's smallest
    // subnormal (2^-10), so the scale underflows to 0 and every value reads back as 0.
    out = nvfp4_row_without_tensor_scale(&[0.001, -0.0005]);
    assert_eq!(
        (out.stats.underflowed, out.stats.flushed, out.values.clone()),
        (1, 2, vec![0.0, 0.0])
    );
    // Its statistics show where the elements would have sat (over amax / 6) and that they are
    // stored as zero.
    assert_eq!(out.element_inputs, [6.0, -3.0]);
    assert_eq!(out.elements, [0.0, 0.0]);
    // Saturation is a wanted scale past 464: up to there nearest-even gives E4M3's 448 anyway.
    // 2760 / 6 = 460 is not saturated, 2790 / 6 = 465 is.
    for (amax, saturated) in [(2760.0, 0), (2790.0, 1)] {
        out = nvfp4_row_without_tensor_scale(&[amax, 1.0]);
        assert_eq!(out.stats.saturated, saturated, "amax {amax}");
    }
    // With the tensor scale the largest block wants 448 give or take S_enc's rounding: never
    // saturated, whatever the tensor's amax.
    for amax in [10.5f32, 3.0, 1e-3, 7e4, 0.1] {
        let q = quantized(
            &[amax, amax / 3.0],
            1,
            2,
            BlockKind::Nvfp4,
            Blocks::AlongRows,
        );
        assert_eq!(q.stats.saturated, 0, "amax {amax}");
    }
    // With the tensor scale the same block is fine: S_enc = 2688 / 0.001 maps it onto 448 x 6.
    let q = quantized(&[0.001, -0.0005], 1, 2, BlockKind::Nvfp4, Blocks::AlongRows);
    assert_eq!(q.stats.underflowed, 0);
    assert_eq!(q.elements, [6.0, -3.0]);
}

#[test]
fn nvfp4_quantizer_equals_the_engine_value_for_value_and_draw_for_draw() {
    let mut rng = SplitMix64::new(7);
    for trial in 0..60 {
        let (rows, cols) = (3 + trial % 5, 32);
        let x: Vec<f32> = (0..rows * cols)
            .map(|_| (rng.normal() * 2f64.powf(rng.uniform(-12.0, 4.0))) as f32)
            .collect();
        let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let seed = rng.next_u64();
        for stochastic in [false, true] {
            let mut out = Quantized::default();
            let draws = stochastic.then_some(seed);
            block::quantize(
                &x,
                rows,
                cols,
                BlockKind::Nvfp4,
                Blocks::AlongRows,
                draws,
                true,
                true,
                &mut out,
            );
            let rounding = if stochastic {
                Rounding::Stochastic { seed }
            } else {
                Rounding::NearestEven
            };
            // Rows of 32 are whole blocks of 16, so the engine's 1x16 blocks of the flat tensor
            // are the trainer's.
            let (tensor, blocks) = nvfp4::quantize(&wide, rounding);
            assert_eq!(out.decode, tensor.decode);
            for (b, engine) in blocks.iter().enumerate() {
                for (i, e) in engine.elements.iter().enumerate() {
                    let k = b * 16 + i;
                    assert_eq!(f64::from(out.elements[k]), e.element_value, "element {k}");
                    assert_eq!(
                        f64::from(out.values[k]),
                        e.element_value * engine.scale,
                        "element {k}"
                    );
                }
            }
        }
        // Weights: 16x16 tiles, as the engine's 2-D quantizer cuts them.
        let q = quantized(&x, rows, cols, BlockKind::Nvfp4, Blocks::Tiles);
        let (_, tiles) = nvfp4::quantize_2d(&wide, cols, Rounding::NearestEven);
        assert_eq!(q.stats.blocks as usize, tiles.len());
        for (t, tile) in tiles.iter().enumerate() {
            let (top, left) = (16 * (t / 2), 16 * (t % 2));
            for (i, e) in tile.elements.iter().enumerate() {
                let k = (top + i / 16) * cols + left + i % 16;
                assert_eq!(f64::from(q.values[k]), e.element_value * tile.scale);
            }
        }
    }
}

#[test]
fn stochastic_rounding_is_the_engines_for_the_same_draw() {
    let mut rng = SplitMix64::new(3);
    for precision in [
        Precision::F16,
        Precision::Bf16,
        Precision::E4m3,
        Precision::E5m2,
        Precision::E2m1,
    ] {
        let format: Format = precision.name().parse().unwrap();
        let max = f64::from(precision.max_finite());
        for _ in 0..20_000 {
            let x = (rng.uniform(-1.0, 1.0) * max * 2f64.powf(-rng.uniform(0.0, 40.0))) as f32;
            let seed = rng.next_u64();
            let want = format.decode(format.encode(
                f64::from(x),
                Rounding::Stochastic { seed },
                FOverflow::Saturate,
            )) as f32;
            let got = precision.round_stochastic(x, mix(seed));
            assert!(
                got == want || (got == 0.0 && want == 0.0),
                "{precision}: {x:e} -> {got:e}, engine {want:e}"
            );
        }
    }
    // Unbiased: 0.3 in E2M1 lies between 0 and 0.5 and rounds up 60% of the time.
    let n = 20_000;
    let mean: f64 = (0..n)
        .map(|i| f64::from(Precision::E2m1.round_stochastic(0.3, mix(i))))
        .sum::<f64>()
        / n as f64;
    assert!((mean - 0.3).abs() < 0.01, "mean {mean}");
}

#[test]
fn the_hadamard_transform_spreads_an_outlier_and_keeps_the_product() {
    // One column, one chunk: e_0 becomes a quarter everywhere (with its sign flipped by bit 0).
    let mut e0 = vec![0.0f32; 16];
    e0[0] = 1.0;
    hadamard_columns(&mut e0, 16, 1, 0);
    assert!(e0.iter().all(|&v| v == 0.25));
    let mut e0 = vec![0.0f32; 16];
    e0[0] = 1.0;
    hadamard_columns(&mut e0, 16, 1, 1);
    assert!(e0.iter().all(|&v| v == -0.25));
    // (H/4)^2 = I: twice without signs gives the input back.
    let mut rng = SplitMix64::new(5);
    let x: Vec<f32> = (0..16 * 3).map(|_| rng.below(9) as f32 - 4.0).collect();
    let mut y = x.clone();
    hadamard_columns(&mut y, 16, 3, 0);
    hadamard_columns(&mut y, 16, 3, 0);
    assert_eq!(x, y);
    // The weight-gradient product over 32 rows is unchanged (small integers: exact in f32); a
    // 33rd row is left as it is.
    let (rows, a_cols, b_cols) = (33, 3, 2);
    let a: Vec<f32> = (0..rows * a_cols)
        .map(|_| rng.below(9) as f32 - 4.0)
        .collect();
    let b: Vec<f32> = (0..rows * b_cols)
        .map(|_| rng.below(9) as f32 - 4.0)
        .collect();
    let product = |a: &[f32], b: &[f32]| -> Vec<f32> {
        let mut out = vec![0.0f32; a_cols * b_cols];
        for r in 0..rows {
            for i in 0..a_cols {
                for j in 0..b_cols {
                    out[i * b_cols + j] += a[r * a_cols + i] * b[r * b_cols + j];
                }
            }
        }
        out
    };
    let (mut ha, mut hb) = (a.clone(), b.clone());
    hadamard_columns(&mut ha, rows, a_cols, 0xb5a3);
    hadamard_columns(&mut hb, rows, b_cols, 0xb5a3);
    assert_eq!(ha[32 * a_cols..], a[32 * a_cols..]);
    assert_ne!(ha, a);
    assert_eq!(product(&ha, &hb), product(&a, &b));
}

#[test]
fn current_scaling_follows_transformer_engine() {
    assert_eq!(current_scale(2.0, 448.0), 224.0);
    assert_eq!(current_scale(3.0, 448.0), 448.0f32 / 3.0);
    assert_eq!(current_scale(0.0, 448.0), 1.0);
    assert_eq!(current_scale(f32::INFINITY, 448.0), 1.0);
    assert_eq!(current_scale(f32::NAN, 448.0), 1.0);
    assert_eq!(current_scale(1e-45, 57344.0), f32::MAX);
}

#[test]
fn recipes_have_names_that_round_trip_and_every_nvfp4_variant_parses() {
    for policy in Policy::menu() {
        assert_eq!(Policy::from_name(policy.name()), Some(policy));
    }
    let all_off = Policy::from_name("nvfp4-no-sr-no-rht-no-bf16-last-no-tensor-scale").unwrap();
    assert_eq!(
        all_off,
        Policy::Nvfp4(Nvfp4Switches {
            stochastic: false,
            hadamard: false,
            bf16_last: false,
            tensor_scale: false,
        })
    );
    assert_eq!(Policy::from_name("nvfp4-no-nothing"), None);
}

/// E4M3 blocks of one row or one column, by the engine, as `f32` values `q_i X`.
fn engine_mx(values: &[f32]) -> Vec<f32> {
    let wide: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    mx::quantize_block(&wide, Element::Fp8E4M3, ScaleRounding::RoundUp)
        .unwrap()
        .elements
        .iter()
        .map(|e| e.value as f32)
        .collect()
}

#[test]
fn one_mxfp8_step_of_a_linear_model_matches_a_plain_reference() {
    let config = RunConfig {
        data: DataConfig {
            kind: DatasetKind::Circles,
            points: 64,
            noise: 0.1,
            seed: 4,
        },
        hidden: vec![],
        optimizer: Optimizer::sgd(0.1),
        batch_size: 32,
        policy: Policy::Mxfp8,
        ..RunConfig::default()
    };
    let mut run = Run::new(config).unwrap();
    let w0 = run.model().layers()[0].weights().to_vec();
    run.step().unwrap();
    let (inputs, classes, _) = run.batch();
    let (batch, n_in, n_out) = (32, 2, 2);
    // Forward: the input's rows and the weight's columns in E4M3 blocks (each fits one block).
    let xq: Vec<f32> = inputs.chunks(n_in).flat_map(engine_mx).collect();
    let column = |m: &[f32], cols: usize, c: usize| -> Vec<f32> {
        m.iter().skip(c).step_by(cols).copied().collect()
    };
    let wq_cols: Vec<Vec<f32>> = (0..n_out)
        .map(|j| engine_mx(&column(&w0, n_out, j)))
        .collect();
    // Softmax cross-entropy gradient, (p - onehot) / batch, in f32 as PyTorch's autocast runs it.
    let coef = (1.0f64 / batch as f64) as f32;
    let mut dz = vec![0.0f32; batch * n_out];
    for r in 0..batch {
        let z: Vec<f32> = (0..n_out)
            .map(|j| {
                let mut acc = 0.0f32;
                for k in 0..n_in {
                    acc += xq[r * n_in + k] * wq_cols[j][k];
                }
                acc + 0.0 // the bias starts at zero
            })
            .collect();
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let e: Vec<f32> = z
            .iter()
            .map(|&v| detmath::exp(f64::from(v - max)) as f32)
            .collect();
        let sum = e.iter().fold(0.0f32, |s, &v| s + v);
        for j in 0..n_out {
            let onehot = if usize::from(classes[r]) == j {
                1.0
            } else {
                0.0
            };
            dz[r * n_out + j] = (e[j] / sum - onehot) * coef;
        }
    }
    // Weight gradient: input and gradient quantized down their columns (the batch is the GEMM's
    // reduction), one block of 32 each.
    let xc: Vec<Vec<f32>> = (0..n_in)
        .map(|k| engine_mx(&column(inputs, n_in, k)))
        .collect();
    let dc: Vec<Vec<f32>> = (0..n_out)
        .map(|j| engine_mx(&column(&dz, n_out, j)))
        .collect();
    for k in 0..n_in {
        for j in 0..n_out {
            let mut g = 0.0f32;
            for r in 0..batch {
                g += xc[k][r] * dc[j][r];
            }
            // SGD's first step: the momentum buffer is the gradient; w + (-lr) g.
            let want = w0[k * n_out + j] + (-0.1f32) * g;
            assert_eq!(
                run.model().layers()[0].weights()[k * n_out + j],
                want,
                "weight ({k}, {j})"
            );
        }
    }
}

#[test]
fn every_new_recipe_trains_and_the_tensor_scale_matters_when_gradients_are_tiny() {
    let base = RunConfig::default();
    for policy in [
        Policy::Fp8Current,
        Policy::Mxfp8,
        Policy::Nvfp4(Nvfp4Switches::ALL_ON),
    ] {
        let mut run = Run::new(RunConfig {
            policy,
            ..base.clone()
        })
        .unwrap();
        run.step_n(600);
        let eval = run.evaluate();
        assert!(eval.loss < 0.15, "{}: loss {}", policy.name(), eval.loss);
    }
    // Gradients 2^-20 smaller: without the tensor scale the E4M3 block scales of the second
    // hidden layer's gradient (16 wide, one block per row of the batch of 32) underflow, every
    // value reads back as zero, and nothing reaches the first layer.
    let hard = |switches| {
        let mut run = Run::new(RunConfig {
            policy: Policy::Nvfp4(switches),
            loss_shift: 20,
            ..base.clone()
        })
        .unwrap();
        let record = run.step().unwrap();
        record.tensors.iter().filter_map(|t| t.blocks).fold(
            block::BlockStats::default(),
            |mut s, b| {
                s.add(&b);
                s
            },
        )
    };
    let with = hard(Nvfp4Switches::ALL_ON);
    let without = hard(Nvfp4Switches {
        tensor_scale: false,
        ..Nvfp4Switches::ALL_ON
    });
    assert_eq!(with.underflowed, 0);
    assert_eq!(without.underflowed, 32);
    assert!(without.nonzero > 0);
    assert_eq!(without.flushed, without.nonzero);
}
