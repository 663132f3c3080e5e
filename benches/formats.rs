//! Converts 10 million f32 values to fp16, bf16 and e4m3fn with the generic engine (`Format::encode`
//! per value), with the f32 fast path (`Format::encode_f32_into_u16`), and with `half`'s own slice
//! conversion for fp16 and bf16, in the same run. Prints values per second. Run with
//! `cargo bench --bench formats`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use half::slice::HalfFloatSliceExt;
use precision_lab::formats::{Format, Overflow, Rounding};

const COUNT: usize = 10_000_000;
const REPEATS: usize = 3;

/// Values spread like activations and gradients: roughly normal, times 10^k for k in -6..=6.
fn inputs() -> Vec<f32> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..COUNT)
        .map(|_| {
            let r = next();
            let normal: f64 = (0..4)
                .map(|i| ((r >> (i * 16)) & 0xffff) as f64 / 65536.0)
                .sum::<f64>()
                - 2.0;
            let decade = (next() % 13) as i32 - 6;
            (normal * 10f64.powi(decade)) as f32
        })
        .collect()
}

/// Best wall time of a few runs.
fn best(mut run: impl FnMut()) -> Duration {
    (0..REPEATS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn rate(time: Duration) -> f64 {
    COUNT as f64 / time.as_secs_f64() / 1e6
}

fn main() {
    let xs = inputs();
    let mut out = vec![0u16; COUNT];
    println!("{COUNT} f32 values, best of {REPEATS} runs, Mvalues/s (higher is better)\n");
    println!(
        "{:<8} {:>14} {:>14} {:>14} {:>12} {:>12}",
        "format", "generic", "fast path", "half", "generic/half", "fast/half"
    );
    for name in ["fp16", "bf16", "e4m3fn"] {
        let format: Format = name.parse().expect("catalogue name");
        let generic = best(|| {
            for (slot, &x) in out.iter_mut().zip(&xs) {
                *slot = format.encode(x as f64, Rounding::NearestEven, Overflow::Default) as u16;
            }
            black_box(&out);
        });
        let generic_codes = out.clone();
        let fast = best(|| {
            format.encode_f32_into_u16(&xs, &mut out, Rounding::NearestEven, Overflow::Default);
            black_box(&out);
        });
        assert_eq!(
            out, generic_codes,
            "{name}: fast path and generic engine disagree"
        );
        let half_time = match name {
            "fp16" => {
                let mut h = vec![half::f16::ZERO; COUNT];
                let t = best(|| {
                    h.convert_from_f32_slice(&xs);
                    black_box(&h);
                });
                assert!(
                    h.iter()
                        .zip(&generic_codes)
                        .all(|(a, &b)| a.to_bits() == b || a.is_nan()),
                    "fp16 vs half"
                );
                Some(t)
            }
            "bf16" => {
                let mut h = vec![half::bf16::ZERO; COUNT];
                let t = best(|| {
                    h.convert_from_f32_slice(&xs);
                    black_box(&h);
                });
                assert!(
                    h.iter()
                        .zip(&generic_codes)
                        .all(|(a, &b)| a.to_bits() == b || a.is_nan()),
                    "bf16 vs half"
                );
                Some(t)
            }
            _ => None,
        };
        let show = |t: Option<Duration>| t.map_or("-".to_string(), |t| format!("{:.0}", rate(t)));
        let ratio = |t: Duration| {
            half_time.map_or("-".to_string(), |h| {
                format!("{:.2}x", t.as_secs_f64() / h.as_secs_f64())
            })
        };
        println!(
            "{:<8} {:>14} {:>14} {:>14} {:>12} {:>12}",
            name,
            show(Some(generic)),
            show(Some(fast)),
            show(half_time),
            ratio(generic),
            ratio(fast)
        );
    }
    println!("\n(ratios are time relative to half: 1.00x is as fast, 2.00x takes twice as long)");
}
