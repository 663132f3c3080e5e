// fp16 rounding without the `shader-f16` feature: the generic bit-operation rounder.
fn round_f16(x: u32, ovf: u32) -> u32 {
    return round_emulated(x, 1u, ovf);
}
