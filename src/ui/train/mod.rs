//! The Trainer view (`?view=train`): the same small network trained side by side under up to four
//! precision recipes, with live plots.
//!
//! Here: the page and its controls; `trainer`: the play/pause/step/reset loop and the backend;
//! `bench`: the benchmark pages (`?view=train&bench=1`, `bench=gpu`) that the benchmark scripts
//! read, not meant for readers. The configuration lives in the URL and is read through
//! `present::train`, which also owns the runs ([`Session`]), the slice sizing and every readout; the
//! numbers come from `train` and the pictures from `plot`. Training runs on the page's main thread
//! in slices of about 10 ms (`Session::slice`), each followed by a zero-delay timeout so the browser
//! handles input and paints between slices; the plots are redrawn at most every 100 ms (less often
//! when drawing is slow), never per step.

mod bench;
mod trainer;

use bench::{Bench, GpuBench};
use trainer::Trainer;

use leptos::prelude::*;

use super::url::{HistoryMode, UrlState};
use crate::present::number::data_value;
use crate::present::train::{
    dataset_label, hidden_text, policy_label, policy_short_label, progress_text, recipe_text,
    BackendChoice, BackendKind, OptimizerKind, Scenario, TrainPlots, TrainState, MAX_HARD,
    MAX_RUNS, MAX_STEPS, MAX_VIEW_WIDTH, POINTS,
};
use crate::route::Query;
use crate::train::{Activation, DatasetKind, Policy, MAX_HIDDEN_LAYERS};

/// The Trainer view.
#[component]
pub fn TrainView() -> impl IntoView {
    let url = UrlState::current();
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
                    <super::share::ShareButtons view=crate::route::View::Train />
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
        let options = Policy::menu()
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
            <label class="train-field train-policy">
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
