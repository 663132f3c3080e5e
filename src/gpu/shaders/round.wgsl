// Rounds `params.n` f32 values (as u32 bits, so NaN payloads and signs survive) into `params.fmt`
// with overflow rule `params.mode`. Used by the tests and by the context's native-f16 self-check.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> bits_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> bits_out: array<u32>;

@compute @workgroup_size(64)
fn round_values(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x + id.y * 4194240u;
    if (i >= params.n) {
        return;
    }
    bits_out[i] = round_bits(bits_in[i], params.fmt, params.mode);
}
