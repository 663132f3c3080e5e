//! Seeded pseudo-random numbers: SplitMix64 and the few distributions built on it.
//!
//! Owns reproducible randomness for stochastic rounding, datasets, weight initialisation, batch
//! shuffling and the plots' samples; nothing
//! here reads the clock or the OS (wasm32 has neither). Normal samples use Marsaglia's polar method
//! with the deterministic `ln` from `detmath`, so the bits are the same on every machine.

use super::detmath;

/// The increment of SplitMix64's state: 2^64 divided by the golden ratio, odd.
pub const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function on a state: the first number a generator seeded with `state`
/// returns (one increment, then Stafford's variant-13 multiply-xorshift mix). Enough by itself to
/// derive independent seeds, as stochastic rounding does per element.
pub const fn mix(state: u64) -> u64 {
    let mut z = state.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea and Flood 2014; the generator `java.util.SplittableRandom` uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let out = mix(self.state);
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        out
    }

    /// Uniform in [0, 1), with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }

    /// A standard normal sample (Marsaglia's polar method; the second value is discarded to keep the
    /// state simple).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = self.uniform(-1.0, 1.0);
            let v = self.uniform(-1.0, 1.0);
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * detmath::ln(s) / s).sqrt();
            }
        }
    }

    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; its tiny bias is irrelevant here).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A generator for an independent purpose derived from this seed (data, init, batches...).
    pub fn fork(&mut self, stream: u64) -> SplitMix64 {
        SplitMix64::new(self.next_u64() ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03))
    }
}
