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

use super::formats::{EditorWidget, FactsWidget};
use super::url::{view_href, HistoryMode, UrlState};
use crate::present::learn::{
    finfo_rows, loss_points, memory_examples, model_state_bytes_per_param, torch_g, Demo,
    DemoReadout, Phase, DEMO_START, DEMO_STEPS, MODEL_STATES,
};
use crate::present::number::data_value;
use crate::present::train::Session;
use crate::route::View;

/// Steps of the demo run per animation tick while it plays.
const STEPS_PER_TICK: u32 = 4;
/// Milliseconds between ticks while playing, and between the phases of a single step.
const TICK_MS: u64 = 120;
const PHASE_MS: u64 = 350;

/// The article.
#[component]
pub fn LearnView() -> impl IntoView {
    view! {
        <article class="learn" aria-labelledby="view-title">
            <header class="learn-head">
                <h1 id="view-title">"Learn"</h1>
                <p class="lede">
                    "Why deep learning trains in 16-bit formats, what those formats can and cannot hold, how mixed-precision training keeps the small numbers alive, and what it all costs in memory. Every number on this page comes from the same exact engine as the rest of the site, and every widget is live: change it, then press Reset."
                </p>
                <nav class="toc" aria-label="Sections">
                    <ol>
                        <li><a href="#why-fp32">"Why not fp64, and why fp32"</a></li>
                        <li><a href="#how-stored">"How a float is stored"</a></li>
                        <li><a href="#formats">"The formats side by side"</a></li>
                        <li><a href="#range-precision">"Range versus precision"</a></li>
                        <li><a href="#mixed-precision">"Mixed-precision training"</a></li>
                        <li><a href="#memory">"Memory"</a></li>
                        <li><a href="#next">"Where to go next"</a></li>
                    </ol>
                </nav>
            </header>
            <WhyFp32 />
            <HowStored />
            <FormatsSection />
            <RangePrecision />
            <MixedPrecision />
            <MemorySection />
            <NextSection />
            <footer class="learn-sources">
                <h2 id="sources"><a href="#sources">"Sources"</a></h2>
                <ul>
                    <li>"IEEE Std 754-2019, IEEE Standard for Floating-Point Arithmetic (binary64, binary32, binary16)."</li>
                    <li>"Open Compute Project, OCP 8-bit Floating Point Specification (OFP8) v1.0, and OCP Microscaling Formats (MX) v1.0."</li>
                    <li>"P. Micikevicius et al., Mixed Precision Training, ICLR 2018, arXiv:1710.03740."</li>
                    <li>"S. Rajbhandari, J. Rasley, O. Ruwase, Y. He, ZeRO: Memory Optimizations Toward Training Trillion Parameter Models, SC 2020, arXiv:1910.02054."</li>
                    <li>"V. Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models, 2022, arXiv:2205.05198."</li>
                    <li>"PyTorch documentation and source: torch.finfo; torch.amp.GradScaler (torch/amp/grad_scaler.py)."</li>
                    <li>"Model sizes counted from the published configurations of Qwen2-72B and Mistral-7B-v0.1."</li>
                </ul>
            </footer>
        </article>
    }
}

/// A section with an anchored heading: `<h2 id=...><a href="#...">`.
#[component]
fn Section(
    /// The anchor (`#id`).
    id: &'static str,
    /// The heading text.
    title: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="learn-section" aria-labelledby=id>
            <h2 id=id><a class="anchor" href=format!("#{id}")>{title}</a></h2>
            {children()}
        </section>
    }
}

/// An inlined widget with its own state, starting from `start` (a query string) and never
/// touching the address bar; Reset puts it back.
#[component]
fn Inline(
    /// The state the text describes, e.g. `format=fp32&value=0.1`.
    start: &'static str,
    /// A stable name for `data-testid` (`inline-<name>`, `reset-<name>`).
    name: &'static str,
    /// What the widget shows, for the caption and the Reset button's accessible name.
    caption: &'static str,
    children: Children,
) -> impl IntoView {
    let url = UrlState::local(start);
    // An owner of its own, so this widget's state is the one its children find (not another
    // inline widget's) and goes away with it.
    let owner = Owner::new();
    let widget = owner.with(|| {
        provide_context(url);
        children()
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

/// "The note says / In fact": a visible correction of the seed note.
#[component]
fn Correction(
    /// What the note claims.
    says: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <aside class="correction" aria-label="Correction of the original note">
            <p><strong>"The note says: "</strong>{says}</p>
            <p><strong>"In fact: "</strong>{children()}</p>
        </aside>
    }
}

#[component]
fn WhyFp32() -> impl IntoView {
    view! {
        <Section id="why-fp32" title="Why not fp64, and why fp32">
            <p>
                "Scientific codes often compute in 64-bit floating point (fp64, \u{201c}double precision\u{201d}): 53 significant bits, about 16 decimal digits, and a range up to about 1.8 \u{d7} 10^308. A neural network does not need any of that. Its weights are learned from noisy data and nudged by noisy gradient estimates, so the last ten digits of a weight carry no information; what it needs is enough range that nothing overflows or vanishes, and enough precision that small updates are not lost."
            </p>
            <p>
                "Doubling the width of every number has a price. Each value takes 8 bytes instead of 4, so the same memory holds half the parameters and activations, and every transfer moves twice the bytes. Many GPUs, consumer cards especially, run fp64 arithmetic at a small fraction of their fp32 rate, and the fast matrix units of recent GPUs are built for 16-bit and smaller formats, not for fp64. So 32-bit floating point (fp32, \u{201c}single precision\u{201d}) became the default for training on GPUs; PyTorch creates floating-point tensors as torch.float32 unless told otherwise."
            </p>
            <p>
                "The rest of this page is about going further down: to 16 bits for most of the arithmetic, while keeping fp32 where it matters."
            </p>
        </Section>
    }
}

#[component]
fn HowStored() -> impl IntoView {
    view! {
        <Section id="how-stored" title="How a float is stored">
            <p>
                "A binary floating-point number is three fields of bits. The sign bit says plus or minus. The exponent field stores a power of two, offset by a fixed bias (127 in fp32) so that it can be negative. The significand field, also called the mantissa or fraction, stores the binary digits after the leading 1, which is implied and not stored. A normal value is (-1)^sign \u{d7} 1.fraction \u{d7} 2^(exponent - bias)."
            </p>
            <p>
                "fp32 spends 1 bit on the sign, 8 on the exponent and 23 on the fraction. Below, the editor holds 0.1 in fp32. 0.1 has no finite binary expansion, so fp32 stores the nearest value it has: exactly 0.100000001490116119384765625. Click any bit to flip it, or type another number."
            </p>
            <Inline start="format=fp32&value=0.1" name="editor-fp32" caption="fp32 bit editor, starting at 0.1">
                <EditorWidget />
            </Inline>
            <p>
                "fp16 (IEEE binary16) keeps 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits: 3 fewer exponent bits and 13 fewer fraction bits than fp32. The editor below starts at its largest finite value, 65504 = (2 - 2^-10) \u{d7} 2^15. Press \u{201c}next value\u{201d} and you reach infinity: there is nothing in between."
            </p>
            <Inline start="format=fp16&value=65504" name="editor-fp16" caption="fp16 bit editor, starting at 65504">
                <EditorWidget />
            </Inline>
        </Section>
    }
}

#[component]
fn FormatsSection() -> impl IntoView {
    view! {
        <Section id="formats" title="The formats side by side">
            <p>
                "The table below is computed by the format engine for every format on the site, from fp64 down to 4-bit formats. \u{201c}max\u{201d} is the largest finite value; \u{201c}eps\u{201d} is the gap between 1 and the next value up, 2^-(fraction bits), the best relative step a format can take; \u{201c}resolution\u{201d} is eps rounded down to a power of ten, the figure PyTorch prints. The table scrolls sideways on a narrow screen."
            </p>
            <FactsWidget />
            <p>
                "The integer rows are different in kind. int16, int8 and int4 are two\u{2019}s-complement integers: no exponent, no fraction, no infinity or NaN. Of int16\u{2019}s 16 bits, one carries the sign and 15 carry the value, so it holds every whole number from -32768 to 32767 with a step of exactly 1 everywhere. int8 covers -128 to 127, int4 -8 to 7. To represent real-valued weights, integer formats are paired with a scale factor (quantization), which is a story for the Formats view."
            </p>
            <Correction says="INT16 has 15 exponent bits (INT8 7, INT4 3), FP16 reaches \u{b1}10e^4, FP32 and BF16 reach \u{b1}10e^38, with a decimal precision of 10^-6, 10^-3 and 10^-2.">
                "Integers have no exponent bits: int16 has 1 sign bit and 15 value bits and reaches -32768 to 32767 (int8 -128 to 127, int4 -8 to 7), not \u{b1}10^4, \u{b1}10^2 and \u{b1}10^1. The float ranges are off too: fp16 stops at 65504, fp32 at 3.40282 \u{d7} 10^38 and bf16 at 3.38953 \u{d7} 10^38 (\u{201c}10e^38\u{201d} would be 10^39). The precision column lists torch.finfo\u{2019}s resolution (1e-06, 0.001, 0.01); the actual steps next to 1 are eps = 2^-23 \u{2248} 1.19 \u{d7} 10^-7, 2^-10 \u{2248} 9.77 \u{d7} 10^-4 and 2^-7 = 0.0078125."
            </Correction>
        </Section>
    }
}

#[component]
fn RangePrecision() -> impl IntoView {
    view! {
        <Section id="range-precision" title="Range versus precision">
            <p>
                "The exponent bits decide the range: how large and how small a number can get before it overflows to infinity or underflows to zero. The fraction bits decide the precision: how finely the numbers between two powers of two are spaced. With 16 bits there is a choice to make. fp16 spends 5 bits on the exponent and 10 on the fraction. bf16 (\u{201c}brain float\u{201d}, from Google Brain) keeps fp32\u{2019}s 8 exponent bits and only 7 fraction bits: it is the top half of an fp32 number (converting usually rounds rather than cuts)."
            </p>
            <p>
                "So fp32 and bf16 share a range. The largest fp32 value is about 3.40282 \u{d7} 10^38, bf16\u{2019}s about 3.38953 \u{d7} 10^38, and both have the same smallest normal value, 2^-126 \u{2248} 1.17549 \u{d7} 10^-38. fp16 cannot exceed 65,504, and its smallest normal value is 2^-14 \u{2248} 6.10352 \u{d7} 10^-5 (subnormals reach down to 2^-24 \u{2248} 5.96 \u{d7} 10^-8, with fewer significant bits). In exchange fp16 is 8 times finer than bf16 near 1: eps 2^-10 against 2^-7."
            </p>
            <Correction says="fp32 and fp16 represent the same range because both have 8 exponent bits, and \u{201c}bf32\u{201d} has the lowest precision.">
                "fp16 has 5 exponent bits. The format that shares fp32\u{2019}s 8-bit exponent, and so its range, is bf16. The note\u{2019}s \u{201c}bf32\u{201d} means bf16: there is no 32-bit bfloat storage format in this comparison. Of the three, bf16 has the lowest precision (7 fraction bits)."
            </Correction>
            <Inline start="format=fp16&value=65504&compare=fp32,fp16,bf16" name="plots" caption="Range and precision of fp32, fp16 and bf16, with 65504 marked">
                <div class="editor-plots">
                    <super::plots::RangeWidget />
                    <super::plots::PrecisionWidget />
                </div>
            </Inline>
            <p>
                "PyTorch reports these facts with torch.finfo. The table below is computed by this site\u{2019}s engine and printed the way PyTorch prints it, six significant digits (C\u{2019}s %g); the lines under it are what print(torch.finfo(torch.float16)) and its siblings write, reproduced character for character."
            </p>
            <FinfoTable />
            <p>
                "resolution is eps rounded down to a power of ten (10^-floor(-log10 eps)); min is simply -max; smallest_normal and tiny are two names for the same number."
            </p>
        </Section>
    }
}

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

#[component]
fn MixedPrecision() -> impl IntoView {
    view! {
        <Section id="mixed-precision" title="Mixed-precision training">
            <p>
                "Training entirely in fp16 fails in two ways. Gradients are often tiny: Micikevicius et al. (2018) found that many of the activation gradients of an SSD detector lie below fp16\u{2019}s smallest value and would become zero. And updates are tiny relative to the weights: in fp16 an update smaller than about 1/2048 of its weight rounds away and is lost. Mixed-precision training keeps fp16 for the expensive arithmetic and fp32 where these losses happen. Each training step goes through four steps:"
            </p>
            <ol class="steps">
                <li>"Keep an fp32 master copy of the weights."</li>
                <li>"Cast it to fp16 for the forward and backward passes."</li>
                <li>"Multiply the loss by a scale factor before backward, so that every gradient is scaled up by the same factor and small ones stay above fp16\u{2019}s underflow."</li>
                <li>"Unscale the fp16 gradients (in fp32), and use them to update the fp32 master weights."</li>
            </ol>
            <p>
                "The scale is chosen dynamically. PyTorch\u{2019}s GradScaler starts at 2^16; if a scaled gradient overflows to Inf or NaN it skips that optimizer step and halves the scale, and after 2000 clean steps in a row it doubles it. bf16, with fp32\u{2019}s range, usually needs no loss scaling at all."
            </p>
            <p>
                "Below is a real training run from the site\u{2019}s trainer: a small network learning to separate two circles, with fp16 forward and backward passes and fp32 master weights. To make underflow happen in a network this small, the loss is multiplied by 2^-20 (the trainer\u{2019}s \u{201c}make it hard\u{201d} knob, with the learning rate compensated exactly), so the gradients sit around 2^-25, below fp16\u{2019}s smallest subnormal 2^-24. It starts with loss scaling on. Press Play and watch the loss fall; then turn loss scaling off: the logit gradients are 100% flushed to zero, and the loss does not move."
            </p>
            <Inline start=DEMO_START name="demo" caption="Loss scaling on and off: a live fp16 training run">
                <ScalingDemo />
            </Inline>
        </Section>
    }
}

/// The loss-scaling demo: one fp16 run with fp32 master weights, with or without `GradScaler`,
/// and the four steps as a diagram that follows it.
#[component]
fn ScalingDemo() -> impl IntoView {
    let url = expect_context::<UrlState>();
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
    // One slice per tick while playing; the highlight moves one box per tick.
    fn run(
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
            move || run(me, generation, session, refresh, phase, playing, readout),
            Duration::from_millis(TICK_MS),
        );
    }
    let play_tick = move |me: u64| run(me, generation, session, refresh, phase, playing, readout);
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
    let boxes = Phase::ALL
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
        .collect_view();
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
                <polyline class="loss" points=points fill="none" />
            </svg>
            <p class="help">"Batch loss per step, 0 (bottom) to 0.8 (top), over " {DEMO_STEPS} " steps. Switching loss scaling restarts the run from the same weights."</p>
        </div>
    }
}

#[component]
fn MemorySection() -> impl IntoView {
    let examples = memory_examples();
    let ledger = MODEL_STATES
        .iter()
        .map(|l| view! { <tr><td>{l.what}</td><td class="mono">{l.bytes_per_param}</td><td class="mono">{l.term}</td></tr> })
        .collect_view();
    let total = model_state_bytes_per_param();
    let rows = examples
        .iter()
        .map(|e| {
            view! {
                <tr data-testid=format!("memory-{}", e.id)>
                    <td>{e.claim}</td>
                    <td class="mono" data-testid=format!("memory-{}-gb", e.id)>{e.gb.clone()}</td>
                    <td class="mono" data-testid=format!("memory-{}-gib", e.id)>{e.gib.clone()}</td>
                    <td>{e.verdict.clone()} " " <a href=e.href.clone() data-testid=format!("memory-{}-open", e.id)>"Open in the calculator"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Section id="memory" title="Memory">
            <p>
                "Where does the memory of a training run go? The ZeRO paper (Rajbhandari et al. 2020) splits it in two. Model states are the tensors the optimizer needs: parameters, gradients and optimizer states. Residual states are everything else: activations saved for the backward pass, temporary buffers, and memory lost to fragmentation."
            </p>
            <p>
                "For a model with N parameters trained with Adam in mixed precision, the model states take:"
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Model states per parameter">
                <table data-testid="model-states">
                    <thead><tr><th scope="col">"kept"</th><th scope="col">"bytes per parameter"</th><th scope="col">"term"</th></tr></thead>
                    <tbody>{ledger}</tbody>
                    <tfoot><tr><th scope="row">"total: 2N + 2N + 12N"</th><td class="mono" data-testid="model-states-total">{total}</td><td class="mono">{format!("{total}N")}</td></tr></tfoot>
                </table>
            </div>
            <p>
                "That is 16N bytes before a single activation is stored; activations grow with batch size and sequence length (Korthikanti et al. 2022 give sbh(34 + 5as/h) bytes per transformer layer in 16 bits). For inference only the 16-bit weights are needed: 2N bytes, plus the KV cache and activations of the requests being served."
            </p>
            <p>
                "Units matter here. A GB is 10^9 bytes; a GiB is 2^30 = 1,073,741,824 bytes, about 7.4% more. Many tools print GiB and label them GB. This page always says which."
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="The note's examples recomputed">
                <table data-testid="memory-examples">
                    <thead><tr><th scope="col">"the note"</th><th scope="col">"GB (10^9)"</th><th scope="col">"GiB (2^30)"</th><th scope="col">"verdict"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Correction says="Qwen2-72B in bf16 needs 72,706,203,648 \u{d7} 16 bits = 1,163,299,258,368 bits, roughly 135.4 GB; training a 7B model with N = 7 \u{d7} 10^9 bit needs 7 \u{d7} 10^9 \u{d7} 16 / 1024^3 \u{2248} 112 GB.">
                "72,706,203,648 is a count of parameters, not bits, and 7 \u{d7} 10^9 is a count too. The bit count is right, but 145,412,407,296 bytes is 135.4 GiB, or 145.4 GB. And 7 \u{d7} 10^9 \u{d7} 16 bytes is 112 GB = 104.3 GiB: dividing by 1024^3 gives 104.3, not 112, so the note\u{2019}s formula and its answer disagree."
            </Correction>
            <Inline start="model=qwen2-72b&mode=inference&weights=bf16" name="memory" caption="The memory calculator, on the note's first example: Qwen2-72B weights in bf16">
                <super::memory::MemoryView inline=true />
            </Inline>
        </Section>
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

#[component]
fn NextSection() -> impl IntoView {
    let link = |view: View, text: &'static str| {
        view! { <li><a href=view_href(view) data-testid=format!("next-{}", view.slug())>{view.title()}</a> ": " {text}</li> }
    };
    view! {
        <Section id="next" title="Where to go next">
            <ul class="next-links">
                {link(View::Formats, "every format on one bit editor, FP8, FP6, FP4, MX block scaling, integers and NF4, with exact rounding and downloadable tables.")}
                {link(View::Plots, "range and precision of any formats, drawn side by side.")}
                {link(View::Memory, "will your model fit? Weights, gradients, optimizer states, activations and KV cache, with every formula shown.")}
                {link(View::Train, "the trainer: several precision recipes side by side, with presets for underflow, swamping and overflow.")}
            </ul>
            <p>
                "Every widget on this page can go into your own course notes or docs: each view has an Embed button that writes the code for its current state. For example, the fp16 editor at 65504 and the range plot:"
            </p>
            <pre class="embed-snippet" data-testid="learn-embed-snippet">{embed_snippet()}</pre>
        </Section>
    }
}
