// Scales the GPU derives inside a step, and block-scaled operands: per-tensor amaxes, fp8 current
// scales, NVFP4 tensor scales, MXFP8 and NVFP4 blocks (with stochastic rounding from the same
// SplitMix64 draws as the CPU), the random Hadamard transform, and the block readouts. The mirror of
// `train::block` and the block lines of `train::cpu`; `params` carries the word indices.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> out2: array<f32>;
@group(0) @binding(6) var<storage, read_write> summary: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> out3: array<f32>;

// f32's largest finite value, written exactly (a literal that rounds to it is refused by some
// compilers).
const F32_MAX: f32 = 3.4028234663852886e38;

// summary[params.slot] = max |a[i]| over params.n values, as f32 bits (NaN's lie above Inf's).
@compute @workgroup_size(64)
fn amax(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x < params.n) {
        atomicMax(&summary[params.slot], bitcast<u32>(a[id.x]) & 0x7fffffffu);
    }
}

// fp8 current scaling (`train::block::current_scale`): the scale of the tensor whose amax is in
// summary[SUM_AMAX + params.slot], for format params.fmt (3 e4m3fn, 4 e5m2), into
// scalars[STEP_SCALES + params.slot]: fp8_max / amax, 1 for 0, Inf or NaN, f32's largest on overflow.
@compute @workgroup_size(1)
fn current_scale() {
    let amax = bitcast<f32>(atomicLoad(&summary[SUM_AMAX + params.slot]));
    var fp8_max = 448.0;
    if (params.fmt == 4u) {
        fp8_max = 57344.0;
    }
    var scale = 1.0;
    let bits = bitcast<u32>(amax);
    if (bits != 0u && (bits & 0x7f800000u) != 0x7f800000u) {
        scale = fp8_max / amax;
        if (!is_finite(scale)) {
            scale = F32_MAX;
        }
    }
    scalars[STEP_SCALES + params.slot] = scale;
}

// NVFP4's tensor scale (`train::block::quantize`): S_enc = min(448 x 6 / amax, f32 max), 1 when that
// is 0 or NaN, from the amax in summary[params.slot], into scalars[params.inner].
@compute @workgroup_size(1)
fn tensor_scale() {
    let amax = bitcast<f32>(atomicLoad(&summary[params.slot]));
    let bits = bitcast<u32>(amax);
    var encode = 1.0;
    if (bits == 0u) {
        encode = F32_MAX;
    } else if (bits <= 0x7f800000u) {
        let raw = 2688.0 / amax;
        if (raw != 0.0) {
            encode = min(raw, F32_MAX);
        }
    }
    scalars[params.inner] = encode;
}

// 64-bit integers as (low, high) pairs, for SplitMix64's mix (`base::rng::mix`).
fn mul32(x: u32, y: u32) -> vec2<u32> {
    let x0 = x & 0xffffu;
    let x1 = x >> 16u;
    let y0 = y & 0xffffu;
    let y1 = y >> 16u;
    let p00 = x0 * y0;
    let p01 = x0 * y1;
    let p10 = x1 * y0;
    let p11 = x1 * y1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return vec2<u32>((p00 & 0xffffu) | (mid << 16u), p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}

fn mul64(x: vec2<u32>, y: vec2<u32>) -> vec2<u32> {
    let p = mul32(x.x, y.x);
    return vec2<u32>(p.x, p.y + x.x * y.y + x.y * y.x);
}

fn xor_shr64(x: vec2<u32>, s: u32) -> vec2<u32> {
    return x ^ vec2<u32>((x.x >> s) | (x.y << (32u - s)), x.y >> s);
}

fn mix64(state: vec2<u32>) -> vec2<u32> {
    let lo = state.x + 0x7f4a7c15u;
    let carry = select(0u, 1u, lo < state.x);
    var z = vec2<u32>(lo, state.y + 0x9e3779b9u + carry);
    z = mul64(xor_shr64(z, 30u), vec2<u32>(0x1ce4e5b9u, 0xbf58476du));
    z = mul64(xor_shr64(z, 27u), vec2<u32>(0x133111ebu, 0x94d049bbu));
    return xor_shr64(z, 31u);
}

// The seed stored at scalars[i..i + 4] as 16-bit parts.
fn seed_at(i: u32) -> vec2<u32> {
    return vec2<u32>(
        u32(scalars[i]) | (u32(scalars[i + 1u]) << 16u),
        u32(scalars[i + 2u]) | (u32(scalars[i + 3u]) << 16u),
    );
}

// x << s as a 64-bit pair, for s in 0..64.
fn shl64(x: u32, s: u32) -> vec2<u32> {
    if (s >= 32u) {
        return vec2<u32>(0u, x << (s - 32u));
    }
    if (s == 0u) {
        return vec2<u32>(x, 0u);
    }
    return vec2<u32>(x << s, x >> (32u - s));
}

// The first 64 bits of a fraction f in [0, 1) (an f32, so at most 24 significant bits).
fn fraction64(f: f32) -> vec2<u32> {
    let bits = bitcast<u32>(f);
    if (bits == 0u) {
        return vec2<u32>(0u, 0u);
    }
    var e = i32(bits >> 23u) - 127;
    var m = (bits & 0x7fffffu) | 0x800000u;
    if ((bits >> 23u) == 0u) {
        e = -126;
        m = bits & 0x7fffffu;
    }
    // f = m x 2^(e - 23); times 2^64 is m x 2^(e + 41).
    let s = e + 41;
    if (s < 0) {
        if (s <= -32) {
            return vec2<u32>(0u, 0u);
        }
        return vec2<u32>(m >> u32(-s), 0u);
    }
    return shl64(m, u32(s));
}

fn less64(x: vec2<u32>, y: vec2<u32>) -> bool {
    return x.y < y.y || (x.y == y.y && x.x < y.x);
}

// Stochastic rounding into E2M1 (`train::precision::round_stochastic_e2m1`): up with the
// probability of the fraction crossed, decided by `draw < fraction`.
fn sr_e2m1(x: f32, draw: vec2<u32>) -> f32 {
    let m = min(abs(x), 6.0);
    var quantum = 2.0;
    if (m < 2.0) {
        quantum = 0.5;
    } else if (m < 4.0) {
        quantum = 1.0;
    }
    let scaled = m / quantum;
    let whole = floor(scaled);
    var up = 0.0;
    if (less64(draw, fraction64(scaled - whole))) {
        up = 1.0;
    }
    let r = (whole + up) * quantum;
    return bitcast<f32>(bitcast<u32>(r) | (bitcast<u32>(x) & 0x80000000u));
}

// Block `blk` of a params.rows x params.cols operand under the layout in params.mode, numbered as
// `train::block::for_each_block` numbers them: its first element's index, its length, and its
// width (the elements of a row it takes). Element k is at first + (k / width) * cols + k % width:
// a run of a row (width = length), a run of a column (width 1), or a 16x16 tile.
fn block_shape(blk: u32, size: u32) -> vec3<u32> {
    let rows = params.rows;
    let cols = params.cols;
    if ((params.mode & BLOCK_TILES) != 0u) {
        let tiles_across = (cols + 15u) / 16u;
        let top = (blk / tiles_across) * 16u;
        let left = (blk % tiles_across) * 16u;
        let width = min(16u, cols - left);
        return vec3<u32>(top * cols + left, min(16u, rows - top) * width, width);
    }
    if ((params.mode & BLOCK_COLUMNS) != 0u) {
        let per = (rows + size - 1u) / size;
        let top = (blk % per) * size;
        return vec3<u32>(top * cols + blk / per, min(size, rows - top), 1u);
    }
    let per = (cols + size - 1u) / size;
    let left = (blk % per) * size;
    let len = min(size, cols - left);
    return vec3<u32>((blk / per) * cols + left, len, len);
}

fn element_index(shape: vec3<u32>, k: u32) -> u32 {
    return shape.x + (k / shape.z) * params.cols + k % shape.z;
}

fn count_block(word: u32) {
    if ((params.mode & BLOCK_PROBE) != 0u) {
        atomicAdd(&summary[params.slot + word], 1u);
    }
}

// One thread per block (params.n blocks) of the operand a into out (`q X` for MXFP8, `q s` for
// NVFP4); with BLOCK_PROBE also the element inputs into out2 and the element values into out3,
// and the block counts into summary[params.slot + BLOCK_*]. NVFP4's S_enc is scalars[params.inner];
// the stochastic seed starts at scalars[params.fmt].
@compute @workgroup_size(64)
fn block_quantize(@builtin(global_invocation_id) id: vec3<u32>) {
    let blk = id.x;
    if (blk >= params.n) {
        return;
    }
    let nvfp4 = (params.mode & BLOCK_NVFP4) != 0u;
    var size = 32u;
    if (nvfp4) {
        size = 16u;
    }
    let shape = block_shape(blk, size);
    let len = shape.y;
    var amax_bits = 0u;
    for (var k = 0u; k < len; k = k + 1u) {
        amax_bits = max(amax_bits, bitcast<u32>(a[element_index(shape, k)]) & 0x7fffffffu);
    }
    count_block(BLOCK_COUNT);
    if (amax_bits > 0x7f800000u) {
        // A NaN in the block: every element NaN (a NaN made at run time; a constant one would be
        // a shader-creation error).
        let nan = bitcast<f32>(amax_bits | 0x00400000u);
        for (var k = 0u; k < len; k = k + 1u) {
            out[element_index(shape, k)] = nan;
        }
        return;
    }
    let amax = bitcast<f32>(amax_bits);
    if (!nvfp4) {
        // The smallest e with amax / 2^e <= 448 = 1.75 x 2^8, within E8M0's -127..=127.
        var e = -127;
        if (amax_bits != 0u) {
            var fl = i32(amax_bits >> 23u) - 127;
            var m = (amax_bits & 0x7fffffu) | 0x800000u;
            if ((amax_bits >> 23u) == 0u) {
                fl = i32(firstLeadingBit(amax_bits)) - 149;
                m = amax_bits << u32(23 - i32(firstLeadingBit(amax_bits)));
            }
            e = fl - 8;
            if (m > 0xe00000u) {
                e = e + 1;
            }
            if (e < -127) {
                count_block(BLOCK_UNDERFLOWED);
                e = -127;
            }
            e = min(e, 127);
        }
        let down = pow2(-e);
        let up = pow2(e);
        for (var k = 0u; k < len; k = k + 1u) {
            let i = element_index(shape, k);
            let input = a[i] * down;
            let q = rnd_sat(input, 3u);
            out[i] = q * up;
            if ((params.mode & BLOCK_PROBE) != 0u) {
                out2[i] = input;
                out3[i] = q;
            }
        }
        return;
    }
    let encode = scalars[params.inner];
    let decode = 1.0 / encode;
    let wanted = min(amax * (encode * bitcast<f32>(0x3e2aaaabu)), F32_MAX);
    if (wanted > 464.0) {
        count_block(BLOCK_SATURATED);
    }
    let scale = rnd_sat(clamp(wanted, -448.0, 448.0), 3u);
    var factor = F32_MAX;
    if (scale != 0.0) {
        factor = min(1.0 / (scale * decode), F32_MAX);
    } else if (amax_bits != 0u) {
        count_block(BLOCK_UNDERFLOWED);
    }
    // The statistics show an underflowed block's elements where they would have sat, stored as
    // zero (`train::block`).
    let underflowed = scale == 0.0 && amax_bits != 0u;
    let place = 6.0 / amax;
    let stochastic = (params.mode & BLOCK_STOCHASTIC) != 0u;
    var block_seed = vec2<u32>(0u, 0u);
    if (stochastic) {
        block_seed = mix64(seed_at(params.fmt) ^ mix64(vec2<u32>(blk, 0u)));
    }
    for (var k = 0u; k < len; k = k + 1u) {
        let i = element_index(shape, k);
        let input = a[i] * factor;
        let clipped = clamp(input, -6.0, 6.0);
        var q = 0.0;
        if (stochastic) {
            q = sr_e2m1(clipped, mix64(mix64(block_seed ^ mix64(vec2<u32>(k, 0u)))));
        } else {
            q = rnd(clipped, 5u);
        }
        out[i] = q * scale;
        if ((params.mode & BLOCK_PROBE) != 0u) {
            if (underflowed) {
                out2[i] = a[i] * place;
                out3[i] = 0.0;
            } else {
                out2[i] = input;
                out3[i] = q;
            }
        }
    }
}

// 2^e as an f32 for e in -126..=127 (and 2^-127, a subnormal).
fn pow2(e: i32) -> f32 {
    if (e < -126) {
        return bitcast<f32>(0x00400000u);
    }
    return bitcast<f32>(u32(e + 127) << 23u);
}

// The random Hadamard transform (`train::block::hadamard_columns`): one thread per column and
// 16-row chunk of the params.rows x params.cols matrix a, into out; a partial last chunk is copied.
// params.slot holds the signs.
@compute @workgroup_size(64)
fn hadamard(@builtin(global_invocation_id) id: vec3<u32>) {
    let chunks = (params.rows + 15u) / 16u;
    if (id.x >= chunks * params.cols) {
        return;
    }
    let c = id.x % params.cols;
    let top = (id.x / params.cols) * 16u;
    let cols = params.cols;
    if (top + 16u > params.rows) {
        for (var r = top; r < params.rows; r = r + 1u) {
            out[r * cols + c] = a[r * cols + c];
        }
        return;
    }
    var v: array<f32, 16>;
    for (var i = 0u; i < 16u; i = i + 1u) {
        let x = a[(top + i) * cols + c];
        v[i] = select(x, -x, ((params.slot >> i) & 1u) == 1u);
    }
    for (var h = 1u; h < 16u; h = h * 2u) {
        for (var start = 0u; start < 16u; start = start + 2u * h) {
            for (var i = start; i < start + h; i = i + 1u) {
                let p = v[i];
                let q = v[i + h];
                v[i] = p + q;
                v[i + h] = p - q;
            }
        }
    }
    for (var j = 0u; j < 16u; j = j + 1u) {
        out[(top + j) * cols + c] = v[j] * 0.25;
    }
}

// One thread: the readouts of a quantized gradient b (GEMM domain) against its source a, params.n
// values, in order, in f32: the squared errors and values of what reads back (b x 1 / S_enc,
// S_enc at scalars[params.inner] when params.inner is not 0), and for the row-wise copy also the
// magnitudes, the nonzero and flushed counts and S_enc, into summary[params.slot + BLOCK_*].
@compute @workgroup_size(1)
fn block_errors() {
    var decode = 1.0;
    var encode = 1.0;
    if (params.inner != 0u) {
        encode = scalars[params.inner];
        decode = 1.0 / encode;
    }
    var error_sq = 0.0;
    var value_sq = 0.0;
    var read_abs = 0.0;
    var value_abs = 0.0;
    var nonzero = 0u;
    var flushed = 0u;
    for (var i = 0u; i < params.n; i = i + 1u) {
        let v = a[i];
        if (!is_finite(v)) {
            continue;
        }
        let read = b[i] * decode;
        error_sq = error_sq + (read - v) * (read - v);
        value_sq = value_sq + v * v;
        read_abs = read_abs + abs(read);
        value_abs = value_abs + abs(v);
        if (v != 0.0) {
            nonzero = nonzero + 1u;
            if (b[i] == 0.0) {
                flushed = flushed + 1u;
            }
        }
    }
    if ((params.mode & BLOCK_ERRORS_TRANSPOSED) != 0u) {
        atomicStore(&summary[params.slot + BLOCK_T_ERROR_SQ], bitcast<u32>(error_sq));
        atomicStore(&summary[params.slot + BLOCK_T_ERROR_SQ + 1u], bitcast<u32>(value_sq));
        return;
    }
    atomicStore(&summary[params.slot + BLOCK_ERROR_SQ], bitcast<u32>(error_sq));
    atomicStore(&summary[params.slot + BLOCK_ERROR_SQ + 1u], bitcast<u32>(value_sq));
    atomicStore(&summary[params.slot + BLOCK_ERROR_SQ + 2u], bitcast<u32>(read_abs));
    atomicStore(&summary[params.slot + BLOCK_ERROR_SQ + 3u], bitcast<u32>(value_abs));
    atomicStore(&summary[params.slot + BLOCK_FLUSHED], flushed);
    atomicStore(&summary[params.slot + BLOCK_NONZERO], nonzero);
    atomicStore(&summary[params.slot + BLOCK_ENCODE], bitcast<u32>(encode));
}
