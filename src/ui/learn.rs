//! The Learn view (`?view=learn`, the landing page): an article on number formats and
//! mixed-precision training, with the other views' widgets inline.
//!
//! Owns the article's prose, its section anchors, the wrapper that gives each inline widget its
//! own state (`UrlState::local`, never the address bar) and a Reset button, the `torch.finfo`
//! table, the memory examples and the loss-scaling demo with its four-step diagram. Every number
//! comes from `present::learn` (which asks the engines) or from the inlined widgets themselves;
//! this module computes nothing.

use std::time::Duration;

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;

use super::embed::widget_part;
use super::lazy::{part, Deferred, Part};
use super::url::{HistoryMode, UrlState};
use crate::present::learn::{
    article, finfo_rows, loss_points, memory_examples, model_state_bytes_per_param, torch_g, Block,
    Demo, DemoReadout, Phase, DEMO_START, DEMO_STEPS, MODEL_STATES,
};
use crate::present::number::data_value;
use crate::present::train::Session;
use crate::route::Widget;

/// Steps of the demo run per animation tick while it plays.
const STEPS_PER_TICK: u32 = 4;
/// Milliseconds between ticks while playing, and between the phases of a single step.
const TICK_MS: u64 = 120;
const PHASE_MS: u64 = 350;

/// The article: its prose from `present::learn::article`, with the live widgets in their places.
/// The prose is static HTML written in this crate (never text from the URL or a person); each
/// widget is downloaded when the reader scrolls near it.
#[component]
pub fn LearnView() -> impl IntoView {
    let article = article();
    let toc = article
        .sections
        .iter()
        .map(|s| view! { <li><a href=format!("#{}", s.id)>{s.title}</a></li> })
        .collect_view();
    let sections = article
        .sections
        .into_iter()
        .map(|section| {
            let id = section.id;
            let blocks = section.blocks.into_iter().map(block).collect_view();
            view! {
                <section class="learn-section" aria-labelledby=id>
                    <h2 id=id><a class="anchor" href=format!("#{id}")>{section.title}</a></h2>
                    {blocks}
                </section>
            }
        })
        .collect_view();
    view! {
        <article class="learn" aria-labelledby="view-title">
            <header class="learn-head">
                <h1 id="view-title">"Learn"</h1>
                <div class="prose" inner_html=article.intro></div>
                <nav class="toc" aria-label="Sections">
                    <ol>{toc}</ol>
                </nav>
            </header>
            {sections}
        </article>
    }
}

/// One block of a section: its prose, or the widget it names.
fn block(block: Block) -> AnyView {
    match block {
        Block::Html(html) => view! { <div class="prose" inner_html=html></div> }.into_any(),
        Block::Part(name) => part_view(name),
    }
}

/// The widget an article part names (`<!-- part NAME -->` in the article's HTML).
/// The block editor's start in the article: the values its prose works through.
const BLOCK_START: &str =
    "mxel=nvfp4&mx=10.5,6,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.001,-0.0005,0.000001,0";

fn part_view(name: &'static str) -> AnyView {
    match name {
        "editor-fp32" => view! {
            <Inline start="format=fp32&value=0.1" name=name caption="fp32 bit editor, starting at 0.1" part=widget_part(Widget::Editor) />
        }
        .into_any(),
        "editor-fp16" => view! {
            <Inline start="format=fp16&value=65504" name=name caption="fp16 bit editor, starting at 65504" part=widget_part(Widget::Editor) />
        }
        .into_any(),
        "facts" => view! {
            <Deferred part=widget_part(Widget::Facts) what="The table of formats" placeholder_class="facts" />
        }
        .into_any(),
        "plots" => view! {
            <Inline start="format=fp16&value=65504&compare=fp32,fp16,bf16" name=name caption="Range and precision of fp32, fp16 and bf16, with 65504 marked" part=|| Box::pin(range_precision_plots()) />
        }
        .into_any(),
        "finfo" => view! {
            <Deferred part=|| Box::pin(finfo_table()) what="The torch.finfo table" placeholder_class="finfo" />
        }
        .into_any(),
        "demo" => view! {
            <Inline start=DEMO_START name=name caption="Loss scaling on and off: a live fp16 training run" part=|| Box::pin(scaling_demo()) />
        }
        .into_any(),
        "block" => view! {
            <Inline start=BLOCK_START name=name caption="The block editor in NVFP4: an outlier block and a block of small values" part=widget_part(Widget::Mx) />
        }
        .into_any(),
        "model-states" => model_states().into_any(),
        "memory-examples" => view! {
            <Deferred part=|| Box::pin(memory_examples_table()) what="The note's memory examples" placeholder_class="memory-examples" />
        }
        .into_any(),
        "memory" => view! {
            <Inline start="model=qwen2-72b&mode=inference&weights=bf16" name=name caption="The memory calculator, on the note's first example: Qwen2-72B weights in bf16" part=widget_part(Widget::Memory) />
        }
        .into_any(),
        "embed-snippet" => view! {
            <pre class="embed-snippet" data-testid="learn-embed-snippet">{embed_snippet()}</pre>
        }
        .into_any(),
        // `present::learn::PARTS` lists the names above, and the native tests check the article
        // names no other; a slip still shows on the page's console (the whole-page tests fail).
        _ => {
            leptos::logging::error!("the article names a part that does not exist: {name}");
            ().into_any()
        }
    }
}

/// An inlined widget with its own state, starting from `start` (a query string) and never
/// touching the address bar; Reset puts it back. The widget is downloaded when the reader
/// scrolls near it (`Deferred`).
#[component]
fn Inline(
    /// The state the text describes, e.g. `format=fp32&value=0.1`.
    start: &'static str,
    /// A stable name for `data-testid` (`inline-<name>`, `reset-<name>`).
    name: &'static str,
    /// What the widget shows, for the caption and the Reset button's accessible name.
    caption: &'static str,
    /// The widget.
    part: Part,
) -> impl IntoView {
    let url = UrlState::local(start);
    // An owner of its own, so this widget's state is the one its children find (not another
    // inline widget's) and goes away with it.
    let owner = Owner::new();
    let widget = owner.with(|| {
        provide_context(url);
        view! { <Deferred part=part what=caption placeholder_class=name /> }
    });
    let widget = OwnedView::new_with_owner(widget, owner);
    view! {
        <figure class="inline-widget" data-testid=format!("inline-{name}")>
            <figcaption>
                <span>{caption}</span>
                <button
                    type="button"
                    class="reset"
                    data-testid=format!("reset-{name}")
                    aria-label=format!("Reset: {caption}")
                    on:click=move |_| url.reset_to(start)
                >
                    "Reset"
                </button>
            </figcaption>
            {widget}
        </figure>
    }
}

part!(fn range_precision_plots in learn_plots {
    view! {
        <div class="editor-plots">
            <super::plots::RangeWidget />
            <super::plots::PrecisionWidget />
        </div>
    }
    .into_any()
});
part!(fn scaling_demo in learn_demo { view! { <ScalingDemo /> }.into_any() });
part!(fn finfo_table in learn_finfo { view! { <FinfoTable /> }.into_any() });
part!(fn memory_examples_table in learn_memory { view! { <MemoryExamples /> }.into_any() });

/// `torch.finfo` for fp16, fp32 and bf16 from the engine, with PyTorch's printout.
#[component]
fn FinfoTable() -> impl IntoView {
    let rows = finfo_rows();
    let head = rows
        .first()
        .map(|r| {
            r.fields()
                .iter()
                .map(|(name, _)| view! { <th scope="col">{*name}</th> })
                .collect_view()
        })
        .unwrap_or_default();
    let body = rows
        .iter()
        .map(|row| {
            let cells = row
                .fields()
                .iter()
                .map(|(name, value)| {
                    view! {
                        <td class="mono" data-testid=format!("finfo-{}-{name}", row.format) data-value=data_value(*value)>
                            {torch_g(*value)}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{row.dtype}</th>{cells}</tr> }
        })
        .collect_view();
    let printout = rows
        .iter()
        .map(|r| format!(">>> torch.finfo(torch.{})\n{}", r.dtype, r.printout()))
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <figure class="finfo" data-testid="finfo">
            <figcaption>"torch.finfo, computed by the engine"</figcaption>
            <div class="table-scroll" tabindex="0" role="region" aria-label="torch.finfo table, scrollable">
                <table data-testid="finfo-table">
                    <thead><tr><th scope="col">"dtype"</th>{head}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <pre class="printout" data-testid="finfo-printout" tabindex="0" aria-label="PyTorch printout">{printout}</pre>
        </figure>
    }
}

/// The loss-scaling demo: one fp16 run with fp32 master weights, with or without `GradScaler`,
/// and the four steps as a diagram that follows it.
#[component]
fn ScalingDemo() -> impl IntoView {
    let url = UrlState::current();
    let demo = Memo::new(move |_| Demo::from_query(&url.query()));
    let start = demo.get_untracked();
    let session = StoredValue::new(start.session());
    let readout = RwSignal::new(session.with_value(|s| DemoReadout::of(start, s)));
    let phase = RwSignal::new(None::<Phase>);
    let playing = RwSignal::new(false);
    // Bumped by every play, pause, step and rebuild, so a timer chain started earlier ends.
    let generation = StoredValue::new(0u64);
    let bump = move || {
        generation.update_value(|g| *g += 1);
        generation.get_value()
    };
    let refresh = move || {
        if let Some(r) = session.try_with_value(|s| DemoReadout::of(demo.get_untracked(), s)) {
            readout.set(r);
        }
    };
    // Any change of the widget's state (the switch, or Reset even when nothing else changed)
    // restarts the run: stale timer chains end, the session starts again at step 0.
    Effect::watch(
        move || url.query(),
        move |_, _, _| {
            bump();
            playing.set(false);
            phase.set(None);
            session.set_value(demo.get_untracked().session());
            refresh();
        },
        false,
    );
    let set_scaling = move |on: bool| {
        url.update(HistoryMode::Replace, |q| Demo { scaling: on }.write(q));
    };
    let play_tick =
        move |me: u64| play_ticks(me, generation, session, refresh, phase, playing, readout);
    let play = move |_| {
        if playing.get_untracked() || readout.with_untracked(|r| r.done) {
            return;
        }
        playing.set(true);
        let me = bump();
        play_tick(me);
    };
    let pause = move |_| {
        bump();
        playing.set(false);
        phase.set(None);
    };
    let step_once = move |_| {
        let me = bump();
        playing.set(false);
        if readout.with_untracked(|r| r.done) {
            return;
        }
        session.update_value(|s| {
            s.slice(1);
        });
        refresh();
        // Walk the highlight round the four boxes once, one box per PHASE_MS.
        for (i, p) in Phase::ALL.into_iter().enumerate() {
            set_timeout(
                move || {
                    if generation.try_get_value() == Some(me) {
                        phase.set(Some(p));
                    }
                },
                Duration::from_millis(PHASE_MS * i as u64),
            );
        }
        set_timeout(
            move || {
                if generation.try_get_value() == Some(me) {
                    phase.set(None);
                }
            },
            Duration::from_millis(PHASE_MS * 4),
        );
    };
    let boxes = phase_boxes(phase, readout);
    let points = move || readout.with(|r| loss_points(&r.losses, 400.0, 100.0, 0.8));
    view! {
        <div class="demo">
            <div class="demo-controls">
                <label class="switch">
                    <input type="checkbox" data-testid="demo-scaling"
                        prop:checked=move || demo.get().scaling
                        on:change=move |ev| set_scaling(event_target_checked(&ev)) />
                    "loss scaling (GradScaler)"
                </label>
                <button type="button" class="primary" data-testid="demo-play" on:click=play
                    disabled=move || playing.get() || readout.with(|r| r.done)>"Play"</button>
                <button type="button" data-testid="demo-pause" on:click=pause disabled=move || !playing.get()>"Pause"</button>
                <button type="button" data-testid="demo-step" on:click=step_once disabled=move || readout.with(|r| r.done)>"One step, slowly"</button>
            </div>
            <ol class="phases" aria-label="The four steps of mixed precision, following the run">{boxes}</ol>
            <dl class="demo-readouts" aria-live="polite">
                <dt>"step"</dt><dd data-testid="demo-steps">{move || format!("{} of {DEMO_STEPS}", readout.with(|r| r.steps))}</dd>
                <dt>"loss on all 256 points"</dt><dd class="mono" data-testid="demo-loss">{move || readout.with(|r| r.eval_loss_text.clone().unwrap_or_else(|| "\u{2014}".into()))}</dd>
                <dt>"logit gradients flushed to zero"</dt><dd class="mono" data-testid="demo-flushed">{move || readout.with(|r| r.flushed.clone())}</dd>
                <dt>"loss scale"</dt><dd class="mono" data-testid="demo-scale">{move || readout.with(|r| if r.scaling { r.loss_scale.clone() } else { "none".into() })}</dd>
            </dl>
            <svg class="demo-chart" viewBox="0 0 400 100" preserveAspectRatio="none" role="img"
                aria-label=move || format!("Batch loss over {} steps, axis from 0 to 0.8", readout.with(|r| r.steps))>
                <line x1="0" y1="100" x2="400" y2="100" class="axis" />
                // The run's recipe colour, as in the Trainer: fp16 AMP with the scaler, fp16 with
                // master weights without.
                <polyline class="loss" points=points fill="none"
                    style=move || format!("stroke: var(--hue-{})", crate::plot::recipe_look(if demo.get().scaling { "fp16-amp" } else { "fp16-master" }).hue.name()) />
            </svg>
            <p class="help">"Batch loss per step, 0 (bottom) to 0.8 (top), over " {DEMO_STEPS} " steps. Switching loss scaling restarts the run from the same weights."</p>
        </div>
    }
}

/// The demo's timer chain: one slice per tick while playing, the highlight one box further each
/// tick; a chain ends when `generation` has moved on from `me` (a pause, a step, a rebuild).
fn play_ticks(
    me: u64,
    generation: StoredValue<u64>,
    session: StoredValue<Session>,
    refresh: impl Fn() + Copy + 'static,
    phase: RwSignal<Option<Phase>>,
    playing: RwSignal<bool>,
    readout: RwSignal<DemoReadout>,
) {
    if generation.try_get_value() != Some(me) {
        return;
    }
    session.update_value(|s| {
        let left = DEMO_STEPS.saturating_sub(s.steps()) as u32;
        s.slice(STEPS_PER_TICK.min(left));
    });
    refresh();
    phase.update(|p| *p = Some(p.map_or(Phase::Master, Phase::next)));
    if readout.with_untracked(|r| r.done) {
        playing.set(false);
        phase.set(None);
        return;
    }
    set_timeout(
        move || play_ticks(me, generation, session, refresh, phase, playing, readout),
        Duration::from_millis(TICK_MS),
    );
}

/// The four steps of mixed precision as boxes; the one the run is in lights up, and the scaling
/// box greys out without a scaler.
fn phase_boxes(phase: RwSignal<Option<Phase>>, readout: RwSignal<DemoReadout>) -> impl IntoView {
    Phase::ALL
        .into_iter()
        .map(|p| {
            view! {
                <li class="phase" class:active=move || phase.get() == Some(p) class:off=move || p == Phase::Scale && !readout.with(|r| r.scaling)
                    data-testid=format!("phase-{}", p.id())>
                    <h3>{p.title()}</h3>
                    <p>{move || readout.with(|r| p.readout(r))}</p>
                </li>
            }
        })
        .collect_view()
}

/// The model-states ledger of mixed-precision Adam (ZeRO's 2N + 2N + 12N).
fn model_states() -> impl IntoView {
    let ledger = MODEL_STATES
        .iter()
        .map(|l| view! { <tr><td>{l.what}</td><td class="mono">{l.bytes_per_param}</td><td class="mono">{l.term}</td></tr> })
        .collect_view();
    let total = model_state_bytes_per_param();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Model states per parameter">
            <table data-testid="model-states">
                <thead><tr><th scope="col">"kept"</th><th scope="col">"bytes per parameter"</th><th scope="col">"term"</th></tr></thead>
                <tbody>{ledger}</tbody>
                <tfoot><tr><th scope="row">"total: 2N + 2N + 12N (the three fp32 copies: 4N + 4N + 4N)"</th><td class="mono" data-testid="model-states-total">{total}</td><td class="mono">{format!("{total}N")}</td></tr></tfoot>
            </table>
        </div>
    }
}

/// The note's memory examples, recomputed by the memory model, in both units.
#[component]
fn MemoryExamples() -> impl IntoView {
    let rows = memory_examples()
        .into_iter()
        .map(|e| {
            view! {
                <tr data-testid=format!("memory-{}", e.id)>
                    <td data-label="the note">{e.claim}</td>
                    <td class="mono" data-label="GB (10^9)" data-testid=format!("memory-{}-gb", e.id)>{e.gb}</td>
                    <td class="mono" data-label="GiB (2^30)" data-testid=format!("memory-{}-gib", e.id)>{e.gib}</td>
                    <td data-label="verdict">{e.verdict} " " <a href=e.href data-testid=format!("memory-{}-open", e.id)>"Open in the calculator"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="The note's examples recomputed">
            <table class="stack-on-phone" data-testid="memory-examples">
                <thead><tr><th scope="col">"the note"</th><th scope="col">"GB (10^9)"</th><th scope="col">"GiB (2^30)"</th><th scope="col">"verdict"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Example embed code for this site's own address.
fn embed_snippet() -> String {
    let base = super::embed::site_base();
    format!(
        "<iframe src=\"{base}?embed=editor&amp;format=fp16&amp;value=65504\" title=\"Precision Lab: fp16 bit editor\" loading=\"lazy\" style=\"width:100%;border:0\"></iframe>\n\
         <iframe src=\"{base}?embed=range&amp;format=fp32&amp;compare=fp32,fp16,bf16\" title=\"Precision Lab: dynamic range\" loading=\"lazy\" style=\"width:100%;border:0\"></iframe>\n\
         <script src=\"{base}embed.js\" async></script>"
    )
}
