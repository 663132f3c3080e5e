//! Explaining one code: its class, sign, exponent, significand, the formula that produces its value,
//! every decimal digit of that value, and the shortest decimal that reads back to the same code. It owns
//! the wording of explanations; values come from `float`/`grid`, exact digits from `exact`.

use super::bignum::BigUint;
use super::exact::{exact_decimal, Exact};
use super::format::Kind;
use super::grid::Grid;
use super::{Family, Format, Overflow, Rounding, Signedness, Subnormals};

/// The kind of value a code holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// +0 or -0.
    Zero,
    /// Below the smallest normal, with reduced precision.
    Subnormal,
    /// A normal value (every nonzero integer and NF4 level counts as normal).
    Normal,
    /// +Inf or -Inf.
    Infinite,
    /// Not a number.
    Nan,
}

/// Everything there is to say about one code.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The code (masked to the format's width).
    pub code: u64,
    /// The code in binary, fields separated by spaces (`0 1111 110`).
    pub bits: String,
    /// The exact value (NaN for NaN codes).
    pub value: f64,
    /// Zero, subnormal, normal, infinite or NaN.
    pub class: Class,
    /// The sign bit is set.
    pub negative: bool,
    /// The exponent field (floats).
    pub exponent_field: Option<u64>,
    /// The mantissa field (floats).
    pub mantissa_field: Option<u64>,
    /// The unbiased exponent `e` in `significand x 2^e` (floats, finite nonzero; subnormals use emin).
    pub exponent: Option<i32>,
    /// The significand, `1.f` for normals and `0.f` for subnormals (floats, finite nonzero).
    pub significand: Option<f64>,
    /// How the value is made, e.g. `(-1)^0 x 2^(4-7) x 1.101b = 0.203125`.
    pub formula: String,
    /// Every decimal digit of the value (`0.100000001490116119384765625`).
    pub exact_decimal: String,
    /// The shortest decimal that encodes back to this code with round-to-nearest-even.
    pub shortest_decimal: String,
}

impl Format {
    /// The class of a code's value, without the rest of [`Format::explain`].
    ///
    /// ```
    /// use precision_lab::formats::{Class, Format};
    /// let fp16: Format = "fp16".parse().unwrap();
    /// assert_eq!(fp16.class(0x0001), Class::Subnormal);
    /// assert_eq!(fp16.class(0xfc00), Class::Infinite);
    /// ```
    pub fn class(&self, code: u64) -> Class {
        let value = self.decode(code);
        if value.is_nan() {
            Class::Nan
        } else if value.is_infinite() {
            Class::Infinite
        } else if value == 0.0 {
            Class::Zero
        } else if self.float().is_some_and(|layout| {
            layout.spec.family != Family::ExponentOnly
                && (code & layout.mag_mask) >> layout.spec.mantissa_bits == 0
        }) {
            Class::Subnormal
        } else {
            Class::Normal
        }
    }

    /// Explains a code.
    ///
    /// ```
    /// use precision_lab::formats::{Class, Format};
    /// let e4m3: Format = "e4m3fn".parse().unwrap();
    /// let d = e4m3.explain(0b0_0100_101);
    /// assert_eq!(d.formula, "(-1)^0 x 2^(4-7) x 1.101b = 0.203125");
    /// assert_eq!((d.class, d.exponent, d.significand), (Class::Normal, Some(-3), Some(1.625)));
    /// assert_eq!(d.bits, "0 0100 101");
    /// let fp32: Format = "fp32".parse().unwrap();
    /// let tenth = fp32.explain(0x3dcccccd);
    /// assert_eq!(tenth.exact_decimal, "0.100000001490116119384765625");
    /// assert_eq!(tenth.shortest_decimal, "0.1");
    /// ```
    pub fn explain(&self, code: u64) -> Decoded {
        let code = code & self.code_mask();
        let value = self.decode(code);
        let exact = exact_decimal(value);
        let shortest = self.shortest_decimal(code);
        match self.kind() {
            Kind::Float(layout) => {
                let spec = layout.spec;
                let m = spec.mantissa_bits;
                let negative = code & layout.sign_bit != 0;
                let mag = code & layout.mag_mask;
                let field = mag >> m;
                let mantissa = mag & layout.mantissa_mask();
                let sign_digit = u8::from(negative);
                let field_bits = format!("{field:0width$b}", width = spec.exponent_bits as usize);
                let mantissa_bits = if m == 0 {
                    String::new()
                } else {
                    format!("{mantissa:0width$b}", width = m as usize)
                };
                let mut bits = String::new();
                if spec.sign == Signedness::Signed {
                    bits.push_str(&format!("{sign_digit} "));
                }
                bits.push_str(&field_bits);
                if m > 0 {
                    bits.push(' ');
                    bits.push_str(&mantissa_bits);
                }
                let class = self.class(code);
                let bias = spec.bias;
                let (exponent, significand, formula) = match class {
                    Class::Nan => (None, None, nan_formula(spec.family)),
                    Class::Infinite => (
                        None,
                        None,
                        format!("(-1)^{sign_digit} x infinity (exponent all ones, mantissa 0) = {exact}"),
                    ),
                    Class::Zero if field == 0 && mantissa != 0 && spec.subnormals == Subnormals::Flush => (
                        None,
                        None,
                        format!("subnormals are flushed: exponent field 0 reads as zero = {exact}"),
                    ),
                    Class::Zero => (None, None, format!("(-1)^{sign_digit} x 0 = {exact}")),
                    Class::Subnormal => {
                        let significand = mantissa as f64 / (1u64 << m) as f64;
                        (
                            Some(layout.emin),
                            Some(significand),
                            format!("(-1)^{sign_digit} x 2^(1-{bias}) x 0.{mantissa_bits}b = {exact}"),
                        )
                    }
                    Class::Normal if spec.family == Family::ExponentOnly => (
                        Some(field as i32 - bias),
                        Some(1.0),
                        format!("2^({field}-{bias}) = {exact}"),
                    ),
                    Class::Normal => {
                        let significand = 1.0 + mantissa as f64 / (1u64 << m) as f64;
                        let digits = if m == 0 { "1".to_string() } else { format!("1.{mantissa_bits}") };
                        (
                            Some(field as i32 - bias),
                            Some(significand),
                            format!("(-1)^{sign_digit} x 2^({field}-{bias}) x {digits}b = {exact}"),
                        )
                    }
                };
                Decoded {
                    code,
                    bits,
                    value,
                    class,
                    negative,
                    exponent_field: Some(field),
                    mantissa_field: Some(mantissa),
                    exponent,
                    significand,
                    formula,
                    exact_decimal: exact,
                    shortest_decimal: shortest,
                }
            }
            Kind::Grid(grid) => {
                let bits = format!("{code:0width$b}", width = grid.total_bits() as usize);
                let formula = match grid {
                    Grid::Integer { scale, sign, .. } => {
                        let integer = grid.integer(code);
                        let how = match sign {
                            Signedness::Signed => "two's complement",
                            Signedness::Unsigned => "unsigned",
                        };
                        format!(
                            "{how} {bits}b = {integer}; {integer} x {} = {exact}",
                            exact_decimal(*scale)
                        )
                    }
                    Grid::Nf4 { absmax } => format!(
                        "nf4 level {code} = {} ; x absmax {} = {exact}",
                        exact_decimal(super::grid::NF4_LEVELS[code as usize & 15]),
                        exact_decimal(*absmax)
                    ),
                };
                Decoded {
                    code,
                    bits,
                    value,
                    class: if value == 0.0 {
                        Class::Zero
                    } else {
                        Class::Normal
                    },
                    negative: value < 0.0,
                    exponent_field: None,
                    mantissa_field: None,
                    exponent: None,
                    significand: None,
                    formula,
                    exact_decimal: exact,
                    shortest_decimal: shortest,
                }
            }
        }
    }

    /// The shortest decimal string that encodes back to `code` (round to nearest even); among equally
    /// short ones, the closest to the value. `NaN`, `inf`, `-inf`, `0` and `-0` for the specials.
    ///
    /// ```
    /// let fp16: precision_lab::formats::Format = "fp16".parse().unwrap();
    /// assert_eq!(fp16.shortest_decimal(0x7bff), "65500");
    /// assert_eq!(fp16.shortest_decimal(0x0001), "6e-8");
    /// assert_eq!(fp16.shortest_decimal(0x3555), "0.3333");
    /// // Saturating formats: a decimal beyond the largest value does not name it.
    /// let int8: precision_lab::formats::Format = "int8".parse().unwrap();
    /// assert_eq!(int8.shortest_decimal(0x7f), "127");
    /// ```
    pub fn shortest_decimal(&self, code: u64) -> String {
        let code = code & self.code_mask();
        let value = self.decode(code);
        if !value.is_finite() || value == 0.0 {
            return exact_decimal(value);
        }
        let negative = value < 0.0;
        // Significant digits of the exact value and the power of ten of the first one.
        let exact = exact_decimal(value.abs());
        let (int_part, frac_part) = exact.split_once('.').unwrap_or((&exact, ""));
        let all: String = format!("{int_part}{frac_part}");
        let leading_zeros = all.len() - all.trim_start_matches('0').len();
        let digits = all.trim_start_matches('0').as_bytes();
        // value = 0.d1d2d3... x 10^point
        let point = int_part.len() as i64 - leading_zeros as i64;
        for length in 1..=digits.len() {
            let head = &digits[..length];
            let tail = &digits[length..];
            let down = BigUint::from_decimal_digits(head);
            let mut up = down.clone();
            up.add_small(1);
            // The candidate nearer the value goes first: compare the tail with 0.5 at the last place. An
            // exact half goes up in magnitude, as Rust's shortest printer does.
            let up_first = tail.first().is_some_and(|&first| first >= b'5');
            let order = if up_first { [&up, &down] } else { [&down, &up] };
            let exponent10 = point - length as i64;
            for candidate in order {
                let exact = Exact::from_decimal(negative, candidate.clone(), exponent10 as i32);
                // A candidate beyond the largest finite value reads back only because the format
                // saturates (int8's 127 from "200", FP6's 28 from "30"): it does not name this
                // value, so it does not count.
                let outcome = self.outcome_exact(&exact, Rounding::NearestEven, Overflow::Default);
                if outcome.code == code && !outcome.overflowed {
                    return render(negative, &candidate.to_decimal(), exponent10);
                }
            }
        }
        exact_decimal(value)
    }
}

fn nan_formula(family: Family) -> String {
    match family {
        Family::Ieee => "NaN: exponent all ones, mantissa nonzero",
        Family::Fn => "NaN: exponent and mantissa all ones (no infinities in this format)",
        Family::Fnuz => "NaN: the negative-zero code (no infinities, no -0 in this format)",
        Family::ExponentOnly => "NaN: the all-ones code",
        Family::FiniteOnly => "no NaN in this format",
    }
    .to_string()
}

/// `digits x 10^exponent10` as plain decimal when the magnitude is moderate, else scientific.
fn render(negative: bool, digits: &str, exponent10: i64) -> String {
    let sign = if negative { "-" } else { "" };
    // Trailing zeros of the mantissa move into the exponent.
    let trimmed_digits = digits.trim_end_matches('0');
    let exponent10 = exponent10 + (digits.len() - trimmed_digits.len()) as i64;
    let digits = trimmed_digits;
    let trimmed = digits.len() as i64;
    // Position of the leading digit: value is about 10^(lead).
    let lead = exponent10 + trimmed - 1;
    if (-7..21).contains(&lead) {
        if exponent10 >= 0 {
            format!("{sign}{digits}{}", "0".repeat(exponent10 as usize))
        } else {
            let shift = (-exponent10) as usize;
            if digits.len() > shift {
                let (a, b) = digits.split_at(digits.len() - shift);
                format!("{sign}{a}.{b}")
            } else {
                format!("{sign}0.{}{digits}", "0".repeat(shift - digits.len()))
            }
        }
    } else if digits.len() == 1 {
        format!("{sign}{digits}e{lead}")
    } else {
        format!("{sign}{}.{}e{lead}", &digits[..1], &digits[1..])
    }
}
