//! The trainer's loop: the session, the backend (CPU or WebGPU, with the fallback when the GPU
//! fails), pacing slices between frames, and the snapshot the page shows.

use crate::gpu::{GpuContext, GpuSession};
use crate::present::train::{
    BackendChoice, BackendKind, LaneSummary, Session, SliceSizer, Throughput, TrainPlots,
    TrainState,
};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// Milliseconds between plot redraws at least.
const RENDER_INTERVAL_MS: f64 = 100.0;

/// What the page shows of the session, refreshed after a slice at most every
/// [`RENDER_INTERVAL_MS`].
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Snapshot {
    /// Steps of the furthest run.
    pub(super) steps: u64,
    /// Steps per second of all runs together (wall clock).
    pub(super) rate: Option<f64>,
    pub(super) summaries: Vec<LaneSummary>,
    pub(super) plots: TrainPlots,
    /// The backend the runs use (`None` when the settings cannot run).
    pub(super) backend: Option<BackendKind>,
    /// Which adapter, or why the CPU runs.
    pub(super) backend_detail: String,
}

/// The running trainer, shared by the parts of the view (all handles are `Copy`).
#[derive(Clone, Copy)]
pub(super) struct Trainer {
    session: StoredValue<Option<Session>>,
    /// Why the configuration cannot run (shown instead of the runs).
    pub(super) error: RwSignal<Option<String>>,
    pub(super) playing: RwSignal<bool>,
    /// Bumped by every play, pause and reset, so a loop started earlier sees it is stale and ends.
    generation: StoredValue<u64>,
    sizer: StoredValue<SliceSizer>,
    throughput: StoredValue<Throughput>,
    /// When the plots were last drawn, and how long drawing took (ms).
    last_render: StoredValue<(f64, f64)>,
    pub(super) snapshot: RwSignal<Snapshot>,
    /// The session's runs on the GPU, when the WebGPU backend steps them (`None`: the CPU does).
    gpu: StoredValue<Option<GpuSession>, LocalStorage>,
    /// The backend the person asked for.
    pub(super) choice: RwSignal<BackendChoice>,
    /// A GPU slice is in flight: the session is out of `session` until it returns.
    busy: StoredValue<bool>,
    /// Why the GPU stopped mid-run (the run went on on the CPU).
    pub(super) gpu_notice: RwSignal<Option<String>>,
}

/// The page's GPU context: asked for once, on the first visit to the trainer, and shared by every
/// trainer view on the page (embeds included).
#[derive(Clone)]
enum GpuState {
    /// Not asked for yet.
    Unknown,
    /// `GpuContext::new` is running.
    Probing,
    Ready(Rc<GpuContext>),
    /// Why there is no GPU; the CPU runs.
    Unavailable(String),
}

thread_local! {
    static GPU: RefCell<GpuState> = const { RefCell::new(GpuState::Unknown) };
}

fn gpu_state() -> GpuState {
    GPU.with(|g| g.borrow().clone())
}

fn set_gpu_state(state: GpuState) {
    GPU.with(|g| *g.borrow_mut() = state);
}

/// Test hook (`window.wasmBindings.loseGpuDevice()`): destroys the page's GPU device, as a driver
/// reset would, so the whole-page tests can check that a running trainer falls back to the CPU.
/// Returns whether there was a device to lose.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = loseGpuDevice)]
pub fn lose_gpu_device() -> bool {
    gpu_context().map(|c| c.lose_device()).is_some()
}

fn gpu_context() -> Option<Rc<GpuContext>> {
    match gpu_state() {
        GpuState::Ready(context) => Some(context),
        _ => None,
    }
}

/// The line under the progress readout: which adapter runs the steps, or why the CPU does.
fn backend_detail(kind: Option<BackendKind>, choice: BackendChoice) -> String {
    match (kind, choice, gpu_state()) {
        (Some(BackendKind::WebGpu), _, GpuState::Ready(c)) => {
            let software = if c.adapter().software {
                " Timings on a software adapter are not GPU timings."
            } else {
                ""
            };
            format!("WebGPU on {}.{software}", c.adapter().describe())
        }
        (_, BackendChoice::Cpu, _) => {
            "CPU (WebAssembly), as asked: the WebGPU backend is switched off.".into()
        }
        (_, _, GpuState::Unknown | GpuState::Probing) => {
            "CPU (WebAssembly) while WebGPU is being probed.".into()
        }
        (_, _, GpuState::Unavailable(why)) => format!("CPU (WebAssembly): {why}."),
        (_, BackendChoice::Auto, GpuState::Ready(c)) if c.adapter().software => format!(
            "CPU (WebAssembly): the only WebGPU adapter here is a software one ({}), slower than the CPU backend; choose “WebGPU, any adapter” to use it anyway.",
            c.adapter().describe()
        ),
        (_, _, GpuState::Ready(_)) => "CPU (WebAssembly).".into(),
    }
}

pub(super) fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// The plot theme that matches the page: `data-theme` on `<html>` if set, else the system
/// preference.
impl Trainer {
    pub(super) fn new() -> Trainer {
        Trainer {
            session: StoredValue::new(None),
            error: RwSignal::new(None),
            playing: RwSignal::new(false),
            generation: StoredValue::new(0),
            sizer: StoredValue::new(SliceSizer::new()),
            throughput: StoredValue::new(Throughput::default()),
            last_render: StoredValue::new((f64::NEG_INFINITY, 0.0)),
            snapshot: RwSignal::new(Snapshot::default()),
            gpu: StoredValue::new_local(None),
            choice: RwSignal::new(BackendChoice::Auto),
            busy: StoredValue::new(false),
            gpu_notice: RwSignal::new(None),
        }
    }

    /// Asks for the page's GPU context once; when it is there (or known to be missing), applies
    /// the backend choice.
    pub(super) fn probe_gpu(self) {
        if !matches!(gpu_state(), GpuState::Unknown) {
            return;
        }
        set_gpu_state(GpuState::Probing);
        leptos::task::spawn_local(async move {
            let state = match GpuContext::new().await {
                Ok(context) => GpuState::Ready(Rc::new(context)),
                Err(why) => GpuState::Unavailable(why.to_string()),
            };
            set_gpu_state(state);
            if self.generation.try_get_value().is_some() {
                self.apply_backend();
                self.render();
            }
        });
    }

    /// Puts the runs on the backend the choice and the browser allow: uploads them to the GPU (at
    /// any step: the CPU keeps the whole state), or drops the GPU copy (after every slice the
    /// session holds the GPU's numbers). Waits while a GPU slice is in flight.
    pub(super) fn apply_backend(&self) {
        if self.busy.try_get_value() != Some(false) {
            return;
        }
        let choice = self.choice.get_untracked();
        let context = gpu_context().filter(|c| choice.accepts(c.adapter().software));
        let has_gpu = self.gpu.with_value(Option::is_some);
        match context {
            Some(context) if !has_gpu => {
                let built = self
                    .session
                    .try_update_value(|s| {
                        s.as_mut()
                            .map(|s| GpuSession::new(&context, &mut s.runs_mut()))
                    })
                    .flatten();
                match built {
                    Some(Ok(gpu)) => {
                        self.gpu.set_value(Some(gpu));
                        self.session.update_value(|s| {
                            if let Some(s) = s {
                                s.set_backend(BackendKind::WebGpu);
                            }
                        });
                    }
                    Some(Err(e)) => {
                        set_gpu_state(GpuState::Unavailable(format!(
                            "the GPU could not take these runs ({e})"
                        )));
                    }
                    None => {}
                }
            }
            None if has_gpu => self.drop_gpu(),
            _ => {}
        }
    }

    fn drop_gpu(&self) {
        self.gpu.set_value(None);
        self.session.update_value(|s| {
            if let Some(s) = s {
                s.set_backend(BackendKind::Cpu);
            }
        });
    }

    /// Builds fresh runs for `state`; keeps playing if it was.
    pub(super) fn reset(&self, state: &TrainState) {
        self.gpu.set_value(None);
        self.gpu_notice.set(None);
        match Session::new(state) {
            Ok(session) => {
                self.session.set_value(Some(session));
                self.error.set(None);
                self.apply_backend();
            }
            Err(why) => {
                self.session.set_value(None);
                self.error
                    .set(Some(format!("These settings cannot train: {why}.")));
                self.pause();
            }
        }
        self.throughput.update_value(Throughput::clear);
        self.render();
    }

    pub(super) fn play(&self) {
        if self.playing.get_untracked()
            || !self
                .session
                .with_value(|s| s.as_ref().is_some_and(Session::is_running))
        {
            return;
        }
        self.playing.set(true);
        self.throughput.update_value(Throughput::clear);
        let generation = self.bump();
        self.schedule(generation);
    }

    pub(super) fn pause(&self) {
        self.playing.set(false);
        self.bump();
        self.render();
    }

    /// One step of every run, drawn at once.
    pub(super) fn step_once(self) {
        self.pause();
        if self.gpu.with_value(Option::is_some) {
            leptos::task::spawn_local(async move {
                if self.gpu_advance(1).await.is_some() {
                    self.render();
                }
            });
            return;
        }
        self.session.update_value(|s| {
            if let Some(s) = s {
                s.slice(1);
            }
        });
        self.render();
    }

    /// Advances the runs by up to `steps` on the GPU; returns (steps of all runs, still running),
    /// or `None` when nothing ran or the result is stale (the view is gone, or a reset replaced the
    /// runs meanwhile). A GPU failure puts the runs back to the last completed slice and continues
    /// on the CPU, with a notice.
    async fn gpu_advance(self, steps: u32) -> Option<(u64, bool)> {
        if self.busy.try_get_value() != Some(false) {
            return None;
        }
        let context = gpu_context()?;
        let mut gpu = self.gpu.try_update_value(Option::take).flatten()?;
        let Some(mut session) = self.session.try_update_value(Option::take).flatten() else {
            self.gpu.set_value(Some(gpu));
            return None;
        };
        self.busy.set_value(true);
        let result = gpu.slice(&context, &mut session.runs_mut(), steps).await;
        // The view may have gone, or a reset may have put new runs in place, while we waited.
        let replaced = self.session.try_with_value(Option::is_some)?;
        self.busy.set_value(false);
        if replaced {
            // Draw the new runs (their first render was skipped while this slice was out).
            self.apply_backend();
            self.render();
            return None;
        }
        match result {
            Ok((_, last)) => {
                session.absorb_last(&last);
                self.gpu.set_value(Some(gpu));
            }
            Err(e) => {
                gpu.restore(&mut session.runs_mut());
                let at = session.steps();
                session.set_backend(BackendKind::Cpu);
                set_gpu_state(GpuState::Unavailable(format!("the GPU failed: {e}")));
                self.gpu_notice.set(Some(format!(
                    "The GPU failed ({e}). Training goes on on the CPU from step {at}, where the GPU last handed its numbers back (the end of its last completed slice)."
                )));
            }
        }
        let outcome = (session.total_steps(), session.is_running());
        self.session.set_value(Some(session));
        Some(outcome)
    }

    fn bump(&self) -> u64 {
        self.generation.update_value(|g| *g += 1);
        self.generation.get_value()
    }

    fn schedule(self, generation: u64) {
        set_timeout(move || self.tick(generation), Duration::ZERO);
    }

    /// One slice of training, then a redraw if one is due, then the next slice after a yield.
    /// Ends quietly when the view is gone (its stored values are disposed) or the loop is stale.
    fn tick(self, generation: u64) {
        if self.generation.try_get_value() != Some(generation) {
            return;
        }
        self.apply_backend();
        let steps = self.sizer.get_value().steps();
        let start = now_ms();
        if self.gpu.with_value(Option::is_some) {
            leptos::task::spawn_local(async move {
                match self.gpu_advance(steps).await {
                    Some((total, running)) => {
                        self.after_slice(generation, steps, start, total, running);
                    }
                    // New runs replaced these while the slice ran (the settings changed during
                    // play): keep the loop going with them.
                    None if self.generation.try_get_value() == Some(generation) => {
                        self.schedule(generation);
                    }
                    None => {}
                }
            });
            return;
        }
        let outcome = self.session.try_update_value(|s| {
            s.as_mut()
                .map(|s| (s.slice(steps), s.total_steps(), s.is_running()))
        });
        let Some(Some((_, total, running))) = outcome else {
            return;
        };
        self.after_slice(generation, steps, start, total, running);
    }

    /// Records a slice's timing, redraws if due, and schedules the next slice.
    fn after_slice(self, generation: u64, steps: u32, start: f64, total: u64, running: bool) {
        if self.generation.try_get_value() != Some(generation) {
            // Paused or reset while the slice ran: draw what it did, start nothing.
            self.render();
            return;
        }
        let end = now_ms();
        self.sizer.update_value(|z| z.record(steps, end - start));
        self.throughput.update_value(|t| t.record(end, total));
        let (last, cost) = self.last_render.get_value();
        // Drawing should take at most a fifth of the time: slow drawing means fewer redraws.
        if !running || end - last >= RENDER_INTERVAL_MS.max(5.0 * cost) {
            self.render();
        }
        if running {
            self.schedule(generation);
        } else {
            self.playing.set(false);
        }
    }

    /// Refreshes the readouts and redraws the plots.
    pub(super) fn render(&self) {
        if self.busy.try_get_value() != Some(false) {
            // The session is out with a GPU slice (or the view is gone): the slice redraws.
            return;
        }
        let start = now_ms();
        let theme = crate::ui::theme::read_theme();
        let rate = self
            .throughput
            .try_with_value(Throughput::per_second)
            .flatten();
        let choice = self.choice.get_untracked();
        let Some(snapshot) = self.session.try_with_value(|s| match s {
            Some(s) => Snapshot {
                steps: s.steps(),
                rate,
                summaries: s.summaries(),
                plots: s.plots(theme),
                backend: Some(s.backend()),
                backend_detail: backend_detail(Some(s.backend()), choice),
            },
            None => Snapshot::default(),
        }) else {
            return;
        };
        self.snapshot.set(snapshot);
        let end = now_ms();
        self.last_render.set_value((end, end - start));
    }
}
