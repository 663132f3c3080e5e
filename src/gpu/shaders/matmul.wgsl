// C (rows x cols) = A (rows x inner) . B (inner x cols) with f32 accumulation in ascending k from +0,
// tiled through workgroup memory, then one epilogue per output: the product of the fp8 inverse scales
// (if any), the bias, and one rounding. The three GEMMs of a dense layer:
//   forward       z  = x . W            (A = x, B = W)
//   weight grad   dW = x^T . dz         (A = x transposed, params.mode bit 0)
//   input grad    dh = dz . W^T         (B = W transposed, params.mode bit 1)
// params.mode bit 2: add the bias rounded to params.fmt2 before rounding (the forward epilogue);
// bit 3: also store the value before rounding in `raw`. params.slot: two step indices of fp8 scales
// (low and high 16 bits; 0 = none) whose inverses multiply the accumulator.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> raw: array<f32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;

const TILE: u32 = 16u;
var<workgroup> tile_a: array<array<f32, 16>, 16>;
var<workgroup> tile_b: array<array<f32, 16>, 16>;

fn load_a(i: u32, k: u32) -> f32 {
    if (i >= params.rows || k >= params.inner) {
        return 0.0;
    }
    if ((params.mode & 1u) != 0u) {
        return a[k * params.rows + i];
    }
    return a[i * params.inner + k];
}

fn load_b(k: u32, j: u32) -> f32 {
    if (k >= params.inner || j >= params.cols) {
        return 0.0;
    }
    if ((params.mode & 2u) != 0u) {
        return b[j * params.inner + k];
    }
    return b[k * params.cols + j];
}

@compute @workgroup_size(16, 16)
fn matmul(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let i = group.y * TILE + local.y;
    let j = group.x * TILE + local.x;
    var acc = 0.0;
    for (var k0 = 0u; k0 < params.inner; k0 = k0 + TILE) {
        tile_a[local.y][local.x] = load_a(i, k0 + local.x);
        tile_b[local.y][local.x] = load_b(k0 + local.y, j);
        workgroupBarrier();
        let steps = min(TILE, params.inner - k0);
        for (var kk = 0u; kk < steps; kk = kk + 1u) {
            acc = acc + tile_a[local.y][kk] * tile_b[kk][local.x];
        }
        workgroupBarrier();
    }
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
    if ((params.mode & 4u) != 0u) {
        out[o] = rnd(v + rnd(bias[j], params.fmt2), params.fmt);
        return;
    }
    if ((params.mode & 8u) != 0u) {
        raw[o] = v;
    }
    out[o] = rnd(v, params.fmt);
}
