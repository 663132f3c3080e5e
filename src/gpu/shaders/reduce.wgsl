// Reductions of one training step: the bias gradient (column sums) and the statistics of a rounding
// point (flushed / subnormal / overflowed counts and the log2 histogram), kept on the GPU so that only
// a small summary is read back. Mirror `train::cpu::backward` and `train::stats`.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> summary: array<atomic<u32>>;

// out[j] = (sum over rows of a[row][j], ascending, from +0) rounded to params.fmt.
@compute @workgroup_size(64)
fn bias_grad(@builtin(global_invocation_id) id: vec3<u32>) {
    let j = id.x;
    if (j >= params.cols) {
        return;
    }
    var s = 0.0;
    for (var r = 0u; r < params.rows; r = r + 1u) {
        s = s + a[r * params.cols + j];
    }
    out[j] = rnd(s, params.fmt);
}

fn min_normal_bits(fmt: u32) -> u32 {
    switch fmt {
        case 1u, 4u: { return 0x38800000u; }
        case 3u: { return 0x3c800000u; }
        default: { return 0x00800000u; }
    }
}

fn max_finite_bits(fmt: u32) -> u32 {
    if (fmt == 0u) {
        return 0x7f7fffffu;
    }
    return spec(fmt).max_bits;
}

// Statistics record params.slot of a rounding into params.fmt: a = before, b = after.
@compute @workgroup_size(64)
fn stats(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    let base = STAT_BASE + params.slot * STAT_WORDS;
    let hist = base + 5u;
    let before = bitcast<u32>(a[i]) & 0x7fffffffu;
    if (before >= 0x7f800000u) {
        atomicAdd(&summary[hist + HIST_BINS + 3u], 1u);
        atomicAdd(&summary[base + 4u], 1u);
        return;
    }
    if (before == 0u) {
        atomicAdd(&summary[hist + HIST_BINS], 1u);
    } else {
        let e = i32(before >> 23u) - 127;
        if (e < HIST_MIN_EXP) {
            atomicAdd(&summary[hist + HIST_BINS + 1u], 1u);
        } else if (e >= HIST_MAX_EXP) {
            atomicAdd(&summary[hist + HIST_BINS + 2u], 1u);
        } else {
            atomicAdd(&summary[hist + u32(e - HIST_MIN_EXP)], 1u);
        }
    }
    if (before > max_finite_bits(params.fmt)) {
        atomicAdd(&summary[base + 3u], 1u);
    }
    let after = bitcast<u32>(b[i]) & 0x7fffffffu;
    if (after == 0u) {
        atomicAdd(&summary[base], 1u);
        if (before != 0u) {
            atomicAdd(&summary[base + 1u], 1u);
        }
    } else if (after < min_normal_bits(params.fmt)) {
        atomicAdd(&summary[base + 2u], 1u);
    }
}
