//! NVFP4: E2M1 elements in blocks of 16, an E4M3 scale per block and an fp32 scale per tensor, so
//! element `i` reads back as `q_i x s_block / S_enc` (NVIDIA Blackwell's 4-bit format; Transformer
//! Engine's `NVFP4BlockScaling`; NVIDIA, "Pretraining Large Language Models with NVFP4",
//! arXiv:2509.25149, section 2).
//!
//! The arithmetic is Transformer Engine's reference quantizer step by step, in `f32` and in its
//! order (`NVFP4QuantizerRef._quantize_blockwise_reference`,
//! `transformer_engine/pytorch/custom_recipes/quantization_nvfp4.py`), so the scale codes are the
//! ones it stores:
//!
//! - tensor: `S_enc = min(448 x 6 / amax, f32::MAX)`, 1 if that is 0; `S_dec = 1 / S_enc`;
//! - block: `s = e4m3(min(amax_block x (S_enc x (1/6)), 448))`, nearest-even;
//! - elements: `q_i = e2m1(clamp(x_i x min(1 / (s x S_dec), f32::MAX), -6, 6))`, nearest-even
//!   (stochastic rounding for gradients in the training recipe).
//!
//! Two places where the spec is silent and we choose: a NaN or infinite value in the tensor gives
//! `S_enc = 1` (Transformer Engine's rule for an infinite amax), and a NaN in a block makes its
//! scale NaN and every element unreadable, as OCP MX does (E2M1 has no NaN; the reference casts a
//! NaN to +0).
//!
//! ```
//! use precision_lab::formats::nvfp4::{quantize_block, TensorScale};
//! use precision_lab::formats::Rounding;
//! let tensor = TensorScale::of(6.0); // S_enc = 448: the largest block scale is 448 exactly
//! let block = quantize_block(&[6.0, 1.0, -0.3], &tensor, Rounding::NearestEven);
//! assert_eq!((block.scale_code, block.scale), (0x7e, 448.0));
//! assert_eq!(block.elements[0].value, 6.0);
//! assert_eq!(block.elements[2].value, -0.5); // -0.3 rounds to the nearest E2M1 value
//! ```

use super::mx::QuantizedElement;
use super::{Format, Overflow, Rounding};

/// Elements per block.
pub const BLOCK_SIZE: usize = 16;

/// The largest E2M1 magnitude.
pub const E2M1_MAX: f32 = 6.0;

/// The largest E4M3 (`e4m3fn`) magnitude.
pub const E4M3_MAX: f32 = 448.0;

/// Storage per element: 4 bits, and an 8-bit scale per 16 (the tensor's 32-bit scale is shared by
/// the whole tensor and left out).
pub const BITS_PER_ELEMENT: f64 = 4.0 + 8.0 / BLOCK_SIZE as f64;

/// The per-tensor scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorScale {
    /// The tensor's largest magnitude, in f32.
    pub amax: f32,
    /// `S_enc`: maps the tensor's amax to 448 x 6, so block scales use E4M3's whole range.
    pub encode: f32,
    /// `S_dec = 1 / S_enc`, what a matrix product multiplies its result by.
    pub decode: f32,
}

impl TensorScale {
    /// The scale for a tensor whose largest magnitude is `amax`.
    pub fn of(amax: f32) -> TensorScale {
        let raw = (E4M3_MAX * E2M1_MAX) / amax;
        // amax 0 gives infinity, held at f32's largest; an infinite or NaN amax gives 1.
        let encode = if raw == 0.0 || raw.is_nan() {
            1.0
        } else {
            raw.min(f32::MAX)
        };
        TensorScale {
            amax,
            encode,
            decode: 1.0 / encode,
        }
    }

    /// The scale for `values`.
    pub fn for_values(values: &[f64]) -> TensorScale {
        TensorScale::of(largest(values))
    }
}

/// The largest magnitude in f32 (NaN if any value is NaN).
fn largest(values: &[f64]) -> f32 {
    values.iter().fold(0.0f32, |m, &x| {
        let a = (x as f32).abs();
        if a.is_nan() || m.is_nan() {
            f32::NAN
        } else {
            m.max(a)
        }
    })
}

/// One quantized block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The block's largest magnitude (f32).
    pub amax: f32,
    /// The E4M3 code of the block scale (0x7f: NaN).
    pub scale_code: u64,
    /// The block scale `s` (an E4M3 value; 0 when the block's range underflows it).
    pub scale: f64,
    /// The elements, in order: `element_value` is `q_i`, `value` is `q_i x s / S_enc`; `clamped`
    /// when `x_i` scaled past ±6.
    pub elements: Vec<QuantizedElement>,
}

impl Block {
    /// The block scale underflowed to zero, so every element of the block reads back as 0.
    pub fn scale_underflowed(&self) -> bool {
        self.scale == 0.0 && self.amax > 0.0
    }
}

fn e4m3() -> Format {
    "e4m3fn".parse().expect("e4m3fn is in the catalogue")
}

fn e2m1() -> Format {
    "e2m1fn".parse().expect("e2m1fn is in the catalogue")
}

/// A block's scale: its E4M3 code, its value, and the factor its elements are multiplied by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockScale {
    pub code: u64,
    pub scale: f32,
    pub encode: f32,
}

/// The scale of a block whose largest magnitude is `amax` (finite): `s = e4m3(min(amax x (S_enc x
/// (1/6)), 448))` and the elements' factor `min(1 / (s x S_dec), f32::MAX)`, in `f32` in the
/// reference's order.
pub fn block_scale(amax: f32, tensor: &TensorScale, e4m3: &Format) -> BlockScale {
    let multiplier = tensor.encode * (1.0f32 / E2M1_MAX);
    let wanted = (amax * multiplier).min(f32::MAX).clamp(-E4M3_MAX, E4M3_MAX);
    let code = e4m3.encode(f64::from(wanted), Rounding::NearestEven, Overflow::Saturate);
    let scale = e4m3.decode(code) as f32;
    BlockScale {
        code,
        scale,
        encode: (1.0 / (scale * tensor.decode)).min(f32::MAX),
    }
}

/// An element scaled by its block's factor and clipped to E2M1's range, ready to round.
pub fn scaled_element(x: f64, encode: f32) -> f32 {
    ((x as f32) * encode).clamp(-E2M1_MAX, E2M1_MAX)
}

/// Whether `x` lies past its block's range in exact terms (`|x| S_enc > 6 s`, products of `f32`s
/// exact in `f64`), not by the `f32` noise of the scaled value.
pub fn past_range(x: f64, tensor: &TensorScale, scale: f32) -> bool {
    scale > 0.0 && x.abs() * f64::from(tensor.encode) > f64::from(E2M1_MAX) * f64::from(scale)
}

/// Quantizes one block (16 values, or the 256 of a 16x16 tile) under the tensor's scale; `rounding` rounds the
/// elements (nearest-even, or stochastic for gradients); the block scale is always nearest-even.
pub fn quantize_block(values: &[f64], tensor: &TensorScale, rounding: Rounding) -> Block {
    let (scale_format, element_format) = (e4m3(), e2m1());
    let amax = largest(values);
    if amax.is_nan() {
        return Block {
            amax,
            scale_code: 0x7f,
            scale: f64::NAN,
            elements: values
                .iter()
                .map(|&input| QuantizedElement {
                    input,
                    code: 0,
                    element_value: f64::NAN,
                    value: f64::NAN,
                    abs_error: f64::NAN,
                    clamped: false,
                })
                .collect(),
        };
    }
    let BlockScale {
        code: scale_code,
        scale,
        encode,
    } = block_scale(amax, tensor, &scale_format);
    let elements = values
        .iter()
        .enumerate()
        .map(|(i, &input)| {
            let clipped = scaled_element(input, encode);
            // Stochastic rounding draws for each element apart (a seed derived from its index).
            let code = element_format.encode(
                f64::from(clipped),
                rounding.for_element(i),
                Overflow::Saturate,
            );
            let element_value = element_format.decode(code);
            // q x s is exact; one division by S_enc (not a product with the rounded S_dec), so a
            // value that is stored exactly reads back exactly.
            let value = element_value * f64::from(scale) / f64::from(tensor.encode);
            QuantizedElement {
                input,
                code,
                element_value,
                value,
                abs_error: (value - input).abs(),
                clamped: past_range(input, tensor, scale),
            }
        })
        .collect();
    Block {
        amax,
        scale_code,
        scale: f64::from(scale),
        elements,
    }
}

/// Quantizes a tensor in consecutive blocks of 16 (1x16: the last may be shorter), with its own
/// tensor scale.
pub fn quantize(values: &[f64], rounding: Rounding) -> (TensorScale, Vec<Block>) {
    let tensor = TensorScale::for_values(values);
    let blocks = values
        .chunks(BLOCK_SIZE)
        .enumerate()
        .map(|(b, chunk)| quantize_block(chunk, &tensor, rounding.for_element(b)))
        .collect();
    (tensor, blocks)
}

/// Quantizes a row-major matrix of `cols` columns in 16x16 tiles, one E4M3 scale per tile (the
/// recipe's weights, so that a weight and its transpose share their quantization:
/// arXiv:2509.25149 section 4; Transformer Engine's `quant_tile_shape=(16, 16)`). Tiles go in
/// row-major order, each tile's elements row by row; edge tiles may be smaller.
pub fn quantize_2d(values: &[f64], cols: usize, rounding: Rounding) -> (TensorScale, Vec<Block>) {
    let tensor = TensorScale::for_values(values);
    let cols = cols.max(1);
    let rows = values.len().div_ceil(cols);
    let mut blocks = Vec::new();
    for top in (0..rows).step_by(BLOCK_SIZE) {
        for left in (0..cols).step_by(BLOCK_SIZE) {
            let tile: Vec<f64> = (top..(top + BLOCK_SIZE).min(rows))
                .flat_map(|r| {
                    let row = r * cols;
                    values[(row + left).min(values.len())
                        ..(row + (left + BLOCK_SIZE).min(cols)).min(values.len())]
                        .iter()
                        .copied()
                })
                .collect();
            let index = blocks.len();
            blocks.push(quantize_block(&tile, &tensor, rounding.for_element(index)));
        }
    }
    (tensor, blocks)
}
