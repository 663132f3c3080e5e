// fp16 rounding with the adapter's `shader-f16` conversion for finite values in fp16's range; NaN,
// Inf and overflow (where WGSL's conversion is undefined) go through the bit-operation rounder. The
// context only uses this variant after checking it against the emulation (`GpuContext::new`).
fn round_f16(x: u32, ovf: u32) -> u32 {
    let mag = x & 0x7fffffffu;
    // 65520 = 65504 + half an ulp: from there on, round-to-nearest-even leaves the range.
    if (mag >= 0x477ff000u) {
        return round_emulated(x, 1u, ovf);
    }
    let h = f16(bitcast<f32>(x));
    return bitcast<u32>(f32(h));
}
