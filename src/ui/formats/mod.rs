//! The Formats view: the bit-layout editor, its readouts, the "same value in every format"
//! table, the facts table and the MX block editor. All state lives in the URL; every readout
//! comes from `present::formats`, which asks the format engine. Here: the editor; `tables`: the
//! two tables; `mx_block`: the MX block editor.

mod mx_block;
mod tables;

use mx_block::MxEditor;
use tables::{FactsTable, SameValueTable};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::embed::widget_part;
use super::lazy::{part, Deferred};
use super::url::{HistoryMode, UrlState};
use super::widgets::CopyLink;
use crate::formats::{catalogue, parse_input, Group, Overflow, Rounding};
use crate::present::formats::{
    self as model, class_label, error_texts, FormatChoice, FormatsState, Readout, Source, FAMILIES,
    ROUNDINGS,
};
use crate::present::number::{data_value, short};
use crate::route::{Query, Widget};

/// The editor's state and how to change it, shared by the parts of the view.
#[derive(Clone, Copy)]
pub(super) struct Editor {
    url: UrlState,
    state: Memo<FormatsState>,
    readout: Memo<Readout>,
    /// Text typed that could not be read, with the reason; the editor keeps the last good value.
    rejected: RwSignal<Option<(String, String)>>,
    /// Notices about the state's parameters.
    notices: Memo<Vec<String>>,
    /// Makes element ids unique when several editors share a page (the Learn article).
    uid: u32,
    /// The compact form (an embed's default): the rounding controls and the longer readouts
    /// fold into "More".
    compact: Memo<bool>,
}

impl Editor {
    /// The editor of the page's `FormatsView` if there is one, else a new one over the state in
    /// context (an embedded or inlined widget).
    fn from_context() -> Editor {
        use_context::<Editor>().unwrap_or_else(|| Editor::new(expect_context::<UrlState>()))
    }

    fn new(url: UrlState) -> Editor {
        let parsed = Memo::new(move |_| FormatsState::from_query(&url.query()));
        let state = Memo::new(move |_| parsed.get().0);
        let readout = Memo::new(move |_| Readout::compute(&state.get()));
        let notices =
            Memo::new(move |_| parsed.get().1.into_iter().map(|n| n.0).collect::<Vec<_>>());
        Editor {
            url,
            state,
            readout,
            rejected: RwSignal::new(None),
            notices,
            uid: crate::ui::next_uid(),
            compact: Memo::new(move |_| url.query().compact()),
        }
    }

    /// An element id unique to this editor.
    fn id(&self, base: &str) -> String {
        format!("{base}-{}", self.uid)
    }

    /// Every edit of the editor: the readouts follow at once, the address bar after the paint
    /// (bit clicks and arrow-key steps come faster than the browser's history takes them).
    fn set(&self, next: FormatsState) {
        self.rejected.set(None);
        self.url
            .update(HistoryMode::ReplaceAfterPaint, |q| next.write(q));
    }

    fn edit(&self, change: impl FnOnce(&mut FormatsState)) {
        let mut next = self.state.get_untracked();
        change(&mut next);
        self.set(next);
    }

    fn set_code(&self, code: u64) {
        self.edit(|s| s.source = Source::Bits(code));
    }

    /// Switches format, carrying the current number over (rounded into the new format).
    fn set_choice(&self, choice: FormatChoice) {
        self.edit(|s| {
            if let Source::Bits(_) = s.source {
                let value = s.format().decode(s.code());
                s.source = Source::Text(
                    short(value)
                        .replace("+Inf", "inf")
                        .replace("-Inf", "-inf")
                        .replace("NaN", "nan"),
                );
            }
            s.choice = choice;
        });
    }
}

/// The Formats view: the editor, the same-value table, the facts table and the MX editor.
#[component]
pub fn FormatsView() -> impl IntoView {
    provide_context(Editor::new(expect_context::<UrlState>()));
    view! {
        <section class="formats" aria-labelledby="view-title">
            <div class="view-head">
                <h1 id="view-title">"Formats"</h1>
                <div class="share-buttons"><CopyLink /><super::embed::EmbedButton view=crate::route::View::Formats /></div>
            </div>
            <p class="lede">
                "Pick a format, then click bits, step with the arrow keys, or type a number. Every figure is exact."
            </p>
            <EditorWidget />
            // The editor is the view's first screen; the rest is downloaded after it.
            <Deferred part=|| Box::pin(editor_plots()) what="The plots of this format" placeholder_class="editor-plots" />
            <Deferred part=widget_part(Widget::SameValue) what="The same value in every format" placeholder_class="same-value" />
            <Deferred part=widget_part(Widget::Facts) what="The table of formats" placeholder_class="facts" />
            <Deferred part=widget_part(Widget::Mx) what="The MX block editor" placeholder_class="mx" />
        </section>
    }
}

part!(fn editor_plots in editor_plots { view! { <super::plots::EditorPlots /> }.into_any() });

/// The bit-layout editor with its controls and readouts (embeddable: `embed=editor`).
#[component]
pub fn EditorWidget() -> impl IntoView {
    let editor = Editor::from_context();
    view! {
        <div class="editor-widget" data-testid="editor-widget">
            <For each=move || editor.notices.get() key=|t| t.clone() let:text>
                <p class="notice" role="status" data-testid="url-notice">{text}</p>
            </For>
            <div class="editor-grid">
                <div class="editor-main">
                    <FormatPicker editor=editor />
                    <BitEditor editor=editor />
                    <ValueInput editor=editor />
                    <Show when=move || !editor.compact.get()>
                        <RoundingControls editor=editor />
                    </Show>
                </div>
                <Readouts editor=editor />
            </div>
        </div>
    }
}

/// The editor's number in every format (embeddable: `embed=same-value`).
#[component]
pub fn SameValueWidget() -> impl IntoView {
    view! { <SameValueTable editor=Editor::from_context() /> }
}

/// The format facts table (embeddable: `embed=facts`).
#[component]
pub fn FactsWidget() -> impl IntoView {
    view! { <FactsTable /> }
}

/// The MX block editor (embeddable: `embed=mx`).
#[component]
pub fn MxWidget() -> impl IntoView {
    view! { <MxEditor /> }
}

/// The format menu (catalogue grouped by shelf, plus "custom"), and the custom builder.
#[component]
fn FormatPicker(editor: Editor) -> impl IntoView {
    let groups = [
        Group::Ieee,
        Group::Ml16,
        Group::Fp8,
        Group::Fp6Fp4,
        Group::MxScale,
        Group::Integer,
        Group::Nf4,
    ];
    let selected = move || match editor.state.get().choice {
        FormatChoice::Named(name) => name.to_string(),
        FormatChoice::Custom(_) => "custom".into(),
    };
    let on_change = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        if name == "custom" {
            let spec = match editor.state.get_untracked().format().structure() {
                crate::formats::Structure::Float(spec) => spec,
                _ => crate::formats::FloatSpec::ieee(5, 2),
            };
            editor.set_choice(FormatChoice::Custom(spec));
        } else if let Some(entry) = catalogue().iter().find(|e| e.name == name) {
            editor.set_choice(FormatChoice::Named(entry.name));
        }
    };
    let options = groups
        .into_iter()
        .map(|group| {
            let entries = catalogue()
                .iter()
                .filter(|e| e.group == group)
                .map(|e| view! { <option value=e.name selected=move || selected() == e.name>{e.name}</option> })
                .collect_view();
            view! { <optgroup label=group.label()>{entries}</optgroup> }
        })
        .collect_view();
    let source = move || match editor.state.get().choice {
        FormatChoice::Named(name) => catalogue()
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.source)
            .unwrap_or(""),
        FormatChoice::Custom(_) => {
            "Your own shape: exponent and mantissa widths, bias and special-value rules."
        }
    };
    view! {
        <div class="field-row">
            <label for=editor.id("format-select")>"Format"</label>
            <select id=editor.id("format-select") data-testid="format-select" on:change=on_change prop:value=selected>
                {options}
                <optgroup label="custom">
                    <option value="custom" selected=move || selected() == "custom">"custom…"</option>
                </optgroup>
            </select>
        </div>
        <p class="format-source" data-testid="format-source">{source}</p>
        <Show when=move || matches!(editor.state.get().choice, FormatChoice::Custom(_))>
            <CustomBuilder editor=editor />
        </Show>
    }
}

/// Inputs for a custom float format; invalid shapes are explained inline and not applied.
#[component]
fn CustomBuilder(editor: Editor) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let current = move |key: &'static str| {
        move || {
            let mut q = Query::default();
            editor.state.get().write(&mut q);
            q.get(key).unwrap_or_default().to_string()
        }
    };
    let apply = move |key: &'static str, value: String| {
        let mut q = Query::default();
        editor.state.get_untracked().write(&mut q);
        q.set(key, &value);
        match model::custom_spec_from_query(&q) {
            Ok(spec) => {
                error.set(None);
                editor.edit(|s| s.choice = FormatChoice::Custom(spec));
            }
            Err(why) => error.set(Some(why)),
        }
    };
    let number = move |key: &'static str, label: &'static str| {
        view! {
            <label class="custom-field">
                <span>{label}</span>
                <input
                    type="number"
                    inputmode="numeric"
                    data-testid=format!("custom-{key}")
                    prop:value=current(key)
                    on:change=move |ev| apply(key, event_target_value(&ev))
                />
            </label>
        }
    };
    let families = FAMILIES
        .iter()
        .map(|(id, label, _)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    view! {
        <fieldset class="custom-builder">
            <legend>"Custom format"</legend>
            {number("exp", "exponent bits (1-11)")}
            {number("man", "mantissa bits (0-52)")}
            {number("bias", "bias")}
            <label class="custom-field">
                <span>"special values"</span>
                <select data-testid="custom-family" prop:value=current("family") on:change=move |ev| apply("family", event_target_value(&ev))>
                    {families}
                </select>
            </label>
            <label class="custom-check">
                <input type="checkbox" prop:checked=move || current("sign")() == "on"
                    on:change=move |ev| apply("sign", if event_target_checked(&ev) { "on".into() } else { "off".into() }) />
                "sign bit"
            </label>
            <label class="custom-check">
                <input type="checkbox" prop:checked=move || current("subnormals")() == "on"
                    on:change=move |ev| apply("subnormals", if event_target_checked(&ev) { "on".into() } else { "off".into() }) />
                "subnormals"
            </label>
            <Show when=move || error.get().is_some()>
                <p class="input-error" role="alert" data-testid="custom-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </fieldset>
    }
}

/// The bits as buttons, most significant first. Tab reaches the editor once (roving tabindex);
/// Left/Right move between bits, Space or Enter flips one, Up/Down step to the next or previous
/// representable value.
#[component]
fn BitEditor(editor: Editor) -> impl IntoView {
    let active = RwSignal::new(None::<u32>);
    let total = Memo::new(move |_| editor.state.get().format().total_bits());
    let cell = move |index: u32| {
        editor
            .readout
            .with(|r| r.cells.iter().find(|c| c.index == index).cloned())
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        let sibling = match ev.key().as_str() {
            "ArrowLeft" => target.previous_element_sibling(),
            "ArrowRight" => target.next_element_sibling(),
            "Home" => target
                .parent_element()
                .and_then(|p| p.first_element_child()),
            "End" => target.parent_element().and_then(|p| p.last_element_child()),
            "ArrowUp" | "ArrowDown" => {
                ev.prevent_default();
                let format = editor.state.get_untracked().format();
                let code = editor.readout.get_untracked().code;
                let next = if ev.key() == "ArrowUp" {
                    format.next_up(code)
                } else {
                    format.next_down(code)
                };
                if let Some(next) = next {
                    editor.set_code(next);
                }
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(el) = sibling.and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    };
    let cells = move || (0..total.get()).rev().collect::<Vec<u32>>();
    view! {
        <div class="bit-editor">
            <div class="bit-legend" aria-hidden="true" data-testid="bit-legend">
                {move || {
                    model::legend(&editor.state.with(FormatsState::format))
                        .into_iter()
                        .map(|(field, label)| view! { <span class=format!("swatch {}", field.class())>{label}</span> })
                        .collect_view()
                }}
            </div>
            <div
                class="bit-cells"
                role="group"
                aria-label="Bits, most significant first. Left and Right move, Space flips, Up and Down step to the neighbouring value."
                data-testid="bit-cells"
                // Whole rows: up to 32 bits a row (16 on a phone), so no bit wraps alone.
                style=move || {
                    let bits = total.get();
                    format!("--bits: {bits}; --cols: {}; --cols-phone: {}", bits.min(32), bits.min(16))
                }
            >
                <For each=cells key=|i| *i let:index>
                    <button
                        type="button"
                        class=move || cell(index).map(|c| format!("bit {}{}", c.field.class(), if c.set { " set" } else { "" })).unwrap_or_default()
                        data-testid=format!("bit-{index}")
                        data-index=index
                        aria-label=move || cell(index).map(|c| c.accessible_name()).unwrap_or_default()
                        aria-pressed=move || cell(index).map(|c| c.set.to_string()).unwrap_or_default()
                        tabindex=move || {
                            let top = total.get().saturating_sub(1);
                            if active.get().filter(|a| *a <= top).unwrap_or(top) == index { "0" } else { "-1" }
                        }
                        on:focus=move |_| active.set(Some(index))
                        on:click=move |_| {
                            let code = editor.readout.get_untracked().code;
                            editor.set_code(code ^ (1u64 << index));
                        }
                        on:keydown=on_key
                    >
                        // The digit and the index are drawn by CSS from these attributes, so
                        // the accessible name is exactly the aria-label.
                        <span class="bit-value" data-digit=move || if cell(index).is_some_and(|c| c.set) { "1" } else { "0" }></span>
                        <span class="bit-pos" data-pos=index></span>
                    </button>
                </For>
            </div>
            <div class="step-buttons">
                <button type="button" data-testid="step-down" on:click=move |_| {
                    if let Some(n) = editor.readout.get_untracked().next_down { editor.set_code(n.code) }
                }>"◀ previous value"</button>
                <button type="button" data-testid="step-up" on:click=move |_| {
                    if let Some(n) = editor.readout.get_untracked().next_up { editor.set_code(n.code) }
                }>"next value ▶"</button>
            </div>
        </div>
    }
}

/// The text field for a value or a code, with an inline error that keeps the last good value.
#[component]
fn ValueInput(editor: Editor) -> impl IntoView {
    let shown = move || {
        if let Some((text, _)) = editor.rejected.get() {
            return text;
        }
        match editor.state.get().source {
            Source::Text(text) => text,
            Source::Bits(_) => editor.readout.with(|r| r.code_hex.clone()),
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let format = editor.state.get_untracked().format();
        match parse_input(&format, &text) {
            Ok(_) if text.len() <= crate::route::MAX_VALUE_LEN => {
                editor.edit(|s| s.source = Source::Text(text))
            }
            Ok(_) => editor
                .rejected
                .set(Some((text, "that is too long to keep in a link".into()))),
            Err(why) => editor.rejected.set(Some((text, why.to_string()))),
        }
    };
    view! {
        <div class="field-row value-row">
            <label for=editor.id("value-input")>"Value"</label>
            <input
                id=editor.id("value-input")
                type="text"
                inputmode="decimal"
                autocomplete="off"
                spellcheck="false"
                data-testid="value-input"
                aria-describedby=format!("{} {}", editor.id("value-help"), editor.id("value-error"))
                aria-invalid=move || editor.rejected.get().is_some().to_string()
                prop:value=shown
                on:input=on_input
            />
        </div>
        <p id=editor.id("value-help") class="help">
            "A decimal (0.1, -3.5e-4), a fraction (1/3), a hex-float (0x1.8p3), a raw code (0x3c00, 0b0_01111_0000000000), or inf, -inf, nan, -0, max, min_normal, eps."
        </p>
        <p id=editor.id("value-error") class="input-error" role="alert" data-testid="value-error">
            {move || editor.rejected.get().map(|(_, why)| format!("Cannot use this: {why}. Showing the last good value."))}
        </p>
    }
}

/// Rounding mode and overflow policy (and the seed of stochastic rounding).
#[component]
fn RoundingControls(editor: Editor) -> impl IntoView {
    let rounding_options = ROUNDINGS
        .iter()
        .map(|(id, label)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    let current_rounding = move || model::rounding_id(editor.state.get().rounding).to_string();
    let seed = move || match editor.state.get().rounding {
        Rounding::Stochastic { seed } => Some(seed),
        _ => None,
    };
    view! {
        <div class="controls-row">
            <label>
                <span>"Rounding"</span>
                <select data-testid="rounding-select" prop:value=current_rounding on:change=move |ev| {
                    let id = event_target_value(&ev);
                    if let Some(r) = model::rounding_from_id(&id, seed().unwrap_or(1)) { editor.edit(|s| s.rounding = r) }
                }>{rounding_options}</select>
            </label>
            <Show when=move || seed().is_some()>
                <label>
                    <span>"seed"</span>
                    <input type="number" min="0" data-testid="seed-input" prop:value=move || seed().unwrap_or(1).to_string()
                        on:change=move |ev| {
                            if let Ok(seed) = event_target_value(&ev).trim().parse::<u64>() {
                                editor.edit(|s| s.rounding = Rounding::Stochastic { seed })
                            }
                        } />
                </label>
            </Show>
            <label>
                <span>"Overflow"</span>
                <select data-testid="overflow-select"
                    prop:value=move || if editor.state.get().overflow == Overflow::Saturate { "saturate" } else { "default" }
                    on:change=move |ev| {
                        let o = if event_target_value(&ev) == "saturate" { Overflow::Saturate } else { Overflow::Default };
                        editor.edit(|s| s.overflow = o)
                    }>
                    <option value="default">"format default (Inf, else NaN, else saturate)"</option>
                    <option value="saturate">"saturate to ±max"</option>
                </select>
            </label>
        </div>
    }
}

/// A numeric readout: text for people, the exact value in `data-value` for tests and tools.
#[component]
fn Num(
    #[prop(into)] testid: String,
    value: Signal<f64>,
    #[prop(into)] text: Signal<String>,
) -> impl IntoView {
    view! { <span class="num" data-testid=testid data-value=move || data_value(value.get())>{text}</span> }
}

/// Everything about the current code, always in view.
#[component]
fn Readouts(editor: Editor) -> impl IntoView {
    let r = editor.readout;
    let value = Signal::derive(move || r.with(|r| r.decoded.value));
    let neighbour_text = move |up: bool| {
        r.with(|r| {
            let n = if up { &r.next_up } else { &r.next_down };
            match n {
                Some(n) => format!("{} (gap {})", short(n.value), short(n.gap)),
                None => "none".into(),
            }
        })
    };
    let neighbour_value = move |up: bool| {
        Signal::derive(move || {
            r.with(|r| {
                (if up { &r.next_up } else { &r.next_down })
                    .as_ref()
                    .map_or(f64::NAN, |n| n.value)
            })
        })
    };
    let report = move || r.with(|r| r.report);
    let abs = Signal::derive(move || report().map_or(0.0, |rep| rep.abs_error));
    let rel = Signal::derive(move || report().and_then(|rep| rep.rel_error).unwrap_or(0.0));
    // The readouts a reader needs first; the rest (and, in the compact form, the rounding
    // controls) under "More".
    let more = move || {
        view! {
            <dl>
                <dt>"bits"</dt>
                <dd class="mono" data-testid="bits">{move || r.with(|r| r.bits.clone())}</dd>
                <dt>"class"</dt>
                <dd data-testid="class">{move || r.with(|r| class_label(r.decoded.class))}</dd>
                <dt>"shortest decimal that reads back"</dt>
                <dd class="mono"><Num testid="value-shortest" value=value text=Signal::derive(move || r.with(|r| r.decoded.shortest_decimal.clone())) /></dd>
                <dt>"formula"</dt>
                <dd class="mono formula" data-testid="formula">{move || r.with(|r| r.decoded.formula.clone())}</dd>
                <dt>"next value up"</dt>
                <dd class="mono"><Num testid="next-up" value=neighbour_value(true) text=Signal::derive(move || neighbour_text(true)) /></dd>
                <dt>"next value down"</dt>
                <dd class="mono"><Num testid="next-down" value=neighbour_value(false) text=Signal::derive(move || neighbour_text(false)) /></dd>
            </dl>
            <Show when=move || r.with(|r| !r.specials.is_empty())>
                <h3 class="small-heading">"Special codes in this format"</h3>
                <dl class="specials" data-testid="specials">
                    {move || r.with(|r| r.specials.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd class="mono">{v.clone()}</dd> }).collect_view())}
                </dl>
            </Show>
        }
    };
    view! {
        <aside class="readouts" aria-live="polite" aria-label="Readouts">
            <dl>
                <dt>"format"</dt>
                <dd data-testid="format">{move || r.with(|r| r.format_name.clone())}</dd>
                <dt>"code"</dt>
                <dd class="mono" data-testid="code-hex">{move || r.with(|r| r.code_hex.clone())}</dd>
                <dt>"stored value (exact)"</dt>
                <dd class="mono exact"><Num testid="value-exact" value=value text=Signal::derive(move || r.with(|r| r.decoded.exact_decimal.clone())) /></dd>
                <dt>"rounding error of the typed value"</dt>
                <dd data-testid="error-block">
                    {move || match report() {
                        None => view! { <span class="muted">"none: a raw code is stored as it is"</span> }.into_any(),
                        Some(rep) => {
                            let ((_, abs_text), (_, rel_text)) = error_texts(&rep);
                            view! {
                                "absolute " <Num testid="abs-error" value=abs text=abs_text />
                                ", relative " <Num testid="rel-error" value=rel text=rel_text />
                                <span class=move || if r.with(Readout::is_exact) { "exact-note" } else { "flags" } data-testid="error-summary">
                                    {r.with(|r| r.error_summary()).filter(|s| !s.is_empty()).map(|s| format!(" ({s})"))}
                                </span>
                            }.into_any()
                        }
                    }}
                </dd>
            </dl>
            {move || if editor.compact.get() {
                view! {
                    <details class="more" data-testid="editor-more">
                        <summary>"More: bits, shortest decimal, formula, neighbours, rounding"</summary>
                        {more()}
                        <RoundingControls editor=editor />
                    </details>
                }
                .into_any()
            } else {
                more().into_any()
            }}
        </aside>
    }
}
