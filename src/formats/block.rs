//! Block-scaled formats as values: the OCP MX formats (32 elements, an E8M0 scale) and NVFP4 (16
//! elements, an E4M3 scale under an fp32 tensor scale), with what each stores and costs, so the
//! Formats view's block editor, the tensor table and the trainer name and quantize them alike.
//! The arithmetic is in [`super::mx`] and [`super::nvfp4`].
//!
//! ```
//! use precision_lab::formats::block::BlockFormat;
//! let nvfp4 = BlockFormat::from_id("nvfp4").unwrap();
//! assert_eq!((nvfp4.block_size(), nvfp4.scale_format(), nvfp4.bits_per_element()), (16, "E4M3", 4.5));
//! assert_eq!(BlockFormat::from_id("mxfp4-e2m1").unwrap().bits_per_element(), 4.25);
//! ```

use super::mx::{self, Element};
use super::{nvfp4, Format};

/// A block-scaled format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockFormat {
    /// OCP MX v1.0: 32 elements share a power-of-two E8M0 scale.
    Mx(Element),
    /// NVFP4: E2M1 elements, 16 to a block with an E4M3 scale, and an fp32 scale per tensor.
    Nvfp4,
}

impl BlockFormat {
    /// Every block format, MX in spec order, then NVFP4.
    pub const ALL: [BlockFormat; 7] = [
        BlockFormat::Mx(Element::Fp8E4M3),
        BlockFormat::Mx(Element::Fp8E5M2),
        BlockFormat::Mx(Element::Fp6E3M2),
        BlockFormat::Mx(Element::Fp6E2M3),
        BlockFormat::Mx(Element::Fp4E2M1),
        BlockFormat::Mx(Element::Int8),
        BlockFormat::Nvfp4,
    ];

    /// A short stable id (for URLs).
    pub fn id(self) -> &'static str {
        match self {
            BlockFormat::Mx(Element::Fp8E4M3) => "mxfp8-e4m3",
            BlockFormat::Mx(Element::Fp8E5M2) => "mxfp8-e5m2",
            BlockFormat::Mx(Element::Fp6E3M2) => "mxfp6-e3m2",
            BlockFormat::Mx(Element::Fp6E2M3) => "mxfp6-e2m3",
            BlockFormat::Mx(Element::Fp4E2M1) => "mxfp4-e2m1",
            BlockFormat::Mx(Element::Int8) => "mxint8",
            BlockFormat::Nvfp4 => "nvfp4",
        }
    }

    /// The format whose [`id`](Self::id) is `id`.
    pub fn from_id(id: &str) -> Option<BlockFormat> {
        BlockFormat::ALL.into_iter().find(|b| b.id() == id)
    }

    /// Its name ("MXFP8 (E4M3)", "NVFP4").
    pub fn name(self) -> &'static str {
        match self {
            BlockFormat::Mx(element) => element.name(),
            BlockFormat::Nvfp4 => "NVFP4 (E2M1)",
        }
    }

    /// The element format.
    pub fn element_format(self) -> Format {
        match self {
            BlockFormat::Mx(element) => element.format(),
            BlockFormat::Nvfp4 => "e2m1fn".parse().expect("e2m1fn is in the catalogue"),
        }
    }

    /// Elements per block.
    pub fn block_size(self) -> usize {
        match self {
            BlockFormat::Mx(_) => mx::BLOCK_SIZE,
            BlockFormat::Nvfp4 => nvfp4::BLOCK_SIZE,
        }
    }

    /// The block scale's format.
    pub fn scale_format(self) -> &'static str {
        match self {
            BlockFormat::Mx(_) => "E8M0",
            BlockFormat::Nvfp4 => "E4M3",
        }
    }

    /// Storage bits per element, the block scale included (a tensor scale is left out).
    pub fn bits_per_element(self) -> f64 {
        match self {
            BlockFormat::Mx(element) => element.bits_per_element(),
            BlockFormat::Nvfp4 => nvfp4::BITS_PER_ELEMENT,
        }
    }
}
