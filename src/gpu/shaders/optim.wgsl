// The optimizers, one thread per parameter, every stored tensor rounded to the storage format
// params.fmt; skipped when the step's loss or a gradient was Inf/NaN. Counts attempted and lost
// updates and flags layer params.slot if a parameter became Inf/NaN. Mirrors `train::optim::update`.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;
@group(0) @binding(5) var<storage, read_write> first: array<f32>;
@group(0) @binding(6) var<storage, read_write> summary: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> second: array<f32>;

// Attempted and lost updates: the `sgd` and `adam` entry points count them per workgroup and add
// them to the summary once per workgroup (for GPUs); `sgd_direct` and `adam_direct` add each count
// to the summary at once, with no barrier (for software adapters).
var<workgroup> attempted: atomic<u32>;
var<workgroup> lost: atomic<u32>;
var<private> count_in_workgroup: bool;

fn skip() -> bool {
    return (atomicLoad(&summary[SUM_FLAGS]) & (FLAG_LOSS | FLAG_INF_GRAD)) != 0u;
}

fn apply(i: u32, delta_is_zero: bool, updated: f32) {
    if (!delta_is_zero) {
        let was_lost = updated == param[i];
        if (count_in_workgroup) {
            atomicAdd(&attempted, 1u);
            if (was_lost) {
                atomicAdd(&lost, 1u);
            }
        } else {
            atomicAdd(&summary[SUM_ATTEMPTED], 1u);
            if (was_lost) {
                atomicAdd(&summary[SUM_LOST], 1u);
            }
        }
    }
    if (!is_finite(updated)) {
        atomicOr(&summary[SUM_BAD_LAYERS], 1u << params.slot);
    }
    param[i] = updated;
}

fn begin(local: u32) {
    count_in_workgroup = true;
    if (local == 0u) {
        atomicStore(&attempted, 0u);
        atomicStore(&lost, 0u);
    }
    workgroupBarrier();
}

fn finish(local: u32) {
    workgroupBarrier();
    if (local == 0u) {
        let a = atomicLoad(&attempted);
        if (a != 0u) {
            atomicAdd(&summary[SUM_ATTEMPTED], a);
            atomicAdd(&summary[SUM_LOST], atomicLoad(&lost));
        }
    }
}

// SGD with momentum (PyTorch): buf = grad on the first step, else buf = buf * momentum + grad.
@compute @workgroup_size(64)
fn sgd(@builtin(global_invocation_id) id: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    begin(local);
    let i = id.x;
    if (i < params.n && !skip()) {
        sgd_one(i);
    }
    finish(local);
}

fn sgd_one(i: u32) {
    let f = params.fmt;
    let g = grad[i];
    var buf = g;
    if (step[STEP_FIRST] == 0.0) {
        buf = rnd(rnd(step[STEP_MOMENTUM] * first[i], f) + g, f);
    }
    first[i] = buf;
    apply(i, buf == 0.0, rnd(param[i] + step[STEP_LR_NEG] * buf, f));
}

// Adam (PyTorch's single-tensor form); the bias corrections arrive as step scalars.
@compute @workgroup_size(64)
fn adam(@builtin(global_invocation_id) id: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    begin(local);
    let i = id.x;
    if (i < params.n && !skip()) {
        adam_one(i);
    }
    finish(local);
}

fn adam_one(i: u32) {
    let f = params.fmt;
    let g = grad[i];
    let m = rnd(first[i] + step[STEP_ONE_MINUS_BETA1] * (g - first[i]), f);
    let v = rnd(rnd(step[STEP_BETA2] * second[i], f) + step[STEP_ONE_MINUS_BETA2] * g * g, f);
    first[i] = m;
    second[i] = v;
    let denom = rnd(rnd(rnd(sqrt(v), f) / step[STEP_BC2_SQRT], f) + step[STEP_EPS], f);
    apply(i, m == 0.0, rnd(param[i] + step[STEP_SIZE_NEG] * (m / denom), f));
}

@compute @workgroup_size(64)
fn sgd_direct(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < params.n && !skip()) {
        sgd_one(id.x);
    }
}

@compute @workgroup_size(64)
fn adam_direct(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < params.n && !skip()) {
        adam_one(id.x);
    }
}
