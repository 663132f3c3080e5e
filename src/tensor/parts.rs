//! A tensor measured in parts of [`PART`] values, each part on its own: the page hands parts to
//! workers, one per core, and merges their tallies in the parts' order with
//! [`Analysis::merge_part`]. [`Analysis::add`] measures part by part too, so both give the same
//! table, bit for bit (`tests/it/tensor_parts.rs`:
//! `parts_measured_apart_and_merged_give_the_streamed_table`).

use super::analysis::{absmax, Tally};
use super::file::{decode, Dtype, Endian};
use super::report::{Analysis, Mode, PART};

/// What is asked of one part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartJob {
    /// Which part: its values are the tensor's from `index * PART` on.
    pub index: u64,
    /// The histogram's sample takes every `stride`-th value of the tensor, from its first.
    pub stride: u64,
    /// The table's scaling and the tensor's absmax, or `None` on a first pass that only looks for
    /// the absmax.
    pub measure: Option<(Mode, f64)>,
}

/// A part of a file to measure: how its bytes read and what to measure. A worker gets it as
/// numbers ([`PartRequest::to_numbers`]) with the part's bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartRequest {
    pub dtype: Dtype,
    pub endian: Endian,
    pub job: PartJob,
}

impl PartRequest {
    /// The request as numbers: the type's code, 1 for big-endian, the part's index, the stride,
    /// the mode (0 for a first pass, else 1 + its place in none, tensor, block) and the absmax.
    pub fn to_numbers(&self) -> Vec<f64> {
        let (mode, absmax) = match self.job.measure {
            None => (0.0, 0.0),
            Some((mode, absmax)) => (
                1.0 + MODES.iter().position(|&m| m == mode).unwrap_or(0) as f64,
                absmax,
            ),
        };
        vec![
            f64::from(self.dtype.code()),
            f64::from(u8::from(self.endian == Endian::Big)),
            self.job.index as f64,
            self.job.stride as f64,
            mode,
            absmax,
        ]
    }

    /// [`PartRequest::to_numbers`] read back; `None` for numbers it did not write.
    pub fn from_numbers(n: &[f64]) -> Option<PartRequest> {
        let &[dtype, big, index, stride, mode, absmax] = n else {
            return None;
        };
        let whole = |x: f64, below: f64| (x >= 0.0 && x < below && x.fract() == 0.0).then_some(x);
        let dtype = Dtype::from_code(whole(dtype, 256.0)? as u8)?;
        let endian = match whole(big, 2.0)? {
            0.0 => Endian::Little,
            _ => Endian::Big,
        };
        let measure = match whole(mode, 4.0)? as usize {
            0 => None,
            m => Some((MODES[m - 1], absmax)),
        };
        Some(PartRequest {
            dtype,
            endian,
            job: PartJob {
                index: whole(index, 2f64.powi(53))? as u64,
                stride: whole(stride, 2f64.powi(53))?.max(1.0) as u64,
                measure,
            },
        })
    }

    /// Decodes the part's bytes and measures them: what a worker does with a request.
    pub fn measure(&self, bytes: &[u8]) -> PartResult {
        let mut values = Vec::with_capacity(bytes.len() / self.dtype.size() as usize);
        decode(self.dtype, self.endian, bytes, &mut values);
        measure_part(&values, &self.job)
    }
}

const MODES: [Mode; 3] = [Mode::None, Mode::Tensor, Mode::Block];

/// What one part gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartResult {
    /// The part's largest finite magnitude (0 for none).
    pub largest: f64,
    /// Its values at the tensor's sampled indices, when it was measured.
    pub sample: Vec<f64>,
    /// Each row's tally, in [`Analysis::new`]'s order, when it was measured.
    pub tallies: Vec<Tally>,
}

/// Measures one part's values (all `PART` of them, fewer for the last part).
pub fn measure_part(values: &[f64], job: &PartJob) -> PartResult {
    let Some((mode, absmax_of_tensor)) = job.measure else {
        return PartResult {
            largest: absmax(values),
            ..PartResult::default()
        };
    };
    let mut analysis = Analysis::new(mode, absmax_of_tensor);
    analysis.add(values);
    analysis.finish();
    PartResult {
        largest: absmax(values),
        sample: sampled(values, job.index * PART as u64, job.stride)
            .copied()
            .collect(),
        tallies: analysis.rows.iter().map(|r| r.tally).collect(),
    }
}

/// The values of `values` whose index in the tensor is a multiple of `stride`, where `values`
/// starts at index `first`.
pub fn sampled(values: &[f64], first: u64, stride: u64) -> impl Iterator<Item = &f64> {
    let stride = stride.max(1);
    let skip = (stride - first % stride) % stride;
    values
        .iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .step_by(usize::try_from(stride).unwrap_or(usize::MAX))
}

impl PartResult {
    /// The result as numbers, for a message between threads: the largest magnitude, the sample's
    /// length and values, the number of tallies and each tally's numbers.
    pub fn to_numbers(&self) -> Vec<f64> {
        let mut out = vec![self.largest, self.sample.len() as f64];
        out.extend_from_slice(&self.sample);
        out.push(self.tallies.len() as f64);
        for t in &self.tallies {
            out.extend_from_slice(&t.to_numbers());
        }
        out
    }

    /// [`PartResult::to_numbers`] read back; `None` for numbers it did not write.
    pub fn from_numbers(n: &[f64]) -> Option<PartResult> {
        let length = |x: &f64| (*x >= 0.0 && x.fract() == 0.0).then_some(*x as usize);
        let (&largest, rest) = n.split_first()?;
        let (samples, rest) = rest.split_first()?;
        let samples = length(samples)?;
        let sample = rest.get(..samples)?.to_vec();
        let (tallies, rest) = rest.get(samples..)?.split_first()?;
        let tallies = length(tallies)?;
        if rest.len() != tallies.checked_mul(Tally::NUMBERS)? {
            return None;
        }
        let tallies = rest
            .chunks(Tally::NUMBERS)
            .map(Tally::from_numbers)
            .collect::<Option<Vec<_>>>()?;
        Some(PartResult {
            largest,
            sample,
            tallies,
        })
    }
}
