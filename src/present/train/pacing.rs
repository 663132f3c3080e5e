//! Pacing: how many steps the next slice takes, and the steps per second the reader sees.

/// Picks how many steps each run takes in the next slice so that a slice (all runs together) takes
/// about [`SliceSizer::TARGET_MS`]: the page's main thread gets the rest of each frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceSizer {
    steps: u32,
}

impl SliceSizer {
    /// Milliseconds one slice aims for.
    pub const TARGET_MS: f64 = 10.0;
    /// Steps per run per slice at most.
    pub const MAX_STEPS: u32 = 2000;

    /// Starts with one step per run, so the first slice cannot be long whatever the network.
    pub fn new() -> Self {
        SliceSizer { steps: 1 }
    }

    /// Steps per run for the next slice.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Adapts to a slice of `steps` that took `elapsed_ms`: aim at the target, but at most double or
    /// halve at a time so one noisy measurement (a GC pause, a busy machine) cannot swing it.
    pub fn record(&mut self, steps: u32, elapsed_ms: f64) {
        if steps == 0 {
            return;
        }
        let per_step = if elapsed_ms.is_finite() && elapsed_ms > 0.0 {
            elapsed_ms / f64::from(steps)
        } else {
            // A clock too coarse to see the slice: grow.
            Self::TARGET_MS / f64::from(steps.saturating_mul(2).max(1))
        };
        let ideal = (Self::TARGET_MS / per_step).floor();
        let low = f64::from((self.steps / 2).max(1));
        let high = f64::from(self.steps.saturating_mul(2));
        self.steps = ideal
            .clamp(low, high)
            .clamp(1.0, f64::from(Self::MAX_STEPS)) as u32;
    }
}

impl Default for SliceSizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Steps per second over a sliding window of wall-clock time (what the reader sees, yields
/// included).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Throughput {
    /// (time in ms, total steps) samples, oldest first.
    samples: std::collections::VecDeque<(f64, u64)>,
}

impl Throughput {
    /// Window length in milliseconds.
    pub const WINDOW_MS: f64 = 1000.0;

    /// Records that `total_steps` had been taken at `now_ms`.
    pub fn record(&mut self, now_ms: f64, total_steps: u64) {
        self.samples.push_back((now_ms, total_steps));
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|&(t, _)| now_ms - t >= Self::WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Steps per second over the window; `None` before two samples a moment apart.
    pub fn per_second(&self) -> Option<f64> {
        let (&(t0, s0), &(t1, s1)) = (self.samples.front()?, self.samples.back()?);
        (t1 - t0 > 1.0).then(|| (s1.saturating_sub(s0)) as f64 * 1000.0 / (t1 - t0))
    }

    /// Forgets everything (after a pause or a reset).
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}
