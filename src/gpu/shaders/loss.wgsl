// The loss and its gradient, one thread per batch row (`params.rows` rows of `params.cols` logits):
// dlogits (already multiplied by the loss scale and the mean's 1/N, step[STEP_GRAD_COEF]), the row's
// loss, and whether its argmax is the label. params.mode: LOSS_CROSS_ENTROPY, LOSS_MSE_CLASS
// (against a one-hot class) or LOSS_MSE_VALUES (against regression values). Mirrors
// `train::model::loss_gradient`, in f32.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> step: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(5) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(6) var<storage, read_write> summary: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read> classes: array<u32>;

@compute @workgroup_size(64)
fn loss(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if (row >= params.rows) {
        return;
    }
    let n = params.cols;
    let base = row * n;
    let coef = step[STEP_GRAD_COEF];
    // The first largest logit (argmax as the CPU breaks ties).
    var best = 0u;
    for (var j = 1u; j < n; j = j + 1u) {
        if (logits[base + j] > logits[base + best]) {
            best = j;
        }
    }
    var l = 0.0;
    if (params.mode == LOSS_CROSS_ENTROPY) {
        let label = classes[row];
        var m = logits[base];
        for (var j = 1u; j < n; j = j + 1u) {
            m = max(m, logits[base + j]);
        }
        var sum = 0.0;
        for (var j = 0u; j < n; j = j + 1u) {
            let e = exp(logits[base + j] - m);
            dlogits[base + j] = e;
            sum = sum + e;
        }
        for (var j = 0u; j < n; j = j + 1u) {
            let p = dlogits[base + j] / sum;
            dlogits[base + j] = (p - select(0.0, 1.0, j == label)) * coef;
        }
        l = log(sum) + m - logits[base + label];
        if (best == label) {
            atomicAdd(&summary[SUM_CORRECT], 1u);
        }
    } else {
        for (var j = 0u; j < n; j = j + 1u) {
            var t = 0.0;
            if (params.mode == LOSS_MSE_CLASS) {
                t = select(0.0, 1.0, classes[row] == j);
            } else {
                t = values[base + j];
            }
            let diff = logits[base + j] - t;
            dlogits[base + j] = diff * coef;
            l = l + diff * diff / f32(n);
        }
        if (params.mode == LOSS_MSE_CLASS && best == classes[row]) {
            atomicAdd(&summary[SUM_CORRECT], 1u);
        }
    }
    row_loss[row] = l;
    if (!is_finite(l)) {
        atomicOr(&summary[SUM_FLAGS], FLAG_LOSS);
    }
}
