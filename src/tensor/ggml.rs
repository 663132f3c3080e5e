//! GGUF's block types as llama.cpp's reference quantizers compute them (`ggml/src/ggml-quants.c`:
//! `quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`, `quantize_row_q4_K_ref` with
//! `make_qkx2_quants`), in `f32` and in C's order of operations, with no fused multiply-add (as
//! an x86-64 build without FMA computes them), so a row shows what a GGUF file of the tensor
//! would hold.

/// GGUF block types (ggml's `quantize_row_q8_0_ref` and `quantize_row_q4_0_ref`, ggml-quants.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ggml {
    /// 32 values, int8 codes, an fp16 scale `absmax / 127`; `roundf` (ties away from zero).
    Q8_0,
    /// 256 values in 8 sub-blocks of 32, 4-bit codes, a 6-bit scale and min per sub-block under
    /// fp16 super-block scales ([`q4_k_superblock`]).
    Q4K,
    /// 32 values, 4-bit codes with an offset of 8, an fp16 scale `max / -8` (the signed value of
    /// largest magnitude); `(int8_t)(x / d + 8.5)` truncates, capped at 15.
    Q4_0,
}

impl Ggml {
    /// Values per block.
    pub fn block_len(self) -> usize {
        match self {
            Ggml::Q8_0 | Ggml::Q4_0 => 32,
            Ggml::Q4K => QK_K,
        }
    }
}

/// What a GGUF block stores for each of its values (read back, clamped), in f32 as llama.cpp
/// computes it.
pub fn ggml_block(block: &[f64], kind: Ggml) -> Vec<(f64, bool)> {
    let xs: Vec<f32> = block.iter().map(|&x| x as f32).collect();
    let finite = |v: &&f32| v.is_finite();
    match kind {
        Ggml::Q4K => q4_k_superblock(block),
        Ggml::Q8_0 => {
            // The largest magnitude's bits (finite values order as their magnitudes).
            let amax = f32::from_bits(
                xs.iter()
                    .filter(finite)
                    .fold(0, |m, v| m.max(v.to_bits() & 0x7fff_ffff)),
            );
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            let dh = half::f16::from_f32(d).to_f32();
            xs.iter()
                .map(|&v| {
                    let q = (v * id).round() as i8;
                    (f64::from(f32::from(q) * dh), false)
                })
                .collect()
        }
        Ggml::Q4_0 => {
            let (mut amax, mut max) = (0.0f32, 0.0f32);
            for &v in xs.iter().filter(finite) {
                if amax < v.abs() {
                    amax = v.abs();
                    max = v;
                }
            }
            let d = max / -8.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            let dh = half::f16::from_f32(d).to_f32();
            xs.iter()
                .map(|&v| {
                    // ggml converts to `int8_t` (a finite value gives 0 to 16 here); NaN and
                    // infinities, which the tally leaves out, are kept in range too.
                    let q = (v * id + 8.5) as i32;
                    let kept = q.clamp(0, 15);
                    (f64::from((kept - 8) as f32 * dh), q > 15)
                })
                .collect()
        }
    }
}

/// Values per Q4_K super-block (ggml's `QK_K`): 8 sub-blocks of 32.
pub const QK_K: usize = 256;

/// ggml's `nearest_int`: adding 1.5 x 2^23 rounds an `f32` to an integer, ties to even.
fn nearest_int(f: f32) -> i32 {
    f.round_ties_even() as i32
}

/// ggml's `make_qkx2_quants`: 4-bit codes, a scale and a min for one sub-block, the pair chosen by
/// a search over `nstep + 1` trial scales that minimises the weighted squared error. Returns
/// (scale, the min as a positive offset, codes).
// The browser build searches four sub-blocks at a time (`ggml_x4`) and does not call this.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn make_qkx2_quants(
    x: &[f32; 32],
    weights: &[f32; 32],
    nmax: i32,
    rmin: f32,
    rdelta: f32,
    nstep: i32,
) -> (f32, f32, [u8; 32]) {
    let n = x.len();
    let (mut min, mut max) = (x[0], x[0]);
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
        return (0.0, -min, [0; 32]);
    }
    let nmax_f = nmax as f32;
    let mut iscale = nmax_f / (max - min);
    let mut scale = 1.0 / iscale;
    let mut codes = [0u8; 32];
    let mut best_error = 0.0f32;
    for i in 0..n {
        let l = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
        codes[i] = l as u8;
        let diff = scale * l as f32 + min - x[i];
        best_error += weights[i] * (diff * diff);
    }
    let mut trial = [0u8; 32];
    for is in 0..=nstep {
        iscale = (rmin + rdelta * is as f32 + nmax_f) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..n {
            let l = nearest_int(iscale * (x[i] - min)).clamp(0, nmax);
            trial[i] = l as u8;
            let w = weights[i];
            let lf = l as f32;
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
                let diff = this_scale * f32::from(trial[i]) + this_min - x[i];
                cur_error += weights[i] * (diff * diff);
            }
            if cur_error < best_error {
                codes = trial;
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min, codes)
}

/// What a Q4_K super-block stores for each of its values (read back, and whether the code was
/// clamped): 8 sub-blocks of 32 values with 4-bit codes, each sub-block a 6-bit scale and a
/// 6-bit min, themselves scaled by the super-block's fp16 `d` and `dmin`, so the values read
/// back as `d x sc x q - dmin x m` (4.5 bits per value). A last super-block shorter than 256 is
/// padded with zeros, whose read-backs are dropped.
pub fn q4_k_superblock(values: &[f64]) -> Vec<(f64, bool)> {
    // NaN and infinities (and f64s past f32's range) are left out of the tally; quantized as
    // zero, they do not make the whole super-block's scales NaN, as they would in llama.cpp.
    let mut x: Vec<f32> = values
        .iter()
        .map(|&v| Some(v as f32).filter(|v| v.is_finite()).unwrap_or(0.0))
        .collect();
    x.resize(QK_K, 0.0);
    let f16 = |v: f32| half::f16::from_f32(v).to_f32();
    let mut scales = [0.0f32; QK_K / 32];
    let mut mins = [0.0f32; QK_K / 32];
    let mut codes = vec![0u8; QK_K];
    let (mut max_scale, mut max_min) = (0.0f32, 0.0f32);
    // Each sub-block's search: the scalar code, or four sub-blocks at a time in the browser
    // (`ggml_x4`, the same arithmetic lane by lane).
    let subs: [[f32; 32]; QK_K / 32] =
        std::array::from_fn(|j| x[32 * j..32 * j + 32].try_into().expect("32 values"));
    let weights = subs.map(|sub| {
        let sum_x2 = sub.iter().fold(0.0f32, |s, v| s + v * v);
        let av_x = (sum_x2 / 32.0).sqrt();
        sub.map(|v| av_x + v.abs())
    });
    #[cfg(target_arch = "wasm32")]
    let searched: Vec<(f32, f32, [u8; 32])> = (0..subs.len() / 4)
        .flat_map(|g| {
            let four =
                |a: &[[f32; 32]; 8]| -> [[f32; 32]; 4] { std::array::from_fn(|k| a[4 * g + k]) };
            super::ggml_x4::make_qkx2_quants_x4(&four(&subs), &four(&weights))
        })
        .collect();
    #[cfg(not(target_arch = "wasm32"))]
    let searched: Vec<(f32, f32, [u8; 32])> = subs
        .iter()
        .zip(&weights)
        .map(|(sub, w)| make_qkx2_quants(sub, w, 15, -1.0, 0.1, 20))
        .collect();
    for (j, (scale, min, l)) in searched.into_iter().enumerate() {
        codes[32 * j..32 * j + 32].copy_from_slice(&l);
        scales[j] = scale;
        mins[j] = min;
        if scale > max_scale {
            max_scale = scale;
        }
        if min > max_min {
            max_min = min;
        }
    }
    let inv_scale = if max_scale > 0.0 {
        63.0 / max_scale
    } else {
        0.0
    };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    // The 6-bit scale and min of each sub-block (`uint8_t` from `nearest_int`, capped at 63).
    let six = |v: f32| (nearest_int(v) as u8).min(63);
    let d = f16(max_scale / 63.0);
    let dmin = f16(max_min / 63.0);
    let mut out = Vec::with_capacity(values.len());
    let mut clamped = vec![false; QK_K];
    let mut read = vec![0.0f32; QK_K];
    for j in 0..QK_K / 32 {
        let (sc, m) = (six(inv_scale * scales[j]), six(inv_min * mins[j]));
        let d1 = d * f32::from(sc);
        let m1 = dmin * f32::from(m);
        for i in 32 * j..32 * j + 32 {
            if d1 != 0.0 {
                let l = nearest_int((x[i] + m1) / d1);
                clamped[i] = !(0..=15).contains(&l);
                codes[i] = l.clamp(0, 15) as u8;
            }
            read[i] = d1 * f32::from(codes[i]) - m1;
        }
    }
    for i in 0..values.len() {
        out.push((f64::from(read[i]), clamped[i]));
    }
    out
}
