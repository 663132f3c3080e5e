//! The tensor table natively: N fp32 values (TENSOR_N, default 1,000,000; the same mix as the
//! browser benchmark in `tests/bench/site.mjs`: sin waves of 0.05 with an outlier of 31x every
//! 97th value) through every row of `tensor::Analysis`, in each scaling, in slices of 16,384 as
//! the view hands them over. Prints seconds per scaling, best of 3. Run with
//! `cargo bench --bench tensor`.

use std::time::Instant;

use precision_lab::tensor::{absmax, Analysis, Mode};

fn main() {
    let n: usize = std::env::var("TENSOR_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let x = ((i as f64) * 1.7).sin() * 0.05 * if i % 97 == 0 { 31.0 } else { 1.0 };
            f64::from(x as f32)
        })
        .collect();
    println!("| scaling | values | rows | seconds (best of 3) | values x rows per second |");
    println!("|---|---:|---:|---:|---:|");
    let mut total = 0.0;
    for mode in [Mode::None, Mode::Tensor, Mode::Block] {
        let mut best = f64::INFINITY;
        let mut rows = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let largest = if mode.needs_absmax() {
                values.chunks(16_384).map(absmax).fold(0.0, f64::max)
            } else {
                0.0
            };
            let mut a = Analysis::new(mode, largest);
            for slice in values.chunks(16_384) {
                a.add(slice);
            }
            a.finish();
            rows = a.rows.len();
            best = best.min(start.elapsed().as_secs_f64());
        }
        total += best;
        println!(
            "| {} | {n} | {rows} | {best:.3} | {:.0} M |",
            mode.id(),
            (n * rows) as f64 / best / 1e6
        );
    }
    println!("\nAll three scalings: {total:.3} s");
    // TENSOR_ROWS=1: each row of each scaling alone, to see where the time goes.
    if std::env::var("TENSOR_ROWS").is_ok() {
        let largest = values.chunks(16_384).map(absmax).fold(0.0, f64::max);
        for mode in [Mode::None, Mode::Tensor, Mode::Block] {
            let ids: Vec<&str> = Analysis::new(mode, largest)
                .rows
                .iter()
                .map(|r| r.id)
                .collect();
            for id in ids {
                let start = Instant::now();
                let mut a = Analysis::new(mode, largest);
                a.rows.retain(|r| r.id == id);
                for slice in values.chunks(16_384) {
                    a.add(slice);
                }
                a.finish();
                println!("{:?} {id}: {:.3} s", mode, start.elapsed().as_secs_f64());
            }
        }
    }
}
