//! The Formats view: the bit-layout editor, its readouts, the "same value in every format"
//! table, the facts table and the MX block editor. All state lives in the URL; every readout
//! comes from `present::formats`, which asks the format engine.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::embed::widget_part;
use super::lazy::{part, Deferred};
use super::url::{HistoryMode, UrlState};
use super::widgets::{CopyLink, DownloadLink};
use crate::formats::{catalogue, mx, parse_input, Group, Overflow, Rounding};
use crate::present::formats::{
    self as model, class_label, error_texts, FormatChoice, FormatsState, MxState, Readout, Source,
    FACT_COLUMNS, FAMILIES, MX_DISTRIBUTIONS, MX_ELEMENTS, MX_SCALE_ROUNDINGS, ROUNDINGS,
};
use crate::present::number::{data_value, short, sig};
use crate::route::{Query, Widget};

/// The editor's state and how to change it, shared by the parts of the view.
#[derive(Clone, Copy)]
struct Editor {
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
            uid: super::next_uid(),
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

/// The editor's number rounded into every catalogue format; a row click switches the editor.
#[component]
fn SameValueTable(editor: Editor) -> impl IntoView {
    let rows = Memo::new(move |_| model::same_value_rows(&editor.state.get()));
    let current = move || editor.readout.with(|r| r.format_name.clone());
    view! {
        <section class="same-value" aria-labelledby=editor.id("same-value-title")>
            <h2 id=editor.id("same-value-title")>"The same value in every format"</h2>
            <p class="help" data-testid="same-value-caption">
                {move || if super::embed::in_embed() {
                    model::same_value_caption(&editor.state.get())
                } else {
                    "Your number rounded into each format with the rounding and overflow chosen above. Pick a format to edit it there.".to_string()
                }}
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Same value in every format, scrollable">
                <table data-testid="same-value-table">
                    <thead><tr><th scope="col">"format"</th><th scope="col">"stored"</th><th scope="col">"abs. error"</th><th scope="col">"code"</th><th scope="col">"note"</th></tr></thead>
                    <tbody>
                        // Rows are keyed by format, so a click updates text in place instead of
                        // rebuilding the table.
                        {catalogue().iter().enumerate().map(|(i, entry)| {
                            let name = entry.name;
                            let row = move |read: fn(&model::SameValueRow) -> String| rows.with(|rows| read(&rows[i]));
                            view! {
                                <tr data-testid=format!("same-{name}") class:current=move || current() == name class:flagged=move || rows.with(|r| !r[i].flag.is_empty())>
                                    <th scope="row"><button type="button" class="link-button" on:click=move |_| editor.set_choice(FormatChoice::Named(name))>{name}</button></th>
                                    <td class="mono" data-value=move || row(|r| data_value(r.report.stored))>{move || row(|r| r.stored_text.clone())}</td>
                                    <td class="mono" data-value=move || row(|r| error_texts(&r.report).0.0)>{move || row(|r| error_texts(&r.report).0.1)}</td>
                                    <td class="mono" title=move || row(|r| r.bits.clone())>{move || row(|r| r.code_hex.clone())}</td>
                                    <td class="flag">{move || row(|r| r.flag.to_string())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Facts for every catalogue format, downloadable for course notes.
#[component]
fn FactsTable() -> impl IntoView {
    let url = expect_context::<UrlState>();
    let title_id = format!("facts-title-{}", super::next_uid());
    let labelled_by = title_id.clone();
    let chosen = Memo::new(move |_| {
        let query = url.query();
        model::fact_columns(&query, query.compact())
    });
    // One click shows every column, whatever the address chose.
    let all = RwSignal::new(false);
    let columns = move || {
        if all.get() {
            (0..FACT_COLUMNS.len()).collect::<Vec<_>>()
        } else {
            chosen.with(|c| c.0.clone())
        }
    };
    let partial = move || !all.get() && chosen.with(|c| c.0.len() < FACT_COLUMNS.len());
    let table = move || {
        let columns = columns();
        let head = columns
            .iter()
            .map(|&c| view! { <th scope="col">{FACT_COLUMNS[c]}</th> })
            .collect_view();
        let rows = model::fact_rows()
            .into_iter()
            .map(|row| {
                let name = row[0].clone();
                let cells = columns[1..]
                    .iter()
                    .map(|&c| view! { <td>{row[c].clone()}</td> })
                    .collect_view();
                view! { <tr data-testid=format!("facts-{name}")><th scope="row">{name.clone()}</th>{cells}</tr> }
            })
            .collect_view();
        view! { <table data-testid="facts-table" data-columns=columns.len()><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table> }
    };
    view! {
        <section class="facts" aria-labelledby=labelled_by>
            <h2 id=title_id>"Format facts"</h2>
            {move || chosen.with(|c| c.1.iter().map(|n| view! { <p class="notice" role="status" data-testid="url-notice">{n.0.clone()}</p> }).collect_view())}
            <p class="help">
                "eps is the gap between 1 and the next value (2^-mantissa bits); resolution is 10^-floor(-log10(eps)), as torch.finfo prints it; decimal digits = (mantissa bits + 1) × log10 2. Integer rows are integers: all their bits are value bits."
            </p>
            <div class="downloads">
                <DownloadLink filename="precision-lab-formats.csv" mime="text/csv" content=model::facts_csv() label="Download CSV" testid="facts-csv" />
                <DownloadLink filename="precision-lab-formats.md" mime="text/markdown" content=model::facts_markdown() label="Download Markdown" testid="facts-md" />
                <Show when=partial>
                    <button type="button" data-testid="facts-all" on:click=move |_| all.set(true)>
                        {format!("Show all {} columns", FACT_COLUMNS.len())}
                    </button>
                </Show>
            </div>
            <p class="help scroll-hint" aria-hidden="true">"The table scrolls sideways \u{2192}"</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Format facts, scrollable">{table}</div>
        </section>
    }
}

/// The MX block editor: up to 32 values, a shared E8M0 scale, each element's code and error.
#[component]
fn MxEditor() -> impl IntoView {
    let title_id = format!("mx-title-{}", super::next_uid());
    let labelled_by = title_id.clone();
    let url = expect_context::<UrlState>();
    let parsed = Memo::new(move |_| MxState::from_query(&url.query()));
    let state = Memo::new(move |_| parsed.get().0);
    let block = Memo::new(move |_| state.get().block());
    let error = RwSignal::new(None::<String>);
    let seed = RwSignal::new(1u64);
    let set = move |next: MxState| {
        error.set(None);
        url.update(HistoryMode::Replace, |q| next.write(q));
    };
    let edit = move |change: &dyn Fn(&mut MxState)| {
        let mut next = state.get_untracked();
        change(&mut next);
        set(next);
    };
    let elements = MX_ELEMENTS
        .iter()
        .map(|(id, e)| view! { <option value=*id>{e.name()}</option> })
        .collect_view();
    let scales = MX_SCALE_ROUNDINGS
        .iter()
        .map(|(id, label, _)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    let dists = MX_DISTRIBUTIONS
        .iter()
        .map(|(id, label)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    let dist = RwSignal::new(String::from("normal"));
    let element_id = move || {
        MX_ELEMENTS
            .iter()
            .find(|(_, e)| *e == state.get().element)
            .map_or("", |(id, _)| id)
    };
    let scale_id = move || {
        MX_SCALE_ROUNDINGS
            .iter()
            .find(|(_, _, r)| *r == state.get().scale_rounding)
            .map_or("", |(id, _, _)| id)
    };
    view! {
        <section class="mx" aria-labelledby=labelled_by>
            <h2 id=title_id>"MX block formats"</h2>
            <p class="help">"OCP Microscaling: 32 values share one power-of-two E8M0 scale X; each element stores P = V / X rounded into a small format and reads back as X × P."</p>
            <div class="controls-row">
                <label><span>"element format"</span>
                    <select data-testid="mx-element" prop:value=element_id on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if let Some((_, e)) = MX_ELEMENTS.iter().find(|(eid, _)| *eid == id) { let e = *e; edit(&move |s| s.element = e) }
                    }>{elements}</select>
                </label>
                <label><span>"scale rounding"</span>
                    <select data-testid="mx-scale" prop:value=scale_id on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if let Some((_, _, r)) = MX_SCALE_ROUNDINGS.iter().find(|(sid, _, _)| *sid == id) { let r = *r; edit(&move |s| s.scale_rounding = r) }
                    }>{scales}</select>
                </label>
                <label><span>"draw from"</span>
                    <select on:change=move |ev| dist.set(event_target_value(&ev))>{dists}</select>
                </label>
                <button type="button" data-testid="mx-draw" on:click=move |_| {
                    seed.update(|s| *s += 1);
                    let values = model::draw_block(&dist.get_untracked(), seed.get_untracked());
                    edit(&move |s| s.values = values.clone());
                }>"Draw 32 values"</button>
            </div>
            <label class="mx-values">
                <span>"values (up to 32, separated by commas or spaces)"</span>
                <textarea rows="3" data-testid="mx-values" prop:value=move || model::values_text(&state.get().values)
                    on:change=move |ev| match model::parse_values(&event_target_value(&ev)) {
                        Ok(values) => edit(&move |s| s.values = values.clone()),
                        Err(why) => error.set(Some(why)),
                    }></textarea>
            </label>
            <p class="input-error" role="alert" data-testid="mx-error">{move || error.get()}</p>
            {move || match block.get() {
                Err(why) => view! { <p class="input-error">{why}</p> }.into_any(),
                Ok(block) => mx_block_view(&block).into_any(),
            }}
        </section>
    }
}

fn mx_block_view(block: &mx::Block) -> impl IntoView {
    let format = block.element.format();
    let clamps = block.elements.iter().filter(|e| e.clamped).count();
    let summary = format!(
        "shared scale X = {} (E8M0 code {}), amax = {}, {} bits per element, {} clamped",
        block
            .shared_exponent
            .map_or("NaN".into(), |e| format!("2^{e}")),
        block.scale_code,
        short(block.amax),
        block.bits_per_element,
        clamps
    );
    let rows = block
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            view! {
                <tr class:clamped=e.clamped data-testid=format!("mx-row-{i}")>
                    <td>{i}</td>
                    <td class="mono">{short(e.input)}</td>
                    <td class="mono">{model::code_hex(&format, e.code)}</td>
                    <td class="mono">{short(e.value)}</td>
                    <td class="mono" data-value=data_value(e.abs_error)>{sig(e.abs_error, 3)}</td>
                    <td>{if e.clamped { "clamped" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="mx-summary">{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="MX block elements, scrollable">
            <table data-testid="mx-table">
                <thead><tr><th scope="col">"#"</th><th scope="col">"value"</th><th scope="col">"code"</th><th scope="col">"reads back"</th><th scope="col">"abs. error"</th><th scope="col">""</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
