//! NVFP4 on hand-worked blocks: scale codes and element codes written out here, worked from the
//! recipe's definitions (E2M1 values 0, 0.5, 1, 1.5, 2, 3, 4, 6; E4M3 codes `s eeee mmm`, bias 7).

use precision_lab::formats::nvfp4::{
    quantize, quantize_2d, quantize_block, TensorScale, BITS_PER_ELEMENT,
};
use precision_lab::formats::Rounding;

/// E2M1 code of a value: sign bit 3, then the index among 0, 0.5, 1, 1.5, 2, 3, 4, 6.
fn e2m1_code(v: f64) -> u64 {
    let levels = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];
    let index = levels
        .iter()
        .position(|&l| l == v.abs())
        .expect("an E2M1 value") as u64;
    if v.is_sign_negative() {
        8 | index
    } else {
        index
    }
}

#[test]
fn exact_ties_round_to_even_codes() {
    // The tensor's amax 10.5 gives S_enc = 2688 / 10.5 = 256 exactly; the block's amax 6 asks for
    // s = 6 x 256 / 6 = 256 = 2^8 (E4M3 0 1111 000 = 0x78), so x_i x (1 / (s / S_enc)) = x_i
    // exactly and each tie is a true tie.
    let tensor = TensorScale::of(10.5);
    assert_eq!((tensor.encode, tensor.decode), (256.0, 1.0 / 256.0));
    let values = [6.0, 0.25, 0.75, 2.5, 5.0, -1.25, 1.75, 3.5, -0.0, 0.1];
    let block = quantize_block(&values, &tensor, Rounding::NearestEven);
    assert_eq!((block.scale_code, block.scale), (0x78, 256.0));
    // Ties go to the even code: 0.25 -> 0 (code 0, not 1), 0.75 -> 1 (code 2), 2.5 -> 2 (code
    // 4), 5 -> 4 (code 6), -1.25 -> -1 (code 10), 1.75 -> 2 (code 4), 3.5 -> 4 (code 6).
    let expected: [f64; 10] = [6.0, 0.0, 1.0, 2.0, 4.0, -1.0, 2.0, 4.0, -0.0, 0.0];
    for (e, want) in block.elements.iter().zip(expected) {
        assert_eq!(e.element_value.to_bits(), want.to_bits(), "{}", e.input);
        assert_eq!(e.code, e2m1_code(want), "{}", e.input);
        assert_eq!(e.value, want, "{}", e.input);
        assert!(!e.clamped);
    }
}

#[test]
fn one_outlier_flushes_the_rest_of_its_block_to_zero() {
    // amax 100: S_enc = 26.88, s = 100 x 26.88 / 6 = 448 (the largest E4M3, 0x7e), so the
    // block's step is 448 / 26.88 / 6 x 0.5 = 1.39: 1, 0.5 and -0.6 all round to 0.
    let values = [100.0, 1.0, 0.5, -0.6, 2.0];
    let (tensor, blocks) = quantize(&values, Rounding::NearestEven);
    assert_eq!(tensor.amax, 100.0);
    let block = &blocks[0];
    assert_eq!((block.scale_code, block.scale), (0x7e, 448.0));
    let read: Vec<f64> = block.elements.iter().map(|e| e.value).collect();
    // 100 -> q = 6 -> 6 x 448 / 26.88 = 100; 2 -> 2 x 0.06 = 0.12 -> 0.
    assert!((read[0] - 100.0).abs() < 1e-4, "{read:?}");
    assert_eq!(&read[1..], &[0.0, 0.0, -0.0, 0.0]);
    // Without the outlier the same values keep their shape.
    let (_, alone) = quantize(&values[1..], Rounding::NearestEven);
    let kept: Vec<f64> = alone[0].elements.iter().map(|e| e.value).collect();
    assert_eq!(kept.iter().filter(|v| **v != 0.0).count(), 4, "{kept:?}");
}

#[test]
fn a_block_of_tiny_values_underflows_its_scale() {
    // Tensor amax 1: S_enc = 2688. A block whose amax is 1e-6 asks for s = 1e-6 x 448 = 4.5e-4,
    // under half of E4M3's smallest subnormal 2^-9 = 0.00195: s = 0 and the block reads back 0.
    let tensor = TensorScale::of(1.0);
    let block = quantize_block(&[1e-6, -5e-7, 2e-7], &tensor, Rounding::NearestEven);
    assert_eq!((block.scale_code, block.scale), (0x00, 0.0));
    assert!(block.scale_underflowed());
    assert!(block.elements.iter().all(|e| e.value == 0.0 && !e.clamped));
    // A block at 1e-3 asks for 0.448: E4M3 0 0101 110 = 0x2e = 2^-2 x 1.75 = 0.4375.
    let block = quantize_block(&[1e-3], &tensor, Rounding::NearestEven);
    assert_eq!((block.scale_code, block.scale), (0x2e, 0.4375));
    assert!(!block.scale_underflowed());
}

#[test]
fn a_scale_rounded_down_clamps_the_largest_element() {
    // Tensor amax 420 gives S_enc = 6.4; a block with amax 420 asks for s = 448 exactly: fine.
    // A block with amax 400 asks for 400 x 6.4 / 6 = 426.67; E4M3's neighbours there are 416
    // and 448 (step 32 in [256, 512)), the midpoint 432, so s = 416 (0 1111 101 = 0x7d): 400
    // then scales to 6.4 x 400 / 416 = 6.15, past 6: clamped to 6.
    let tensor = TensorScale::of(420.0);
    let block = quantize_block(&[400.0, 100.0], &tensor, Rounding::NearestEven);
    assert_eq!((block.scale_code, block.scale), (0x7d, 416.0));
    assert!(block.elements[0].clamped);
    assert_eq!(block.elements[0].element_value, 6.0);
    assert!(!block.elements[1].clamped);
}

#[test]
fn nan_and_infinity_are_told_apart_from_values() {
    // A NaN anywhere in the tensor: S_enc = 1 (no finite amax to map); the NaN's block is NaN.
    let (tensor, blocks) = quantize(&[1.0, f64::NAN, 2.0], Rounding::NearestEven);
    assert_eq!(tensor.encode, 1.0);
    assert_eq!(blocks[0].scale_code, 0x7f);
    assert!(blocks[0].elements.iter().all(|e| e.value.is_nan()));
    assert_eq!(BITS_PER_ELEMENT, 4.5);
}

#[test]
fn weights_in_16x16_tiles_share_one_scale_per_tile() {
    // A 32 x 32 matrix of ones with one outlier of 100 at row 3, column 20: in 16x16 tiles only
    // the top-right tile (rows 0-15, columns 16-31) has amax 100, so only its 255 ones flush to
    // zero; the three other tiles have amax 1 and keep every one.
    let mut w = vec![1.0; 32 * 32];
    w[3 * 32 + 20] = 100.0;
    let (tensor, tiles) = quantize_2d(&w, 32, Rounding::NearestEven);
    assert_eq!((tensor.amax, tiles.len()), (100.0, 4));
    assert!(tiles.iter().all(|t| t.elements.len() == 256));
    // The outlier's tile has the scale a 1x16 block with amax 100 gets: 448.
    let alone = quantize_block(&[100.0], &tensor, Rounding::NearestEven);
    assert_eq!(
        (tiles[1].scale, tiles[1].scale_code),
        (alone.scale, alone.scale_code)
    );
    let zeros = |t: &precision_lab::formats::nvfp4::Block| {
        t.elements.iter().filter(|e| e.value == 0.0).count()
    };
    assert_eq!(
        [
            zeros(&tiles[0]),
            zeros(&tiles[1]),
            zeros(&tiles[2]),
            zeros(&tiles[3])
        ],
        [0, 255, 0, 0]
    );
    // Row by row in 1x16 blocks the outlier takes only its own block of 16 with it.
    let (_, rows) = quantize(&w, Rounding::NearestEven);
    assert_eq!(rows.iter().map(zeros).sum::<usize>(), 15);
    // A 20 x 20 matrix has edge tiles: 16x16, 16x4, 4x16, 4x4.
    let (_, edges) = quantize_2d(&[0.5; 400], 20, Rounding::NearestEven);
    let sizes: Vec<usize> = edges.iter().map(|t| t.elements.len()).collect();
    assert_eq!(sizes, [256, 64, 64, 16]);
}

#[test]
fn stochastic_rounding_of_elements_is_unbiased_and_seeded() {
    // S_enc = 256 and each block led by a 6 gets s = 256 (as above), so each x reads back as its
    // own E2M1 rounding: 0.3 lies between 0 and 0.5 and should come back as 0.5 with
    // probability 0.6, 0.3 on average.
    let tensor = TensorScale::of(10.5);
    let mut block = vec![0.3; 16];
    block[0] = 6.0;
    let seeded = |seed: u64| {
        (0..256u64)
            .flat_map(|b| {
                let q = quantize_block(
                    &block,
                    &tensor,
                    Rounding::Stochastic {
                        seed: seed * 1000 + b,
                    },
                );
                assert_eq!(q.scale, 256.0);
                q.elements.into_iter().skip(1).map(|e| e.value)
            })
            .collect::<Vec<f64>>()
    };
    let draws = seeded(1);
    assert!(draws.iter().all(|v| *v == 0.0 || *v == 0.5));
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    assert!((mean - 0.3).abs() < 0.02, "mean {mean}");
    // The same seed gives the same draws; another seed other draws.
    assert_eq!(draws, seeded(1));
    assert_ne!(draws, seeded(2));
    // Nearest-even takes every 0.3 up to 0.5 (0.2 away, 0 is 0.3 away): a bias of +0.2 on
    // every one, which stochastic rounding removes on average.
    let even = quantize_block(&block, &tensor, Rounding::NearestEven);
    assert!(even.elements[1..].iter().all(|e| e.value == 0.5));
}
