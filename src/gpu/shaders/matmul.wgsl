// C (rows x cols) = A (rows x inner) . B (inner x cols) with f32 accumulation in ascending k from +0,
// tiled through workgroup memory, then one epilogue per output: the product of the fp8 inverse scales
// (if any), the bias, and one rounding. The three GEMMs of a dense layer:
//   forward       z  = x . W            (A = x, B = W)
//   weight grad   dW = x^T . dz         (A = x transposed, GEMM_TRANSPOSE_A)
//   input grad    dh = dz . W^T         (B = W transposed, GEMM_TRANSPOSE_B)
// GEMM_ADD_BIAS: add the bias rounded to params.fmt2 before rounding (the forward epilogue);
// GEMM_KEEP_RAW: also store the value before rounding in `raw`. params.slot: two step indices of fp8 scales
// (low and high 16 bits; 0 = none) whose inverses multiply the accumulator.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> raw: array<f32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;

// Two entry points: `matmul`, tiled through workgroup memory, for GPUs; `matmul_direct`, one thread
// per output reading A and B from memory, for software adapters (lavapipe, SwiftShader), where a
// workgroup barrier makes the whole workgroup run one invocation at a time. Same sums, same order.
//
// Tiled: each workgroup computes a 32 x 32 block of C with 8 x 8 threads, each thread a 4 x 4 set of outputs
// (rows local.y + 8i, columns local.x + 8j): the block's A rows and B columns pass through workgroup
// memory 32 values of k at a time, so each value loaded from memory serves 32 products, and a
// barrier pair serves 16 outputs per thread (software adapters such as lavapipe pay per barrier).
const TILE: u32 = 32u;
var<workgroup> tile_a: array<array<f32, 32>, 32>;
var<workgroup> tile_b: array<array<f32, 32>, 32>;

fn load_a(i: u32, k: u32) -> f32 {
    if (i >= params.rows || k >= params.inner) {
        return 0.0;
    }
    if ((params.mode & GEMM_TRANSPOSE_A) != 0u) {
        return a[k * params.rows + i];
    }
    return a[i * params.inner + k];
}

fn load_b(k: u32, j: u32) -> f32 {
    if (k >= params.inner || j >= params.cols) {
        return 0.0;
    }
    if ((params.mode & GEMM_TRANSPOSE_B) != 0u) {
        return b[j * params.inner + k];
    }
    return b[k * params.cols + j];
}

// The epilogue of output (i, j).
fn store(i: u32, j: u32, acc: f32) {
    if (i >= params.rows || j >= params.cols) {
        return;
    }
    var v = acc;
    let s1 = params.slot & 0xffffu;
    let s2 = params.slot >> 16u;
    if (s1 != 0u) {
        v = v * ((1.0 / step[s1]) * (1.0 / step[s2]));
    }
    let o = i * params.cols + j;
    if ((params.mode & GEMM_ADD_BIAS) != 0u) {
        out[o] = rnd(v + rnd(bias[j], params.fmt2), params.fmt);
        return;
    }
    if ((params.mode & GEMM_KEEP_RAW) != 0u) {
        raw[o] = v;
    }
    out[o] = rnd(v, params.fmt);
}

@compute @workgroup_size(8, 8)
fn matmul(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let row0 = group.y * TILE;
    let col0 = group.x * TILE;
    let thread = local.y * 8u + local.x;
    // Row i of this thread's outputs, columns local.x + 8j for j = 0..3; each sum runs over k in
    // ascending order from +0, as on the CPU (vector lanes are independent sums).
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < params.inner; k0 = k0 + TILE) {
        for (var e = thread; e < TILE * TILE; e = e + 64u) {
            let r = e / TILE;
            let c = e % TILE;
            tile_a[r][c] = load_a(row0 + r, k0 + c);
            tile_b[r][c] = load_b(k0 + r, col0 + c);
        }
        workgroupBarrier();
        let steps = min(TILE, params.inner - k0);
        for (var kk = 0u; kk < steps; kk = kk + 1u) {
            let y = vec4<f32>(
                tile_b[kk][local.x],
                tile_b[kk][local.x + 8u],
                tile_b[kk][local.x + 16u],
                tile_b[kk][local.x + 24u],
            );
            acc0 = acc0 + tile_a[local.y][kk] * y;
            acc1 = acc1 + tile_a[local.y + 8u][kk] * y;
            acc2 = acc2 + tile_a[local.y + 16u][kk] * y;
            acc3 = acc3 + tile_a[local.y + 24u][kk] * y;
        }
        workgroupBarrier();
    }
    let acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
            store(row0 + local.y + 8u * i, col0 + local.x + 8u * j, acc[i][j]);
        }
    }
}

// One output per thread (64 threads per workgroup along the row-major output), no workgroup memory
// and no barrier. The layout is resolved once, outside the loop: each operand is walked with a
// fixed stride, so the loop body is two loads, a multiply and an add.
@compute @workgroup_size(64)
fn matmul_direct(@builtin(global_invocation_id) id: vec3<u32>) {
    let t = id.x + id.y * 4194240u;
    let rows = params.rows;
    let inner = params.inner;
    let cols = params.cols;
    if (t < rows * cols) {
        let i = t / cols;
        let j = t % cols;
        var ia = i * inner;
        var sa = 1u;
        if ((params.mode & GEMM_TRANSPOSE_A) != 0u) {
            ia = i;
            sa = rows;
        }
        var ib = j;
        var sb = cols;
        if ((params.mode & GEMM_TRANSPOSE_B) != 0u) {
            ib = j * inner;
            sb = 1u;
        }
        var acc = 0.0;
        for (var k = 0u; k < inner; k = k + 1u) {
            acc = acc + a[ia] * b[ib];
            ia = ia + sa;
            ib = ib + sb;
        }
        store(i, j, acc);
    }
}
