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
    /// Where each of them sits in the batch (when asked for: block rows need it).
    order: Vec<u32>,
    keys: Vec<u64>,
    scratch: Vec<u64>,
    order_scratch: Vec<u32>,
    /// Values regrouped by their block's scale, for block rows.
    grouped: Vec<f64>,
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
    /// Takes a batch: counts it, and sorts its finite non-zero values (noting where each sat in
    /// the batch when `with_order`).
    pub(crate) fn take(&mut self, batch: &[f64], with_order: bool) {
        self.values = batch.len() as u64;
        self.non_finite = 0;
        self.signal = 0.0;
        self.all_f32 = true;
        self.keys.clear();
        self.order.clear();
        for (i, &x) in batch.iter().enumerate() {
            if !x.is_finite() {
                self.non_finite += 1;
                continue;
            }
            self.signal += x * x;
            if x != 0.0 {
                self.all_f32 &= f64::from(x as f32) == x;
                self.keys.push(key(x));
                if with_order {
                    self.order.push(i as u32);
                }
            }
        }
        self.radix_sort(with_order);
        self.sorted.clear();
        self.sorted.extend(self.keys.iter().map(|&k| value(k)));
    }

    /// Least significant digit first, over only the bits where the keys differ (values read from
    /// fp32, fp16 or bf16 have 29 or more trailing zero bits in an `f64`, and a tensor's
    /// magnitudes share their top exponent bits), in as few digits of at most 12 bits as cover
    /// them: three passes for fp32 values, two for 16-bit ones.
    fn radix_sort(&mut self, with_order: bool) {
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
        self.order_scratch.resize(self.order.len(), 0);
        for (p, at) in counts.chunks_mut(mask + 1).enumerate() {
            let mut sum = 0;
            for slot in at.iter_mut() {
                (*slot, sum) = (sum, sum + *slot);
            }
            for (i, &k) in self.keys.iter().enumerate() {
                let b = digit(k, p as u32);
                self.scratch[at[b]] = k;
                if with_order {
                    self.order_scratch[at[b]] = self.order[i];
                }
                at[b] += 1;
            }
            std::mem::swap(&mut self.keys, &mut self.scratch);
            std::mem::swap(&mut self.order, &mut self.order_scratch);
        }
    }

    /// Adds the batch's counts that do not depend on the format.
    fn count(&self, tally: &mut Tally) {
        tally.values += self.values;
        tally.non_finite += self.non_finite;
        tally.signal += self.signal;
        tally.nonzero += self.sorted.len() as u64;
    }

    /// Adds the batch to `tally` as `kernel` stores each value times `factor`, read back divided
    /// by `factor`.
    pub(crate) fn tally(&self, tally: &mut Tally, kernel: &Kernel, factor: f64) {
        self.count(tally);
        if factor == 1.0 && self.all_f32 && kernel.holds_every_f32() {
            // fp32 keeps every value of an fp32 tensor: no error, nothing to store.
            tally.exact += self.sorted.len() as u64;
            return;
        }
        tally_runs(&self.sorted, tally, kernel, factor);
    }

    /// Adds the batch to `tally` for a block row: the values of the batch's `k`-th block of
    /// `block_len` are stored times `factors[k]`. Blocks that share a factor store alike, so the
    /// values are regrouped by factor (a counting sort that keeps each group ascending) and each
    /// group's runs measured. The batch must have been taken `with_order`.
    pub(crate) fn tally_blocks(
        &mut self,
        tally: &mut Tally,
        kernel: &Kernel,
        block_len: usize,
        factors: &[f64],
    ) {
        self.count(tally);
        // The distinct factors (a batch's blocks share few: MX scales are powers of two).
        let mut distinct: Vec<u64> = Vec::new();
        let group: Vec<usize> = factors
            .iter()
            .map(|f| {
                let bits = f.to_bits();
                distinct.iter().position(|&d| d == bits).unwrap_or_else(|| {
                    distinct.push(bits);
                    distinct.len() - 1
                })
            })
            .collect();
        let of = |i: u32| group[i as usize / block_len];
        let mut at = vec![0usize; distinct.len() + 1];
        for &i in &self.order {
            at[of(i) + 1] += 1;
        }
        for g in 1..at.len() {
            at[g] += at[g - 1];
        }
        let starts = at.clone();
        self.grouped.resize(self.sorted.len(), 0.0);
        for (&i, &x) in self.order.iter().zip(&self.sorted) {
            let g = of(i);
            self.grouped[at[g]] = x;
            at[g] += 1;
        }
        for (g, &bits) in distinct.iter().enumerate() {
            let values = &self.grouped[starts[g]..starts[g + 1]];
            tally_runs(values, tally, kernel, f64::from_bits(bits));
        }
    }
}

/// Measures sorted finite non-zero values as `kernel` stores each times `factor`: run by run.
fn tally_runs(v: &[f64], tally: &mut Tally, kernel: &Kernel, factor: f64) {
    let n = v.len();
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
