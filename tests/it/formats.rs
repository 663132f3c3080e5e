//! Native tests of `precision_lab::formats`.
//!
//! The oracle in `formats/oracle.rs` decodes and rounds from the textbook definitions and shares no code
//! with `src/`; `half` and Rust's own `f32` casts are second opinions. Every code of every catalogue
//! format of 16 bits or fewer (and tf32's 2^19) is checked, and every tie between neighbours. The full
//! 2^32 fp32 sweep runs only with `PRECISION_LAB_FULL_SWEEP=1` (use `--release` for it).

mod decimal;
mod exhaustive;
mod explain;
mod facts;
mod fast;
mod mx;
mod nvfp4;
mod oracle;
mod parse;
mod stochastic;
mod ties;

use precision_lab::formats::Format;

/// NaN-aware, sign-of-zero-aware equality.
pub fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Asserts two values are the same `f64` (NaN equals NaN, -0 differs from +0).
#[track_caller]
pub fn check(what: &str, got: f64, want: f64) {
    assert!(same(got, want), "{what}: got {got:?}, want {want:?}");
}

/// Asserts two codes are equal, printing them in hex with the format's name.
#[track_caller]
pub fn check_code(format: &Format, what: &str, got: u64, want: u64) {
    assert!(
        got == want,
        "{} {what}: got {got:#x}, want {want:#x}",
        format.name()
    );
}

/// A catalogue format by name.
pub fn format(name: &str) -> Format {
    name.parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A small deterministic generator for test inputs (xorshift64*), independent of the library's.
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
