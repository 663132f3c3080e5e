//! A textbook decoder and a reference rounding, written from the format definitions
//! (docs/sources.md, "Format definitions") with plain `f64` arithmetic and a sorted list of values.
//! Nothing here calls into `src/` except to compare results.

use std::cmp::Ordering;

/// How a textbook format spends its special codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Specials {
    Ieee,
    Fn,
    Fnuz,
    Finite,
    E8m0,
    Int,
    Uint,
    Nf4,
}

#[derive(Clone, Copy, Debug)]
pub struct Textbook {
    pub name: &'static str,
    pub sign: bool,
    pub e: u32,
    pub m: u32,
    pub bias: i32,
    pub specials: Specials,
    pub bits: u32,
}

const fn float(name: &'static str, e: u32, m: u32, bias: i32, specials: Specials) -> Textbook {
    Textbook {
        name,
        sign: true,
        e,
        m,
        bias,
        specials,
        bits: 1 + e + m,
    }
}

const fn int(name: &'static str, bits: u32, specials: Specials) -> Textbook {
    Textbook {
        name,
        sign: false,
        e: 0,
        m: 0,
        bias: 0,
        specials,
        bits,
    }
}

/// Every catalogue format of 16 bits or fewer, and tf32 (19 bits, cheap enough to sweep).
pub const SMALL: [Textbook; 18] = [
    float("fp16", 5, 10, 15, Specials::Ieee),
    float("bf16", 8, 7, 127, Specials::Ieee),
    float("tf32", 8, 10, 127, Specials::Ieee),
    float("e5m2", 5, 2, 15, Specials::Ieee),
    float("e4m3fn", 4, 3, 7, Specials::Fn),
    float("e4m3fnuz", 4, 3, 8, Specials::Fnuz),
    float("e5m2fnuz", 5, 2, 16, Specials::Fnuz),
    float("e4m3", 4, 3, 7, Specials::Ieee),
    float("e3m4", 3, 4, 3, Specials::Ieee),
    float("e3m2fn", 3, 2, 3, Specials::Finite),
    float("e2m3fn", 2, 3, 1, Specials::Finite),
    float("e2m1fn", 2, 1, 1, Specials::Finite),
    Textbook {
        name: "e8m0fnu",
        sign: false,
        e: 8,
        m: 0,
        bias: 127,
        specials: Specials::E8m0,
        bits: 8,
    },
    int("int16", 16, Specials::Int),
    int("int8", 8, Specials::Int),
    int("int4", 4, Specials::Int),
    int("uint8", 8, Specials::Uint),
    int("nf4", 4, Specials::Nf4),
];

/// NF4 levels as bitsandbytes lists them (functional.py `get_4bit_type`, CUDA `dDequantizeNF4`): float32
/// constants, written with the digits Python prints for them (`exhaustive.rs` checks each is an f32).
pub const NF4: [f64; 16] = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
];

impl Textbook {
    pub fn codes(&self) -> u64 {
        1u64 << self.bits
    }

    fn sign_bit(&self) -> u64 {
        if self.sign {
            1u64 << (self.e + self.m)
        } else {
            0
        }
    }

    pub fn is_float(&self) -> bool {
        !matches!(
            self.specials,
            Specials::Int | Specials::Uint | Specials::Nf4
        )
    }

    /// The value of a code, from the definition.
    pub fn value(&self, code: u64) -> f64 {
        match self.specials {
            Specials::Int => {
                let half = 1i64 << (self.bits - 1);
                let raw = code as i64;
                (if raw >= half { raw - 2 * half } else { raw }) as f64
            }
            Specials::Uint => code as f64,
            Specials::Nf4 => NF4[code as usize],
            Specials::E8m0 => {
                if code == 0xff {
                    f64::NAN
                } else {
                    2f64.powi(code as i32 - 127)
                }
            }
            _ => {
                let negative = code & self.sign_bit() != 0;
                let all_exp = (1u64 << self.e) - 1;
                let all_frac = (1u64 << self.m) - 1;
                let exp = (code >> self.m) & all_exp;
                let frac = code & all_frac;
                let sign = if negative { -1.0 } else { 1.0 };
                match self.specials {
                    Specials::Ieee if exp == all_exp => {
                        return if frac == 0 {
                            sign * f64::INFINITY
                        } else {
                            f64::NAN
                        };
                    }
                    Specials::Fn if exp == all_exp && frac == all_frac => return f64::NAN,
                    Specials::Fnuz if code == self.sign_bit() => return f64::NAN,
                    _ => {}
                }
                let fraction = frac as f64 / 2f64.powi(self.m as i32);
                if exp == 0 {
                    sign * fraction * 2f64.powi(1 - self.bias)
                } else {
                    sign * (1.0 + fraction) * 2f64.powi(exp as i32 - self.bias)
                }
            }
        }
    }

    /// Finite values with their codes, ascending, with a single entry for zero (code 0).
    pub fn sorted(&self) -> Vec<(f64, u64)> {
        let mut values: Vec<(f64, u64)> = (0..self.codes())
            .map(|code| (self.value(code), code))
            .filter(|(value, _)| value.is_finite() && !(*value == 0.0 && value.is_sign_negative()))
            .collect();
        values.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
        values
    }

    fn max_code(&self, negative: bool) -> u64 {
        let max_value = (0..self.codes())
            .map(|code| self.value(code))
            .filter(|v| v.is_finite())
            .fold(f64::MIN, f64::max);
        let magnitude = (0..self.codes())
            .find(|&c| self.value(c) == max_value)
            .expect("max");
        magnitude | if negative { self.sign_bit() } else { 0 }
    }
}

/// Reference rounding modes (mirrors the library's enum without using it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    NearestEven,
    NearestAway,
    TowardZero,
    TowardPositive,
    TowardNegative,
}

pub const MODES: [Mode; 5] = [
    Mode::NearestEven,
    Mode::NearestAway,
    Mode::TowardZero,
    Mode::TowardPositive,
    Mode::TowardNegative,
];

/// Precomputed tables for the reference rounding of one format.
pub struct Reference {
    pub book: Textbook,
    /// Ascending finite values, one zero.
    pub sorted: Vec<(f64, u64)>,
    /// The next value after max had the exponent range not ended (floats only), and its code
    /// (max code + 1, whose parity decides ties).
    virtual_next: Option<(f64, u64)>,
    /// `sorted` with the virtual values past +-max added (flagged true).
    list: Vec<(f64, u64, bool)>,
    max_pos: u64,
    max_neg: u64,
}

impl Reference {
    pub fn new(book: Textbook) -> Self {
        let sorted = book.sorted();
        let max_pos = book.max_code(false);
        let max_neg = book.max_code(true);
        let virtual_next = book.is_float().then(|| {
            let max = book.value(max_pos);
            // The spacing in max's binade is 2^(exponent of max - m).
            let exponent = max.log2().floor() as i32;
            (max + 2f64.powi(exponent - book.m as i32), max_pos + 1)
        });
        let mut list: Vec<(f64, u64, bool)> = sorted.iter().map(|&(v, c)| (v, c, false)).collect();
        if let Some((next, code)) = virtual_next {
            list.push((next, code, true));
            if book.sign {
                list.insert(0, (-next, code, true));
            }
        }
        Self {
            book,
            sorted,
            virtual_next,
            list,
            max_pos,
            max_neg,
        }
    }

    /// What an overflow becomes (IEEE 754 7.4 with the format's default or saturation).
    fn overflow(&self, negative: bool, mode: Mode, saturate: bool) -> u64 {
        let away = match mode {
            Mode::NearestEven | Mode::NearestAway => true,
            Mode::TowardZero => false,
            Mode::TowardPositive => !negative,
            Mode::TowardNegative => negative,
        };
        let max = if negative { self.max_neg } else { self.max_pos };
        if saturate || !away {
            return max;
        }
        let b = self.book;
        let sign = if negative { 1u64 << (b.e + b.m) } else { 0 };
        match b.specials {
            Specials::Ieee => sign | (((1u64 << b.e) - 1) << b.m),
            Specials::Fn => sign | ((1u64 << (b.e + b.m)) - 1),
            Specials::Fnuz => 1u64 << (b.e + b.m),
            Specials::E8m0 => 0xff,
            _ => max,
        }
    }

    fn zero_code(&self, negative: bool) -> u64 {
        let b = self.book;
        if negative && b.sign && b.specials != Specials::Fnuz {
            1u64 << (b.e + b.m)
        } else {
            0
        }
    }

    /// The code `x` rounds to, by searching the sorted values.
    pub fn round(&self, x: f64, mode: Mode, saturate: bool) -> u64 {
        assert!(x.is_finite(), "reference rounding takes finite inputs");
        let negative = x < 0.0 || (x == 0.0 && x.is_sign_negative());
        let b = self.book;
        if b.specials == Specials::E8m0 && x < 0.0 {
            return 0xff;
        }
        if let Some((next, _)) = self.virtual_next {
            if x.abs() >= next {
                return self.overflow(negative, mode, saturate);
            }
        }
        let first = self.sorted[0];
        let last = *self.sorted.last().expect("values");
        if x <= first.0 {
            // Below the most negative value: integers and NF4 saturate, e8m0 (no zero) clamps up.
            if x == first.0 || !b.is_float() || b.specials == Specials::E8m0 || !b.sign {
                return first.1;
            }
        }
        if x >= last.0 && (x == last.0 || !b.is_float()) {
            return last.1;
        }
        // Neighbours, with the virtual values past max standing in for the overflow code.
        let list = &self.list;
        let above = list.partition_point(|&(v, _, _)| v <= x);
        let (lo, hi) = (
            list[above - 1],
            list.get(above).copied().unwrap_or(list[above - 1]),
        );
        if lo.0 == x {
            return if lo.0 == 0.0 && b.is_float() {
                self.zero_code(negative)
            } else {
                lo.1
            };
        }
        let to_lo = x - lo.0;
        let to_hi = hi.0 - x;
        let pick_hi = match mode {
            Mode::TowardPositive => true,
            Mode::TowardNegative => false,
            Mode::TowardZero => x < 0.0,
            Mode::NearestEven | Mode::NearestAway => {
                match to_lo.partial_cmp(&to_hi).expect("finite") {
                    Ordering::Less => false,
                    Ordering::Greater => true,
                    Ordering::Equal if mode == Mode::NearestAway => x > 0.0,
                    // Tie: the code with an even last bit (sign bit aside); a float zero counts as even (its
                    // code is 0 or the sign bit alone).
                    Ordering::Equal => !(b.is_float() && lo.0 == 0.0) && lo.1 & 1 == 1,
                }
            }
        };
        let (value, code, is_virtual) = if pick_hi { hi } else { lo };
        if is_virtual {
            return self.overflow(negative, mode, saturate);
        }
        if value == 0.0 && b.is_float() {
            return self.zero_code(negative);
        }
        code
    }
}
