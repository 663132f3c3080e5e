//! Fast storing of many values in one format, for the tensor view: the same values as
//! `Format::encode_report` with nearest-even rounding and saturation (tests hold every format to
//! it value for value), at a fraction of the cost. Floats of at most 16 bits take the engine's own
//! `f32` bit-trick path (`Format::encode_f32_into_u16`) and a decode table; integers are rounded
//! arithmetically; NF4 is a 16-level search; anything else, and every value past a format's
//! largest, goes through the exact engine.

use crate::formats::{Format, Overflow, Rounding, Structure};

/// How a format's values are stored quickly.
#[derive(Clone, Debug)]
enum Kind {
    /// `f32` inputs within range through the bit-trick path; `decode` by code.
    Float { decode: Vec<f64> },
    /// fp32's exponent with `23 - drop` mantissa bits (fp32, tf32): an `f32` input within range
    /// rounds by dropping `drop` bits, nearest-even, on its bit pattern.
    F32Bits { drop: u32 },
    /// `integer x scale`, two's complement.
    Integer { scale: f64, high: f64 },
    /// Sorted levels, their codes being their indices.
    Levels { levels: Vec<f64> },
    /// The exact engine for every value.
    Exact,
}

/// A format ready to store slices of values.
#[derive(Clone, Debug)]
pub struct Kernel {
    pub format: Format,
    max: f64,
    kind: Kind,
}

/// One stored value: what it reads back as, and whether it overflowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stored {
    pub value: f64,
    pub overflowed: bool,
}

impl Kernel {
    pub fn new(format: &Format) -> Kernel {
        let kind = match format.structure() {
            Structure::Integer { scale, .. } => Kind::Integer {
                scale,
                high: format.max_finite() / scale,
            },
            Structure::Nf4 { .. } => {
                let levels = (0..16u64).map(|c| format.decode(c)).collect::<Vec<_>>();
                if levels.windows(2).all(|w| w[0] < w[1]) {
                    Kind::Levels { levels }
                } else {
                    Kind::Exact
                }
            }
            Structure::Float(_)
                if format.exponent_bits() == Some(8)
                    && format.bias() == Some(127)
                    && format
                        .mantissa_bits()
                        .is_some_and(|m| (1..=23).contains(&m))
                    && format.total_bits() > 16 =>
            {
                Kind::F32Bits {
                    drop: 23 - format.mantissa_bits().unwrap_or(23),
                }
            }
            Structure::Float(_)
                if format.total_bits() <= 16 && format.has_f32_fast_path(Rounding::NearestEven) =>
            {
                let codes = 1u64 << format.total_bits();
                // fp16 and bf16 decode through `half` (exact, and far quicker to build than
                // 65,536 calls into the engine); the tests hold every entry to the engine.
                let decode: Vec<f64> = match format.name().as_str() {
                    "fp16" => (0..=u16::MAX)
                        .map(|c| half::f16::from_bits(c).to_f64())
                        .collect(),
                    "bf16" => (0..=u16::MAX)
                        .map(|c| half::bf16::from_bits(c).to_f64())
                        .collect(),
                    _ => (0..codes).map(|c| format.decode(c)).collect(),
                };
                Kind::Float { decode }
            }
            _ => Kind::Exact,
        };
        Kernel {
            format: *format,
            max: format.max_finite(),
            kind,
        }
    }

    /// The value the kernel's decode table gives a 16-bit-or-narrower float code (NaN where it has
    /// no table or no such code).
    pub fn decoded(&self, code: u16) -> f64 {
        match &self.kind {
            Kind::Float { decode } => decode.get(usize::from(code)).copied().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }

    /// The exact engine's answer.
    fn exact(&self, x: f64) -> Stored {
        let report = self
            .format
            .encode_report(x, Rounding::NearestEven, Overflow::Saturate);
        Stored {
            value: report.stored,
            overflowed: report.overflowed,
        }
    }

    /// Stores finite values, appending one [`Stored`] per value to `out`.
    pub fn store(&self, values: &[f64], out: &mut Vec<Stored>) {
        out.reserve(values.len());
        match &self.kind {
            Kind::Float { decode } => {
                let mut batch_in = Vec::with_capacity(values.len());
                let mut batch_out = vec![0u16; values.len()];
                let fast = values.iter().all(|&x| {
                    let y = x as f32;
                    batch_in.push(y);
                    f64::from(y) == x && x.abs() <= self.max
                });
                if fast {
                    self.format.encode_f32_into_u16(
                        &batch_in,
                        &mut batch_out,
                        Rounding::NearestEven,
                        Overflow::Default,
                    );
                    out.extend(batch_out.iter().map(|&c| Stored {
                        value: decode[usize::from(c)],
                        overflowed: false,
                    }));
                } else {
                    out.extend(values.iter().map(|&x| self.exact(x)));
                }
            }
            Kind::F32Bits { drop } => {
                let drop = *drop;
                out.extend(values.iter().map(|&x| {
                    let y = x as f32;
                    if f64::from(y) != x || x.abs() > self.max {
                        return self.exact(x);
                    }
                    let bits = y.to_bits();
                    let rounded = if drop == 0 {
                        bits
                    } else {
                        let half = (1u32 << (drop - 1)) - 1;
                        let even = (bits >> drop) & 1;
                        (bits.wrapping_add(half + even) >> drop) << drop
                    };
                    let value = f64::from(f32::from_bits(rounded));
                    if !value.is_finite() {
                        return self.exact(x);
                    }
                    Stored {
                        value,
                        overflowed: false,
                    }
                }));
            }
            Kind::Integer { scale, high } => {
                out.extend(values.iter().map(|&x| {
                    let rounded = (x / scale).round_ties_even();
                    let clamped = rounded.clamp(-high - 1.0, *high);
                    Stored {
                        // An integer zero has no sign: + 0.0 turns -0 into 0.
                        value: clamped * scale + 0.0,
                        overflowed: clamped != rounded,
                    }
                }));
            }
            Kind::Levels { levels } => {
                out.extend(values.iter().map(|&x| {
                    if x.abs() > self.max {
                        return self.exact(x);
                    }
                    // The first level at or above x; the nearer of it and the one below, a tie to
                    // the even code.
                    let above = levels.partition_point(|&l| l < x).min(levels.len() - 1);
                    let value = if above == 0 {
                        levels[0]
                    } else {
                        let (lo, hi) = (levels[above - 1], levels[above]);
                        let (dl, dh) = (x - lo, hi - x);
                        if dl < dh || (dl == dh && (above - 1) % 2 == 0) {
                            lo
                        } else {
                            hi
                        }
                    };
                    Stored {
                        value,
                        overflowed: false,
                    }
                }));
            }
            Kind::Exact => out.extend(values.iter().map(|&x| self.exact(x))),
        }
    }
}
