//! The whole-tensor rows (no scale, or one scale for the tensor) in sorted batches: storing is
//! monotone (a larger input never reads back smaller, and the overflow flag changes once on each
//! side of zero), so in a sorted batch the values a format stores alike are one run. Each row asks
//! its kernel only where a run starts and ends (a galloping search), then measures every value of
//! the run against the one stored value with a subtraction: the same error per value as storing
//! each one, for a few kernel calls per run. Coarse formats (256 codes or fewer) store a batch of
//! 65,536 values in a few hundred runs.
//!
//! Batches have a fixed size wherever the caller's slices fall, so a table does not depend on how
//! its values were sliced: the sums add the same values in the same order.

use super::analysis::Tally;
use super::kernel::{Kernel, Stored};

/// Values per batch: large enough that a coarse format's runs are long, small enough for the
/// cache (0.5 MiB of values, 0.5 MiB of keys).
pub(crate) const BATCH: usize = 1 << 16;

/// A batch's counts that do not depend on the format, and its finite non-zero values, sorted.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sorted {
    values: u64,
    non_finite: u64,
    signal: f64,
    /// Whether every value is an `f32` (read from fp32 or a narrower type).
    all_f32: bool,
    /// The finite non-zero values, ascending.
    sorted: Vec<f64>,
    keys: Vec<u64>,
    scratch: Vec<u64>,
}

/// `f64` bits as a key whose unsigned order is the values' order (negative values: every bit
/// flipped, so a larger magnitude sorts lower; positive ones: the sign bit set, above them all).
#[inline]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

#[inline]
fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

impl Sorted {
    /// Takes a batch: counts it, and sorts its finite non-zero values.
    pub(crate) fn take(&mut self, batch: &[f64]) {
        self.values = batch.len() as u64;
        self.non_finite = 0;
        self.signal = 0.0;
        self.all_f32 = true;
        self.keys.clear();
        for &x in batch {
            if !x.is_finite() {
                self.non_finite += 1;
                continue;
            }
            self.signal += x * x;
            if x != 0.0 {
                self.all_f32 &= f64::from(x as f32) == x;
                self.keys.push(key(x));
            }
        }
        self.radix_sort();
        self.sorted.clear();
        self.sorted.extend(self.keys.iter().map(|&k| value(k)));
    }

    /// Least significant digit first, over only the bits where the keys differ (values read from
    /// fp32, fp16 or bf16 have 29 or more trailing zero bits in an `f64`, and a tensor's
    /// magnitudes share their top exponent bits), in as few digits of at most 12 bits as cover
    /// them: three passes for fp32 values, two for 16-bit ones.
    fn radix_sort(&mut self) {
        let (any, all) = self
            .keys
            .iter()
            .fold((0u64, u64::MAX), |(o, a), &k| (o | k, a & k));
        let differ = any & !all;
        if differ == 0 {
            return;
        }
        let low = differ.trailing_zeros();
        let width = 64 - differ.leading_zeros() - low;
        let passes = width.div_ceil(12);
        let bits = width.div_ceil(passes);
        let mask = (1usize << bits) - 1;
        let digit = |k: u64, p: u32| (k >> (low + p * bits)) as usize & mask;
        let mut counts = vec![0usize; (mask + 1) * passes as usize];
        for &k in &self.keys {
            for p in 0..passes {
                counts[p as usize * (mask + 1) + digit(k, p)] += 1;
            }
        }
        self.scratch.resize(self.keys.len(), 0);
        for (p, at) in counts.chunks_mut(mask + 1).enumerate() {
            let mut sum = 0;
            for slot in at.iter_mut() {
                (*slot, sum) = (sum, sum + *slot);
            }
            for &k in &self.keys {
                let b = digit(k, p as u32);
                self.scratch[at[b]] = k;
                at[b] += 1;
            }
            std::mem::swap(&mut self.keys, &mut self.scratch);
        }
    }

    /// Adds the batch to `tally` as `kernel` stores each value times `factor`, read back divided
    /// by `factor`.
    pub(crate) fn tally(&self, tally: &mut Tally, kernel: &Kernel, factor: f64) {
        tally.values += self.values;
        tally.non_finite += self.non_finite;
        tally.signal += self.signal;
        let v = &self.sorted;
        let n = v.len();
        tally.nonzero += n as u64;
        if kernel.holds_every_f32() {
            if factor == 1.0 && self.all_f32 {
                // fp32 keeps every value of an fp32 tensor: no error, nothing to store.
                tally.exact += n as u64;
            } else {
                // Otherwise it stores nearly every value differently: one by one costs less than
                // finding runs of one.
                tally.count_each(v, kernel, factor);
            }
            return;
        }
        let store = |x: f64| kernel.store_one(x * factor);
        let mut start = 0;
        let mut first = n.checked_sub(1).map(|_| store(v[0]));
        while let Some(s) = first {
            let (end, next) = run_end(v, start, &s, store);
            tally.count_run(&v[start..end], s, factor);
            start = end;
            first = next.or_else(|| (end < n).then(|| store(v[end])));
        }
    }
}

/// Where the run that starts at `v[start]` (stored as `s`) ends, and what the value there stores
/// as when that was already worked out. A few values one at a time first (in fine formats most
/// runs are short, and the value that ends one starts the next), then a galloping search:
/// doubling steps past the run's end, and halving back.
fn run_end(
    v: &[f64],
    start: usize,
    s: &Stored,
    store: impl Fn(f64) -> Stored,
) -> (usize, Option<Stored>) {
    const ONE_BY_ONE: usize = 4;
    let same = |a: &Stored| a.value.to_bits() == s.value.to_bits() && a.overflowed == s.overflowed;
    let n = v.len();
    let mut lo = start + 1;
    while lo < n && lo - start < ONE_BY_ONE {
        let probe = store(v[lo]);
        if !same(&probe) {
            return (lo, Some(probe));
        }
        lo += 1;
    }
    // v[start..lo] store as `s`; v[hi] is the first value known not to (or the end).
    let (mut hi, mut step, mut differ) = (n, 1, None);
    while lo + step - 1 < n {
        let i = lo + step - 1;
        let probe = store(v[i]);
        if same(&probe) {
            lo = i + 1;
            step *= 2;
        } else {
            (hi, differ) = (i, Some(probe));
            break;
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let probe = store(v[mid]);
        if same(&probe) {
            lo = mid + 1;
        } else {
            (hi, differ) = (mid, Some(probe));
        }
    }
    (lo, differ.filter(|_| lo < n))
}
