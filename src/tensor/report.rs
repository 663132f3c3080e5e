//! A tensor against every format at once: one row per format of the catalogue that can hold signed
//! values, under one scaling for the whole table (`scale=none|tensor|block` in the URL). Values
//! stream through [`Analysis::add`] in slices of any size; block rows see whole blocks whatever
//! the slices are.

use super::analysis::{absmax, absmax_factor, magnitude_bits, Tally};
use super::ggml::{ggml_block, Ggml, QK_K};
use super::kernel::Kernel;
use super::runs::{self, Sorted};
use crate::formats::mx::{self, Element, ScaleRounding};
use crate::formats::nvfp4::{self, TensorScale};
use crate::formats::{catalogue, Format, Signedness};

/// The scaling of a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Values stored as they are.
    #[default]
    None,
    /// One scale for the tensor: its absmax lands on each format's largest value.
    Tensor,
    /// A scale per block, as deployed: MX formats a power-of-two E8M0 scale per 32 values (OCP MX
    /// v1.0, the spec's floor rule); int8, int4 and nf4 an fp32 absmax per 64 values
    /// (bitsandbytes' blockwise default), int4 and nf4 per 128 too; and the deployed schemes beside
    /// them: GGUF's Q8_0, Q4_0
    /// and Q4_K, asymmetric int4 per 128 (GPTQ, AWQ), NVFP4 (E4M3 per 16 under an fp32 tensor scale,
    /// which needs the tensor's absmax). Other formats have no block scheme and are left out.
    Block,
}

impl Mode {
    pub fn id(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Tensor => "tensor",
            Mode::Block => "block",
        }
    }

    /// Whether the table needs the tensor's absmax before it starts (a first pass over the file).
    pub fn needs_absmax(self) -> bool {
        self != Mode::None
    }

    pub fn from_id(id: &str) -> Option<Mode> {
        [Mode::None, Mode::Tensor, Mode::Block]
            .into_iter()
            .find(|m| m.id() == id)
    }
}

/// How one row stores values.
#[derive(Clone, Debug, PartialEq)]
enum Scheme {
    /// A factor for the whole tensor (1 without scaling).
    Whole(f64),
    /// MX: blocks of 32 with an E8M0 scale.
    Mx(Element),
    /// An fp32 absmax scale per block of `size`.
    Absmax(usize),
    /// A GGUF block type, with llama.cpp's reference arithmetic.
    Ggml(Ggml),
    /// Asymmetric int4 per group of 128 with a scale and a zero point (GPTQ/AWQ checkpoints).
    Asymmetric,
    /// NVFP4: E2M1 in blocks of 16 with an E4M3 scale (the format, made once), under the
    /// tensor's fp32 scale.
    Nvfp4(TensorScale, Format),
}

/// Values per group of the asymmetric int4 scheme.
pub const GROUP: usize = 128;

/// What asymmetric 4-bit quantization stores for each value of a group (read back, clamped), as
/// GPTQ's quantizer defines it (`find_params`, auto-gptq `quantization/quantizer.py`): the range
/// is `[min(x, 0), max(x, 0)]` (an all-zero group gets `[-1, 1]`), the scale `(max - min) / 15`
/// stored in fp16, the zero point `round(-min / scale)` (4 bits), a code
/// `clamp(round(x / scale) + zero, 0, 15)` and the value `(code - zero) x scale`; rounding to
/// nearest, ties to even, as `torch.round`.
pub fn asymmetric_group(group: &[f64]) -> Vec<(f64, bool)> {
    let finite = group.iter().filter(|x| x.is_finite());
    let (mut lo, mut hi) = finite.fold((0.0f64, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if lo == 0.0 && hi == 0.0 {
        (lo, hi) = (-1.0, 1.0);
    }
    let scale32 = ((hi - lo) as f32) / 15.0;
    let zero = (-(lo as f32) / scale32).round_ties_even().clamp(0.0, 15.0);
    let scale = f64::from(half::f16::from_f32(scale32).to_f32());
    group
        .iter()
        .map(|&x| {
            let code = (x / scale).round_ties_even() + f64::from(zero);
            let kept = code.clamp(0.0, 15.0);
            ((kept - f64::from(zero)) * scale, kept != code)
        })
        .collect()
}

/// One format's row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The catalogue id (`tensor-row-<id>`).
    pub id: &'static str,
    /// Storage bits per value, scales included.
    pub bits: f64,
    /// The scheme in words ("E8M0 scale per 32 values").
    pub scheme: &'static str,
    /// The whole tensor's tally: each part's, added in order once the part is whole.
    pub tally: Tally,
    /// The tally of the part under way ([`PART`]).
    current: Tally,
    kernel: Kernel,
    how: Scheme,
}

/// A table being filled.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub rows: Vec<Row>,
    /// Values not yet in a whole block.
    carry: Vec<f64>,
    /// Values not yet in a whole batch of the whole-tensor rows ([`runs::BATCH`]).
    pending: Vec<f64>,
    batch: Sorted,
    /// Values of the part under way added so far.
    in_part: usize,
}

/// Values per part: a tensor is measured part by part, each part's tallies added to the whole's
/// in order, so that parts measured apart (in workers) and merged give the table that streaming
/// gives, bit for bit. A multiple of `runs::BATCH` and of every block size, so no batch or
/// block straddles two parts.
pub const PART: usize = 1 << 18;

const _: () = assert!(PART.is_multiple_of(runs::BATCH) && PART.is_multiple_of(CHUNK));

/// Values per block handed to the block rows at once: a multiple of every block size.
const CHUNK: usize = QK_K;

impl Analysis {
    /// The rows for `mode`; a per-tensor scale needs the tensor's `absmax` (from a first pass).
    pub fn new(mode: Mode, absmax: f64) -> Analysis {
        let mut rows = Vec::new();
        for entry in catalogue() {
            let format = entry.format();
            if format.signedness() == Signedness::Unsigned || entry.name == "fp64" {
                continue;
            }
            let bits = f64::from(format.total_bits());
            let (how, scheme, bits) = match mode {
                Mode::None => (Scheme::Whole(1.0), "as is", bits),
                Mode::Tensor => (
                    Scheme::Whole(absmax_factor(&format, absmax)),
                    "one scale for the tensor",
                    bits,
                ),
                Mode::Block => match block_scheme(entry.name) {
                    Some((how, scheme, extra)) => (how, scheme, bits + extra),
                    None => continue,
                },
            };
            rows.push(Row {
                id: entry.name,
                bits,
                scheme,
                tally: Tally::default(),
                current: Tally::default(),
                kernel: Kernel::new(&format),
                how,
            });
        }
        if mode == Mode::Block {
            for (id, kind, bits, scheme, like) in [
                (
                    "q8_0",
                    Ggml::Q8_0,
                    8.5,
                    "GGUF Q8_0: fp16 scale per 32 values",
                    "int8",
                ),
                (
                    "q4_0",
                    Ggml::Q4_0,
                    4.5,
                    "GGUF Q4_0: fp16 scale per 32 values, offset 8",
                    "int4",
                ),
                (
                    "q4_k",
                    Ggml::Q4K,
                    4.5,
                    "GGUF Q4_K: 6-bit scale and min per 32, fp16 scales per 256",
                    "int4",
                ),
            ] {
                let format: Format = like.parse().expect("int8 and int4 are in the catalogue");
                rows.push(Row {
                    id,
                    bits,
                    scheme,
                    tally: Tally::default(),
                    current: Tally::default(),
                    kernel: Kernel::new(&format),
                    how: Scheme::Ggml(kind),
                });
            }
        }
        if mode == Mode::Block {
            // int4 and nf4 in groups of 128 too, the other group size people use (GPTQ's and
            // AWQ's default; bitsandbytes offers 64 and 128).
            for (id, like) in [("int4_g128", "int4"), ("nf4_g128", "nf4")] {
                let format: Format = like.parse().expect("int4 and nf4 are in the catalogue");
                rows.push(Row {
                    id,
                    bits: 4.0 + 32.0 / 128.0,
                    scheme: "fp32 absmax scale per 128 values",
                    tally: Tally::default(),
                    current: Tally::default(),
                    kernel: Kernel::new(&format),
                    how: Scheme::Absmax(128),
                });
            }
            let format: Format = "e2m1fn".parse().expect("e2m1fn is in the catalogue");
            rows.push(Row {
                id: "nvfp4",
                bits: nvfp4::BITS_PER_ELEMENT,
                scheme: "NVFP4: E4M3 scale per 16 values, fp32 scale per tensor",
                tally: Tally::default(),
                current: Tally::default(),
                kernel: Kernel::new(&format),
                how: Scheme::Nvfp4(
                    TensorScale::of(absmax as f32),
                    "e4m3fn".parse().expect("e4m3fn is in the catalogue"),
                ),
            });
            let format: Format = "int4".parse().expect("int4 is in the catalogue");
            rows.push(Row {
                id: "int4_asym",
                // 4 bits, and per 128 values an fp16 scale and a 4-bit zero point.
                bits: 4.0 + 20.0 / GROUP as f64,
                scheme: "fp16 scale and 4-bit zero point per 128 values (GPTQ, AWQ)",
                tally: Tally::default(),
                current: Tally::default(),
                kernel: Kernel::new(&format),
                how: Scheme::Asymmetric,
            });
        }
        Analysis {
            rows,
            carry: Vec::new(),
            pending: Vec::new(),
            batch: Sorted::default(),
            in_part: 0,
        }
    }

    /// Adds a slice of the tensor's values, in order.
    pub fn add(&mut self, mut values: &[f64]) {
        while !values.is_empty() {
            let (head, rest) = values.split_at((PART - self.in_part).min(values.len()));
            self.add_to_part(head);
            self.in_part += head.len();
            if self.in_part == PART {
                self.close_part();
            }
            values = rest;
        }
    }

    /// Ends the tensor: a last partial batch or block is one of its own.
    pub fn finish(&mut self) {
        self.close_part();
    }

    /// Adds the tallies of a part measured apart (by
    /// [`measure_part`](super::parts::measure_part), with the same mode and absmax): parts must
    /// come in order, each once, as `add` would have seen their values.
    pub fn merge_part(&mut self, tallies: &[Tally]) {
        for (row, part) in self.rows.iter_mut().zip(tallies) {
            row.tally.merge(part);
        }
    }

    /// Measures what is left of the part under way and adds its tallies to the whole's.
    fn close_part(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.add_whole(&pending);
        }
        let rest = std::mem::take(&mut self.carry);
        self.add_blocks(&rest);
        for row in &mut self.rows {
            row.tally.merge(&std::mem::take(&mut row.current));
        }
        self.in_part = 0;
    }

    /// Adds values that lie within the part under way.
    fn add_to_part(&mut self, values: &[f64]) {
        if self.rows.iter().any(|r| matches!(r.how, Scheme::Whole(_))) {
            self.pending.extend_from_slice(values);
            let whole = self.pending.len() / runs::BATCH * runs::BATCH;
            let pending = std::mem::take(&mut self.pending);
            for batch in pending[..whole].chunks(runs::BATCH) {
                self.add_whole(batch);
            }
            self.pending = pending;
            self.pending.drain(..whole);
        }
        if self.rows.iter().all(|r| matches!(r.how, Scheme::Whole(_))) {
            return;
        }
        self.carry.extend_from_slice(values);
        let whole = self.carry.len() / CHUNK * CHUNK;
        let blocks: Vec<f64> = self.carry.drain(..whole).collect();
        self.add_blocks(&blocks);
    }

    /// One batch through every whole-tensor row, sorted once for them all.
    fn add_whole(&mut self, batch: &[f64]) {
        self.batch.take(batch);
        for row in &mut self.rows {
            if let Scheme::Whole(factor) = row.how {
                self.batch.tally(&mut row.current, &row.kernel, factor);
            }
        }
    }

    fn add_blocks(&mut self, values: &[f64]) {
        for row in &mut self.rows {
            match row.how {
                Scheme::Whole(_) => {}
                Scheme::Mx(element) => {
                    for block in values.chunks(mx::BLOCK_SIZE) {
                        // The spec's scale: a power of two, so dividing by it again is exact.
                        // A NaN or infinity makes an MX block's scale NaN; such values are counted
                        // apart, so the rest of their block is stored unscaled.
                        let factor = if block.iter().all(|x| x.is_finite()) {
                            let amax = f64::from_bits(
                                block.iter().fold(0, |m, &x| m.max(magnitude_bits(x))),
                            );
                            let e = mx::shared_exponent(amax, element, ScaleRounding::Floor);
                            1.0 / 2f64.powi(e)
                        } else {
                            1.0
                        };
                        row.current.add_with(block, &row.kernel, factor);
                    }
                }
                Scheme::Ggml(kind) => {
                    for block in values.chunks(kind.block_len()) {
                        row.current.add_stored(block, &ggml_block(block, kind));
                    }
                }
                Scheme::Nvfp4(tensor, e4m3) => {
                    // `formats::nvfp4::quantize_block`'s arithmetic with the E2M1 rounding through
                    // the row's kernel (held to the engine); the test
                    // `nvfp4_rows_match_the_engine_block_for_block` holds the two together.
                    for block in values.chunks(nvfp4::BLOCK_SIZE) {
                        // NaN and infinities are counted apart and left out of the table, so
                        // they do not spoil their block-mates (they would make its scale NaN).
                        let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
                        let amax =
                            f32::from_bits(block.iter().fold(0, |m, &x| {
                                m.max((finite(x) as f32).to_bits() & 0x7fff_ffff)
                            }));
                        let s = nvfp4::block_scale(amax, &tensor, &e4m3);
                        let stored: Vec<(f64, bool)> = block
                            .iter()
                            .map(|&x| {
                                let x = finite(x);
                                let clipped = nvfp4::scaled_element(x, s.encode);
                                let q = row.kernel.store_one(f64::from(clipped)).value;
                                let value = q * f64::from(s.scale) / f64::from(tensor.encode);
                                (value, nvfp4::past_range(x, &tensor, s.scale))
                            })
                            .collect();
                        row.current.add_stored(block, &stored);
                    }
                }
                Scheme::Asymmetric => {
                    for group in values.chunks(GROUP) {
                        row.current.add_stored(group, &asymmetric_group(group));
                    }
                }
                Scheme::Absmax(size) => {
                    for block in values.chunks(size) {
                        let largest = absmax(block);
                        // The scale is stored in fp32, as bitsandbytes keeps its absmax.
                        let stored = f64::from(largest as f32);
                        let factor = absmax_factor(&row.kernel.format, stored);
                        row.current.add_with(block, &row.kernel, factor);
                    }
                }
            }
        }
    }
}

/// The block scheme deployed for a catalogue format: how, in words, and the scale's bits per value.
fn block_scheme(id: &str) -> Option<(Scheme, &'static str, f64)> {
    let mx = |element| {
        Some((
            Scheme::Mx(element),
            "MX: E8M0 scale per 32 values",
            f64::from(mx::SCALE_BITS) / mx::BLOCK_SIZE as f64,
        ))
    };
    match id {
        "e4m3fn" => mx(Element::Fp8E4M3),
        "e5m2" => mx(Element::Fp8E5M2),
        "e3m2fn" => mx(Element::Fp6E3M2),
        "e2m3fn" => mx(Element::Fp6E2M3),
        "e2m1fn" => mx(Element::Fp4E2M1),
        "int8" | "int4" | "nf4" => Some((
            Scheme::Absmax(64),
            "fp32 absmax scale per 64 values",
            32.0 / 64.0,
        )),
        _ => None,
    }
}
