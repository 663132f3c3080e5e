//! OCP MX block quantization on hand-worked blocks.

use precision_lab::formats::mx::{
    quantize, quantize_block, Element, MxError, ScaleRounding, BLOCK_SIZE,
};

#[test]
fn spec_scale_rule_on_hand_worked_blocks() {
    // amax = 6: floor(log2 6) = 2. E4M3 emax 8 -> X = 2^-6; E2M1 emax 2 -> X = 1; INT8 emax 0 -> X = 4.
    let values = [6.0, -1.5, 0.1, 0.0];
    let cases: [(Element, i32, [f64; 4], [bool; 4]); 4] = [
        (
            Element::Fp8E4M3,
            -6,
            [6.0, -1.5, 0.1015625, 0.0],
            [false; 4],
        ),
        (Element::Fp4E2M1, 0, [6.0, -1.5, 0.0, 0.0], [false; 4]),
        (Element::Fp6E2M3, 0, [6.0, -1.5, 0.125, 0.0], [false; 4]),
        // INT8 elements are k/64 in [-2, 127/64]: 6/4 = 1.5 -> 96/64; -1.5/4 = -0.375; 0.1/4 = 0.025 -> 2/64.
        (Element::Int8, 2, [6.0, -1.5, 0.125, 0.0], [false; 4]),
    ];
    for (element, shared, want, clamped) in cases {
        let block = quantize_block(&values, element, ScaleRounding::Floor).expect("block");
        assert_eq!(block.shared_exponent, Some(shared), "{element:?}");
        assert_eq!(block.scale_code, (shared + 127) as u64);
        let got: Vec<f64> = block.elements.iter().map(|e| e.value).collect();
        assert_eq!(got, want, "{element:?}");
        let got_clamped: Vec<bool> = block.elements.iter().map(|e| e.clamped).collect();
        assert_eq!(got_clamped, clamped, "{element:?}");
        for e in &block.elements {
            assert_eq!(e.abs_error, (e.value - e.input).abs());
        }
    }
}

#[test]
fn floor_scale_clamps_the_largest_element_and_round_up_does_not() {
    // amax = 7: floor(log2 7) = 2, E2M1 emax 2 -> X = 1, 7 is past 6 (halfway to 8 ties to 8 = overflow
    // at nearest-even? 7 is the tie between 6 and the missing 8; 8 is even, so it overflows and clamps).
    let values = [7.0, 1.0, -0.75];
    let floor = quantize_block(&values, Element::Fp4E2M1, ScaleRounding::Floor).expect("block");
    assert_eq!(floor.scale, 1.0);
    assert_eq!(floor.elements[0].value, 6.0);
    assert!(floor.elements[0].clamped);
    assert_eq!(floor.elements[2].value, -1.0); // -0.75 ties between -0.5 (odd) and -1.0 (even)
                                               // Round-up: smallest X with 7 / X <= 6 is 2; nothing clamps.
    let up = quantize_block(&values, Element::Fp4E2M1, ScaleRounding::RoundUp).expect("block");
    assert_eq!(up.scale, 2.0);
    assert_eq!(up.elements[0].value, 8.0);
    assert!(up.elements.iter().all(|e| !e.clamped));
    // Nearest-even: 7/6 = 1.1666 -> E8M0 1 (2^0).
    let rne = quantize_block(&values, Element::Fp4E2M1, ScaleRounding::NearestEven).expect("block");
    assert_eq!(rne.scale, 1.0);
    // A clamp that keeps the sign.
    let negative =
        quantize_block(&[-480.0, 1.0], Element::Fp8E4M3, ScaleRounding::Floor).expect("block");
    assert_eq!(negative.shared_exponent, Some(0));
    assert_eq!(negative.elements[0].value, -448.0);
    assert!(negative.elements[0].clamped);
    // 1.5 x 2^k ties in the nearest-even scale go to the even E8M0 code: 448 x 1.5 -> 2^0 (code 127 odd) vs
    // 2^1 (code 128 even).
    let tie =
        quantize_block(&[672.0], Element::Fp8E4M3, ScaleRounding::NearestEven).expect("block");
    assert_eq!(tie.shared_exponent, Some(1));
}

#[test]
fn all_zero_and_non_finite_blocks() {
    let zeros =
        quantize_block(&[0.0; BLOCK_SIZE], Element::Fp8E5M2, ScaleRounding::Floor).expect("block");
    assert_eq!((zeros.scale_code, zeros.shared_exponent), (0, Some(-127)));
    assert!(zeros
        .elements
        .iter()
        .all(|e| e.value == 0.0 && e.code == 0 && !e.clamped));
    let nan =
        quantize_block(&[1.0, f64::NAN], Element::Fp8E4M3, ScaleRounding::Floor).expect("block");
    assert_eq!(nan.scale_code, 0xff);
    assert!(nan.scale.is_nan() && nan.elements.iter().all(|e| e.value.is_nan()));
    let inf = quantize_block(
        &[1.0, f64::INFINITY],
        Element::Fp6E3M2,
        ScaleRounding::Floor,
    )
    .expect("block");
    assert_eq!(inf.scale_code, 0xff);
}

#[test]
fn block_sizes_bits_and_errors() {
    let bits: Vec<f64> = Element::ALL.iter().map(|e| e.bits_per_element()).collect();
    assert_eq!(bits, [8.25, 8.25, 6.25, 6.25, 4.25, 8.25]);
    let emax: Vec<i32> = Element::ALL.iter().map(|e| e.emax()).collect();
    assert_eq!(emax, [8, 15, 4, 2, 2, 0]);
    assert_eq!(
        quantize_block(&[], Element::Int8, ScaleRounding::Floor),
        Err(MxError::Empty)
    );
    assert_eq!(
        quantize_block(&[1.0; 33], Element::Int8, ScaleRounding::Floor),
        Err(MxError::TooLong(33))
    );
    assert!(MxError::TooLong(33).to_string().contains("at most 32"));
    let blocks = quantize(&[1.0; 70], Element::Fp4E2M1, ScaleRounding::Floor);
    assert_eq!(
        blocks.iter().map(|b| b.elements.len()).collect::<Vec<_>>(),
        [32, 32, 6]
    );
    // Huge and tiny amax clamp the shared exponent to the E8M0 range.
    let huge = quantize_block(&[1e300], Element::Fp8E4M3, ScaleRounding::Floor).expect("block");
    assert_eq!(huge.shared_exponent, Some(127));
    let tiny = quantize_block(&[1e-300], Element::Fp8E4M3, ScaleRounding::Floor).expect("block");
    assert_eq!(tiny.shared_exponent, Some(-127));
    assert_eq!(Element::Int8.format().max_finite(), 127.0 / 64.0);
}
