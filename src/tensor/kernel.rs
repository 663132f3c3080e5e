//! Fast storing of many values in one format, for the tensor view: the same values as
//! `Format::encode_report` with nearest-even rounding and saturation (tests hold every format to
//! it value for value, scaled inputs and ties included), at a fraction of the cost. Binary floats
//! with gradual underflow up to fp32 round on the input's own `f64` bits (normal range) or with the
//! FPU's nearest-even at the subnormal spacing, so any `f64`, scaled or not, takes a few integer
//! operations; integers are rounded arithmetically; NF4 is a 16-level search; past a format's
//! largest value each saturates (a float overflows when it rounds past it, IEEE 754's rule);
//! anything else goes through the exact engine.

use crate::formats::{Format, Overflow, Rounding, Structure, Subnormals};

/// How a format's values are stored quickly.
#[derive(Clone, Debug)]
enum Kind {
    /// A binary float with gradual underflow, any input: rounded on the `f64`'s own bits to
    /// `52 - drop` fraction bits in the normal range, and by the FPU's round-to-nearest-even at
    /// the subnormal spacing below it (adding and removing `magic`); values past the format's
    /// largest go to the exact engine.
    Round {
        drop: u32,
        min_normal: f64,
        magic: f64,
        /// Whether the format has a negative zero (fnuz formats do not).
        negative_zero: bool,
    },
    /// `integer x scale`, two's complement.
    Integer { scale: f64, high: f64 },
    /// Sorted levels, their codes being their indices.
    Levels { levels: [f64; 16] },
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
            Structure::Float(spec)
                if spec.subnormals == Subnormals::Gradual
                    && spec.mantissa_bits <= 23
                    && spec.exponent_bits <= 8
                    && format.total_bits() <= 32 =>
            {
                let min_normal = format.min_normal();
                // The subnormal spacing q = min_normal x 2^-m; 1.5 x 2^52 x q has an ulp of q.
                let q = min_normal / f64::from(1u32 << spec.mantissa_bits);
                let sign = 1u64 << (format.total_bits() - 1);
                let zero = format.decode(sign);
                Kind::Round {
                    drop: 52 - spec.mantissa_bits,
                    min_normal,
                    magic: 1.5 * 4_503_599_627_370_496.0 * q,
                    negative_zero: zero == 0.0 && zero.is_sign_negative(),
                }
            }
            Structure::Integer { scale, .. } => Kind::Integer {
                scale,
                high: format.max_finite() / scale,
            },
            Structure::Nf4 { .. } => {
                let levels: [f64; 16] = std::array::from_fn(|c| format.decode(c as u64));
                if levels.windows(2).all(|w| w[0] < w[1]) {
                    Kind::Levels { levels }
                } else {
                    Kind::Exact
                }
            }
            _ => Kind::Exact,
        };
        Kernel {
            format: *format,
            max: format.max_finite(),
            kind,
        }
    }

    /// Whether the format holds every `f32` exactly (fp32 itself: 23 fraction bits, fp32's
    /// smallest normal, its largest value), so storing `f32` values unscaled changes none.
    pub fn holds_every_f32(&self) -> bool {
        matches!(self.kind, Kind::Round { drop: 29, min_normal, .. }
            if min_normal == f64::from(f32::MIN_POSITIVE))
            && self.max >= f64::from(f32::MAX)
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
        out.extend(values.iter().map(|&x| self.store_one(x)));
    }

    /// Stores one finite value. Always inlined: it is the inner loop of every row, and a call
    /// per value costs as much as the rounding (the site is built for size, `opt-level = "z"`).
    #[inline(always)]
    pub fn store_one(&self, x: f64) -> Stored {
        match &self.kind {
            &Kind::Round {
                drop,
                min_normal,
                magic,
                negative_zero,
            } => self.round(x, drop, min_normal, magic, negative_zero),
            &Kind::Integer { scale, high } => integer(x, scale, high),
            Kind::Levels { levels } => nearest_level(x, levels),
            Kind::Exact => self.exact(x),
        }
    }

    /// A binary float: rounded on the `f64`'s bits in the normal range, by the FPU at the
    /// subnormal spacing below it; past the largest value (rounded with the format's precision
    /// and no top to its exponent) it overflows, IEEE 754's rule, and is stored saturated.
    #[inline(always)]
    fn round(&self, x: f64, drop: u32, min_normal: f64, magic: f64, negative_zero: bool) -> Stored {
        let value = if x.abs() >= min_normal {
            let bits = x.to_bits();
            let half = (1u64 << (drop - 1)) - 1;
            let even = (bits >> drop) & 1;
            f64::from_bits((bits + half + even) >> drop << drop)
        } else {
            let r = (x + magic) - magic;
            if r == 0.0 && !(negative_zero && x.is_sign_negative()) {
                0.0
            } else {
                r.copysign(x)
            }
        };
        // Past the top without the exact engine: MX blocks put a value or two past the top of
        // E4M3 in most blocks.
        let overflowed = value.abs() > self.max || !value.is_finite();
        Stored {
            value: if overflowed {
                self.max.copysign(x)
            } else {
                value
            },
            overflowed,
        }
    }
}

/// `integer x scale`, two's complement, saturating.
#[inline(always)]
fn integer(x: f64, scale: f64, high: f64) -> Stored {
    let rounded = (x / scale).round_ties_even();
    // Comparisons rather than `clamp`, whose NaN rules cost WebAssembly a sequence of
    // instructions per value (the value is finite here).
    #[allow(clippy::manual_clamp)]
    let clamped = if rounded > high {
        high
    } else if rounded < -high - 1.0 {
        -high - 1.0
    } else {
        rounded
    };
    Stored {
        // An integer zero has no sign: + 0.0 turns -0 into 0.
        value: clamped * scale + 0.0,
        overflowed: clamped != rounded,
    }
}

/// The nearest of 16 sorted levels, a tie to the even code; past the outermost level, that
/// level, overflowed (the engine's saturation; a block's own absmax lands there when its scale
/// rounds it an ulp past the top).
#[inline(always)]
fn nearest_level(x: f64, levels: &[f64; 16]) -> Stored {
    if x > levels[15] || x < levels[0] {
        let value = if x > 0.0 { levels[15] } else { levels[0] };
        return Stored {
            value,
            overflowed: true,
        };
    }
    // The first level at or above x (there is one: x is not past the top): the count of levels
    // below it, by halving (four steps of a select each, nothing to mispredict); the nearer of
    // it and the one below.
    let mut above = 8 * usize::from(levels[7] < x);
    above += 4 * usize::from(levels[above + 3] < x);
    above += 2 * usize::from(levels[above + 1] < x);
    above += usize::from(levels[above] < x);
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
}
