//! A fast path for the hot conversion: `f32` slices to float formats of at most 16 bits (fp16, bf16,
//! the FP8/FP6/FP4 floats) with round-to-nearest-even, using integer operations on the `f32` bits. It
//! owns only speed: its results are tested equal to the generic engine's on every input class. IEEE
//! fp16 is handed to `half` (F16C instructions where the CPU has them), bf16 rounds the signed f32 bits
//! in four operations, the FP8/FP6/FP4 floats use the general bit trick; anything it does not cover
//! (other rounding modes, e8m0, integers, NF4, flushed subnormals) goes through the generic engine.

use super::float::FloatLayout;
use super::format::Kind;
use super::{Family, FloatSpec, Format, Overflow, Rounding, Subnormals};

/// Precomputed constants for one format and overflow policy.
#[derive(Clone, Copy, Debug)]
struct F32Fast {
    /// `23 - mantissa_bits`: how many f32 fraction bits are dropped.
    shift: u32,
    /// `2^(shift - 1) - 1`, the part of the nearest-even increment that does not depend on parity.
    half_minus_one: u32,
    /// `(127 - bias) << mantissa_bits`: moves an f32 exponent to the format's after the shift.
    rebias: u32,
    /// f32 bits of the smallest normal value of the format.
    min_normal_bits: u32,
    /// `2^(emin - mantissa_bits + 23)` as f32: adding it rounds a subnormal to the format's quantum.
    magic: f32,
    max_mag: u32,
    /// The format has f32's exponent range (bf16): the shift-and-round of the normal path is also right
    /// for f32 subnormals, so the subnormal path is skipped.
    same_range: bool,
    /// Same range, IEEE family and `Overflow::Default` (bf16): rounding the f32 bits, sign included,
    /// already gives every code, infinities and overflow to infinity too; only NaN needs a test.
    plain: bool,
    sign_bit: u16,
    fnuz: bool,
    nan: u16,
    inf: [u16; 2],
    overflow: [u16; 2],
}

impl F32Fast {
    fn new(format: &Format, overflow: Overflow) -> Option<Self> {
        let Kind::Float(layout) = format.kind() else {
            return None;
        };
        let FloatLayout {
            spec,
            emin,
            emax,
            max_mag,
            sign_bit,
            ..
        } = *layout;
        let m = spec.mantissa_bits;
        let fits = layout.total_bits() <= 16
            && spec.exponent_bits <= 8
            && m <= 23
            && spec.family != Family::ExponentOnly
            && spec.subnormals == Subnormals::Gradual
            && emax <= 127
            && emin >= -126
            && emin - m as i32 + 23 >= -126;
        if !fits {
            return None;
        }
        let shift = 23 - m;
        let code = |x: f64| format.encode(x, Rounding::NearestEven, overflow) as u16;
        // Codes for the inputs the bit trick does not handle, taken from the generic engine.
        let huge = f64::MAX;
        Some(Self {
            shift,
            half_minus_one: if shift == 0 {
                0
            } else {
                (1 << (shift - 1)) - 1
            },
            rebias: ((127 - spec.bias) as u32) << m,
            min_normal_bits: ((emin + 127) as u32) << 23,
            magic: f32::from_bits(((emin - m as i32 + 23 + 127) as u32) << 23),
            max_mag: max_mag as u32,
            same_range: spec.bias == 127 && emin == -126,
            plain: spec.bias == 127
                && emin == -126
                && spec.family == Family::Ieee
                && overflow == Overflow::Default
                && spec.exponent_bits == 8,
            sign_bit: sign_bit as u16,
            fnuz: spec.family == Family::Fnuz,
            nan: code(f64::NAN),
            inf: [code(f64::INFINITY), code(f64::NEG_INFINITY)],
            overflow: [code(huge), code(-huge)],
        })
    }

    // Always inlined: the release profile optimises for size, and a call per value would cost more than
    // the conversion.
    #[inline(always)]
    fn convert(&self, x: f32) -> u16 {
        let bits = x.to_bits();
        let abs = bits & 0x7fff_ffff;
        let negative = bits >> 31 != 0;
        // Normal results: adding 2^(shift-1) - 1 + lsb and shifting right rounds to nearest, ties to
        // even (the lsb turns an exact half into a carry only when the kept part is odd). A carry out of
        // the fraction increments the exponent field, which is the next binade's first code. Subtracting
        // the rebias (after the shift) turns the f32 exponent into the format's.
        let lsb = (abs >> self.shift) & 1;
        let normal = ((abs + self.half_minus_one + lsb) >> self.shift).wrapping_sub(self.rebias);
        // Subnormal results: |x| + 2^(emin - m + 23) is rounded by the FPU (nearest-even) to a multiple
        // of 2^(emin - m), the format's subnormal quantum; the low bits of the sum are the code.
        let mag = if self.same_range || abs >= self.min_normal_bits {
            normal
        } else {
            (f32::from_bits(abs) + self.magic).to_bits() - self.magic.to_bits()
        };
        if abs > 0x7f80_0000 {
            self.nan
        } else if abs == 0x7f80_0000 {
            if negative {
                self.inf[1]
            } else {
                self.inf[0]
            }
        } else if mag > self.max_mag {
            if negative {
                self.overflow[1]
            } else {
                self.overflow[0]
            }
        } else if mag == 0 && self.fnuz {
            0
        } else {
            mag as u16 | if negative { self.sign_bit } else { 0 }
        }
    }
}

impl Format {
    /// Encodes `f32` values into 16-bit-or-narrower codes, as many as both slices hold; returns that
    /// count. Same codes as [`Format::encode`] on `x as f64`, except that a NaN input may keep its sign
    /// and payload in fp16 (it is still a NaN code); float formats of at most 16 bits with nearest-even
    /// take a fast path. Formats wider than 16 bits convert nothing (0).
    ///
    /// ```
    /// use precision_lab::formats::{Format, Overflow, Rounding};
    /// let fp16: Format = "fp16".parse().unwrap();
    /// let mut codes = [0u16; 3];
    /// let n = fp16.encode_f32_into_u16(&[1.0, 65520.0, -0.0], &mut codes, Rounding::NearestEven, Overflow::Default);
    /// assert_eq!((n, codes), (3, [0x3c00, 0x7c00, 0x8000]));
    /// ```
    pub fn encode_f32_into_u16(
        &self,
        src: &[f32],
        dst: &mut [u16],
        rounding: Rounding,
        overflow: Overflow,
    ) -> usize {
        if self.total_bits() > 16 {
            return 0;
        }
        let count = src.len().min(dst.len());
        let (src, dst) = (&src[..count], &mut dst[..count]);
        let is_fp16 = self
            .float()
            .is_some_and(|layout| layout.spec == FloatSpec::ieee(5, 10));
        match (rounding, F32Fast::new(self, overflow)) {
            (Rounding::NearestEven, Some(_)) if is_fp16 && overflow == Overflow::Default => {
                // IEEE binary16 with nearest-even is exactly what `half` converts (with the F16C
                // instructions where the CPU has them), so the fast path hands it over; the tests hold it
                // to the generic engine's codes like every other fast path.
                let halves: &mut [half::f16] =
                    half::slice::HalfBitsSliceExt::reinterpret_cast_mut(dst);
                half::slice::HalfFloatSliceExt::convert_from_f32_slice(halves, src);
            }
            (Rounding::NearestEven, Some(fast)) if fast.plain => {
                let (shift, half_minus_one, nan) = (fast.shift, fast.half_minus_one, fast.nan);
                for (out, &x) in dst.iter_mut().zip(src) {
                    let bits = x.to_bits();
                    // The nearest-even increment of `convert`, applied to the signed bits: the sign bit
                    // rides along, a carry into the exponent is the next binade, past max it is Inf.
                    // Only a negative NaN can wrap, and its result is replaced below.
                    let rounded =
                        (bits.wrapping_add(half_minus_one + ((bits >> shift) & 1)) >> shift) as u16;
                    *out = if bits & 0x7fff_ffff > 0x7f80_0000 {
                        nan
                    } else {
                        rounded
                    };
                }
            }
            (Rounding::NearestEven, Some(fast)) => {
                for (out, &x) in dst.iter_mut().zip(src) {
                    *out = fast.convert(x);
                }
            }
            _ => {
                for (index, (out, &x)) in dst.iter_mut().zip(src).enumerate() {
                    *out = self.encode(x as f64, rounding.for_element(index), overflow) as u16;
                }
            }
        }
        count
    }

    /// True when [`Format::encode_f32_into_u16`] takes the bit-trick path for this rounding.
    pub fn has_f32_fast_path(&self, rounding: Rounding) -> bool {
        rounding == Rounding::NearestEven && F32Fast::new(self, Overflow::Default).is_some()
    }
}
