//! The Memory view: the memory-budget calculator. Every input lives in the URL; the budget is
//! `memory::estimate` of those inputs, and every text comes from `present::memory`. Typed text
//! that cannot be read stays in its input with a message next to it and never reaches the URL;
//! inputs that read but make no budget (a GPU count that does not divide the heads) are shown
//! next to the input the error names, and the page keeps the last budget it could compute.

use leptos::prelude::*;

mod import;
mod inputs;

use inputs::{CustomArchitecture, InferenceInputs, TrainingInputs};

use super::url::{HistoryMode, UrlState};
use crate::memory::{estimate, Inputs, MemoryError, Mode, ModelChoice, Report, UnitLead};
use crate::plot::memory::memory_chart;
use crate::plot::Theme;
use crate::present::memory::{self as model, NumberField};

/// The budget shown, and the error of the current inputs if they make none.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    /// The last report that could be computed, with the inputs it was computed for.
    shown: Option<(Report, Inputs)>,
    /// Why the current inputs give no budget.
    error: Option<MemoryError>,
}

/// The calculator's state and how to change it, shared by its parts.
#[derive(Clone, Copy)]
struct Calc {
    url: UrlState,
    inputs: Memo<Inputs>,
    outcome: Memo<Outcome>,
    /// Typed text that could not be used: `(key, text, message)`.
    rejected: RwSignal<Vec<(&'static str, String, String)>>,
    /// Text being typed into an input, shown as typed until the input is left.
    drafts: RwSignal<Vec<(&'static str, String)>>,
    /// Values the budget uses instead of the inputs' because the model cannot take them.
    adjustments: Memo<Vec<model::Adjustment>>,
}

impl Calc {
    /// Writes new inputs to the URL and forgets what was rejected in the input `key`.
    fn apply(&self, key: &'static str, next: Inputs) {
        self.rejected.update(|r| r.retain(|(k, _, _)| *k != key));
        self.url
            .update(HistoryMode::Replace, |q| model::write(&next, q));
    }

    /// Keeps typed text that could not be used in its input, with the reason.
    fn reject(&self, key: &'static str, text: String, message: String) {
        self.rejected.update(|r| {
            r.retain(|(k, _, _)| *k != key);
            r.push((key, text, message));
        });
    }

    /// Applies an edit or shows why it cannot be.
    fn edit(&self, key: &'static str, text: String, result: Result<Inputs, String>) {
        match result {
            Ok(next) => self.apply(key, next),
            Err(message) => self.reject(key, text, message),
        }
    }

    /// Text rejected in the input `key`, or being typed into it, if any.
    fn rejected_text(&self, key: &str) -> Option<String> {
        self.rejected
            .with(|r| {
                r.iter()
                    .find(|(k, _, _)| *k == key)
                    .map(|(_, t, _)| t.clone())
            })
            .or_else(|| {
                self.drafts
                    .with(|d| d.iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone()))
            })
    }

    fn set_draft(&self, key: &'static str, text: Option<String>) {
        self.drafts.update(|d| {
            d.retain(|(k, _)| *k != key);
            if let Some(text) = text {
                d.push((key, text));
            }
        });
    }

    /// The note for an input whose value the budget adjusted to the model, if any.
    fn adjustment(&self, key: &str) -> Option<String> {
        self.adjustments
            .with(|a| a.iter().find(|a| a.key == key).map(|a| a.note.clone()))
    }

    /// The message to show next to the input `key`: its rejected text, or the budget's error.
    fn message(&self, key: &str) -> Option<String> {
        let rejected = self.rejected.with(|r| {
            r.iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, _, m)| m.clone())
        });
        rejected.or_else(|| {
            self.outcome.with(|o| {
                o.error
                    .as_ref()
                    .filter(|e| e.field() == key)
                    .map(ToString::to_string)
            })
        })
    }

    fn lead(&self) -> UnitLead {
        self.inputs.with(|i| i.unit)
    }
}

/// The Memory view.
#[component]
pub fn MemoryView(
    /// Inline in an article or an embed: no view heading, share buttons or lede.
    #[prop(optional)]
    inline: bool,
) -> impl IntoView {
    let url = UrlState::current();
    let parsed = Memo::new(move |_| model::read(&url.query()));
    let inputs = Memo::new(move |_| parsed.with(|p| p.0));
    // What is budgeted: the inputs, with values the model cannot take brought within it.
    let fitted = Memo::new(move |_| model::fit_to_model(&inputs.get()));
    // The last good report is part of what this memo derives: an error keeps the previous one,
    // but only while it is of the same model (another model's figures would read as current).
    let outcome = Memo::new(move |previous: Option<&Outcome>| {
        let current = fitted.with(|f| f.0);
        match estimate(&current) {
            Ok(report) => Outcome {
                shown: Some((report, current)),
                error: None,
            },
            Err(error) => Outcome {
                shown: previous
                    .and_then(|p| p.shown.clone())
                    .filter(|(_, shown)| shown.model == current.model),
                error: Some(error),
            },
        }
    });
    let calc = Calc {
        url,
        inputs,
        outcome,
        rejected: RwSignal::new(Vec::new()),
        drafts: RwSignal::new(Vec::new()),
        adjustments: Memo::new(move |_| fitted.with(|f| f.1.clone())),
    };
    let notices = move || {
        parsed.with(|p| {
            p.1.iter()
                .map(|n| format!("{}: {}", n.key, n.message))
                .collect::<Vec<_>>()
        })
    };
    let mode = move || inputs.with(|i| i.mode);
    let compact = Memo::new(move |_| url.query().compact());

    view! {
        <section class="memory" aria-label="Memory calculator">
            <Show when=move || !inline>
                <div class="view-head">
                    <h1 id="view-title">"Memory"</h1>
                    <super::share::ShareButtons view=crate::route::View::Memory />
                </div>
                <p class="lede">
                    "Will this model fit, and where does the memory go? Every term is counted from first principles, in exact bytes, with its formula. GB means 10^9 bytes and GiB means 2^30 bytes; every figure says which."
                </p>
            </Show>
            <For each=notices key=|t| t.clone() let:text>
                <p class="notice" role="status" data-testid="url-notice">{text}</p>
            </For>
            <div class="mem-grid">
                <form class="mem-inputs" on:submit=|ev| ev.prevent_default() aria-label="Inputs">
                    {move || if compact.get() {
                        // The compact form (an embed's default): the four inputs that change the
                        // answer most, the rest one click away.
                        view! {
                            <fieldset>
                                <legend>"Model and hardware"</legend>
                                {select(calc, "model", "model")}
                                {select(calc, "mode", "mode")}
                                {select(calc, "gpu", "GPU")}
                                {number(calc, "gpus")}
                            </fieldset>
                            <details class="mem-more" data-testid="mem-more-inputs">
                                <summary>"All inputs: parameters, formats, context, batch, training recipe, units"</summary>
                                <import::ImportPanel calc=calc />
                                <ParamsInput calc=calc />
                                <Show when=move || matches!(inputs.with(|i| i.model), ModelChoice::Custom(_))>
                                    <CustomArchitecture calc=calc />
                                </Show>
                                <Show
                                    when=move || mode() == Mode::Training
                                    fallback=move || view! { <InferenceInputs calc=calc /> }
                                >
                                    <TrainingInputs calc=calc />
                                </Show>
                                <UnitToggle calc=calc />
                            </details>
                        }
                        .into_any()
                    } else {
                        view! {
                            <fieldset>
                                <legend>"Model"</legend>
                                {select(calc, "model", "model")}
                                <import::ImportPanel calc=calc />
                                <ParamsInput calc=calc />
                                <Show when=move || matches!(inputs.with(|i| i.model), ModelChoice::Custom(_))>
                                    <CustomArchitecture calc=calc />
                                </Show>
                            </fieldset>
                            <fieldset>
                                <legend>"What you run"</legend>
                                {select(calc, "mode", "mode")}
                                <Show
                                    when=move || mode() == Mode::Training
                                    fallback=move || view! { <InferenceInputs calc=calc /> }
                                >
                                    <TrainingInputs calc=calc />
                                </Show>
                            </fieldset>
                            <fieldset>
                                <legend>"Hardware"</legend>
                                {select(calc, "gpu", "GPU")}
                                {number(calc, "gpus")}
                                <UnitToggle calc=calc />
                            </fieldset>
                        }
                        .into_any()
                    }}
                </form>
                <Results calc=calc compact=compact />
            </div>
            // The Learn article shows the same examples as its own table.
            {(!inline).then(|| view! { <SeedCheck calc=calc /> })}
        </section>
    }
}

/// A select input for `key`, with the message slot next to it.
fn select(calc: Calc, key: &'static str, label: &'static str) -> impl IntoView {
    let current = move || calc.inputs.with(|i| model::choice_value(i, key));
    let options = model::options(key)
        .into_iter()
        .map(|(id, text)| view! { <option value=id selected=move || current() == id>{text}</option> })
        .collect_view();
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let result = calc
            .inputs
            .with_untracked(|i| model::with_choice(i, key, &id));
        calc.edit(key, id, result);
    };
    view! {
        <label class="mem-field">
            <span>{label}</span>
            <select data-testid=format!("mem-input-{key}") prop:value=current on:change=on_change>
                {options}
            </select>
            <ErrorSlot calc=calc key=key />
        </label>
    }
}

/// A checkbox for an on/off input.
fn checkbox(calc: Calc, key: &'static str, label: &'static str) -> impl IntoView {
    let checked = move || calc.inputs.with(|i| model::choice_value(i, key)) == "on";
    let on_change = move |ev: leptos::ev::Event| {
        let id = if event_target_checked(&ev) {
            "on"
        } else {
            "off"
        };
        let result = calc
            .inputs
            .with_untracked(|i| model::with_choice(i, key, id));
        calc.edit(key, id.to_string(), result);
    };
    view! {
        <label class="mem-check">
            <input type="checkbox" data-testid=format!("mem-input-{key}") prop:checked=checked on:change=on_change />
            <span>{label}</span>
        </label>
        <ErrorSlot calc=calc key=key />
    }
}

/// A whole-number input: typed text is checked here, at the edge, before it reaches the URL.
fn number(calc: Calc, key: &'static str) -> impl IntoView {
    let field: NumberField = model::number_field(key).expect("every number input has a field");
    let shown = move || {
        calc.inputs
            .with(|i| model::number_value(i, key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let read = move |text: &str| {
        model::parse_whole(text, &field).and_then(|v| {
            calc.inputs
                .with_untracked(|i| model::with_number(i, key, v))
        })
    };
    view! {
        <label class="mem-field">
            <span>{field.label}</span>
            <TypedText calc=calc key=key shown=shown read=read inputmode="numeric" />
            <ErrorSlot calc=calc key=key />
            <Show when=move || calc.adjustment(key).is_some()>
                <span class="input-note" role="status" data-testid=format!("mem-note-{key}")>
                    {move || calc.adjustment(key).unwrap_or_default()}
                </span>
            </Show>
        </label>
    }
}

/// Milliseconds after the last keystroke before typed text is applied.
const TYPING_PAUSE_MS: u64 = 400;

/// A text input that applies what is typed as you type, after a short pause (as the Formats
/// view's value box does), and at once on Enter or when left. Text that cannot be read stays in
/// the input with the message next to it, and the budget keeps the last good value.
#[component]
fn TypedText(
    calc: Calc,
    /// The input's key (`data-testid="mem-input-<key>"`, its message slot).
    key: &'static str,
    /// The value to show when nothing is being typed.
    shown: impl Fn() -> String + Send + Sync + 'static,
    /// Reads typed text into new inputs, or says why it cannot.
    read: impl Fn(&str) -> Result<Inputs, String> + Copy + Send + Sync + 'static,
    /// The on-screen keyboard to offer.
    inputmode: &'static str,
) -> impl IntoView {
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(handle) = pending.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(cancel);
    let apply = move |text: String| {
        let result = read(&text);
        calc.edit(key, text, result);
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        calc.set_draft(key, Some(text.clone()));
        cancel();
        if let Ok(handle) = set_timeout_with_handle(
            move || apply(text),
            std::time::Duration::from_millis(TYPING_PAUSE_MS),
        ) {
            pending.set_value(Some(handle));
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        cancel();
        calc.set_draft(key, None);
        apply(event_target_value(&ev));
    };
    view! {
        <input
            type="text"
            inputmode=inputmode
            autocomplete="off"
            spellcheck="false"
            data-testid=format!("mem-input-{key}")
            prop:value=move || calc.rejected_text(key).unwrap_or_else(&shown)
            aria-invalid=move || calc.message(key).is_some().to_string()
            on:input=on_input
            on:change=on_change
        />
    }
}

/// The message next to an input: why typed text was refused, or why the budget failed.
#[component]
fn ErrorSlot(calc: Calc, key: &'static str) -> impl IntoView {
    view! {
        <Show when=move || calc.message(key).is_some()>
            <span class="input-error" role="alert" data-testid=format!("mem-error-{key}")>
                {move || calc.message(key).unwrap_or_default()}
            </span>
        </Show>
    }
}

/// The parameter count: shows the model's exact count; typing one budgets a bare count.
#[component]
fn ParamsInput(calc: Calc) -> impl IntoView {
    let shown = move || calc.inputs.with(model::params_text);
    let read = move |text: &str| calc.inputs.with_untracked(|i| model::with_params(i, text));
    let hint = move || {
        calc.inputs.with(|i| match i.model {
            ModelChoice::Preset(p) => format!("Counted from {}.", p.source()),
            ModelChoice::Params(_) => "A bare count: weights and training states only; activations and the KV cache need the shapes.".to_string(),
            ModelChoice::Custom(_) => "Computed from the architecture below.".to_string(),
        })
    };
    view! {
        <label class="mem-field mem-params">
            <span>"parameters (type 7e9, 7B, 72.7B, 124M or 7,241,732,096)"</span>
            <TypedText calc=calc key="params" shown=shown read=read inputmode="decimal" />
            <ErrorSlot calc=calc key="params" />
            <span class="help">{hint}</span>
        </label>
    }
}

/// GB or GiB first; the other unit always follows.
#[component]
fn UnitToggle(calc: Calc) -> impl IntoView {
    let button = move |unit: UnitLead, text: &'static str| {
        view! {
            <button
                type="button"
                data-testid=format!("mem-unit-{}", unit.id())
                aria-pressed=move || (calc.lead() == unit).to_string()
                on:click=move |_| {
                    let result = calc.inputs.with_untracked(|i| model::with_choice(i, "unit", unit.id()));
                    calc.edit("unit", unit.id().to_string(), result);
                }
            >
                {text}
            </button>
        }
    };
    view! {
        <div class="mem-unit" role="group" aria-label="Unit shown first">
            <span>"show first"</span>
            {button(UnitLead::Gb, "GB (10^9 bytes)")}
            {button(UnitLead::Gib, "GiB (2^30 bytes)")}
        </div>
    }
}

/// The verdict, the chart, the ledger and the notes.
#[component]
fn Results(
    calc: Calc,
    /// The compact form: the ledger and notes fold under "Every term".
    compact: Memo<bool>,
) -> impl IntoView {
    let error = move || {
        calc.outcome
            .with(|o| o.error.as_ref().map(ToString::to_string))
    };
    let stale = move || {
        calc.outcome
            .with(|o| o.error.is_some() && o.shown.is_some())
    };
    // When the model does not fit, how many of the chosen GPU it needs, offered in one click.
    let needed = Memo::new(move |_| {
        let fits = calc
            .outcome
            .with(|o| o.error.is_none() && o.shown.as_ref().is_some_and(|(r, _)| model::fits(r)));
        if fits {
            return None;
        }
        let current = calc.inputs.get();
        model::gpus_needed(&current)
            .filter(|n| *n != current.hardware.count)
            .map(|n| (n, current))
    });
    let suggestion = move || {
        needed.get().map(|(n, current)| {
            let next = Inputs {
                hardware: crate::memory::inputs::Hardware {
                    count: n,
                    ..current.hardware
                },
                ..current
            };
            view! {
                <p class="mem-suggest" data-testid="mem-suggest" data-gpus=n>
                    {format!(
                        "{} fits on {n} \u{d7} {}, split with tensor parallelism.",
                        current.model.label(),
                        current.hardware.gpu.name()
                    )}
                    " "
                    <button type="button" data-testid="mem-use-gpus" on:click=move |_| calc.apply("gpus", next)>
                        {format!("Use {n} GPUs")}
                    </button>
                </p>
            }
        })
    };
    let body = move || {
        let lead = calc.lead();
        calc.outcome.with(|o| {
            o.shown.as_ref().map(|(report, inputs)| {
                report_view(report, inputs, lead, stale(), suggestion(), compact.get())
            })
        })
    };
    view! {
        <div class="mem-results" aria-live="polite">
            <Show when=move || error().is_some()>
                <p class="mem-error" role="alert" data-testid="mem-error">
                    {move || {
                        let mut text = format!("No budget for these inputs: {}", error().unwrap_or_default());
                        if stale() {
                            text.push_str(" Below is the last budget that could be computed.");
                        }
                        text
                    }}
                </p>
            </Show>
            {body}
        </div>
    }
}

fn report_view(
    report: &Report,
    inputs: &Inputs,
    lead: UnitLead,
    stale: bool,
    after_verdict: impl IntoView,
    compact: bool,
) -> impl IntoView {
    let fits = model::fits(report);
    let gpu = inputs.hardware.gpu.name();
    let light = memory_chart(report, gpu, lead, Theme::Light).svg;
    let dark = memory_chart(report, gpu, lead, Theme::Dark).svg;
    let all_label = format!(
        "all {} GPU{}",
        report.devices,
        if report.devices == 1 { "" } else { "s" }
    );
    let rows = model::rows(report, lead)
        .into_iter()
        .map(|row| {
            let all_label = all_label.clone();
            let details = row
                .detail
                .iter()
                .map(|d| view! { <li>{d.clone()}</li> }.into_any())
                .collect_view();
            view! {
                <tr class="mem-row" data-testid=format!("mem-row-{}", row.id) data-bytes=row.bytes.clone() data-category=row.category>
                    <th scope="row">{row.label}<span class="mem-category">{row.category}</span></th>
                    <td class="num" data-label="bytes per GPU">{row.bytes_text}</td>
                    {pair("per GPU", row.per_device)}
                    {pair(all_label.clone(), row.total)}
                </tr>
                <tr class="mem-formula-row" data-testid=format!("mem-formula-{}", row.id)>
                    <td colspan="4">
                        <code class="mem-formula">{row.formula}</code>
                        <ul class="mem-detail">{details}</ul>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let notes = report
        .notes
        .iter()
        .map(|n| view! { <li>{n.clone()}</li> })
        .collect_view();
    let ledger = view! {
            <div class="table-scroll">
                <table class="mem-ledger" data-testid="mem-ledger">
                    <thead>
                        <tr>
                            <th scope="col">"term"</th>
                            <th scope="col">"bytes per GPU (exact)"</th>
                            <th scope="col">"per GPU"</th>
                            <th scope="col">{all_label.clone()}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                    <tfoot>
                        <tr data-testid="mem-total" data-bytes=report.per_device.get().to_string() data-total-bytes=report.total.get().to_string()>
                            <th scope="row">"Total"</th>
                            <td class="num" data-label="bytes per GPU">{crate::memory::units::group_thousands(report.per_device.get())}</td>
                            {pair("per GPU", model::amounts(report.per_device, lead))}
                            {pair(all_label, model::amounts(report.total, lead))}
                        </tr>
                    </tfoot>
                </table>
            </div>
            {model::host_sentence(report, lead).map(|sentence| {
                let lines = model::host_rows(report, lead)
                    .into_iter()
                    .map(|(id, bytes, text)| view! { <li data-testid=format!("mem-host-row-{id}") data-bytes=bytes>{text}</li> })
                    .collect_view();
                view! {
                    <h2 class="small-heading">"Host (CPU) memory"</h2>
                    <p data-testid="mem-host" data-bytes=report.host_per_device.get().to_string() data-total-bytes=report.host_total.get().to_string()>{sentence}</p>
                    <ul class="mem-detail">{lines}</ul>
                }
            })}
            <h2 class="small-heading">"Conventions and what is not counted"</h2>
            <ul class="mem-notes" data-testid="mem-notes">{notes}</ul>
    };
    view! {
        <div class="mem-report" class:stale=stale data-testid="mem-report">
            <p class="mem-summary" data-testid="mem-summary">{model::summary(report, inputs)}</p>
            {model::active_sentence(report, inputs).map(|text| view! {
                <p class="mem-active" data-testid="mem-params-active" data-value=report.n_active.unwrap_or(0).to_string()>{text}</p>
            })}
            <p class="mem-verdict" class:fits=fits class:nofit=!fits data-testid="mem-fit" data-fits=fits.to_string()>
                {model::verdict(report, lead)}
            </p>
            {after_verdict}
            <p class="mem-largest" data-testid="mem-largest">{model::largest_sentence(report, inputs)}</p>
            <figure class="mem-chart">
                <div class="mem-chart-light" data-testid="mem-chart" inner_html=light></div>
                <div class="mem-chart-dark" inner_html=dark></div>
                <figcaption class="help">
                    {format!("Memory on each GPU by kind, against the {gpu}'s capacity (the line).")}
                </figcaption>
            </figure>
            {if compact {
                view! {
                    <details class="mem-more" data-testid="mem-more-ledger">
                        <summary>"Every term, with its formula and the numbers put in"</summary>
                        {ledger}
                    </details>
                }
                .into_any()
            } else {
                ledger.into_any()
            }}
        </div>
    }
}

/// A cell with an amount in both units; the line may break before the second.
/// `label` names the column where a phone shows the row as a card.
fn pair(label: impl Into<String>, (lead, other): (String, String)) -> impl IntoView {
    let label: String = label.into();
    view! { <td class="num" data-label=label><span>{lead}</span>" "<span class="mem-alt">"= "{other}</span></td> }
}

/// The note's worked examples (the Learn article's source), reproduced and judged; each opens in
/// the calculator.
#[component]
fn SeedCheck(calc: Calc) -> impl IntoView {
    let rows = model::seed_rows()
        .into_iter()
        .map(|row| {
            let inputs = row.inputs;
            view! {
                <li class="mem-seed" data-testid=format!("seed-{}", row.id) data-bytes=row.bytes.clone()>
                    <p><strong>"The note says: "</strong>{row.claim}</p>
                    <p><strong>"Exactly: "</strong><code>{row.computed}</code></p>
                    <p>{row.verdict}</p>
                    <button type="button" data-testid=format!("seed-open-{}", row.id)
                        on:click=move |_| calc.apply("model", Inputs { unit: calc.inputs.get_untracked().unit, ..inputs })>
                        "Open this example"
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="mem-seed-check" aria-labelledby="seed-title" data-testid="seed-check">
            <h2 id="seed-title">"The note's worked examples, checked"</h2>
            <p class="help">"What a widely shared note on mixed-precision training claims (the Learn article corrects it), recomputed exactly, and what it gets right and wrong. Most of its errors are GB (10^9 bytes) written where GiB (2^30 bytes) was computed."</p>
            <ul class="mem-seed-list">{rows}</ul>
        </section>
    }
}
