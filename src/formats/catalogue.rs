//! The named formats a learner meets, each with its group and its source (docs/sources.md, "Format
//! definitions", gives each definition with its specification).
//! It owns names, grouping and provenance only; the shapes are ordinary [`FloatSpec`]s and integer
//! grids checked by the same constructors as custom formats.

use super::grid::Grid;
use super::{Family, FloatSpec, Format, Signedness, Subnormals};

/// Which shelf of the catalogue an entry sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// IEEE 754 binary formats.
    Ieee,
    /// Reduced-precision float formats made for machine learning (bf16, tf32).
    Ml16,
    /// 8-bit floats.
    Fp8,
    /// OCP MX 6-bit and 4-bit element floats.
    Fp6Fp4,
    /// The OCP MX shared scale.
    MxScale,
    /// Integers.
    Integer,
    /// The NF4 codebook.
    Nf4,
}

impl Group {
    /// Every shelf, in the order the format menus list them.
    pub const ALL: [Group; 7] = [
        Group::Ieee,
        Group::Ml16,
        Group::Fp8,
        Group::Fp6Fp4,
        Group::MxScale,
        Group::Integer,
        Group::Nf4,
    ];

    /// Label for a heading.
    pub fn label(self) -> &'static str {
        match self {
            Group::Ieee => "IEEE",
            Group::Ml16 => "ML 16-bit",
            Group::Fp8 => "FP8 family",
            Group::Fp6Fp4 => "FP6/FP4",
            Group::MxScale => "MX scale",
            Group::Integer => "integers",
            Group::Nf4 => "nf4",
        }
    }
}

/// One named format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CatalogueEntry {
    /// The name `Format::from_str` accepts.
    pub name: &'static str,
    /// Its shelf.
    pub group: Group,
    /// Where its definition comes from.
    pub source: &'static str,
    definition: Definition,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Definition {
    Float(FloatSpec),
    Grid(Grid),
}

impl CatalogueEntry {
    /// The format itself.
    pub fn format(&self) -> Format {
        let format = match self.definition {
            Definition::Float(spec) => {
                Format::custom(spec).expect("catalogue float specs are valid")
            }
            Definition::Grid(grid) => Format::from_kind(None, super::format::Kind::Grid(grid)),
        };
        format.named(self.name)
    }
}

const fn float(exponent_bits: u32, mantissa_bits: u32, bias: i32, family: Family) -> Definition {
    Definition::Float(FloatSpec {
        sign: Signedness::Signed,
        exponent_bits,
        mantissa_bits,
        bias,
        family,
        subnormals: Subnormals::Gradual,
    })
}

const fn int(bits: u32, sign: Signedness) -> Definition {
    Definition::Grid(Grid::Integer {
        bits,
        sign,
        scale: 1.0,
    })
}

const fn entry(
    name: &'static str,
    group: Group,
    source: &'static str,
    definition: Definition,
) -> CatalogueEntry {
    CatalogueEntry {
        name,
        group,
        source,
        definition,
    }
}

const CATALOGUE: [CatalogueEntry; 20] = [
    entry("fp64", Group::Ieee, "IEEE 754-2019 binary64", float(11, 52, 1023, Family::Ieee)),
    entry("fp32", Group::Ieee, "IEEE 754-2019 binary32", float(8, 23, 127, Family::Ieee)),
    entry("fp16", Group::Ieee, "IEEE 754-2019 binary16", float(5, 10, 15, Family::Ieee)),
    entry(
        "bf16",
        Group::Ml16,
        "Google Brain bfloat16 (Cloud TPU documentation): fp32's exponent, 7 mantissa bits",
        float(8, 7, 127, Family::Ieee),
    ),
    entry(
        "tf32",
        Group::Ml16,
        "NVIDIA A100 (Ampere) architecture: TensorFloat-32, 19 bits used in a 32-bit container; subnormal \
         handling is hardware-defined, modelled here as IEEE gradual underflow",
        float(8, 10, 127, Family::Ieee),
    ),
    entry("e5m2", Group::Fp8, "OCP 8-bit Floating Point Specification (OFP8) v1.0, E5M2", float(5, 2, 15, Family::Ieee)),
    entry("e4m3fn", Group::Fp8, "OCP 8-bit Floating Point Specification (OFP8) v1.0, E4M3", float(4, 3, 7, Family::Fn)),
    entry(
        "e4m3fnuz",
        Group::Fp8,
        "GraphCore / AMD FP8 (bias 8, NaN at 0x80); ml_dtypes float8_e4m3fnuz",
        float(4, 3, 8, Family::Fnuz),
    ),
    entry(
        "e5m2fnuz",
        Group::Fp8,
        "GraphCore / AMD FP8 (bias 16, NaN at 0x80); ml_dtypes float8_e5m2fnuz",
        float(5, 2, 16, Family::Fnuz),
    ),
    entry("e4m3", Group::Fp8, "IEEE-754-style E4M3 with Inf and NaN; ml_dtypes float8_e4m3", float(4, 3, 7, Family::Ieee)),
    entry("e3m4", Group::Fp8, "IEEE-754-style E3M4 with Inf and NaN; ml_dtypes float8_e3m4", float(3, 4, 3, Family::Ieee)),
    entry("e3m2fn", Group::Fp6Fp4, "OCP Microscaling (MX) v1.0, FP6 E3M2", float(3, 2, 3, Family::FiniteOnly)),
    entry("e2m3fn", Group::Fp6Fp4, "OCP Microscaling (MX) v1.0, FP6 E2M3", float(2, 3, 1, Family::FiniteOnly)),
    entry("e2m1fn", Group::Fp6Fp4, "OCP Microscaling (MX) v1.0, FP4 E2M1", float(2, 1, 1, Family::FiniteOnly)),
    entry(
        "e8m0fnu",
        Group::MxScale,
        "OCP Microscaling (MX) v1.0, E8M0 shared scale: 2^(code - 127), 0xFF is NaN, no zero, no sign",
        Definition::Float(FloatSpec {
            sign: Signedness::Unsigned,
            exponent_bits: 8,
            mantissa_bits: 0,
            bias: 127,
            family: Family::ExponentOnly,
            subnormals: Subnormals::Flush,
        }),
    ),
    entry("int16", Group::Integer, "two's complement 16-bit integer", int(16, Signedness::Signed)),
    entry("int8", Group::Integer, "two's complement 8-bit integer", int(8, Signedness::Signed)),
    entry("int4", Group::Integer, "two's complement 4-bit integer", int(4, Signedness::Signed)),
    entry("uint8", Group::Integer, "unsigned 8-bit integer", int(8, Signedness::Unsigned)),
    entry(
        "nf4",
        Group::Nf4,
        "NormalFloat4: QLoRA (Dettmers et al. 2023), levels from bitsandbytes get_4bit_type(\"nf4\"), times \
         absmax (1 here)",
        Definition::Grid(Grid::Nf4 { absmax: 1.0 }),
    ),
];

/// Every named format, grouped as the site shows them, each with its source.
///
/// ```
/// use precision_lab::formats::{catalogue, Group};
/// let fp8: Vec<&str> = catalogue().iter().filter(|e| e.group == Group::Fp8).map(|e| e.name).collect();
/// assert_eq!(fp8, ["e5m2", "e4m3fn", "e4m3fnuz", "e5m2fnuz", "e4m3", "e3m4"]);
/// assert_eq!(catalogue()[0].format().name(), "fp64");
/// ```
pub fn catalogue() -> &'static [CatalogueEntry] {
    &CATALOGUE
}
