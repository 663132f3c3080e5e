//! A tensor measured in parts apart (as the page's workers do) and merged in order gives the table
//! that streaming it through one `Analysis` gives, bit for bit; part results survive their trip
//! through numbers (the workers' messages).

use precision_lab::tensor::{
    absmax, measure_part, Analysis, Mode, PartJob, PartResult, Tally, PART,
};

/// Two whole parts and a partial third, of mixed magnitudes (a linear congruential sequence),
/// with zeros, NaN and infinities, and values past every format's range.
fn tensor() -> Vec<f64> {
    let mut state = 2026u64;
    (0..2 * PART + 4321)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            match i % 1000 {
                0 => 0.0,
                1 => f64::NAN,
                2 => f64::NEG_INFINITY,
                3 => 1e6 * (u - 0.5),
                _ => (u - 0.5) * 10f64.powi((state % 9) as i32 - 5),
            }
        })
        .collect()
}

#[test]
fn parts_measured_apart_and_merged_give_the_streamed_table() {
    let values = tensor();
    let largest = absmax(&values);
    let stride = 997;
    for mode in [Mode::None, Mode::Tensor, Mode::Block] {
        let mut streamed = Analysis::new(mode, largest);
        // Slices that straddle the parts' edges.
        for slice in values.chunks(300_007) {
            streamed.add(slice);
        }
        streamed.finish();

        let mut merged = Analysis::new(mode, largest);
        let mut sample = Vec::new();
        let mut part_largest = 0.0f64;
        // Measured out of order, merged in order.
        let mut results: Vec<(u64, PartResult)> = values
            .chunks(PART)
            .enumerate()
            .rev()
            .map(|(i, part)| {
                let job = PartJob {
                    index: i as u64,
                    stride,
                    measure: Some((mode, largest)),
                };
                (i as u64, measure_part(part, &job))
            })
            .collect();
        results.sort_by_key(|(i, _)| *i);
        for (_, r) in &results {
            merged.merge_part(&r.tallies);
            sample.extend_from_slice(&r.sample);
            part_largest = part_largest.max(r.largest);
        }
        assert_eq!(merged.rows.len(), streamed.rows.len());
        for (a, b) in streamed.rows.iter().zip(&merged.rows) {
            assert_eq!(a.tally, b.tally, "{} {mode:?}", a.id);
            assert_eq!(a.tally.values, values.len() as u64, "{} {mode:?}", a.id);
            // NaN and infinities are counted apart and spoil no row's noise.
            assert!(a.tally.noise.is_finite(), "{} {mode:?}", a.id);
        }
        assert_eq!(part_largest.to_bits(), largest.to_bits());
        let every: Vec<f64> = values.iter().step_by(stride as usize).copied().collect();
        assert_eq!(sample.len(), every.len());
        for (a, b) in sample.iter().zip(&every) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}

#[test]
fn a_first_pass_part_gives_only_its_absmax() {
    let values = [1.0, -7.5, f64::INFINITY, 3.0];
    let r = measure_part(
        &values,
        &PartJob {
            index: 3,
            stride: 2,
            measure: None,
        },
    );
    assert_eq!(r.largest, 7.5);
    assert!(r.sample.is_empty() && r.tallies.is_empty());
}

#[test]
fn part_results_survive_their_trip_through_numbers() {
    let values: Vec<f64> = (0..5000).map(|i| (f64::from(i) - 2500.0) / 7.0).collect();
    let job = PartJob {
        index: 0,
        stride: 13,
        measure: Some((Mode::Block, absmax(&values))),
    };
    let r = measure_part(&values, &job);
    assert!(!r.tallies.is_empty() && !r.sample.is_empty());
    let numbers = r.to_numbers();
    assert_eq!(PartResult::from_numbers(&numbers), Some(r.clone()));
    // What a damaged message gives: nothing, never a wrong table.
    for cut in [0, 1, 2, numbers.len() - 1] {
        assert_eq!(
            PartResult::from_numbers(&numbers[..cut]),
            None,
            "cut at {cut}"
        );
    }
    let mut longer = numbers.clone();
    longer.push(0.0);
    assert_eq!(PartResult::from_numbers(&longer), None);
    let mut fractional = numbers.clone();
    fractional[1] = 2.5;
    assert_eq!(PartResult::from_numbers(&fractional), None);
    let at = numbers.len() - Tally::NUMBERS;
    let mut negative = numbers;
    negative[at] = -1.0;
    assert_eq!(PartResult::from_numbers(&negative), None);
}

#[test]
fn a_request_survives_its_trip_through_numbers_and_measures_the_bytes() {
    use precision_lab::tensor::{Dtype, Endian, PartRequest};
    for (dtype, endian, measure) in [
        (Dtype::F32, Endian::Little, Some((Mode::Tensor, 3.5))),
        (Dtype::F64, Endian::Big, Some((Mode::Block, 1e300))),
        (Dtype::BF16, Endian::Little, Some((Mode::None, 0.0))),
        (Dtype::U8, Endian::Little, None),
    ] {
        let request = PartRequest {
            dtype,
            endian,
            job: PartJob {
                index: 7,
                stride: 4096,
                measure,
            },
        };
        assert_eq!(
            PartRequest::from_numbers(&request.to_numbers()),
            Some(request)
        );
        // The worker script (scripts/build-site.mjs) takes requests six numbers at a time.
        assert_eq!(request.to_numbers().len(), 6);
    }
    for bad in [
        vec![],
        vec![1.0, 0.0, 0.0, 1.0, 1.0],
        vec![99.0, 0.0, 0.0, 1.0, 1.0, 0.0],
        vec![1.0, 2.0, 0.0, 1.0, 1.0, 0.0],
        vec![1.0, 0.0, -1.0, 1.0, 1.0, 0.0],
        vec![1.0, 0.0, 0.5, 1.0, 1.0, 0.0],
        vec![1.0, 0.0, 0.0, 1.0, 4.0, 0.0],
        vec![1.0, 0.0, 0.0, f64::NAN, 1.0, 0.0],
    ] {
        assert_eq!(PartRequest::from_numbers(&bad), None, "{bad:?}");
    }
    // The bytes of little-endian fp32 values, measured as the request says.
    let values = [1.5f32, -0.25, 1000.0, 0.0];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let request = PartRequest {
        dtype: Dtype::F32,
        endian: Endian::Little,
        job: PartJob {
            index: 0,
            stride: 1,
            measure: Some((Mode::None, 1000.0)),
        },
    };
    let as_f64: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(request.measure(&bytes), measure_part(&as_f64, &request.job));
    assert_eq!(request.measure(&bytes).sample, as_f64);
}
