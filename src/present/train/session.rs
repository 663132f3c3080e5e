//! [`Session`]: the runs of one configuration, one per policy, advanced slice by slice, and what
//! the view shows about each.

use crate::train::{
    BlockStats, ConfigError, DecisionGrid, Log2Histogram, Precision, Run, StepRecord, Stopped,
    TensorKind,
};

use super::backend::BackendKind;
use super::state::TrainState;
use crate::present::number::sig;

/// One run of a session and what the view shows about its latest step.
#[derive(Clone, Debug)]
pub struct Lane {
    pub run: Run,
    /// Sum of the gradient histograms of every watched tensor in the latest step.
    pub histogram: Log2Histogram,
    /// The format those gradients were rounded into.
    pub gradient_format: Precision,
    /// The latest step's share of logit gradients that underflowed to zero.
    pub flushed: f32,
    /// The latest step's share of all watched gradient values that are zero.
    pub zeros: f32,
    /// Block recipes: what the block scales did to the output gradients in the latest step.
    pub blocks: Option<BlockStats>,
}

/// The runs of one configuration, one per policy, advanced together.
#[derive(Clone, Debug)]
pub struct Session {
    lanes: Vec<Lane>,
    backend: BackendKind,
}

impl Session {
    /// Builds one run per policy of `state`.
    pub fn new(state: &TrainState) -> Result<Session, ConfigError> {
        let lanes = state
            .policies
            .iter()
            .map(|&policy| {
                let run = Run::new(state.run_config(policy))?;
                Ok(Lane {
                    gradient_format: policy.formats().gradients,
                    run,
                    histogram: Log2Histogram::new(),
                    flushed: 0.0,
                    zeros: 0.0,
                    blocks: None,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        Ok(Session {
            lanes,
            backend: BackendKind::Cpu,
        })
    }

    /// The backend these runs use.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The runs.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// The runs, in order, lent to a backend that steps them itself (`crate::gpu::GpuSession`).
    pub fn runs_mut(&mut self) -> Vec<&mut Run> {
        self.lanes.iter_mut().map(|l| &mut l.run).collect()
    }

    /// Takes in each run's last record of a slice another backend stepped (its histograms and
    /// shares for the readouts), in the order of [`Session::runs_mut`].
    pub fn absorb_last(&mut self, records: &[Option<StepRecord>]) {
        for (lane, record) in self.lanes.iter_mut().zip(records) {
            if let Some(record) = record {
                lane.absorb(record);
            }
        }
    }

    /// The runs, for a backend that steps them itself (`crate::gpu::GpuSession`).
    pub fn lanes_mut(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }

    /// Records which backend steps the runs (the `backend` readout).
    pub fn set_backend(&mut self, backend: BackendKind) {
        self.backend = backend;
    }

    /// Advances every run that is still going by up to `steps`; returns the steps taken in all.
    pub fn slice(&mut self, steps: u32) -> u64 {
        let mut taken = 0;
        for lane in &mut self.lanes {
            let records = lane.run.step_n(steps);
            taken += records.len() as u64;
            if let Some(last) = records.last() {
                lane.absorb(last);
            }
        }
        taken
    }

    /// Whether any run can still step.
    pub fn is_running(&self) -> bool {
        self.lanes.iter().any(|l| l.run.is_running())
    }

    /// The most steps any run has taken.
    pub fn steps(&self) -> u64 {
        self.lanes.iter().map(|l| l.run.steps()).max().unwrap_or(0)
    }

    /// Steps taken by all runs together.
    pub fn total_steps(&self) -> u64 {
        self.lanes.iter().map(|l| l.run.steps()).sum()
    }

    /// The readouts of every run.
    pub fn summaries(&self) -> Vec<LaneSummary> {
        self.lanes.iter().map(Lane::summary).collect()
    }
}

impl Lane {
    /// Takes in the latest step's record (the histogram and shares the view shows). For a block
    /// recipe the histogram is of its block-scaled gradients in element terms (each value over its
    /// block's scale), against the element format's window; a layer it keeps in bf16 is left out.
    pub fn absorb(&mut self, record: &StepRecord) {
        if record.tensors.is_empty() {
            return;
        }
        let blocked = record.tensors.iter().any(|t| t.blocks.is_some());
        let mut histogram = Log2Histogram::new();
        let (mut zeros, mut count) = (0u64, 0u64);
        for t in record
            .tensors
            .iter()
            .filter(|t| !blocked || t.blocks.is_some())
        {
            let h = &t.stats.histogram;
            for (sum, &b) in histogram.bins.iter_mut().zip(h.bins.iter()) {
                *sum += b;
            }
            histogram.zero += h.zero;
            histogram.below += h.below;
            histogram.above += h.above;
            histogram.non_finite += h.non_finite;
            zeros += u64::from(t.stats.zeros);
            count += u64::from(t.stats.count);
        }
        self.histogram = histogram;
        self.zeros = if count == 0 {
            0.0
        } else {
            (zeros as f64 / count as f64) as f32
        };
        self.blocks = record
            .tensors
            .iter()
            .filter_map(|t| t.blocks)
            .reduce(|mut sum, b| {
                sum.add(&b);
                sum
            });
        // Tensors are recorded last layer first: the first output gradient is the logits'. Once it
        // flushes, everything upstream is exactly zero (not "flushed"), so this is the share to show.
        self.flushed = record
            .tensors
            .iter()
            .find(|t| matches!(t.kind, TensorKind::OutputGrad { .. }))
            .map_or(0.0, |t| t.stats.flushed_fraction());
    }

    /// The readout of this run.
    pub fn summary(&self) -> LaneSummary {
        let last = self.run.history().last();
        LaneSummary {
            policy: self.run.config().policy.name(),
            steps: self.run.steps(),
            loss: last.map(|s| s.loss),
            accuracy: last.and_then(|s| s.accuracy),
            loss_scale: self.run.loss_scale(),
            skipped: self.run.history().iter().filter(|s| s.skipped).count() as u64,
            flushed: self.flushed,
            zeros: self.zeros,
            updates_lost: last.map_or(0.0, |s| s.updates_lost),
            stopped: self.run.stopped(),
            blocks: self.blocks,
            block_totals: *self.run.block_totals(),
        }
    }

    /// The decision grid (classification) at `resolution` cells per side.
    pub fn decision_grid(&self, resolution: usize) -> Option<DecisionGrid> {
        self.run.decision_grid(resolution)
    }
}

/// A share as a percentage with one decimal, never "0.0%" for a share that is not zero.
fn percent(share: f64) -> String {
    if share > 0.0 && share < 0.0005 {
        "< 0.1%".to_string()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}

/// What the view shows about one run.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneSummary {
    pub policy: &'static str,
    pub steps: u64,
    /// The latest batch loss (`None` before the first step).
    pub loss: Option<f32>,
    pub accuracy: Option<f32>,
    pub loss_scale: f32,
    /// Steps skipped by the loss scaler so far.
    pub skipped: u64,
    /// Share of logit gradients flushed to zero in the latest step.
    pub flushed: f32,
    /// Share of all gradient values that are zero in the latest step.
    pub zeros: f32,
    /// Share of updates lost to rounding in the latest step.
    pub updates_lost: f32,
    pub stopped: Option<Stopped>,
    /// Block recipes: the latest step's block counts over every block-scaled output gradient.
    pub blocks: Option<BlockStats>,
    /// Block recipes: the same, summed over every step so far.
    pub block_totals: BlockStats,
}

impl LaneSummary {
    /// The loss as readable text.
    pub fn loss_text(&self) -> String {
        match self.loss {
            None => "—".into(),
            Some(l) => sig(f64::from(l), 4),
        }
    }

    /// The other figures of the run in a line.
    pub fn detail_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.accuracy {
            parts.push(format!("batch accuracy {:.0}%", a * 100.0));
        }
        if self.policy == "fp16-amp" {
            parts.push(format!(
                "loss scale {} ({} skipped)",
                crate::present::number::power_of_two(f64::from(self.loss_scale))
                    .unwrap_or_else(|| sig(f64::from(self.loss_scale), 3)),
                self.skipped
            ));
        }
        parts.push(format!(
            "logit gradients flushed to zero: {:.0}%",
            self.flushed * 100.0
        ));
        parts.push(format!(
            "gradients that are zero: {:.0}%",
            self.zeros * 100.0
        ));
        if let Some(b) = &self.blocks {
            parts.push(self.blocks_text(b));
        }
        if self.updates_lost > 0.0 {
            parts.push(format!(
                "{:.1}% of updates lost to rounding",
                self.updates_lost * 100.0
            ));
        }
        parts.join(" · ")
    }

    /// What the block scales did to the gradients, in a line: the blocks whose scale saturated or
    /// underflowed, the nonzero values that read back as zero, the gradients' relative error.
    fn blocks_text(&self, b: &BlockStats) -> String {
        let share = |n: u32, of: u32| {
            percent(if of == 0 {
                0.0
            } else {
                f64::from(n) / f64::from(of)
            })
        };
        format!(
            "gradient blocks: {} of {} scales saturated, {} underflowed · nonzero gradients read back as 0: {} · gradient error (RMS, relative): {} as the data-gradient GEMM reads them, {} as the weight-gradient GEMM does · magnitude kept over all steps: {}",
            b.saturated,
            b.blocks,
            b.underflowed,
            share(b.flushed, b.nonzero),
            percent(b.relative_error()),
            percent(b.transposed_relative_error()),
            percent(self.block_totals.magnitude_kept())
        )
    }

    /// Why the run stopped, if it did.
    pub fn stopped_text(&self) -> Option<String> {
        self.stopped.map(|s| s.explanation())
    }

    /// Whether the run diverged (NaN/Inf).
    pub fn diverged(&self) -> bool {
        matches!(self.stopped, Some(Stopped::Diverged { .. }))
    }
}

/// The progress line: step count out of the horizon, steps per second while training.
pub fn progress_text(
    steps: u64,
    horizon: u64,
    per_second: Option<f64>,
    runs: usize,
    playing: bool,
) -> String {
    let rate = match per_second {
        Some(r) if playing => format!(" · {} steps/s per run", sig(r / runs.max(1) as f64, 3)),
        _ => String::new(),
    };
    let state = if steps >= horizon {
        "finished"
    } else if playing {
        "training"
    } else {
        "paused"
    };
    format!("step {steps} of {horizon}{rate} · {state}")
}
