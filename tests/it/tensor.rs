//! A user's own tensor (issue 18, the engine): hand-built `.safetensors` and `.npy` files whose
//! expected counts and SQNR are worked out here from first principles, and broken files that each
//! get a sentence, never a panic.

use precision_lab::formats::Format;
use precision_lab::tensor::file::{
    decode, npy_header_len, npy_tensor, safetensors_header_len, safetensors_tensors,
};
use precision_lab::tensor::{absmax, Dtype, Endian, Scaling, Tally, TensorInfo};
use proptest::prelude::*;

/// A safetensors file: the header JSON padded with spaces to a multiple of 8, then the data.
fn safetensors(header: &str, data: &[u8]) -> Vec<u8> {
    let mut json = header.as_bytes().to_vec();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    out.extend_from_slice(data);
    out
}

/// A `.npy` file, version 1.0: the magic, the version, a u16 header length, the dict padded with
/// spaces and a new line to a multiple of 64 bytes, then the data.
fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

/// Reads a whole safetensors file as the page does: the length, the header, the tensors.
fn read(file: &[u8]) -> Result<Vec<TensorInfo>, String> {
    let len = file.len() as u64;
    let n = safetensors_header_len(file, len).map_err(|e| e.0)?;
    safetensors_tensors(&file[8..8 + n as usize], len).map_err(|e| e.0)
}

fn values(file: &[u8], t: &TensorInfo) -> Vec<f64> {
    let mut out = Vec::new();
    let (start, end) = (t.offset as usize, (t.offset + t.bytes) as usize);
    // In two slices, as a stream would deliver them (the cut on an element boundary).
    let size = t.dtype.unwrap().size() as usize;
    let cut = start + (end - start) / size / 2 * size;
    decode(t.dtype.unwrap(), t.endian, &file[start..cut], &mut out);
    decode(t.dtype.unwrap(), t.endian, &file[cut..end], &mut out);
    out
}

const W: [f32; 6] = [1.0, -2.5, 0.1, 65504.0, 70000.0, 1e-8];

fn two_tensors() -> Vec<u8> {
    let mut data = Vec::new();
    for x in W {
        data.extend_from_slice(&x.to_le_bytes());
    }
    // bf16 codes of 1, -2, 0.5, 3.0 (0x3f80, 0xc000, 0x3f00, 0x4040).
    for code in [0x3f80u16, 0xc000, 0x3f00, 0x4040] {
        data.extend_from_slice(&code.to_le_bytes());
    }
    safetensors(
        r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#,
        &data,
    )
}

#[test]
fn a_safetensors_file_lists_its_tensors_and_reads_them_exactly() {
    let file = two_tensors();
    let tensors = read(&file).unwrap();
    let names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["w", "b"]);
    let header = u64::from_le_bytes(file[..8].try_into().unwrap());
    assert_eq!(tensors[0].offset, 8 + header);
    assert_eq!(
        (tensors[0].shape.clone(), tensors[0].elements()),
        (vec![2, 3], 6)
    );
    assert_eq!(tensors[1].dtype, Some(Dtype::BF16));
    let w = values(&file, &tensors[0]);
    assert_eq!(w, W.map(f64::from));
    // 0.1 in fp32 is exactly 0.100000001490116119384765625 = 13421773 x 2^-27.
    assert_eq!(w[2], 13_421_773.0 / 134_217_728.0);
    assert_eq!(values(&file, &tensors[1]), [1.0, -2.0, 0.5, 3.0]);
}

#[test]
fn fp16_overflows_flushes_and_keeps_what_it_can_worked_by_hand() {
    let x = W.map(f64::from);
    let fp16: Format = "fp16".parse().unwrap();
    let mut tally = Tally::default();
    tally.add(&x[..3], &fp16, &Scaling::None);
    tally.add(&x[3..], &fp16, &Scaling::None);
    assert_eq!(tally.nonzero, 6);
    // 70000 is past fp16's 65504; 1e-8 is below half its smallest subnormal, 2^-25.
    assert_eq!((tally.overflow, tally.underflow), (1, 1));
    // 1, -2.5 and 65504 are fp16 values; fp32's 0.1 is not.
    assert_eq!(tally.exact, 3);
    assert_eq!(tally.share(tally.exact), Some(0.5));
    // fp16's nearest to fp32's 0.1 is 0.0999755859375 (0x2e66); 70000 saturates to 65504.
    let errors = [x[2] - 0.0999755859375, 70000.0 - 65504.0, x[5]];
    let noise: f64 = errors.iter().map(|e| e * e).sum();
    let signal: f64 = x.iter().map(|v| v * v).sum();
    let sqnr = 10.0 * (signal / noise).log10();
    assert!(
        (tally.sqnr_db().unwrap() - sqnr).abs() < 1e-9,
        "{:?} {sqnr}",
        tally.sqnr_db()
    );
    // The largest relative error: 1e-8 flushed to zero, 100%.
    assert_eq!(tally.max_rel_error, 1.0);
}

#[test]
fn a_per_tensor_scale_puts_the_largest_value_on_the_format_maximum() {
    // int8 with absmax 1: factor 127. -1 -> -127 exactly; 0.5 -> 63.5, a tie, to 64 (even), read
    // back as 64/127; 0.25 -> 31.75 -> 32, read back as 32/127.
    let x = [-1.0, 0.5, 0.25];
    let int8: Format = "int8".parse().unwrap();
    let scaling = Scaling::Tensor { absmax: absmax(&x) };
    assert_eq!(scaling.factor(&int8), 127.0);
    let mut tally = Tally::default();
    tally.add(&x, &int8, &scaling);
    assert_eq!((tally.exact, tally.overflow, tally.underflow), (1, 0, 0));
    let e1 = 64.0 / 127.0 - 0.5;
    let e2 = 32.0 / 127.0 - 0.25;
    let noise = e1 * e1 + e2 * e2;
    assert!((tally.noise - noise).abs() < 1e-15);
    // Without the scale, int8 keeps -1 and flushes 0.5 and 0.25 (they round to 0).
    let mut plain = Tally::default();
    plain.add(&x, &int8, &Scaling::None);
    assert_eq!((plain.exact, plain.underflow), (1, 2));
}

#[test]
fn npy_files_of_both_byte_orders_are_read() {
    // Version 1.0: magic, version, a u16 header length, the dict padded to 64 bytes with '\n'.
    let parse = |file: &[u8]| {
        let (n, start) = npy_header_len(file).map_err(|e| e.0)?;
        let header = std::str::from_utf8(&file[start as usize..(start + n) as usize]).unwrap();
        npy_tensor(header, start + n, file.len() as u64).map_err(|e| e.0)
    };
    let mut le = Vec::new();
    for x in [1.5f32, -0.25, 3.0, 0.0] {
        le.extend_from_slice(&x.to_le_bytes());
    }
    let file = npy("<f4", "(2, 2)", &le);
    let t = parse(&file).unwrap();
    // 10 bytes of preamble and a 118-byte dict: the data starts at 128, aligned to 64.
    assert_eq!(
        (t.shape.clone(), t.dtype, t.offset),
        (vec![2, 2], Some(Dtype::F32), 128)
    );
    assert_eq!(values(&file, &t), [1.5, -0.25, 3.0, 0.0]);
    // Big-endian fp16: 0x3c00 = 1, 0xc000 = -2.
    let file = npy(">f2", "(2,)", &[0x3c, 0x00, 0xc0, 0x00]);
    let t = parse(&file).unwrap();
    assert_eq!(t.endian, Endian::Big);
    assert_eq!(values(&file, &t), [1.0, -2.0]);
    // A scalar has shape () and one element.
    let file = npy("<f8", "()", &2.5f64.to_le_bytes());
    let t = parse(&file).unwrap();
    assert_eq!((t.elements(), values(&file, &t)), (1, vec![2.5]));
    // Truncated, and not an npy file at all.
    assert!(parse(&npy("<f4", "(100,)", &le))
        .unwrap_err()
        .contains("truncated"));
    assert!(parse(b"PK\x03\x04 a zip file")
        .unwrap_err()
        .contains("not a NumPy"));
}

#[test]
fn broken_files_get_a_sentence() {
    let good = two_tensors();
    // Header length past the end of the file.
    let mut long = good.clone();
    long[..8].copy_from_slice(&10_000u64.to_le_bytes());
    assert!(read(&long).unwrap_err().contains("does not fit"));
    // Corrupted header text.
    let mut corrupt = good.clone();
    corrupt[8] = b'#';
    assert!(read(&corrupt).unwrap_err().contains("not valid JSON"));
    // Truncated body: the second tensor's bytes are missing.
    let truncated = &good[..good.len() - 4];
    assert!(read(truncated)
        .unwrap_err()
        .contains("truncated or corrupt"));
    // Shape and byte count that disagree.
    let file = safetensors(
        r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
        &[0; 8],
    );
    assert!(read(&file).unwrap_err().contains("do not make its 8 bytes"));
    // Overlapping tensors.
    let file = safetensors(
        r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#,
        &[0; 6],
    );
    assert!(read(&file).unwrap_err().contains("overlap"));
    // A dtype this reader does not read is listed, without a type.
    let file = safetensors(
        r#"{"s":{"dtype":"F8_E8M0","shape":[2],"data_offsets":[0,2]}}"#,
        &[127, 128],
    );
    let t = read(&file).unwrap();
    assert_eq!((t[0].dtype, t[0].dtype_name.as_str()), (None, "F8_E8M0"));
    // A tensor of no elements reads, and measures as nothing.
    let file = safetensors(
        r#"{"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]}}"#,
        &[],
    );
    let t = read(&file).unwrap();
    assert_eq!(t[0].elements(), 0);
    let fp16: Format = "fp16".parse().unwrap();
    let mut tally = Tally::default();
    tally.add(&values(&file, &t[0]), &fp16, &Scaling::None);
    assert_eq!(tally.values, 0);
    assert_eq!((tally.share(0), tally.sqnr_db()), (None, None));
    // Too short to be anything.
    assert!(read(b"abc").unwrap_err().contains("shorter than"));
}

#[test]
fn nan_and_infinity_are_counted_apart() {
    let fp8: Format = "e4m3fn".parse().unwrap();
    let mut tally = Tally::default();
    tally.add(&[f64::NAN, f64::INFINITY, 1.0, 500.0], &fp8, &Scaling::None);
    assert_eq!((tally.values, tally.non_finite, tally.nonzero), (4, 2, 2));
    // 500 is past e4m3fn's 448: counted as overflow, saturated in the noise.
    assert_eq!((tally.overflow, tally.exact), (1, 1));
    assert_eq!(tally.noise, 52.0 * 52.0);
}

proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = read(&bytes);
        let _ = npy_header_len(&bytes);
    }

    #[test]
    fn any_header_text_is_read_or_refused(text in ".{0,200}") {
        let _ = read(&safetensors(&text, &[0; 16]));
        let _ = npy_tensor(&text, 10, 1000);
    }
}

// ---------------------------------------------------------------- every format at once

use precision_lab::tensor::{Analysis, Mode};

fn table(values: &[f64], mode: Mode) -> Analysis {
    let mut a = Analysis::new(mode, absmax(values));
    a.add(values);
    a.finish();
    a
}

fn row<'a>(a: &'a Analysis, id: &str) -> &'a precision_lab::tensor::Row {
    a.rows.iter().find(|r| r.id == id).unwrap()
}

#[test]
fn the_table_has_a_row_per_signed_format_and_block_rows_per_deployed_scheme() {
    let ids = |a: &Analysis| a.rows.iter().map(|r| r.id).collect::<Vec<_>>();
    let plain = table(&[1.0], Mode::None);
    assert!(!ids(&plain).contains(&"uint8") && !ids(&plain).contains(&"e8m0fnu"));
    assert!(ids(&plain).contains(&"bf16") && ids(&plain).contains(&"nf4"));
    let blocks = table(&[1.0], Mode::Block);
    assert_eq!(
        ids(&blocks),
        [
            "e5m2",
            "e4m3fn",
            "e3m2fn",
            "e2m3fn",
            "e2m1fn",
            "int8",
            "int4",
            "nf4",
            "q8_0",
            "q4_0",
            "q4_k",
            "int4_g128",
            "nf4_g128",
            "nvfp4",
            "int4_asym"
        ]
    );
    // Groups of 128 cost a quarter bit less than groups of 64: 4 + 32 / 128.
    assert_eq!(
        (
            row(&blocks, "int4_g128").bits,
            row(&blocks, "nf4_g128").bits
        ),
        (4.25, 4.25)
    );
    // And an outlier takes twice as many values with it: 127 ones and a 100 at index 100. Per 64
    // the first group's ones scale to int4's 7 exactly; the second group's scale is 7 / 100, so
    // its 63 ones round to 0. Per 128 all 127 do.
    let mut v = vec![1.0; 128];
    v[100] = 100.0;
    let outlier = table(&v, Mode::Block);
    let under = |id| row(&outlier, id).tally.underflow;
    assert_eq!((under("int4"), under("int4_g128")), (63, 127));
    // Bits per value with the scales: MXFP8 (32 x 8 + 8) / 32 = 8.25, MXFP4 4.25, int4 and nf4
    // with an fp32 scale per 64: 4.5.
    let bits = |id| row(&blocks, id).bits;
    assert_eq!(
        (bits("e4m3fn"), bits("e2m1fn"), bits("int4"), bits("nf4")),
        (8.25, 4.25, 4.5, 4.5)
    );
}

#[test]
fn mxfp4_blocks_worked_by_hand() {
    // amax 7.5: floor(log2 7.5) - emax(E2M1) = 2 - 2 = 0, scale 1. 7.5 rounds past E2M1's 6 and
    // clamps to it; the 31 ones are E2M1 values.
    let mut block = vec![1.0; 32];
    block[0] = 7.5;
    let a = table(&block, Mode::Block);
    let t = row(&a, "e2m1fn").tally;
    assert_eq!((t.overflow, t.exact, t.underflow), (1, 31, 0));
    assert_eq!(t.noise, 1.5 * 1.5);
    // An outlier of 100: floor(log2 100) - 2 = 4, scale 16. The ones become 1/16, below half of
    // E2M1's smallest step (0.5): all 31 flush to zero; 100/16 = 6.25 rounds to 6, read back 96.
    block[0] = 100.0;
    let a = table(&block, Mode::Block);
    let t = row(&a, "e2m1fn").tally;
    assert_eq!((t.overflow, t.exact, t.underflow), (0, 0, 31));
    assert_eq!(t.noise, 31.0 + 4.0 * 4.0);
    // NVFP4 on the same 32 values: 16 to a block, so the outlier only takes its own block's ones
    // with it. Tensor amax 100: S_enc = 26.88; the outlier's block scale 448 makes its step
    // 448 / 26.88 / 2 = 8.3, so its 15 ones flush to zero (100 itself reads back within 1e-5);
    // the second block's amax 1 asks for s = 26.88 / 6 = 4.48, E4M3 4.5 (0 1001 001): the ones
    // scale to 26.88 / 4.5 = 5.97 and round to 6, read back 6 x 4.5 / 26.88 = 1.0045.
    let t = row(&a, "nvfp4").tally;
    assert_eq!((t.overflow, t.exact, t.underflow), (0, 0, 15));
    let second = 6.0 * 4.5 / f64::from(26.88f32) - 1.0;
    assert!(
        (t.noise - 15.0 - 16.0 * second * second).abs() < 1e-6,
        "{}",
        t.noise
    );
    // nf4 with an absmax per 64: every value equal to the absmax is stored exactly.
    let a = table(&[3.0; 64], Mode::Block);
    assert_eq!(row(&a, "nf4").tally.exact, 64);
}

#[test]
fn slices_of_any_size_give_the_same_table() {
    // A deterministic mix of magnitudes (a linear congruential sequence).
    let mut state = 12345u64;
    let values: Vec<f64> = (0..1000)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            (u - 0.5) * 10f64.powi((state % 7) as i32 - 3)
        })
        .collect();
    for mode in [Mode::None, Mode::Tensor, Mode::Block] {
        let whole = table(&values, mode);
        let mut sliced = Analysis::new(mode, absmax(&values));
        for part in values.chunks(37) {
            sliced.add(part);
        }
        sliced.finish();
        for (a, b) in whole.rows.iter().zip(&sliced.rows) {
            assert_eq!(a.tally, b.tally, "{} {mode:?}", a.id);
        }
    }
}

#[test]
fn the_sorted_runs_measure_every_value_as_storing_it_alone_does() {
    // The whole-tensor rows store a sorted batch run by run (`tensor::runs`); `Tally::add`
    // stores each value on its own. Inputs that test the runs' edges: ties between neighbours of
    // every coarse format (k/16 for integers and fp4, x.5 steps), values past every format's
    // largest, subnormals of fp8 and fp16, repeats, both zeros, NaN and infinities, spread over
    // more than one batch (65,536) with a random order.
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 11
    };
    let mut values: Vec<f64> = (0..150_000)
        .map(|i| {
            let r = next();
            let u = r as f64 / (1u64 << 53) as f64;
            match i % 6 {
                0 => (u - 0.5) * 10f64.powi((r % 13) as i32 - 8),
                1 => f64::from((r % 4096) as i32 - 2048) / 16.0,
                2 => f64::from(((u - 0.5) * 1e5) as f32),
                3 => (u - 0.5) * 2f64.powi(-14),
                4 => f64::from(((u - 0.5) * 1e3).round() as f32 * 0.5),
                _ => [
                    0.0,
                    -0.0,
                    f64::NAN,
                    f64::INFINITY,
                    1e150,
                    -1e-300,
                    448.0,
                    449.0,
                ][(r % 8) as usize],
            }
        })
        .collect();
    values.extend_from_slice(&[0.25; 1000]);
    // And the same values rounded to fp32, as a checkpoint's fp32 tensor reads (fp32's own row
    // then keeps every value without storing any).
    let fp32: Vec<f64> = values.iter().map(|&x| f64::from(x as f32)).collect();
    for (values, mode) in [
        (&values, Mode::None),
        (&values, Mode::Tensor),
        (&fp32, Mode::None),
        (&fp32, Mode::Tensor),
    ] {
        let largest = absmax(values);
        let a = table(values, mode);
        for row in &a.rows {
            let format: Format = row.id.parse().unwrap();
            let scaling = match mode {
                Mode::None => Scaling::None,
                _ => Scaling::Tensor { absmax: largest },
            };
            let mut each = Tally::default();
            each.add(values, &format, &scaling);
            let (r, e) = (&row.tally, &each);
            let what = format!("{} {mode:?}", row.id);
            assert_eq!(
                (
                    r.values,
                    r.non_finite,
                    r.nonzero,
                    r.overflow,
                    r.underflow,
                    r.exact
                ),
                (
                    e.values,
                    e.non_finite,
                    e.nonzero,
                    e.overflow,
                    e.underflow,
                    e.exact
                ),
                "{what}"
            );
            assert_eq!(r.max_rel_error, e.max_rel_error, "{what}");
            // The sums add the same terms in another order (sorted, in batches).
            assert!(
                (r.noise - e.noise).abs() <= 1e-12 * e.noise,
                "{what}: {} {}",
                r.noise,
                e.noise
            );
            assert!((r.signal - e.signal).abs() <= 1e-12 * e.signal, "{what}");
        }
    }
}

#[test]
fn an_integer_overflows_only_when_it_rounds_past_its_range() {
    let int8: Format = "int8".parse().unwrap();
    let mut t = Tally::default();
    // 127.4 rounds to 127 and -128.4 to -128: kept. 127.5 (a tie, to even 128) and -128.6 do not fit.
    t.add(&[127.4, -128.4, 127.5, -128.6], &int8, &Scaling::None);
    assert_eq!(t.overflow, 2);
}

// ---------------------------------------------------------------- the page's model

use precision_lab::present::tensor as page;
use precision_lab::route::Query;

#[test]
fn pasted_numbers_are_read_or_the_first_bad_one_is_named() {
    assert_eq!(
        page::parse_numbers("[0.5, -2e-3; 7\n nan inf -inf]").unwrap()[..3],
        [0.5, -2e-3, 7.0]
    );
    assert_eq!(
        page::parse_numbers("1 2 zebra 4").unwrap_err(),
        "\"zebra\" (number 3) is not a number."
    );
    assert!(page::parse_numbers("  , ")
        .unwrap_err()
        .contains("Paste some numbers"));
    let long = "<b>".repeat(100);
    let e = page::parse_numbers(&long).unwrap_err();
    assert!(e.len() < 120, "{e}");
}

#[test]
fn the_url_keeps_the_scale_and_the_demo() {
    let (query, _) = Query::parse("?view=tensor&scale=block&demo=activations");
    let (state, notices) = page::read(&query);
    assert!(notices.is_empty());
    assert_eq!(
        (state.scale, state.demo),
        (Mode::Block, Some(precision_lab::tensor::Demo::Activations))
    );
    let mut out = Query::parse("?view=tensor").0;
    page::write(&state, &mut out);
    assert_eq!(out.to_search(), "?view=tensor&scale=block&demo=activations");
    let (state, notices) = page::read(&Query::parse("?scale=%3Cscript%3E&demo=x").0);
    assert_eq!(
        (state.scale, state.demo, notices.len()),
        (Mode::None, None, 2)
    );
}

#[test]
fn rows_mark_the_best_format_at_each_bit_width() {
    let demo = precision_lab::tensor::Demo::Weights.values();
    let a = table(&demo, Mode::None);
    let rows = page::rows(&a);
    // Exactly one row per whole bit width is marked.
    for bits in ["8", "16", "4"] {
        let best = rows.iter().filter(|r| r.bits == bits && r.best).count();
        assert_eq!(best, 1, "{bits}");
    }
    let fp32 = rows.iter().find(|r| r.id == "fp32").unwrap();
    // The demo is stored in fp32: every value exact.
    assert_eq!((fp32.exact.1.as_str(), fp32.sqnr.1.as_str()), ("1", "inf"));
}

#[test]
fn the_fast_kernel_stores_every_value_as_the_exact_engine_does() {
    use precision_lab::formats::{catalogue, Overflow, Rounding, Signedness};
    use precision_lab::tensor::kernel::Kernel;
    // Every code's value, the midpoints between neighbours (ties), values just either side of
    // them, beyond the ends, and a spread of magnitudes: in f32 (the fast path) and not.
    for entry in catalogue() {
        let format = entry.format();
        if format.signedness() == Signedness::Unsigned || format.total_bits() > 32 {
            continue;
        }
        let mut xs = Vec::new();
        if format.total_bits() > 16 {
            // fp32 and tf32: f32 bit patterns across the range, and the ties of tf32's grid.
            let mut state = 7u64;
            for _ in 0..20_000 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let bits = (state >> 32) as u32;
                let x = f64::from(f32::from_bits(bits & 0xffff_f000 | 0x1000));
                let y = f64::from(f32::from_bits(bits));
                xs.extend([x, y].into_iter().filter(|v| v.is_finite() && *v != 0.0));
            }
        }
        let codes = 1u64 << format.total_bits().min(16);
        let mut finite: Vec<f64> = (0..codes)
            .filter(|_| format.total_bits() <= 16)
            .map(|c| format.decode(c))
            .filter(|v| v.is_finite())
            .collect();
        finite.sort_by(f64::total_cmp);
        finite.dedup();
        for w in finite.windows(2) {
            let mid = (w[0] + w[1]) / 2.0;
            xs.extend([w[0], mid, mid * (1.0 + 1e-12), mid * (1.0 - 1e-12)]);
        }
        let max = format.max_finite();
        // Past the top: the tie between the largest value and the step above it (which rounds
        // to even, down for formats whose largest value has an even last bit), either side of
        // it, and the step itself.
        if let precision_lab::formats::Structure::Float(spec) = format.structure() {
            let step = 2f64.powi(max.log2().floor() as i32 - spec.mantissa_bits as i32);
            for x in [max + step / 2.0, max + step, max + step * 1.5] {
                xs.extend([x, x * (1.0 + 1e-12), x * (1.0 - 1e-12), -x]);
            }
        }
        xs.extend([
            max * 1.01,
            max * 3.0,
            -max * 1.5,
            1e-30,
            -1e-30,
            0.1,
            1.0 / 3.0,
        ]);
        // Scaled values are not f32s: log-uniform magnitudes from a quarter of the smallest
        // subnormal to twice the largest value, both signs.
        let (lo, hi) = (format.min_positive().log2() - 2.0, max.log2() + 1.0);
        let mut state = 99u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let x = (lo + u * (hi - lo)).exp2();
            xs.push(if state & 1 == 0 { x } else { -x });
        }
        xs.retain(|x| *x != 0.0);
        let kernel = Kernel::new(&format);
        let mut stored = Vec::new();
        // One at a time (the exact path for the non-f32 ones) and as f32 batches (the fast path).
        for &x in &xs {
            kernel.store(&[x], &mut stored);
        }
        let f32s: Vec<f64> = xs
            .iter()
            .map(|&x| f64::from(x as f32))
            .filter(|x| x.abs() <= max && *x != 0.0)
            .collect();
        kernel.store(&f32s, &mut stored);
        for (&x, s) in xs.iter().chain(&f32s).zip(&stored) {
            let report = format.encode_report(x, Rounding::NearestEven, Overflow::Saturate);
            assert_eq!(
                s.value.to_bits(),
                report.stored.to_bits(),
                "{} {x:e}",
                entry.name
            );
            let expected_overflow = match format.structure() {
                precision_lab::formats::Structure::Integer { .. } => {
                    let r = x.round_ties_even();
                    r > max || r < -max - 1.0
                }
                _ => report.overflowed,
            };
            assert_eq!(s.overflowed, expected_overflow, "{} {x:e}", entry.name);
        }
    }
}

#[test]
fn gguf_blocks_follow_llama_cpp_arithmetic_worked_by_hand() {
    use precision_lab::tensor::ggml::{ggml_block, Ggml};
    // Q8_0 with absmax 127: d = 1, codes = roundf(x), ties away from zero (not to even).
    let stored = ggml_block(&[127.0, 0.5, -0.5, 1.49, 2.5], Ggml::Q8_0);
    let values: Vec<f64> = stored.iter().map(|s| s.0).collect();
    assert_eq!(values, [127.0, 1.0, -1.0, 1.0, 3.0]);
    // Q4_0 with -8 the value of largest magnitude: d = -8 / -8 = 1, code = trunc(x + 8.5)
    // capped at 15, read back as (code - 8) x d.
    let block = [-8.0, 7.0, 7.5, 3.2, -0.5, 0.49];
    let stored = ggml_block(&block, Ggml::Q4_0);
    let values: Vec<f64> = stored.iter().map(|s| s.0).collect();
    assert_eq!(values, [-8.0, 7.0, 7.0, 3.0, 0.0, 0.0]);
    let clamped: Vec<bool> = stored.iter().map(|s| s.1).collect();
    assert_eq!(clamped, [false, false, true, false, false, false]);
    let mut t = Tally::default();
    t.add_stored(&block, &stored);
    assert_eq!((t.exact, t.overflow, t.underflow), (2, 1, 2));
    // A positive extreme makes d negative: 8 and -1 come back exactly.
    let stored = ggml_block(&[8.0, -1.0], Ggml::Q4_0);
    assert_eq!((stored[0].0, stored[1].0), (8.0, -1.0));
    // Both are rows of the block table, at 8.5 and 4.5 bits per value.
    let a = table(&[1.0; 64], Mode::Block);
    assert_eq!((row(&a, "q8_0").bits, row(&a, "q4_0").bits), (8.5, 4.5));
}

#[test]
fn q4_k_quantizes_the_sub_block_scales_themselves() {
    use precision_lab::tensor::ggml::{ggml_block, Ggml};
    // Seven sub-blocks of 32 hold 0.5 k and one (the second) 0.0625 k, k = 0..15 twice. Each
    // sits on a 16-level grid from 0, so llama.cpp's search keeps its own scale (0.5 or 0.0625)
    // with min 0 and zero error. Then the scales are stored in 6 bits under one fp16 d:
    // d = fp16(0.5 / 63), the 0.5 sub-blocks get sc = 63 and the small one
    // sc = round(0.0625 x 63 / 0.5) = round(7.875) = 8, so its step is 8 d = 0.0635 instead of
    // 0.0625 (1.6% too large); every code stays k (round(0.984 k) = k for k up to 15).
    let values: Vec<f64> = (0..256)
        .map(|i| {
            let k = (i % 16) as f64;
            if i / 32 == 1 {
                0.0625 * k
            } else {
                0.5 * k
            }
        })
        .collect();
    let stored = ggml_block(&values, Ggml::Q4K);
    let d = half::f16::from_f32(0.5f32 / 63.0).to_f32();
    for (i, (&x, &(read, clamped))) in values.iter().zip(&stored).enumerate() {
        let k = (i % 16) as f32;
        let sc = if i / 32 == 1 { 8.0 } else { 63.0 };
        assert_eq!(read, f64::from(d * sc * k), "value {i}: {x}");
        assert!(!clamped);
    }
    assert!((stored[47].0 / values[47] - 1.0 - 0.0158).abs() < 1e-3);
    // Shifted down by 2 the grid needs a min: each sub-block's is 2 (stored as m = 63 under
    // dmin = fp16(2 / 63)), read back as d x 63 x k - dmin x 63.
    let shifted: Vec<f64> = (0..256).map(|i| 0.5 * (i % 16) as f64 - 2.0).collect();
    let stored = ggml_block(&shifted, Ggml::Q4K);
    let dmin = half::f16::from_f32(2.0f32 / 63.0).to_f32();
    for (i, &(read, _)) in stored.iter().enumerate() {
        let k = (i % 16) as f32;
        assert_eq!(read, f64::from(d * 63.0 * k - dmin * 63.0), "value {i}");
    }
    // A short last super-block is padded with zeros that are not reported.
    assert_eq!(ggml_block(&values[..40], Ggml::Q4K).len(), 40);
    // A row of the block table at 4.5 bits: 4-bit codes, 12 bits of scale and min per 32 and two
    // fp16 per 256: (256 x 4 + 8 x 12 + 32) / 256.
    let a = table(&values, Mode::Block);
    assert_eq!(
        row(&a, "q4_k").bits,
        (256.0 * 4.0 + 8.0 * 12.0 + 32.0) / 256.0
    );
}

#[test]
fn the_table_downloads_as_csv_and_markdown_and_sorts_by_sqnr() {
    let x = W.map(f64::from);
    let rows = page::rows(&table(&x, Mode::None));
    let csv = page::csv(&rows, Mode::None);
    let fp16 = csv.lines().find(|l| l.starts_with("fp16,")).unwrap();
    // fp16: 1/6 overflow, 1/6 flushed, half exact (worked above).
    assert!(
        fp16.starts_with("fp16,16,\"as is\",none,0.16666666666666666,0.16666666666666666,0.5,"),
        "{fp16}"
    );
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let md = page::markdown(&rows, "six values");
    assert!(md.starts_with("six values\n\n| format |"));
    assert!(md.contains("| fp16 |") || md.contains("| fp16 (best) |"));
    let sorted = page::by_sqnr(rows);
    // fp32 keeps every value here (they are fp32 values): it comes first.
    assert_eq!(sorted[0].id, "fp32");
    assert!(sorted.windows(2).all(|w| {
        let v = |r: &page::RowText| match r.sqnr.1.as_str() {
            "" => f64::NEG_INFINITY,
            "inf" => f64::INFINITY,
            t => t.parse().unwrap(),
        };
        v(&w[0]) >= v(&w[1])
    }));
}

#[test]
fn asymmetric_int4_groups_worked_by_hand() {
    use precision_lab::tensor::report::asymmetric_group;
    // Range [-1.5, 3]: scale 4.5 / 15 = 0.3, in fp16 0.300048828125 (1229/4096); zero point
    // round(1.5 / 0.3) = 5. Codes round(x / scale) + 5: 0, 5, 15, 8; values (code - 5) x scale.
    let s = 0.300048828125;
    let stored = asymmetric_group(&[-1.5, 0.0, 3.0, 1.0]);
    let values: Vec<f64> = stored.iter().map(|v| v.0).collect();
    assert_eq!(values, [-5.0 * s, 0.0, 10.0 * s, 3.0 * s]);
    assert!(stored.iter().all(|v| !v.1));
    // The range always holds 0: [2, 3] is quantized over [0, 3], scale 0.2 -> fp16
    // 0.199951171875, zero point 0.
    let stored = asymmetric_group(&[3.0, 2.0]);
    assert_eq!(
        (stored[0].0, stored[1].0),
        (15.0 * 0.199951171875, 10.0 * 0.199951171875)
    );
    // A row of the block table at 4 + 20/128 bits.
    let a = table(&[1.0; 128], Mode::Block);
    assert_eq!(row(&a, "int4_asym").bits, 4.15625);
    // Shown in full, not rounded to 4.16.
    let shown = page::rows(&a);
    let asym = shown.iter().find(|r| r.id == "int4_asym").unwrap();
    assert_eq!(asym.bits, "4.15625");
}

/// A ZIP of stored (uncompressed) members, as `numpy.savez` writes it (CRCs left 0: the reader
/// does not check them).
fn zip_stored(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let (mut out, mut directory) = (Vec::new(), Vec::new());
    for (name, data) in members {
        let offset = out.len() as u32;
        let mut local = vec![0u8; 30];
        local[..4].copy_from_slice(&0x0403_4b50u32.to_le_bytes());
        local[18..22].copy_from_slice(&(data.len() as u32).to_le_bytes());
        local[22..26].copy_from_slice(&(data.len() as u32).to_le_bytes());
        local[26..28].copy_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&local);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        let mut central = vec![0u8; 46];
        central[..4].copy_from_slice(&0x0201_4b50u32.to_le_bytes());
        central[20..24].copy_from_slice(&(data.len() as u32).to_le_bytes());
        central[24..28].copy_from_slice(&(data.len() as u32).to_le_bytes());
        central[28..30].copy_from_slice(&(name.len() as u16).to_le_bytes());
        central[42..46].copy_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(&central);
        directory.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&directory);
    let mut end = vec![0u8; 22];
    end[..4].copy_from_slice(&0x0605_4b50u32.to_le_bytes());
    end[12..16].copy_from_slice(&(directory.len() as u32).to_le_bytes());
    end[16..20].copy_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&end);
    out
}

#[test]
fn an_npz_lists_its_arrays_and_each_reads_like_an_npy() {
    use precision_lab::tensor::file::{zip_data_start, zip_directory, zip_entries};
    let npy = |data: &[u8]| npy("<f4", "(2,)", data);
    let a: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let b: Vec<u8> = [0.25f32, 8.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let file = zip_stored(&[("w.npy", npy(&a)), ("b.npy", npy(&b))]);
    let len = file.len() as u64;
    let (offset, size) = zip_directory(&file, len).unwrap();
    let entries = zip_entries(&file[offset as usize..(offset + size) as usize]).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["w.npy", "b.npy"]);
    let e = &entries[1];
    let start = zip_data_start(&file[e.local_offset as usize..], e.local_offset).unwrap();
    let (n, skip) = npy_header_len(&file[start as usize..]).unwrap();
    let header =
        std::str::from_utf8(&file[(start + skip) as usize..(start + skip + n) as usize]).unwrap();
    let t = npy_tensor(header, start + skip + n, start + e.size).unwrap();
    assert_eq!(values(&file, &t), [0.25, 8.0]);
    // A cut-off archive has no directory; a corrupt directory says so.
    assert!(zip_directory(&file[..file.len() - 30], len - 30)
        .unwrap_err()
        .0
        .contains("no ZIP directory"));
    assert!(
        zip_entries(b"PK\x01\x02 not really a directory entry, just bytes....")
            .unwrap_err()
            .0
            .contains("corrupt")
    );
}

/// A ZIP as `numpy.savez_compressed` writes it (deflated members), and, with `zip64`, with every
/// size and offset in ZIP64 records instead (APPNOTE.TXT 4.3.14-4.3.15, 4.5.3), as an archive over
/// 4 GiB must.
fn zip_deflated(members: &[(&str, Vec<u8>)], zip64: bool) -> Vec<u8> {
    let (mut out, mut directory) = (Vec::new(), Vec::new());
    for (name, data) in members {
        let packed = miniz_oxide::deflate::compress_to_vec(data, 6);
        let offset = out.len() as u64;
        let mut local = vec![0u8; 30];
        local[..4].copy_from_slice(&0x0403_4b50u32.to_le_bytes());
        local[8..10].copy_from_slice(&8u16.to_le_bytes());
        local[26..28].copy_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&local);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);
        let mark = |v: u64| if zip64 { 0xffff_ffffu32 } else { v as u32 };
        let mut central = vec![0u8; 46];
        central[..4].copy_from_slice(&0x0201_4b50u32.to_le_bytes());
        central[10..12].copy_from_slice(&8u16.to_le_bytes());
        central[20..24].copy_from_slice(&mark(packed.len() as u64).to_le_bytes());
        central[24..28].copy_from_slice(&mark(data.len() as u64).to_le_bytes());
        central[28..30].copy_from_slice(&(name.len() as u16).to_le_bytes());
        let mut extra = Vec::new();
        if zip64 {
            // An unrelated extra field first, then ZIP64's: size, compressed size, offset.
            extra.extend_from_slice(&[0x55, 0x54, 1, 0, 7]);
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&24u16.to_le_bytes());
            for v in [data.len() as u64, packed.len() as u64, offset] {
                extra.extend_from_slice(&v.to_le_bytes());
            }
        }
        central[30..32].copy_from_slice(&(extra.len() as u16).to_le_bytes());
        central[42..46]
            .copy_from_slice(&(if zip64 { 0xffff_ffff } else { offset as u32 }).to_le_bytes());
        directory.extend_from_slice(&central);
        directory.extend_from_slice(name.as_bytes());
        directory.extend_from_slice(&extra);
    }
    let at = out.len() as u64;
    out.extend_from_slice(&directory);
    let mut end = vec![0u8; 22];
    end[..4].copy_from_slice(&0x0605_4b50u32.to_le_bytes());
    if zip64 {
        let record_at = out.len() as u64;
        let mut record = vec![0u8; 56];
        record[..4].copy_from_slice(&0x0606_4b50u32.to_le_bytes());
        record[40..48].copy_from_slice(&(directory.len() as u64).to_le_bytes());
        record[48..56].copy_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&record);
        let mut locator = vec![0u8; 20];
        locator[..4].copy_from_slice(&0x0706_4b50u32.to_le_bytes());
        locator[8..16].copy_from_slice(&record_at.to_le_bytes());
        out.extend_from_slice(&locator);
        end[12..20].copy_from_slice(&[0xff; 8]);
    } else {
        end[12..16].copy_from_slice(&(directory.len() as u32).to_le_bytes());
        end[16..20].copy_from_slice(&(at as u32).to_le_bytes());
    }
    out.extend_from_slice(&end);
    out
}

#[test]
fn a_compressed_npz_inflates_slice_by_slice_and_zip64_records_are_followed() {
    use precision_lab::tensor::file::{zip_data_start, zip_directory, zip_entries, Inflater};
    let data: Vec<u8> = (0..3000)
        .map(|i| (i % 7) as f32 * 0.5 - 1.0)
        .flat_map(|x: f32| x.to_le_bytes())
        .collect();
    let member = npy("<f4", "(3000,)", &data);
    for zip64 in [false, true] {
        let file = zip_deflated(
            &[
                ("small.npy", npy("<f4", "(1,)", &2f32.to_le_bytes())),
                ("w.npy", member.clone()),
            ],
            zip64,
        );
        let len = file.len() as u64;
        let (offset, size) = zip_directory(&file, len).unwrap();
        let entries = zip_entries(&file[offset as usize..(offset + size) as usize]).unwrap();
        let e = &entries[1];
        assert_eq!(
            (e.name.as_str(), e.method, e.size),
            ("w.npy", 8, member.len() as u64)
        );
        assert!(e.compressed < e.size / 10, "{} of {}", e.compressed, e.size);
        let start = zip_data_start(&file[e.local_offset as usize..], e.local_offset).unwrap();
        // Fed 7 compressed bytes at a time, it gives back the .npy byte for byte.
        let mut inflater = Inflater::default();
        let mut out = Vec::new();
        for piece in file[start as usize..(start + e.compressed) as usize].chunks(7) {
            inflater.push(piece, &mut out).unwrap();
        }
        assert_eq!(out, member, "zip64 {zip64}");
        let (n, skip) = npy_header_len(&out).unwrap();
        let header = std::str::from_utf8(&out[skip as usize..(skip + n) as usize]).unwrap();
        let t = npy_tensor(header, skip + n, e.size).unwrap();
        let read = values(&out, &t);
        assert_eq!((read.len(), read[3], read[6]), (3000, 0.5, 2.0));
    }
    // Corrupt compressed bytes say so; a ZIP64 end record that is not there says so.
    let mut out = Vec::new();
    assert!(Inflater::default()
        .push(&[0xff; 64], &mut out)
        .unwrap_err()
        .0
        .contains("corrupt"));
    let mut file = zip_deflated(&[("w.npy", member)], true);
    let n = file.len();
    file[n - 22 - 20] = 0; // the locator's signature
    assert!(zip_directory(&file, n as u64)
        .unwrap_err()
        .0
        .contains("ZIP64"));
}

#[test]
fn the_error_plot_counts_exact_flushed_and_binades_worked_by_hand() {
    use precision_lab::plot::errors::{error_counts, errors, ErrorInput};
    use precision_lab::plot::{NamedFormat, Theme};
    let fp16: Format = "fp16".parse().unwrap();
    let named = NamedFormat::from(fp16);
    // 1 is exact; 1e-8 flushes; 1 + 2^-11 and 3 + 2^-10 are ties that round to even (1 and 3),
    // relative errors 2^-11 / (1 + 2^-11) and 2^-10 / (3 + 2^-10), both in the binade of 2^-12.
    let values = [
        1.0,
        1e-8,
        1.0 + 2f64.powi(-11),
        3.0 + 2f64.powi(-10),
        0.0,
        f64::NAN,
    ];
    let input = ErrorInput {
        format: &named,
        values: &values,
        scale: 1.0,
        theme: Theme::Light,
    };
    let counts = error_counts(&input);
    assert_eq!((counts.values, counts.exact, counts.flushed), (4, 1, 1));
    assert_eq!(counts.bins, [(-12, 2)]);
    let plot = errors(&input);
    assert!(plot.svg.contains("data-bins=\"-12:2\""));
    assert!(plot.caption.contains("exact: 25"), "{}", plot.caption);
    assert_eq!(plot.svg, errors(&input).svg);
}

/// The table's NVFP4 row (the row's fast E2M1 kernel) counts exactly what the engine's
/// `nvfp4::quantize_block` stores, block for block, on values with an outlier, tiny blocks and
/// ties.
#[test]
fn nvfp4_rows_match_the_engine_block_for_block() {
    use precision_lab::formats::nvfp4::{quantize_block, TensorScale};
    use precision_lab::formats::Rounding;
    let mut state = 42u64;
    let values: Vec<f64> = (0..4096)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            let x = (u - 0.5) * if i % 97 == 0 { 300.0 } else { 2.0 };
            // Some blocks of tiny values, some exact ties.
            match (i / 16) % 7 {
                3 => x * 1e-7,
                5 => (x * 8.0).round() / 4.0,
                _ => f64::from(x as f32),
            }
        })
        .collect();
    let a = table(&values, Mode::Block);
    let t = row(&a, "nvfp4").tally;
    let tensor = TensorScale::of(absmax(&values) as f32);
    let mut engine = Tally::default();
    for block in values.chunks(16) {
        let q = quantize_block(block, &tensor, Rounding::NearestEven);
        let stored: Vec<(f64, bool)> = q.elements.iter().map(|e| (e.value, e.clamped)).collect();
        engine.add_stored(block, &stored);
    }
    assert_eq!(
        (
            t.overflow,
            t.underflow,
            t.exact,
            t.noise.to_bits(),
            t.max_rel_error.to_bits()
        ),
        (
            engine.overflow,
            engine.underflow,
            engine.exact,
            engine.noise.to_bits(),
            engine.max_rel_error.to_bits()
        )
    );
    // The tiny blocks underflow their scale: the comparison covers flushed blocks too.
    assert!(t.underflow > 0);
}
