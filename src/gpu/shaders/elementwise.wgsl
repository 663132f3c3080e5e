// Elementwise kernels of one training step: casts, fp8 quantization with amax, activations forward
// and backward, and the loss-scale unscale with the Inf/NaN check. One thread per element; `params.n`
// elements; the mirror of the matching lines in `train::cpu` and `train::run`.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> out2: array<f32>;
@group(0) @binding(6) var<storage, read_write> summary: array<atomic<u32>>;

// out = a rounded to params.fmt.
@compute @workgroup_size(64)
fn cast_values(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    out[i] = rnd(a[i], params.fmt);
}

// The workgroup's largest |a| (as f32 bits; NaN's bits are above Inf's, so NaN wins as on the CPU).
var<workgroup> group_amax: atomic<u32>;

// Quantizes value i; returns |a[i]| as f32 bits for the amax.
fn quantize_one(i: u32) -> u32 {
    let v = a[i];
    let before = v * step[STEP_SCALES + params.slot];
    out[i] = rnd_sat(before, params.fmt);
    if (params.mode == QUANTIZE_KEEP_SCALED) {
        out2[i] = before;
    }
    return bitcast<u32>(v) & 0x7fffffffu;
}

// fp8 operand: records max |a| into the amax word `params.slot`, then out = a * scale rounded to
// params.fmt, saturating, with scale = step[STEP_SCALES + params.slot]; params.mode
// QUANTIZE_KEEP_SCALED also keeps a * scale in out2 (the value before rounding, for the
// statistics). The amax is gathered per workgroup (`quantize`, for GPUs) or straight into the
// summary (`quantize_direct`, no barrier, for software adapters).
@compute @workgroup_size(64)
fn quantize(@builtin(global_invocation_id) id: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    if (local == 0u) {
        atomicStore(&group_amax, 0u);
    }
    workgroupBarrier();
    if (id.x < params.n) {
        atomicMax(&group_amax, quantize_one(id.x));
    }
    workgroupBarrier();
    if (local == 0u) {
        atomicMax(&summary[SUM_AMAX + params.slot], atomicLoad(&group_amax));
    }
}

@compute @workgroup_size(64)
fn quantize_direct(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < params.n) {
        atomicMax(&summary[SUM_AMAX + params.slot], quantize_one(id.x));
    }
}

const GELU_C: f32 = 0.7978845608028654;

// GELU's tanh form through 1 + tanh(u) = 2 sigmoid(2u) and 1 - tanh(u) = 2 sigmoid(-2u): in f32 the
// textbook form cancels to exactly 0 in the tails long before the CPU's f64 does; the sigmoid form
// keeps the tail values. Beyond |u| = 18.4 the CPU's f64 tanh (`train::detmath::tanh`) is exactly
// +-1 (exp(2|u|) > 2^53), so there the GPU returns the same saturated values.
const GELU_SATURATE: f32 = 18.4;
fn gelu_u(z: f32) -> f32 {
    return GELU_C * (z + 0.044715 * z * z * z);
}

fn activation(z: f32, kind: u32) -> f32 {
    switch kind {
        case ACT_RELU: { return select(0.0, z, z > 0.0); }
        case ACT_TANH: { return tanh(z); }
        default: {
            let u = gelu_u(z);
            if (u < -GELU_SATURATE) {
                return 0.0;
            }
            if (u > GELU_SATURATE) {
                return z;
            }
            return z / (1.0 + exp(-2.0 * u));
        }
    }
}

fn derivative(z: f32, h: f32, kind: u32) -> f32 {
    switch kind {
        case ACT_RELU: { return select(0.0, 1.0, z > 0.0); }
        case ACT_TANH: { return 1.0 - h * h; }
        default: {
            let u = gelu_u(z);
            if (abs(u) > GELU_SATURATE) {
                return select(0.0, 1.0, u > 0.0);
            }
            let sp = 1.0 / (1.0 + exp(-2.0 * u));
            let sn = 1.0 / (1.0 + exp(2.0 * u));
            return sp + 2.0 * z * sp * sn * GELU_C * (1.0 + 3.0 * 0.044715 * z * z);
        }
    }
}

// out = activation(a) rounded to params.fmt; params.mode: ACT_RELU, ACT_TANH or ACT_GELU (tanh form).
@compute @workgroup_size(64)
fn act_forward(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    out[i] = rnd(activation(a[i], params.mode), params.fmt);
}

// In place through the activation: out (the stored input gradient dh) becomes dh * f'(z) rounded to
// params.fmt, and out2 (dh before its rounding) becomes out2 * f'(z); a = z, b = h.
@compute @workgroup_size(64)
fn act_backward(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    let d = derivative(a[i], b[i], params.mode);
    out[i] = rnd(out[i] * d, params.fmt);
    out2[i] = out2[i] * d;
}

// GradScaler.unscale_: flags an Inf/NaN gradient, then multiplies by the f32 inverse scale.
@compute @workgroup_size(64)
fn unscale(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    let v = out[i];
    if (!is_finite(v)) {
        atomicOr(&summary[SUM_FLAGS], FLAG_INF_GRAD);
    }
    out[i] = v * step[STEP_INV_SCALE];
}
