//! The passes of a block-scaled recipe (MXFP8, NVFP4): the mirror of `train::cpu`'s
//! `block_forward` and `block_backward`. Each GEMM operand is quantized for its own GEMM along
//! that GEMM's reduction dimension (`blocks.wgsl`'s `block_quantize`); NVFP4's tensor scales are
//! derived on the GPU from amaxes reduced in the same step; a layer the recipe keeps in bf16 runs
//! plain GEMMs on bf16 operands.

use super::*;

/// How an operand is cut into blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    Rows,
    Columns,
    Tiles,
}

impl<'a> Recorder<'a> {
    fn recipe(&self) -> BlockRecipe {
        self.codes.block.expect("a block recipe")
    }

    fn nvfp4(&self) -> bool {
        self.recipe().kind == BlockKind::Nvfp4
    }

    /// Whether layer `l`'s GEMMs run in bf16 (NVFP4's last layer).
    fn in_bf16(&self, l: usize) -> bool {
        self.recipe().keeps_in_bf16(l, self.layers.len())
    }

    /// The step-scalar index of layer `l`'s `operand`'s `S_enc` (NVFP4), or 0 (none: MXFP8).
    fn enc(&self, l: usize, operand: usize) -> usize {
        if self.nvfp4() {
            STEP_ENC + 6 * l + operand
        } else {
            0
        }
    }

    /// A GEMM's `slot`: the two operands' `S_enc` indices (their inverses multiply the
    /// accumulator), or 0 for MXFP8, whose operands carry their power-of-two scales.
    fn enc_pair(&self, l: usize, first: usize, second: usize) -> u32 {
        if self.nvfp4() {
            len_u32(self.enc(l, first)) | (len_u32(self.enc(l, second)) << 16)
        } else {
            0
        }
    }

    /// Quantizes the `rows x cols` operand `source` of layer `l` into `target`: NVFP4's tensor
    /// scale first (amax, then `S_enc`), then one thread per block. `seed`: the stochastic seed's
    /// step-scalar index; `probe`: the element inputs and values, and the block counts.
    #[allow(clippy::too_many_arguments)]
    fn quantize_blocks(
        &mut self,
        l: usize,
        operand: usize,
        (rows, cols): (usize, usize),
        cut: Cut,
        source: &wgpu::Buffer,
        target: &wgpu::Buffer,
        seed: Option<usize>,
        probe: Option<(&wgpu::Buffer, &wgpu::Buffer)>,
    ) {
        let recipe = self.recipe();
        let (io, tape) = (self.io, self.tape);
        let base = block_base(self.layers.len(), l);
        if recipe.tensor_scale() {
            self.amax(rows * cols, source, base + BLOCK_AMAX + operand);
            let params = Params {
                slot: len_u32(base + BLOCK_AMAX + operand),
                inner: len_u32(self.enc(l, operand)),
                ..Params::default()
            };
            self.push(
                |k| &k.tensor_scale,
                params,
                &[(1, io.step), (6, io.summary)],
                (1, 1),
            );
        }
        let mut mode = match cut {
            Cut::Rows => 0,
            Cut::Columns => BLOCK_COLUMNS,
            Cut::Tiles => BLOCK_TILES,
        };
        if self.nvfp4() {
            mode |= BLOCK_NVFP4;
        }
        let stochastic = seed.filter(|_| recipe.stochastic());
        if stochastic.is_some() {
            mode |= BLOCK_STOCHASTIC;
        }
        if probe.is_some() {
            mode |= BLOCK_PROBE;
        }
        let (inputs, elements) = probe.unwrap_or((&tape.dummy_write, &tape.dummy_write2));
        let params = Params {
            n: len_u32(block_count(rows, cols, mode)),
            rows: len_u32(rows),
            cols: len_u32(cols),
            inner: len_u32(self.enc(l, operand).max(STEP_ENC)),
            fmt: len_u32(stochastic.unwrap_or(STEP_SEEDS)),
            mode,
            slot: len_u32(base),
            ..Params::default()
        };
        self.each(
            |k| &k.block_quantize,
            params,
            &[
                (1, io.step),
                (2, source),
                (4, target),
                (5, inputs),
                (6, io.summary),
                (9, elements),
            ],
        );
    }

    /// The random Hadamard transform of the `rows x cols` matrix `source` into `target`.
    fn hadamard(
        &mut self,
        (rows, cols): (usize, usize),
        source: &wgpu::Buffer,
        target: &wgpu::Buffer,
    ) {
        let params = Params {
            n: len_u32(rows.div_ceil(16) * cols),
            rows: len_u32(rows),
            cols: len_u32(cols),
            slot: u32::from(self.recipe().signs),
            ..Params::default()
        };
        self.each(|k| &k.hadamard, params, &[(2, source), (4, target)]);
    }

    /// The readouts of layer `l`'s output gradient `quantized` (GEMM domain) against `source`.
    fn block_errors(
        &mut self,
        l: usize,
        operand: usize,
        n: usize,
        source: &wgpu::Buffer,
        quantized: &wgpu::Buffer,
        transposed: bool,
    ) {
        let io = self.io;
        let params = Params {
            n: len_u32(n),
            inner: len_u32(self.enc(l, operand)),
            mode: if transposed {
                BLOCK_ERRORS_TRANSPOSED
            } else {
                0
            },
            slot: len_u32(block_base(self.layers.len(), l)),
            ..Params::default()
        };
        self.push(
            |k| &k.block_errors,
            params,
            &[(1, io.step), (2, source), (3, quantized), (6, io.summary)],
            (1, 1),
        );
    }

    /// Each layer: its input and weights quantized (or cast to bf16), the GEMM with the bias, the
    /// activation.
    pub(super) fn forward_blocks(&mut self) {
        let (tape, io, layers, r) = (self.tape, self.io, self.layers, self.codes);
        let batch = self.batch;
        for (l, layer) in layers.iter().enumerate() {
            let (n_in, n_out) = (layer.n_in, layer.n_out);
            if l == 0 {
                self.cast(batch * n_in, r.act, io.input, &tape.x_tmp);
            }
            let raw = if l == 0 { &tape.x_tmp } else { &tape.h[l - 1] };
            let slot = if self.in_bf16(l) {
                let bf16 = format_code(Precision::Bf16);
                self.cast(batch * n_in, bf16, raw, &tape.x[l]);
                self.cast(n_in * n_out, bf16, &layer.weights, &tape.wq[l]);
                0
            } else {
                let weights = if self.nvfp4() {
                    Cut::Tiles
                } else {
                    Cut::Columns
                };
                let (x, w) = (&tape.x[l], &tape.wq[l]);
                self.quantize_blocks(
                    l,
                    OPERAND_INPUT,
                    (batch, n_in),
                    Cut::Rows,
                    raw,
                    x,
                    None,
                    None,
                );
                let (weights_in, shape) = (&layer.weights, (n_in, n_out));
                self.quantize_blocks(l, OPERAND_WEIGHT, shape, weights, weights_in, w, None, None);
                self.enc_pair(l, OPERAND_INPUT, OPERAND_WEIGHT)
            };
            self.forward_gemm(l, &tape.x[l], slot);
        }
    }

    /// Layer `l`'s backward operands: the output gradient quantized along its rows (with its
    /// statistics and readouts), the weights along theirs (MXFP8), the input and the gradient down
    /// their columns (after the Hadamard transform); or bf16 copies for a layer kept in bf16.
    /// Returns the weight-gradient GEMM's (A, B, slot) and the data-gradient GEMM's.
    fn backward_operands(&mut self, l: usize) -> (Operands<'a>, Operands<'a>) {
        let (tape, io, layers) = (self.tape, self.io, self.layers);
        let batch = self.batch;
        let (n_in, n_out) = (layers[l].n_in, layers[l].n_out);
        let record = len_u32(2 * (layers.len() - 1 - l));
        let n_dz = batch * n_out;
        let dz = &tape.dz[l];
        let (operand, inputs, elements) =
            (&tape.operand[l], &tape.operand_before[l], &tape.elements[l]);
        if self.in_bf16(l) {
            self.cast(n_dz, format_code(Precision::Bf16), dz, operand);
            let params = Params {
                n: len_u32(n_dz),
                fmt: format_code(Precision::Bf16),
                slot: record,
                ..Params::default()
            };
            self.stats(params, &[(2, dz), (3, operand), (6, io.summary)]);
            ((&tape.x[l], operand, 0), (operand, &tape.wq[l], 0))
        } else {
            let seeds = STEP_SEEDS + 8 * l;
            let probe = Some((inputs, elements));
            self.quantize_blocks(
                l,
                OPERAND_GRAD_ROWS,
                (batch, n_out),
                Cut::Rows,
                dz,
                operand,
                Some(seeds),
                probe,
            );
            let element_format = self.recipe().element_format();
            let params = Params {
                n: len_u32(n_dz),
                fmt: format_code(element_format),
                slot: record,
                ..Params::default()
            };
            self.stats(params, &[(2, inputs), (3, elements), (6, io.summary)]);
            self.block_errors(l, OPERAND_GRAD_ROWS, n_dz, dz, operand, false);
            let dgrad_w = if self.nvfp4() {
                &tape.wq[l]
            } else {
                let w = &layers[l].weights;
                self.quantize_blocks(
                    l,
                    OPERAND_WEIGHT_ROWS,
                    (n_in, n_out),
                    Cut::Rows,
                    w,
                    &tape.w_rows[l],
                    None,
                    None,
                );
                &tape.w_rows[l]
            };
            let raw = if l == 0 { &tape.x_tmp } else { &tape.h[l - 1] };
            let (x_src, dz_src) = if self.recipe().hadamard() {
                self.hadamard((batch, n_in), raw, &tape.x_rht[l]);
                self.hadamard((batch, n_out), dz, &tape.dz_rht[l]);
                (&tape.x_rht[l], &tape.dz_rht[l])
            } else {
                (raw, dz)
            };
            let (x_cols, dz_cols) = (&tape.x_cols[l], &tape.dz_cols[l]);
            self.quantize_blocks(
                l,
                OPERAND_INPUT_COLUMNS,
                (batch, n_in),
                Cut::Columns,
                x_src,
                x_cols,
                None,
                None,
            );
            self.quantize_blocks(
                l,
                OPERAND_GRAD_COLUMNS,
                (batch, n_out),
                Cut::Columns,
                dz_src,
                dz_cols,
                Some(seeds + 4),
                None,
            );
            self.block_errors(l, OPERAND_GRAD_COLUMNS, n_dz, dz_src, dz_cols, true);
            (
                (
                    x_cols,
                    dz_cols,
                    self.enc_pair(l, OPERAND_INPUT_COLUMNS, OPERAND_GRAD_COLUMNS),
                ),
                (
                    operand,
                    dgrad_w,
                    self.enc_pair(
                        l,
                        OPERAND_GRAD_ROWS,
                        if self.nvfp4() {
                            OPERAND_WEIGHT
                        } else {
                            OPERAND_WEIGHT_ROWS
                        },
                    ),
                ),
            )
        }
    }

    /// Last layer first: the output gradient quantized along its rows (with its statistics and
    /// block readouts), the input and gradient down their columns (after the Hadamard transform),
    /// the weight gradient, the bias gradient, the input gradient through the activation.
    pub(super) fn backward_blocks(&mut self) {
        for l in (0..self.layers.len()).rev() {
            let (wgrad, dgrad) = self.backward_operands(l);
            self.backward_gemms(l, wgrad, dgrad);
        }
    }
}
