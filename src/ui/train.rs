//! The Trainer view (`?view=train`): the same small network trained side by side under up to four
//! precision recipes, with live plots.
//!
//! Owns the controls, the play/pause/step/reset loop and the browser benchmark hook
//! (`?view=train&bench=1`). The configuration lives in the URL and is read through
//! `present::train`, which also owns the runs ([`Session`]), the slice sizing and every readout; the
//! numbers come from `train` and the pictures from `plot`. Training runs on the page's main thread
//! in slices of about 10 ms (`Session::slice`), each followed by a zero-delay timeout so the browser
//! handles input and paints between slices; the plots are redrawn at most every 100 ms (less often
//! when drawing is slow), never per step.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;

use super::url::{HistoryMode, UrlState};
use super::widgets::CopyLink;
use crate::gpu::{GpuContext, GpuSession};
use crate::present::number::data_value;
use crate::present::train::{
    bench_config, dataset_label, hidden_text, policy_label, policy_short_label, progress_text,
    recipe_text, BackendChoice, BackendKind, LaneSummary, OptimizerKind, Scenario, Session,
    SliceSizer, Throughput, TrainPlots, TrainState, BENCH_NETWORKS, GPU_BENCH_WIDTHS, MAX_HARD,
    MAX_RUNS, MAX_STEPS, MAX_VIEW_WIDTH, POINTS,
};
use crate::route::Query;
use crate::train::{Activation, DatasetKind, Policy, Run, MAX_HIDDEN_LAYERS};

/// Milliseconds between plot redraws at least.
const RENDER_INTERVAL_MS: f64 = 100.0;

/// What the page shows of the session, refreshed after a slice at most every
/// [`RENDER_INTERVAL_MS`].
#[derive(Clone, Debug, Default, PartialEq)]
struct Snapshot {
    /// Steps of the furthest run.
    steps: u64,
    /// Steps per second of all runs together (wall clock).
    rate: Option<f64>,
    summaries: Vec<LaneSummary>,
    plots: TrainPlots,
    /// The backend the runs use (`None` when the settings cannot run).
    backend: Option<BackendKind>,
    /// Which adapter, or why the CPU runs.
    backend_detail: String,
}

/// The running trainer, shared by the parts of the view (all handles are `Copy`).
#[derive(Clone, Copy)]
struct Trainer {
    session: StoredValue<Option<Session>>,
    /// Why the configuration cannot run (shown instead of the runs).
    error: RwSignal<Option<String>>,
    playing: RwSignal<bool>,
    /// Bumped by every play, pause and reset, so a loop started earlier sees it is stale and ends.
    generation: StoredValue<u64>,
    sizer: StoredValue<SliceSizer>,
    throughput: StoredValue<Throughput>,
    /// When the plots were last drawn, and how long drawing took (ms).
    last_render: StoredValue<(f64, f64)>,
    snapshot: RwSignal<Snapshot>,
    /// The session's runs on the GPU, when the WebGPU backend steps them (`None`: the CPU does).
    gpu: StoredValue<Option<GpuSession>, LocalStorage>,
    /// The backend the person asked for.
    choice: RwSignal<BackendChoice>,
    /// A GPU slice is in flight: the session is out of `session` until it returns.
    busy: StoredValue<bool>,
    /// Why the GPU stopped mid-run (the run went on on the CPU).
    gpu_notice: RwSignal<Option<String>>,
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

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// The plot theme that matches the page: `data-theme` on `<html>` if set, else the system
/// preference.
impl Trainer {
    fn new() -> Trainer {
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
    fn probe_gpu(self) {
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
    fn apply_backend(&self) {
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
    fn reset(&self, state: &TrainState) {
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

    fn play(&self) {
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

    fn pause(&self) {
        self.playing.set(false);
        self.bump();
        self.render();
    }

    /// One step of every run, drawn at once.
    fn step_once(self) {
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
    fn render(&self) {
        if self.busy.try_get_value() != Some(false) {
            // The session is out with a GPU slice (or the view is gone): the slice redraws.
            return;
        }
        let start = now_ms();
        let theme = super::theme::read_theme();
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

/// The Trainer view.
#[component]
pub fn TrainView() -> impl IntoView {
    let url = expect_context::<UrlState>();
    let parsed = Memo::new(move |_| TrainState::from_query(&url.query()));
    let state = Memo::new(move |_| parsed.get().0);
    let notices = move || parsed.get().1.into_iter().map(|n| n.0).collect::<Vec<_>>();
    let choice = Memo::new(move |_| BackendChoice::from_query(&url.query()));
    let notices = move || {
        let mut all = notices();
        all.extend(choice.get().1.map(|n| n.0));
        all
    };
    let trainer = Trainer::new();
    // The runs are outside state (like a timer): rebuild them whenever the configuration changes.
    Effect::new(move |_| {
        let s = state.get();
        trainer.reset(&s);
    });
    // The backend follows the choice without restarting the runs.
    Effect::new(move |_| {
        let c = choice.get().0;
        trainer.choice.set(c);
        if c != BackendChoice::Cpu {
            trainer.probe_gpu();
        }
        trainer.apply_backend();
        trainer.render();
    });
    let bench = url.param("bench");
    let gpu_bench = bench.as_deref() == Some("gpu");
    let bench = bench.as_deref() == Some("1");

    view! {
        <section class="train" aria-labelledby="view-title">
            <div class="view-head">
                <h1 id="view-title">"Trainer"</h1>
                // An embed links back to the full view instead (its footer).
                {(!super::embed::in_embed()).then(|| view! {
                    <div class="share-buttons"><CopyLink /><super::embed::EmbedButton view=crate::route::View::Train /></div>
                })}
            </div>
            <p class="lede">
                "The same small network, trained side by side in up to four precision recipes. Watch gradients flush to zero, steps get skipped, the loss scale adapt and updates vanish against large weights."
            </p>
            <For each=notices key=|t| t.clone() let:text>
                <p class="notice" role="status" data-testid="url-notice">{text}</p>
            </For>
            <Scenarios url=url state=state />
            <Controls url=url state=state />
            <Transport trainer=trainer state=state url=url />
            <Show when=move || trainer.error.get().is_some()>
                <p class="input-error" role="alert" data-testid="train-error">{move || trainer.error.get()}</p>
            </Show>
            <Charts trainer=trainer />
            <Runs trainer=trainer />
            {bench.then(|| view! { <Bench /> })}
            {gpu_bench.then(|| view! { <GpuBench /> })}
        </section>
    }
}

/// Buttons that load a prepared configuration.
#[component]
fn Scenarios(url: UrlState, state: Memo<TrainState>) -> impl IntoView {
    let current = Memo::new(move |_| state.get().scenario());
    let buttons = Scenario::ALL
        .into_iter()
        .map(|scenario| {
            view! {
                <button
                    type="button"
                    data-testid=format!("scenario-{}", scenario.id())
                    aria-pressed=move || (current.get() == Some(scenario)).to_string()
                    title=scenario.description()
                    on:click=move |_| {
                        let next = scenario.state();
                        url.update(HistoryMode::Replace, |q| next.write(q));
                    }
                >
                    {scenario.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="train-scenarios" role="group" aria-label="Scenarios">{buttons}</div>
        <p class="help" data-testid="scenario-description">
            {move || current.get().map(Scenario::description).unwrap_or("Your own settings.")}
        </p>
    }
}

/// Applies `key=value` to the state through the same parser as the URL; returns the reason when
/// the value is not usable (shown next to the input, the state unchanged).
fn apply_field(url: UrlState, state: Memo<TrainState>, key: &str, value: &str) -> Option<String> {
    let mut q = Query::default();
    state.get_untracked().write(&mut q);
    q.set(key, value.trim());
    let (next, notices) = TrainState::from_query(&q);
    if let Some(n) = notices.into_iter().next() {
        return Some(n.0);
    }
    url.update(HistoryMode::Replace, |q| next.write(q));
    None
}

/// The configuration: data, network, optimizer, policies and the knobs.
#[component]
fn Controls(url: UrlState, state: Memo<TrainState>) -> impl IntoView {
    let error = RwSignal::new(None::<(String, String)>);
    let set = move |key: &'static str, value: String| match apply_field(url, state, key, &value) {
        None => error.set(None),
        Some(why) => error.set(Some((key.to_string(), why))),
    };
    let error_for = move |key: &'static str| {
        move || {
            error
                .get()
                .filter(|(k, _)| k == key)
                .map(|(_, why)| view! { <span class="input-error" role="alert" data-testid=format!("error-{key}")>{why}</span> })
        }
    };
    let invalid =
        move |key: &'static str| move || error.get().is_some_and(|(k, _)| k == key).to_string();
    let number =
        move |key: &'static str, label: &'static str, value: Signal<String>, step: &'static str| {
            view! {
                <label class="train-field">
                    <span>{label}</span>
                    <input
                        type="number"
                        step=step
                        data-testid=format!("input-{key}")
                        aria-invalid=invalid(key)
                        prop:value=move || value.get()
                        on:change=move |ev| set(key, event_target_value(&ev))
                    />
                    {error_for(key)}
                </label>
            }
        };
    let datasets = DatasetKind::ALL
        .into_iter()
        .map(|k| view! { <option value=k.name() selected=move || state.get().dataset == k>{dataset_label(k)}</option> })
        .collect_view();
    let activations = Activation::ALL
        .into_iter()
        .map(|a| view! { <option value=a.name() selected=move || state.get().activation == a>{a.name()}</option> })
        .collect_view();
    let optimizers = OptimizerKind::ALL
        .into_iter()
        .map(|o| view! { <option value=o.id() selected=move || state.get().optimizer == o>{o.label()}</option> })
        .collect_view();
    let policy_slot = move |slot: usize| {
        let chosen = move || {
            state
                .get()
                .policies
                .get(slot)
                .map(|p| p.name())
                .unwrap_or("none")
        };
        let options = Policy::defaults()
            .into_iter()
            .map(|p| view! { <option value=p.name() selected=move || chosen() == p.name()>{policy_short_label(&p)}</option> })
            .collect_view();
        let on_change = move |ev: leptos::ev::Event| {
            let name = event_target_value(&ev);
            let mut names: Vec<&'static str> = state
                .get_untracked()
                .policies
                .iter()
                .map(Policy::name)
                .collect();
            let picked = Policy::from_name(&name).map(|p| p.name());
            match picked {
                Some(p) if slot < names.len() => names[slot] = p,
                Some(p) => names.push(p),
                None if slot < names.len() => {
                    names.remove(slot);
                }
                None => {}
            }
            set("policies", names.join(","));
        };
        view! {
            <label class="train-field">
                <span>{format!("run {}", slot + 1)}</span>
                <select data-testid=format!("policy-{slot}") on:change=on_change prop:value=chosen>
                    {(slot > 0).then(|| view! { <option value="none" selected=move || chosen() == "none">"none"</option> })}
                    {options}
                </select>
            </label>
        }
    };
    let s = move |f: fn(&TrainState) -> String| Signal::derive(move || f(&state.get()));
    view! {
        <form class="train-controls" on:submit=|ev| ev.prevent_default() aria-label="Training settings">
            <fieldset>
                <legend>"Data"</legend>
                <label class="train-field">
                    <span>"dataset"</span>
                    <select data-testid="input-data" on:change=move |ev| set("data", event_target_value(&ev))>{datasets}</select>
                </label>
                {number("noise", "noise (0-0.5)", s(|s| s.noise.to_string()), "0.05")}
                {number("seed", "seed", s(|s| s.seed.to_string()), "1")}
                <p class="help">{format!("{POINTS} points.")}</p>
            </fieldset>
            <fieldset>
                <legend>"Network"</legend>
                <label class="train-field">
                    <span>"hidden layers"</span>
                    <input type="text" inputmode="numeric" data-testid="input-hidden" aria-invalid=invalid("hidden")
                        prop:value=move || hidden_text(&state.get().hidden)
                        on:change=move |ev| set("hidden", event_target_value(&ev)) />
                    {error_for("hidden")}
                </label>
                <label class="train-field">
                    <span>"activation"</span>
                    <select data-testid="input-act" on:change=move |ev| set("act", event_target_value(&ev))>{activations}</select>
                </label>
                <p class="help">{format!("Widths separated by commas: up to {MAX_HIDDEN_LAYERS} layers of 1-{MAX_VIEW_WIDTH} units. Loss: cross-entropy (sine: squared error).")}</p>
            </fieldset>
            <fieldset>
                <legend>"Optimizer"</legend>
                <label class="train-field">
                    <span>"optimizer"</span>
                    <select data-testid="input-opt" on:change=move |ev| set("opt", event_target_value(&ev))>{optimizers}</select>
                </label>
                {number("lr", "learning rate", s(|s| s.lr.to_string()), "any")}
                {number("batch", "batch", s(|s| s.batch.to_string()), "1")}
            </fieldset>
            <fieldset>
                <legend>"Precision policies"</legend>
                {(0..MAX_RUNS).map(policy_slot).collect_view()}
            </fieldset>
            <fieldset>
                <legend>"Knobs"</legend>
                {number("hard", "make it hard: loss × 2^-n", s(|s| s.hard.to_string()), "1")}
                {number("wscale", "initial weight scale", s(|s| s.weight_scale.to_string()), "any")}
                {number("interval", "GradScaler growth interval", s(|s| s.interval.to_string()), "1")}
                {number("steps", "stop after (steps)", s(|s| s.steps.to_string()), "100")}
                <p class="help">{format!("n from 0 to {MAX_HARD}: the optimizer is compensated exactly, so only narrow formats notice. The runs stop at the step count, 1 to {MAX_STEPS}; changing it starts them again.")}</p>
            </fieldset>
        </form>
    }
}

/// Play, pause, step, reset, the progress line and the backend.
#[component]
fn Transport(trainer: Trainer, state: Memo<TrainState>, url: UrlState) -> impl IntoView {
    let playing = trainer.playing;
    let snapshot = trainer.snapshot;
    let runs = move || snapshot.with(|s| s.summaries.len());
    let finished = move || {
        snapshot
            .with(|s| !s.summaries.is_empty() && s.summaries.iter().all(|l| l.stopped.is_some()))
    };
    let reset = move |_| {
        trainer.pause();
        trainer.reset(&state.get_untracked());
    };
    view! {
        <div class="train-transport">
            <div class="train-buttons" role="group" aria-label="Training">
                <button type="button" class="primary" data-testid="train-play" disabled=move || playing.get() || finished()
                    on:click=move |_| trainer.play()>"▶ Play"</button>
                <button type="button" data-testid="train-pause" disabled=move || !playing.get()
                    on:click=move |_| trainer.pause()>"❚❚ Pause"</button>
                <button type="button" data-testid="train-step-once" disabled=finished
                    on:click=move |_| trainer.step_once()>"Step"</button>
                <button type="button" data-testid="train-reset" on:click=reset>"Reset"</button>
            </div>
            <p class="train-progress" role="status" aria-live="off">
                <span data-testid="train-step" data-value=move || snapshot.with(|s| s.steps.to_string())>
                    {move || snapshot.with(|s| progress_text(s.steps, state.with(|t| t.steps), s.rate, runs(), playing.get() && !finished()))}
                </span>
                " · backend "
                <code data-testid="backend">{move || snapshot.with(|s| s.backend.map_or("none", BackendKind::name))}</code>
            </p>
            <div class="train-backend">
                <label class="train-field">
                    <span>"run on"</span>
                    <select data-testid="input-backend" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let next = BackendChoice::ALL.into_iter().find(|c| c.id() == value).unwrap_or_default();
                        url.update(HistoryMode::Replace, |q| next.write(q));
                    }>
                        {BackendChoice::ALL.map(|c| view! {
                            <option value=c.id() selected=move || trainer.choice.get() == c>{c.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <p class="help" data-testid="backend-detail">{move || snapshot.with(|s| s.backend_detail.clone())}</p>
            </div>
            <Show when=move || trainer.gpu_notice.get().is_some()>
                <p class="notice" role="status" data-testid="gpu-notice">{move || trainer.gpu_notice.get()}</p>
            </Show>
        </div>
    }
}

/// One card per run: the policy, its recipe, its latest loss and figures, and why it stopped.
#[component]
fn Runs(trainer: Trainer) -> impl IntoView {
    let snapshot = trainer.snapshot;
    let indices = move || {
        (0..snapshot.with(|s| s.summaries.len()))
            .map(|i| (i, snapshot.with(|s| s.summaries[i].policy)))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="train-runs">
            <For each=indices key=|k| *k let:key>
                <RunCard trainer=trainer index=key.0 policy=key.1 />
            </For>
        </div>
    }
}

/// A run's readouts.
#[component]
fn RunCard(
    /// The trainer whose snapshot this card reads.
    trainer: Trainer,
    /// Which run.
    index: usize,
    /// The run's policy name.
    policy: &'static str,
) -> impl IntoView {
    let snapshot = trainer.snapshot;
    let summary = move || snapshot.with(|s| s.summaries.get(index).cloned());
    let loss_value = move || {
        summary()
            .and_then(|s| s.loss)
            .map_or_else(|| "nan".to_string(), |l| data_value(f64::from(l)))
    };
    let recipe = Policy::from_name(policy)
        .map(|p| (policy_label(&p), recipe_text(&p)))
        .unwrap_or_default();
    let plot = move |pick: fn(&TrainPlots) -> &Vec<String>| {
        move || snapshot.with(|s| pick(&s.plots).get(index).cloned().unwrap_or_default())
    };
    view! {
        <article class="train-run" data-testid=format!("train-run-{index}") data-policy=policy
            style=format!("--run: var(--hue-{})", crate::plot::recipe_look(policy).hue.name())
            class:diverged=move || summary().is_some_and(|s| s.diverged())>
            <h3>{recipe.0}</h3>
            <p class="help">{recipe.1}</p>
            <p class="train-loss-line">
                "loss "
                <span class="num" data-testid=format!("train-loss-{index}") data-value=loss_value>
                    {move || summary().map(|s| s.loss_text()).unwrap_or_default()}
                </span>
                <span class="muted">{move || summary().map(|s| format!(" after {} steps", s.steps)).unwrap_or_default()}</span>
            </p>
            <p class="train-detail" data-testid=format!("train-detail-{index}")>{move || summary().map(|s| s.detail_text()).unwrap_or_default()}</p>
            {move || summary().and_then(|s| s.stopped_text()).map(|text| view! {
                <p class="train-stopped" role="status" data-testid=format!("train-stopped-{index}")>{text}</p>
            })}
            <div class="train-mini">
                <figure class="plot" inner_html=plot(|p| &p.decisions)></figure>
                <figure class="plot" inner_html=plot(|p| &p.gradients)></figure>
            </div>
        </article>
    }
}

/// The charts over all runs.
#[component]
fn Charts(trainer: Trainer) -> impl IntoView {
    let snapshot = trainer.snapshot;
    view! {
        <div class="train-charts">
            <figure class="plot" data-testid="plot-loss" inner_html=move || snapshot.with(|s| s.plots.loss.clone())></figure>
            <figure class="plot" data-testid="plot-scale" inner_html=move || snapshot.with(|s| s.plots.scale.clone())></figure>
        </div>
    }
}

/// The browser benchmark (`?view=train&bench=1`): steps per second of every policy on the
/// benchmark workloads, timing only the calls to `step_n` (yields excluded), best of three
/// windows of 300 ms, as `cargo bench --bench train` does natively. Writes JSON to `data-bench`
/// when done, and the benchmark dataset to `data-bench-data` for the TensorFlow.js peer.
#[component]
fn Bench() -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::from("running…"));
    let dataset = bench_dataset_json();
    leptos::task::spawn_local(async move {
        let mut rows = Vec::new();
        for hidden in BENCH_NETWORKS {
            for policy in Policy::defaults() {
                status.set(format!("running {} {:?}…", policy.name(), hidden));
                let rate = bench_policy(policy, hidden).await;
                rows.push(format!(
                    "{{\"policy\":\"{}\",\"hidden\":\"{}\",\"steps_per_s\":{}}}",
                    policy.name(),
                    hidden_text(hidden),
                    rate
                ));
            }
        }
        status.set("done".into());
        result.set(Some(format!("[{}]", rows.join(","))));
    });
    view! {
        <section class="train-bench" data-testid="bench" data-bench=move || result.get() data-bench-data=dataset>
            <h2>"Benchmark"</h2>
            <p>{move || status.get()}</p>
        </section>
    }
}

/// The CPU-vs-WebGPU benchmark (`?view=train&bench=gpu`): steps per second of fp32 and bf16 mixed
/// precision on networks of two hidden layers of 16 to 512 units ([`GPU_BENCH_WIDTHS`]), on the CPU
/// backend (time inside `step_n`, as [`Bench`]) and on the GPU backend (wall time of awaited steps:
/// each step waits for its summary, which is how the view runs it), best of three windows of
/// 300 ms. Writes JSON (`{"adapter": ..., "rows": [...]}`) to `data-bench` when done.
#[component]
fn GpuBench() -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::from("running…"));
    leptos::task::spawn_local(async move {
        let context = GpuContext::new().await;
        let adapter = match &context {
            Ok(c) => c.adapter().describe(),
            Err(e) => format!("none: {e}"),
        };
        let mut rows = Vec::new();
        for width in GPU_BENCH_WIDTHS {
            let hidden = [width, width];
            for policy in [Policy::Fp32, Policy::Bf16Mixed] {
                status.set(format!("running {} {width}x2…", policy.name()));
                let cpu = bench_policy(policy, &hidden).await;
                let gpu = match &context {
                    Ok(c) => bench_gpu(c, policy, &hidden).await,
                    Err(_) => f64::NAN,
                };
                let number = |x: f64| {
                    if x.is_finite() {
                        format!("{x:.1}")
                    } else {
                        "null".into()
                    }
                };
                rows.push(format!(
                    "{{\"policy\":\"{}\",\"hidden\":\"{width},{width}\",\"cpu\":{},\"webgpu\":{}}}",
                    policy.name(),
                    number(cpu),
                    number(gpu)
                ));
            }
        }
        status.set("done".into());
        result.set(Some(format!(
            "{{\"adapter\":{},\"rows\":[{}]}}",
            json_string(&adapter),
            rows.join(",")
        )));
    });
    view! {
        <section class="train-bench" data-testid="bench" data-bench=move || result.get() data-bench-data=bench_dataset_json()>
            <h2>"Benchmark: CPU vs WebGPU"</h2>
            <p>{move || status.get()}</p>
        </section>
    }
}

/// The benchmark workload's dataset as JSON (`{"inputs": [...], "classes": [...]}`), for the
/// TensorFlow.js peer the benchmark scripts run in the same page.
fn bench_dataset_json() -> String {
    let run = Run::new(bench_config(Policy::Fp32, BENCH_NETWORKS[0])).ok();
    run.map(|r| {
        let inputs: Vec<String> = r.data().inputs().iter().map(|v| v.to_string()).collect();
        let classes: Vec<String> = match r.data().targets() {
            crate::train::Targets::Classes(c) => c.iter().map(|v| v.to_string()).collect(),
            crate::train::Targets::Values(_) => Vec::new(),
        };
        format!(
            "{{\"inputs\":[{}],\"classes\":[{}]}}",
            inputs.join(","),
            classes.join(",")
        )
    })
    .unwrap_or_default()
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

async fn bench_gpu(context: &GpuContext, policy: Policy, hidden: &[usize]) -> f64 {
    let Ok(mut run) = Run::new(bench_config(policy, hidden)) else {
        return f64::NAN;
    };
    let Ok(mut lane) = crate::gpu::GpuLane::new(context, &run) else {
        return f64::NAN;
    };
    if lane.step_n(context, &mut run, 5).await.is_err() {
        return f64::NAN;
    }
    // Calls of about 20 ms, as the view's slices (up to 32 steps per submission).
    let start = now_ms();
    if lane.step_n(context, &mut run, 4).await.is_err() {
        return f64::NAN;
    }
    let k = (20.0 / ((now_ms() - start) / 4.0).max(0.01)).clamp(1.0, 32.0) as u32;
    let mut best = 0.0f64;
    for _ in 0..3 {
        let (start, mut steps) = (now_ms(), 0u64);
        while now_ms() - start < 300.0 {
            match lane.step_n(context, &mut run, k).await {
                Ok(records) if !records.is_empty() => steps += records.len() as u64,
                _ => return f64::NAN,
            }
        }
        best = best.max(steps as f64 * 1000.0 / (now_ms() - start));
    }
    best
}

async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn bench_policy(policy: Policy, hidden: &[usize]) -> f64 {
    let Ok(mut run) = Run::new(bench_config(policy, hidden)) else {
        return f64::NAN;
    };
    run.step_n(20);
    let mut best = 0.0f64;
    for _ in 0..3 {
        let (mut busy, mut steps) = (0.0, 0u64);
        while busy < 300.0 {
            let start = now_ms();
            let records = run.step_n(10);
            busy += now_ms() - start;
            if records.is_empty() {
                let Ok(fresh) = Run::new(bench_config(policy, hidden)) else {
                    return f64::NAN;
                };
                run = fresh;
                continue;
            }
            steps += records.len() as u64;
            std::hint::black_box(records);
            yield_to_browser().await;
        }
        best = best.max(steps as f64 * 1000.0 / busy);
    }
    best
}
