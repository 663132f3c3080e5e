//! GGUF Q4_K's search for a sub-block's scale and min (`ggml::make_qkx2_quants`), four
//! sub-blocks at a time in WebAssembly's 128-bit SIMD: lane k holds sub-block k, and every lane
//! runs the scalar code's operations in the scalar code's order. WebAssembly's `f32x4`
//! arithmetic is IEEE 754 single precision per lane (round to nearest even, subnormals kept, no
//! fused multiply-add), `f32x4.nearest` rounds ties to even like `f32::round_ties_even`, and
//! `i32x4.trunc_sat_f32x4_s` saturates like Rust's `as i32`; a choice the scalar code makes with
//! a branch is a per-lane select. So each lane gives the scalar search's codes, scale and min bit
//! for bit (`tests/web/tensor.rs` holds them to a transliteration of llama.cpp), in about a
//! quarter of the time: the search is most of the block table's time.
//!
//! Only the tensor view's part of the site uses it, so only that part needs a browser with
//! WebAssembly SIMD (every major browser since 2023).

use core::arch::wasm32::*;

/// What `make_qkx2_quants` returns for each of four sub-blocks: (scale, min as a positive
/// offset, codes), with Q4_K's parameters (`nmax` 15, `rmin` -1, `rdelta` 0.1, `nstep` 20).
#[target_feature(enable = "simd128")]
pub(super) fn make_qkx2_quants_x4(
    x: &[[f32; 32]; 4],
    weights: &[[f32; 32]; 4],
) -> [(f32, f32, [u8; 32]); 4] {
    let (nmax, rmin, rdelta, nstep) = (15, -1.0f32, 0.1f32, 20);
    let xs: [v128; 32] = core::array::from_fn(|i| f32x4(x[0][i], x[1][i], x[2][i], x[3][i]));
    let ws: [v128; 32] =
        core::array::from_fn(|i| f32x4(weights[0][i], weights[1][i], weights[2][i], weights[3][i]));
    let zero = f32x4_splat(0.0);
    let (mut min, mut max) = (xs[0], xs[0]);
    let mut sum_w = ws[0];
    let mut sum_x = f32x4_mul(sum_w, xs[0]);
    for i in 1..32 {
        min = v128_bitselect(xs[i], min, f32x4_lt(xs[i], min));
        max = v128_bitselect(xs[i], max, f32x4_gt(xs[i], max));
        sum_w = f32x4_add(sum_w, ws[i]);
        sum_x = f32x4_add(sum_x, f32x4_mul(ws[i], xs[i]));
    }
    min = v128_bitselect(zero, min, f32x4_gt(min, zero));
    // Lanes whose values are all equal return at once in the scalar code.
    let flat = f32x4_eq(max, min);
    let flat_min = min;
    let nmax_f = f32x4_splat(nmax as f32);
    let iscale = f32x4_div(nmax_f, f32x4_sub(max, min));
    let mut scale = f32x4_div(f32x4_splat(1.0), iscale);
    let mut codes = [i32x4_splat(0); 32];
    let mut best_error = zero;
    for i in 0..32 {
        codes[i] = code(iscale, xs[i], min, nmax);
        let diff = f32x4_sub(
            f32x4_add(f32x4_mul(scale, f32x4_convert_i32x4(codes[i])), min),
            xs[i],
        );
        best_error = f32x4_add(best_error, f32x4_mul(ws[i], f32x4_mul(diff, diff)));
    }
    let mut trial = [i32x4_splat(0); 32];
    for is in 0..=nstep {
        let iscale = f32x4_div(
            f32x4_add(f32x4_splat(rmin + rdelta * is as f32), nmax_f),
            f32x4_sub(max, min),
        );
        let (mut sum_l, mut sum_l2, mut sum_xl) = (zero, zero, zero);
        for i in 0..32 {
            trial[i] = code(iscale, xs[i], min, nmax);
            let lf = f32x4_convert_i32x4(trial[i]);
            let wl = f32x4_mul(ws[i], lf);
            sum_l = f32x4_add(sum_l, wl);
            sum_l2 = f32x4_add(sum_l2, f32x4_mul(wl, lf));
            sum_xl = f32x4_add(sum_xl, f32x4_mul(wl, xs[i]));
        }
        let d = f32x4_sub(f32x4_mul(sum_w, sum_l2), f32x4_mul(sum_l, sum_l));
        let fit = f32x4_gt(d, zero);
        let mut this_scale = f32x4_div(
            f32x4_sub(f32x4_mul(sum_w, sum_xl), f32x4_mul(sum_x, sum_l)),
            d,
        );
        let mut this_min = f32x4_div(
            f32x4_sub(f32x4_mul(sum_l2, sum_x), f32x4_mul(sum_l, sum_xl)),
            d,
        );
        let positive = f32x4_gt(this_min, zero);
        this_min = v128_bitselect(zero, this_min, positive);
        this_scale = v128_bitselect(f32x4_div(sum_xl, sum_l2), this_scale, positive);
        let mut error = zero;
        for i in 0..32 {
            let diff = f32x4_sub(
                f32x4_add(
                    f32x4_mul(this_scale, f32x4_convert_i32x4(trial[i])),
                    this_min,
                ),
                xs[i],
            );
            error = f32x4_add(error, f32x4_mul(ws[i], f32x4_mul(diff, diff)));
        }
        let better = v128_and(fit, f32x4_lt(error, best_error));
        if v128_any_true(better) {
            for i in 0..32 {
                codes[i] = v128_bitselect(trial[i], codes[i], better);
            }
            best_error = v128_bitselect(error, best_error, better);
            scale = v128_bitselect(this_scale, scale, better);
            min = v128_bitselect(this_min, min, better);
        }
    }
    scale = v128_bitselect(zero, scale, flat);
    min = v128_bitselect(flat_min, min, flat);
    for c in codes.iter_mut() {
        *c = v128_bitselect(i32x4_splat(0), *c, flat);
    }
    let scales = lanes(scale);
    let mins = lanes(min);
    core::array::from_fn(|k| {
        let l = core::array::from_fn(|i| i32_lane(codes[i], k) as u8);
        (scales[k], -mins[k], l)
    })
}

/// `nearest_int(iscale * (x - min))` clamped to `0..=nmax`, per lane.
#[target_feature(enable = "simd128")]
fn code(iscale: v128, x: v128, min: v128, nmax: i32) -> v128 {
    let l = i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(iscale, f32x4_sub(x, min))));
    i32x4_min(i32x4_max(l, i32x4_splat(0)), i32x4_splat(nmax))
}

#[target_feature(enable = "simd128")]
fn lanes(v: v128) -> [f32; 4] {
    [
        f32x4_extract_lane::<0>(v),
        f32x4_extract_lane::<1>(v),
        f32x4_extract_lane::<2>(v),
        f32x4_extract_lane::<3>(v),
    ]
}

#[target_feature(enable = "simd128")]
fn i32_lane(v: v128, k: usize) -> i32 {
    match k {
        0 => i32x4_extract_lane::<0>(v),
        1 => i32x4_extract_lane::<1>(v),
        2 => i32x4_extract_lane::<2>(v),
        _ => i32x4_extract_lane::<3>(v),
    }
}
