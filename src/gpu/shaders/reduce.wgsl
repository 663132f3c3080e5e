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
        case 5u: { return 0x3f800000u; }
        default: { return 0x00800000u; }
    }
}

fn max_finite_bits(fmt: u32) -> u32 {
    if (fmt == 0u) {
        return 0x7f7fffffu;
    }
    return spec(fmt).max_bits;
}

// Two entry points: `stats` gathers counts per workgroup in workgroup memory and adds them to the
// summary once per workgroup (on a GPU a global atomic per value would serialize every thread on a
// few words); `stats_direct` adds each count to the summary at once, with no barrier, for software
// adapters (where a barrier costs more than the atomics); `count`'s `local` says which.
var<workgroup> local_counts: array<atomic<u32>, STAT_WORDS>;

fn count(word: u32, local: bool) {
    if (local) {
        atomicAdd(&local_counts[word], 1u);
    } else {
        atomicAdd(&summary[STAT_BASE + params.slot * STAT_WORDS + word], 1u);
    }
}

fn count_value(before_value: f32, after_value: f32, local: bool) {
    let before = bitcast<u32>(before_value) & 0x7fffffffu;
    if (before >= 0x7f800000u) {
        count(5u + HIST_BINS + 3u, local);
        count(4u, local);
        return;
    }
    if (before == 0u) {
        count(5u + HIST_BINS, local);
    } else {
        let e = i32(before >> 23u) - 127;
        if (e < HIST_MIN_EXP) {
            count(5u + HIST_BINS + 1u, local);
        } else if (e >= HIST_MAX_EXP) {
            count(5u + HIST_BINS + 2u, local);
        } else {
            count(5u + u32(e - HIST_MIN_EXP), local);
        }
    }
    if (before > max_finite_bits(params.fmt)) {
        count(3u, local);
    }
    let after = bitcast<u32>(after_value) & 0x7fffffffu;
    if (after == 0u) {
        count(0u, local);
        if (before != 0u) {
            count(1u, local);
        }
    } else if (after < min_normal_bits(params.fmt)) {
        count(2u, local);
    }
}

// Statistics record params.slot of a rounding into params.fmt: a = before, b = after. Each thread
// walks the values with a stride of the whole grid (dispatched with at most STATS_GROUPS groups).
@compute @workgroup_size(256)
fn stats(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    for (var w = local; w < STAT_WORDS; w = w + 256u) {
        atomicStore(&local_counts[w], 0u);
    }
    workgroupBarrier();
    let stride = groups.x * 256u;
    for (var i = id.x; i < params.n; i = i + stride) {
        count_value(a[i], b[i], true);
    }
    workgroupBarrier();
    let base = STAT_BASE + params.slot * STAT_WORDS;
    for (var w = local; w < STAT_WORDS; w = w + 256u) {
        let v = atomicLoad(&local_counts[w]);
        if (v != 0u) {
            atomicAdd(&summary[base + w], v);
        }
    }
}

// One thread per value, counts straight into the summary.
@compute @workgroup_size(64)
fn stats_direct(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i < params.n) {
        count_value(a[i], b[i], false);
    }
}
