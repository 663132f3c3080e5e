//! OCP Microscaling (MX v1.0) block quantization: 32 values share one E8M0 power-of-two scale `X`, and
//! each element stores `P_i = quantize(V_i / X)` in a small format (MXFP8 E4M3/E5M2, MXFP6 E3M2/E2M3,
//! MXFP4 E2M1, MXINT8), so element `i` reads back as `X x P_i`. It owns the scale rule (with the rounding
//! of the scale as a visible choice) and the per-element report; element rounding is the ordinary
//! [`Format::encode_report`] with nearest-even and saturation, as the spec requires.
//!
//! ```
//! use precision_lab::formats::mx::{quantize_block, Element, ScaleRounding};
//! let block = quantize_block(&[1.0, -3.0, 0.25, 1000.0], Element::Fp8E4M3, ScaleRounding::Floor).unwrap();
//! // floor(log2 1000) = 9, E4M3's largest normal is 2^8: X = 2^(9-8) = 2.
//! assert_eq!((block.scale, block.scale_code), (2.0, 128));
//! // 1000 / 2 = 500 is beyond E4M3's 448 (and its tie 464 with the missing 480): it clamps to 448.
//! assert_eq!(block.elements[3].value, 896.0);
//! assert!(block.elements[3].clamped);
//! assert_eq!(block.bits_per_element, 8.25);
//! ```

use std::fmt;

use super::exact::{decompose, pow2, Exact};
use super::{Format, Overflow, Rounding, Signedness};

/// Elements per block in OCP MX v1.0.
pub const BLOCK_SIZE: usize = 32;

/// Bits of the shared E8M0 scale.
pub const SCALE_BITS: u32 = 8;

/// The element formats of the MX v1.0 concrete formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Element {
    /// MXFP8 with E4M3 elements (OCP FP8 E4M3, `e4m3fn`).
    Fp8E4M3,
    /// MXFP8 with E5M2 elements.
    Fp8E5M2,
    /// MXFP6 with E3M2 elements.
    Fp6E3M2,
    /// MXFP6 with E2M3 elements.
    Fp6E2M3,
    /// MXFP4 with E2M1 elements.
    Fp4E2M1,
    /// MXINT8: 8-bit two's complement with an implicit scale of 2^-6 (values -2 to 1.984375).
    Int8,
}

impl Element {
    /// Every element kind, in spec order.
    pub const ALL: [Element; 6] = [
        Element::Fp8E4M3,
        Element::Fp8E5M2,
        Element::Fp6E3M2,
        Element::Fp6E2M3,
        Element::Fp4E2M1,
        Element::Int8,
    ];

    /// The MX format's name.
    pub fn name(self) -> &'static str {
        match self {
            Element::Fp8E4M3 => "MXFP8 (E4M3)",
            Element::Fp8E5M2 => "MXFP8 (E5M2)",
            Element::Fp6E3M2 => "MXFP6 (E3M2)",
            Element::Fp6E2M3 => "MXFP6 (E2M3)",
            Element::Fp4E2M1 => "MXFP4 (E2M1)",
            Element::Int8 => "MXINT8",
        }
    }

    /// The element format.
    pub fn format(self) -> Format {
        let name = match self {
            Element::Fp8E4M3 => "e4m3fn",
            Element::Fp8E5M2 => "e5m2",
            Element::Fp6E3M2 => "e3m2fn",
            Element::Fp6E2M3 => "e2m3fn",
            Element::Fp4E2M1 => "e2m1fn",
            Element::Int8 => {
                return Format::integer(8, Signedness::Signed, 0.015625)
                    .expect("int8 with scale 2^-6 is valid")
                    .named("mxint8 element");
            }
        };
        name.parse()
            .expect("MX element formats are in the catalogue")
    }

    /// `emax_elem`: the exponent of the element format's largest normal power of two (E4M3 8, E5M2 15,
    /// E3M2 4, E2M3 2, E2M1 2, INT8 0).
    pub fn emax(self) -> i32 {
        match self {
            Element::Fp8E4M3 => 8,
            Element::Fp8E5M2 => 15,
            Element::Fp6E3M2 => 4,
            Element::Fp6E2M3 | Element::Fp4E2M1 => 2,
            Element::Int8 => 0,
        }
    }

    /// Storage per element including the shared scale: `(32 x element bits + 8) / 32`.
    pub fn bits_per_element(self) -> f64 {
        (BLOCK_SIZE as f64 * self.format().total_bits() as f64 + SCALE_BITS as f64)
            / BLOCK_SIZE as f64
    }
}

/// How the shared exponent is chosen. Implementations disagree, so the choice is visible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScaleRounding {
    /// OCP MX v1.0: `floor(log2(amax)) - emax_elem`. The largest element may exceed the element's
    /// maximum and clamp.
    #[default]
    Floor,
    /// The smallest power of two with `amax / X <= max_elem` (CUDA / Transformer Engine recipes): nothing
    /// clamps, small values lose more.
    RoundUp,
    /// `amax / max_elem` cast to E8M0 with round-to-nearest-even (PyTorch / ml_dtypes casts); may clamp.
    NearestEven,
}

/// One element of a quantized block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantizedElement {
    /// The value given.
    pub input: f64,
    /// The element code.
    pub code: u64,
    /// The element's own value `P_i`.
    pub element_value: f64,
    /// What the element reads back as, `X x P_i`.
    pub value: f64,
    /// `|value - input|`.
    pub abs_error: f64,
    /// `V_i / X` rounded past the element's largest value and was saturated to it.
    pub clamped: bool,
}

/// A quantized block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Element kind.
    pub element: Element,
    /// Scale rule used.
    pub scale_rounding: ScaleRounding,
    /// The E8M0 code of the scale (0xFF: NaN, when an input is NaN or infinite).
    pub scale_code: u64,
    /// The scale `X = 2^shared_exponent` (NaN for code 0xFF).
    pub scale: f64,
    /// `log2(X)`, clamped to -127..=127; `None` for a NaN scale.
    pub shared_exponent: Option<i32>,
    /// Largest magnitude in the block.
    pub amax: f64,
    /// The elements, in order.
    pub elements: Vec<QuantizedElement>,
    /// Storage bits per element including the shared scale.
    pub bits_per_element: f64,
}

/// Why a block could not be quantized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MxError {
    /// No values.
    Empty,
    /// More than 32 values (use [`quantize`] for longer tensors).
    TooLong(usize),
}

impl fmt::Display for MxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MxError::Empty => write!(f, "an MX block needs at least one value"),
            MxError::TooLong(len) => write!(
                f,
                "an MX block holds at most {BLOCK_SIZE} values, not {len}"
            ),
        }
    }
}

impl std::error::Error for MxError {}

/// `floor(log2(x))` for a positive finite `x`, exactly.
fn floor_log2(x: f64) -> i32 {
    let (mantissa, exponent) = decompose(x);
    exponent + 63 - mantissa.leading_zeros() as i32
}

/// `x x 2^power` exactly when the result is a normal f64 (two steps keep intermediates in range).
fn scale_by(x: f64, power: i32) -> f64 {
    let half = power / 2;
    x * pow2(half) * pow2(power - half)
}

/// The block's shared exponent `log2(X)` for its largest magnitude `amax` (finite, at least 0),
/// clamped to E8M0's -127..=127.
pub fn shared_exponent(amax: f64, element: Element, scale_rounding: ScaleRounding) -> i32 {
    if amax == 0.0 {
        // All zeros: log2(0) is -inf, so the smallest scale (code 0x00, 2^-127); every element is 0.
        return -127;
    }
    match scale_rounding {
        ScaleRounding::Floor => floor_log2(amax) - element.emax(),
        ScaleRounding::RoundUp => {
            let max_elem = element.format().max_finite();
            let guess = floor_log2(amax) - floor_log2(max_elem);
            if scale_by(amax, -guess) <= max_elem {
                guess
            } else {
                guess + 1
            }
        }
        ScaleRounding::NearestEven => {
            let max_elem = element.format().max_finite();
            let scale_format: Format = "e8m0fnu".parse().expect("e8m0fnu is in the catalogue");
            let ratio = Exact::from_f64(amax)
                .divide(&Exact::from_f64(max_elem))
                .expect("max_elem is positive");
            let code = scale_format.encode_exact(&ratio, Rounding::NearestEven, Overflow::Saturate);
            code as i32 - 127
        }
    }
    .clamp(-127, 127)
}

/// Quantizes up to 32 values into one MX block.
pub fn quantize_block(
    values: &[f64],
    element: Element,
    scale_rounding: ScaleRounding,
) -> Result<Block, MxError> {
    if values.is_empty() {
        return Err(MxError::Empty);
    }
    if values.len() > BLOCK_SIZE {
        return Err(MxError::TooLong(values.len()));
    }
    let format = element.format();
    let bits_per_element = element.bits_per_element();
    let amax = values.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    if values.iter().any(|v| !v.is_finite()) {
        // MX v1.0: a NaN or infinite input makes the scale NaN, and with it every element.
        let nan_code = format.encode(f64::NAN, Rounding::NearestEven, Overflow::Saturate);
        return Ok(Block {
            element,
            scale_rounding,
            scale_code: 0xFF,
            scale: f64::NAN,
            shared_exponent: None,
            amax: values.iter().fold(0.0f64, |acc, v| {
                if v.is_nan() {
                    f64::NAN
                } else {
                    acc.max(v.abs())
                }
            }),
            elements: values
                .iter()
                .map(|&input| QuantizedElement {
                    input,
                    code: nan_code,
                    element_value: f64::NAN,
                    value: f64::NAN,
                    abs_error: f64::NAN,
                    clamped: false,
                })
                .collect(),
            bits_per_element,
        });
    }
    let shared_exponent = shared_exponent(amax, element, scale_rounding);
    let scale = pow2(shared_exponent);
    let elements = values
        .iter()
        .map(|&input| {
            let scaled = scale_by(input, -shared_exponent);
            let report = format.encode_report(scaled, Rounding::NearestEven, Overflow::Saturate);
            let value = report.stored * scale;
            QuantizedElement {
                input,
                code: report.code,
                element_value: report.stored,
                value,
                abs_error: (value - input).abs(),
                clamped: report.overflowed,
            }
        })
        .collect();
    Ok(Block {
        element,
        scale_rounding,
        scale_code: (shared_exponent + 127) as u64,
        scale,
        shared_exponent: Some(shared_exponent),
        amax,
        elements,
        bits_per_element,
    })
}

/// Quantizes any number of values in consecutive blocks of 32 (the last may be shorter).
pub fn quantize(values: &[f64], element: Element, scale_rounding: ScaleRounding) -> Vec<Block> {
    values
        .chunks(BLOCK_SIZE)
        .filter_map(|chunk| quantize_block(chunk, element, scale_rounding).ok())
        .collect()
}
