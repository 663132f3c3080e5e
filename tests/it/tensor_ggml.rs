//! GGUF's Q4_K as the site computes it against a line-by-line transliteration of llama.cpp's
//! reference quantizer (`ggml/src/ggml-quants.c`: `quantize_row_q4_K_ref`, `make_qkx2_quants`,
//! `nearest_int`), written here without sharing code with `src/`: the same codes, scales and
//! mins bit for bit. The browser build searches four sub-blocks at a time in SIMD
//! (`tensor::ggml_x4`): `tests/web/tensor.rs` runs the same check there.

use precision_lab::tensor::ggml::{ggml_block, Ggml};

/// ggml's `nearest_int`: the float trick (`fval + 12582912.f`, the low 22 bits of the sum), valid
/// for |f| < 2^22.
fn nearest_int(f: f32) -> i32 {
    let v = f + 12_582_912.0;
    (v.to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

/// `make_qkx2_quants(32, 15, x, weights, L, &min, Laux, -1.f, 0.1f, 20, false)`: returns the
/// scale, the min (as a positive offset) and the codes.
fn make_qkx2_quants(x: &[f32], weights: &[f32]) -> (f32, f32, Vec<u8>) {
    let (nmax, rmin, rdelta, nstep) = (15, -1.0f32, 0.1f32, 20);
    let n = x.len();
    let mut l = vec![0u8; n];
    let mut laux = vec![0u8; n];
    let mut min = x[0];
    let mut max = x[0];
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for i in 1..n {
        if x[i] < min {
            min = x[i];
        }
        if x[i] > max {
            max = x[i];
        }
        let w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        return (0.0, -min, l);
    }
    let mut iscale = nmax as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0.0f32;
    for i in 0..n {
        let li = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
        l[i] = li as u8;
        let diff = scale * l[i] as f32 + min - x[i];
        let diff = diff * diff;
        let w = weights[i];
        best_error += w * diff;
    }
    if nstep < 1 {
        return (scale, -min, l);
    }
    for is in 0..=nstep {
        iscale = (rmin + rdelta * is as f32 + nmax as f32) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..n {
            let li = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
            laux[i] = li as u8;
            let w = weights[i];
            let lf = li as f32;
            sum_l += w * lf;
            sum_l2 += w * lf * lf;
            sum_xl += w * lf * x[i];
        }
        let d = sum_w * sum_l2 - sum_l * sum_l;
        if d > 0.0 {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / d;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / d;
            if this_min > 0.0 {
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = 0.0f32;
            for i in 0..n {
                let diff = this_scale * laux[i] as f32 + this_min - x[i];
                let diff = diff * diff;
                let w = weights[i];
                cur_error += w * diff;
            }
            if cur_error < best_error {
                l.copy_from_slice(&laux);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min, l)
}

/// `quantize_row_q4_K_ref` for one super-block of 256, then `dequantize_row_q4_K`: each value
/// read back, and whether its final code was clamped.
fn q4_k(x: &[f32]) -> Vec<(f32, bool)> {
    let mut l = vec![0u8; 256];
    let (mut scales, mut mins) = ([0.0f32; 8], [0.0f32; 8]);
    let (mut max_scale, mut max_min) = (0.0f32, 0.0f32);
    for j in 0..8 {
        let sub = &x[32 * j..32 * j + 32];
        let mut sum_x2 = 0.0f32;
        for v in sub {
            sum_x2 += v * v;
        }
        let av_x = (sum_x2 / 32.0).sqrt();
        let weights: Vec<f32> = sub.iter().map(|v| av_x + v.abs()).collect();
        let (s, m, codes) = make_qkx2_quants(sub, &weights);
        l[32 * j..32 * j + 32].copy_from_slice(&codes);
        scales[j] = s;
        mins[j] = m;
        if s > max_scale {
            max_scale = s;
        }
        if m > max_min {
            max_min = m;
        }
    }
    let inv_scale = if max_scale > 0.0 {
        63.0 / max_scale
    } else {
        0.0
    };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    let fp16 = |v: f32| half::f16::from_f32(v).to_f32();
    let d = fp16(max_scale / 63.0);
    let dmin = fp16(max_min / 63.0);
    let mut out = Vec::new();
    for j in 0..8 {
        let ls = (nearest_int(inv_scale * scales[j]) as u8).min(63);
        let lm = (nearest_int(inv_min * mins[j]) as u8).min(63);
        let d1 = d * ls as f32;
        let m1 = dmin * lm as f32;
        for i in 32 * j..32 * j + 32 {
            let mut clamped = false;
            if d1 != 0.0 {
                let li = nearest_int((x[i] + m1) / d1);
                clamped = !(0..=15).contains(&li);
                l[i] = li.clamp(0, 15) as u8;
            }
            out.push((d1 * l[i] as f32 - m1, clamped));
        }
    }
    out
}

/// 600 super-blocks: uniform, Gaussian-like with outliers, all positive, few distinct values,
/// sub-blocks of zeros, constant blocks; magnitudes from 1e-6 to 100.
pub fn super_blocks() -> Vec<Vec<f32>> {
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..600i32)
        .map(|b| {
            let scale = 10f64.powi(b % 9 - 6);
            (0..256)
                .map(|i| {
                    let u = next();
                    let v = match b % 6 {
                        0 => u - 0.5,
                        1 => {
                            (next() + next() + next() - 1.5) * if i % 31 == 0 { 20.0 } else { 1.0 }
                        }
                        2 => u,
                        3 => ((u * 8.0).floor() - 4.0) / 4.0,
                        4 if i < 64 => 0.0,
                        4 => u - 0.3,
                        _ => 0.75,
                    };
                    (v * scale) as f32
                })
                .collect()
        })
        .collect()
}

/// The site's Q4_K against the transliteration, value for value (read back and clamped).
pub fn check_q4_k_against_the_reference() {
    for (b, x) in super_blocks().iter().enumerate() {
        let values: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let site = ggml_block(&values, Ggml::Q4K);
        let expected = q4_k(x);
        for (i, (s, e)) in site.iter().zip(&expected).enumerate() {
            assert_eq!(
                (s.0.to_bits(), s.1),
                (f64::from(e.0).to_bits(), e.1),
                "super-block {b}, value {i}"
            );
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn q4_k_matches_llama_cpp_reference_quantizer_bit_for_bit() {
    check_q4_k_against_the_reference();
}
