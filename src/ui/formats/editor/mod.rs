//! The bit-layout editor (embeddable: `embed=editor`; also the Formats and Plots views' first
//! screen), built on the DOM directly instead of with `view!`.
//!
//! Why: it is the first thing two of the three pages with a size goal show, and Leptos's view
//! types are monomorphised per element tree: the `view!` version was about 80 KB gzip of view
//! code on top of the engine (docs/benchmarks.md, "Loading in parts"). Here the same DOM costs a
//! few KB: a fixed skeleton of static HTML (no data in it), the nodes that come and go made by
//! hand, one render effect that writes every readout of `present::formats::Readout`, and one
//! listener per event type on the widget's root that turns clicks, keys and edits into
//! [`Editor`] calls. Data reaches the page only through `textContent`, attribute values and the
//! `value` of form fields, never as markup.

mod events;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use web_sys::Element;

use super::Editor;
use crate::formats::{catalogue, Group, Overflow, Rounding};
use crate::present::formats::{
    self as model, class_label, error_texts, FormatChoice, FormatsState, Readout, Source, FAMILIES,
    ROUNDINGS,
};
use crate::present::number::{data_value, short};
use crate::route::Query;
use crate::ui::dom::{el, find, fragment, option, place, set_attr, set_prop, set_text, set_value};

/// The widget's fixed structure; `§` becomes the editor's id suffix (a number).
const SKELETON: &str = r#"<div class="editor-grid"><div class="editor-main"><div class="field-row"><label for="format-select-§">Format</label><select id="format-select-§" data-testid="format-select"></select></div><p class="format-source" data-testid="format-source"></p><div class="bit-editor"><div class="bit-legend" aria-hidden="true" data-testid="bit-legend"></div><div class="bit-cells" role="group" aria-label="Bits, most significant first. Left and Right move, Space flips, Up and Down step to the neighbouring value." data-testid="bit-cells"></div><div class="step-buttons"><button type="button" data-testid="step-down">◀ previous value</button><button type="button" data-testid="step-up">next value ▶</button></div></div><div class="field-row value-row"><label for="value-input-§">Value</label><input id="value-input-§" type="text" inputmode="decimal" autocomplete="off" spellcheck="false" data-testid="value-input" aria-describedby="value-help-§ value-error-§" aria-invalid="false"></div><p id="value-help-§" class="help">A decimal (0.1, -3.5e-4), a fraction (1/3), a hex-float (0x1.8p3), a raw code (0x3c00, 0b0_01111_0000000000), or inf, -inf, nan, -0, max, min_normal, eps.</p><p id="value-error-§" class="input-error" role="alert" data-testid="value-error"></p></div><aside class="readouts" aria-live="polite" aria-label="Readouts"><dl><dt>format</dt><dd data-testid="format"></dd><dt>code</dt><dd class="mono" data-testid="code-hex"></dd><dt>stored value (exact)</dt><dd class="mono exact"><span class="num" data-testid="value-exact"></span></dd><dt>rounding error of the typed value</dt><dd data-testid="error-block"></dd></dl></aside></div>"#;

/// The readouts under "More" in the compact form (an embed's default).
const MORE: &str = r#"<dl><dt>bits</dt><dd class="mono" data-testid="bits"></dd><dt>class</dt><dd data-testid="class"></dd><dt>shortest decimal that reads back</dt><dd class="mono"><span class="num" data-testid="value-shortest"></span></dd><dt>formula</dt><dd class="mono formula" data-testid="formula"></dd><dt>next value up</dt><dd class="mono"><span class="num" data-testid="next-up"></span></dd><dt>next value down</dt><dd class="mono"><span class="num" data-testid="next-down"></span></dd></dl>"#;

const DETAILS: &str = r#"<details class="more" data-testid="editor-more"><summary>More: bits, shortest decimal, formula, neighbours, rounding</summary></details>"#;

const SPECIALS_HEAD: &str = r#"<h3 class="small-heading">Special codes in this format</h3>"#;

const ROUNDING: &str = r#"<div class="controls-row"><label><span>Rounding</span><select data-testid="rounding-select"></select></label><label><span>Overflow</span><select data-testid="overflow-select"><option value="default">format default (Inf, else NaN, else saturate)</option><option value="saturate">saturate to ±max</option></select></label></div>"#;

const SEED: &str =
    r#"<label><span>seed</span><input type="number" min="0" data-testid="seed-input"></label>"#;

const CUSTOM: &str = r#"<fieldset class="custom-builder"><legend>Custom format</legend><label class="custom-field"><span>exponent bits (1-11)</span><input type="number" inputmode="numeric" data-testid="custom-exp" data-key="exp"></label><label class="custom-field"><span>mantissa bits (0-52)</span><input type="number" inputmode="numeric" data-testid="custom-man" data-key="man"></label><label class="custom-field"><span>bias</span><input type="number" inputmode="numeric" data-testid="custom-bias" data-key="bias"></label><label class="custom-field"><span>special values</span><select data-testid="custom-family" data-key="family"></select></label><label class="custom-check"><input type="checkbox" data-key="sign">sign bit</label><label class="custom-check"><input type="checkbox" data-key="subnormals">subnormals</label></fieldset>"#;

const NO_ERROR: &str = r#"<span class="muted">none: a raw code is stored as it is</span>"#;

const ERRORS: &str = r#"<span>absolute <span class="num" data-testid="abs-error"></span>, relative <span class="num" data-testid="rel-error"></span><span data-testid="error-summary"></span></span>"#;

/// The widget's `div`, holding the editor of `editor` and kept in step with it.
pub(super) fn build(editor: Editor) -> Element {
    let root = el("div");
    set_attr(&root, "class", "editor-widget");
    set_attr(&root, "data-testid", "editor-widget");
    let dom = Rc::new(Dom::new(&root, editor.uid));
    let custom_error = RwSignal::new(None::<String>);
    let effect = RenderEffect::new({
        let dom = dom.clone();
        move |_: Option<()>| {
            let parsed = editor.parsed.get();
            editor.readout.with(|readout| {
                dom.render(&View {
                    state: &parsed.state,
                    readout,
                    rejected: editor.rejected.get(),
                    notices: parsed.notices,
                    compact: parsed.compact,
                    custom_error: custom_error.get(),
                })
            });
        }
    });
    let listeners = events::attach(&root, dom, editor, custom_error);
    // Both go with the widget's owner: the effect stops, the listeners are removed.
    StoredValue::new_local((effect, listeners));
    root
}

/// What one render shows.
struct View<'a> {
    state: &'a FormatsState,
    readout: &'a Readout,
    rejected: Option<(String, String)>,
    notices: Vec<String>,
    compact: bool,
    custom_error: Option<String>,
}

/// A readout with its exact value in `data-value` (for tests and tools).
fn set_num(e: &Element, value: f64, text: &str) {
    set_attr(e, "data-value", &data_value(value));
    set_text(e, text);
}

/// Sets the `class` attribute (one binding shared with every other attribute).
fn set_class(e: &Element, class: &str) {
    let _ = e.set_attribute("class", class);
}

/// The editor's nodes.
pub(super) struct Dom {
    root: Element,
    main: Element,
    aside: Element,
    select: Element,
    source: Element,
    custom: Element,
    custom_error: Element,
    /// The custom builder's fields, each with its query key in `data-key`.
    custom_fields: Vec<Element>,
    legend: Element,
    cells_box: Element,
    /// The bit buttons, most significant first, with what their legend was built for.
    pub(super) cells: RefCell<Vec<Element>>,
    legend_for: RefCell<String>,
    /// The bit that has the tab stop (roving tabindex), if a bit was focused.
    pub(super) active: Cell<Option<u32>>,
    value_input: Element,
    value_error: Element,
    format: Element,
    code_hex: Element,
    value_exact: Element,
    error_block: Element,
    no_error: Element,
    errors: Element,
    abs_error: Element,
    rel_error: Element,
    error_summary: Element,
    more: Element,
    bits: Element,
    class: Element,
    value_shortest: Element,
    formula: Element,
    next_up: Element,
    next_down: Element,
    details: Element,
    specials_head: Element,
    specials_list: Element,
    rounding: Element,
    rounding_select: Element,
    seed: Element,
    seed_input: Element,
    overflow_select: Element,
    notices: RefCell<Vec<Element>>,
}

impl Dom {
    fn new(root: &Element, uid: u32) -> Dom {
        root.set_inner_html(&SKELETON.replace('§', &uid.to_string()));
        let select = find(root, "format-select");
        for group in Group::ALL {
            let shelf = el("optgroup");
            let _ = shelf.set_attribute("label", group.label());
            for e in catalogue().iter().filter(|e| e.group == group) {
                let _ = shelf.append_child(&option(e.name, e.name));
            }
            let _ = select.append_child(&shelf);
        }
        let shelf = el("optgroup");
        let _ = shelf.set_attribute("label", "custom");
        let _ = shelf.append_child(&option("custom", "custom…"));
        let _ = select.append_child(&shelf);

        let custom = fragment(CUSTOM);
        let family = find(&custom, "custom-family");
        for (id, label, _) in FAMILIES {
            let _ = family.append_child(&option(id, label));
        }
        let custom_error = el("p");
        set_class(&custom_error, "input-error");
        let _ = custom_error.set_attribute("role", "alert");
        let _ = custom_error.set_attribute("data-testid", "custom-error");

        let rounding = fragment(ROUNDING);
        let rounding_select = find(&rounding, "rounding-select");
        for (id, label) in ROUNDINGS {
            let _ = rounding_select.append_child(&option(id, label));
        }
        let seed = fragment(SEED);
        let errors = fragment(ERRORS);
        let more = fragment(MORE);
        let specials_list = el("dl");
        set_class(&specials_list, "specials");
        let _ = specials_list.set_attribute("data-testid", "specials");
        let aside = root
            .query_selector("aside")
            .ok()
            .flatten()
            .expect("the skeleton has the readouts");
        Dom {
            main: root
                .query_selector(".editor-main")
                .ok()
                .flatten()
                .expect("the skeleton has the main column"),
            select,
            source: find(root, "format-source"),
            custom_error,
            custom_fields: ["exp", "man", "bias", "family", "sign", "subnormals"]
                .iter()
                .filter_map(|key| {
                    custom
                        .query_selector(&format!("[data-key={key}]"))
                        .ok()
                        .flatten()
                })
                .collect(),
            legend: find(root, "bit-legend"),
            cells_box: find(root, "bit-cells"),
            cells: RefCell::new(Vec::new()),
            legend_for: RefCell::new(String::new()),
            active: Cell::new(None),
            value_input: find(root, "value-input"),
            value_error: find(root, "value-error"),
            format: find(root, "format"),
            code_hex: find(root, "code-hex"),
            value_exact: find(root, "value-exact"),
            error_block: find(root, "error-block"),
            no_error: fragment(NO_ERROR),
            abs_error: find(&errors, "abs-error"),
            rel_error: find(&errors, "rel-error"),
            error_summary: find(&errors, "error-summary"),
            errors,
            details: fragment(DETAILS),
            specials_head: fragment(SPECIALS_HEAD),
            specials_list,
            rounding_select,
            seed_input: find(&seed, "seed-input"),
            seed,
            overflow_select: find(&rounding, "overflow-select"),
            rounding,
            custom,
            bits: find(&more, "bits"),
            class: find(&more, "class"),
            value_shortest: find(&more, "value-shortest"),
            formula: find(&more, "formula"),
            next_up: find(&more, "next-up"),
            next_down: find(&more, "next-down"),
            more,
            aside,
            notices: RefCell::new(Vec::new()),
            root: root.clone(),
        }
    }

    fn render(&self, v: &View) {
        self.render_notices(&v.notices);
        self.render_picker(v);
        self.render_bits(v.state, v.readout);
        self.render_value(v);
        self.render_readouts(v.readout);
        self.render_more(v);
    }

    fn render_notices(&self, notices: &[String]) {
        let mut shown = self.notices.borrow_mut();
        let same = shown.len() == notices.len()
            && shown
                .iter()
                .zip(notices)
                .all(|(e, t)| e.text_content().as_deref() == Some(t.as_str()));
        if same {
            return;
        }
        for e in shown.drain(..) {
            e.remove();
        }
        let first = self.root.first_element_child();
        for text in notices {
            let p = el("p");
            set_class(&p, "notice");
            let _ = p.set_attribute("role", "status");
            let _ = p.set_attribute("data-testid", "url-notice");
            p.set_text_content(Some(text));
            let _ = self
                .root
                .insert_before(&p, first.as_ref().map(|n| n.as_ref()));
            shown.push(p);
        }
    }

    fn render_picker(&self, v: &View) {
        let (selected, source) = match v.state.choice {
            FormatChoice::Named(name) => (
                name,
                catalogue()
                    .iter()
                    .find(|e| e.name == name)
                    .map_or("", |e| e.source),
            ),
            FormatChoice::Custom(_) => (
                "custom",
                "Your own shape: exponent and mantissa widths, bias and special-value rules.",
            ),
        };
        set_value(&self.select, selected);
        set_text(&self.source, source);
        let custom = matches!(v.state.choice, FormatChoice::Custom(_));
        place(&self.custom, custom, &self.main, Some(&self.source));
        if custom {
            let mut q = Query::default();
            v.state.write(&mut q);
            let current = |key: &str| q.get(key).unwrap_or_default().to_string();
            for input in &self.custom_fields {
                let key = input.get_attribute("data-key").unwrap_or_default();
                if input.get_attribute("type").as_deref() == Some("checkbox") {
                    set_prop(input, "checked", &(current(&key) == "on").into());
                } else {
                    set_value(input, &current(&key));
                }
            }
            let error = v.custom_error.as_deref();
            place(&self.custom_error, error.is_some(), &self.custom, None);
            set_text(&self.custom_error, error.unwrap_or_default());
        }
    }

    fn render_bits(&self, state: &FormatsState, readout: &Readout) {
        let format = state.format();
        let legend = model::legend(&format);
        let legend_key: String = legend
            .iter()
            .map(|(field, label)| format!("{}:{label};", field.class()))
            .collect();
        if *self.legend_for.borrow() != legend_key {
            self.legend.set_text_content(None);
            for (field, label) in legend {
                let swatch = el("span");
                set_class(&swatch, &format!("swatch {}", field.class()));
                swatch.set_text_content(Some(&label));
                let _ = self.legend.append_child(&swatch);
            }
            *self.legend_for.borrow_mut() = legend_key;
        }
        let total = format.total_bits();
        let mut cells = self.cells.borrow_mut();
        if cells.len() != total as usize {
            self.cells_box.set_text_content(None);
            // Whole rows: up to 32 bits a row (16 on a phone), so no bit wraps alone.
            set_attr(
                &self.cells_box,
                "style",
                &format!(
                    "--bits: {total}; --cols: {}; --cols-phone: {}",
                    total.min(32),
                    total.min(16)
                ),
            );
            *cells = (0..total)
                .rev()
                .map(|index| {
                    let button = el("button");
                    let _ = button.set_attribute("type", "button");
                    let _ = button.set_attribute("data-testid", &format!("bit-{index}"));
                    let _ = button.set_attribute("data-index", &index.to_string());
                    // The digit and the index are drawn by CSS from these attributes, so the
                    // accessible name is exactly the aria-label.
                    let digit = el("span");
                    set_class(&digit, "bit-value");
                    let pos = el("span");
                    set_class(&pos, "bit-pos");
                    let _ = pos.set_attribute("data-pos", &index.to_string());
                    let _ = button.append_child(&digit);
                    let _ = button.append_child(&pos);
                    let _ = self.cells_box.append_child(&button);
                    button
                })
                .collect();
        }
        let top = total.saturating_sub(1);
        let stop = self.active.get().filter(|a| *a <= top).unwrap_or(top);
        for (button, cell) in cells.iter().zip(&readout.cells) {
            let class = format!(
                "bit {}{}",
                cell.field.class(),
                if cell.set { " set" } else { "" }
            );
            set_attr(button, "class", &class);
            set_attr(button, "aria-label", &cell.accessible_name());
            set_attr(
                button,
                "aria-pressed",
                if cell.set { "true" } else { "false" },
            );
            set_attr(
                button,
                "tabindex",
                if cell.index == stop { "0" } else { "-1" },
            );
            if let Some(digit) = button.first_element_child() {
                set_attr(&digit, "data-digit", if cell.set { "1" } else { "0" });
            }
        }
    }

    fn render_value(&self, v: &View) {
        let shown = match (&v.rejected, &v.state.source) {
            (Some((text, _)), _) => text.clone(),
            (None, Source::Text(text)) => text.clone(),
            (None, Source::Bits(_)) => v.readout.code_hex.clone(),
        };
        set_value(&self.value_input, &shown);
        set_attr(
            &self.value_input,
            "aria-invalid",
            if v.rejected.is_some() {
                "true"
            } else {
                "false"
            },
        );
        let error = v
            .rejected
            .as_ref()
            .map(|(_, why)| format!("Cannot use this: {why}. Showing the last good value."));
        set_text(&self.value_error, error.as_deref().unwrap_or_default());
    }

    fn render_readouts(&self, r: &Readout) {
        set_text(&self.format, &r.format_name);
        set_text(&self.code_hex, &r.code_hex);
        set_num(&self.value_exact, r.decoded.value, &r.decoded.exact_decimal);
        let shown = if r.report.is_some() {
            &self.errors
        } else {
            &self.no_error
        };
        if !self
            .error_block
            .first_element_child()
            .is_some_and(|c| c == *shown)
        {
            self.error_block.set_text_content(None);
            let _ = self.error_block.append_child(shown);
        }
        if let Some(rep) = &r.report {
            let ((_, abs_text), (_, rel_text)) = error_texts(rep);
            set_num(&self.abs_error, rep.abs_error, &abs_text);
            set_num(&self.rel_error, rep.rel_error.unwrap_or(0.0), &rel_text);
            set_attr(
                &self.error_summary,
                "class",
                if r.is_exact() { "exact-note" } else { "flags" },
            );
            let summary = r
                .error_summary()
                .filter(|s| !s.is_empty())
                .map(|s| format!(" ({s})"));
            set_text(&self.error_summary, summary.as_deref().unwrap_or_default());
        }
        set_text(&self.bits, &r.bits);
        set_text(&self.class, class_label(r.decoded.class));
        set_num(
            &self.value_shortest,
            r.decoded.value,
            &r.decoded.shortest_decimal,
        );
        set_text(&self.formula, &r.decoded.formula);
        for (e, n) in [(&self.next_up, &r.next_up), (&self.next_down, &r.next_down)] {
            let (value, shown) = match n {
                Some(n) => (
                    n.value,
                    format!("{} (gap {})", short(n.value), short(n.gap)),
                ),
                None => (f64::NAN, "none".into()),
            };
            set_num(e, value, &shown);
        }
        self.specials_list.set_text_content(None);
        for (k, v) in &r.specials {
            let dt = el("dt");
            dt.set_text_content(Some(k));
            let dd = el("dd");
            set_class(&dd, "mono");
            dd.set_text_content(Some(v));
            let _ = self.specials_list.append_child(&dt);
            let _ = self.specials_list.append_child(&dd);
        }
    }

    /// The longer readouts and the rounding controls: in the page (full form) or folded into
    /// "More" (compact form).
    fn render_more(&self, v: &View) {
        let managed = [
            &self.more,
            &self.specials_head,
            &self.specials_list,
            &self.rounding,
            &self.details,
        ];
        let mut readouts = vec![&self.more];
        if !v.readout.specials.is_empty() {
            readouts.extend([&self.specials_head, &self.specials_list]);
        }
        if v.compact {
            arrange(&self.aside, &managed, &[&self.details]);
            readouts.push(&self.rounding);
            arrange(&self.details, &managed, &readouts);
            arrange(&self.main, &managed, &[]);
        } else {
            arrange(&self.aside, &managed, &readouts);
            arrange(&self.main, &managed, &[&self.rounding]);
        }
        let seed = match v.state.rounding {
            Rounding::Stochastic { seed } => Some(seed),
            _ => None,
        };
        set_value(&self.rounding_select, model::rounding_id(v.state.rounding));
        let first = self.rounding.first_element_child();
        place(&self.seed, seed.is_some(), &self.rounding, first.as_ref());
        set_value(&self.seed_input, &seed.unwrap_or(1).to_string());
        let overflow = if v.state.overflow == Overflow::Saturate {
            "saturate"
        } else {
            "default"
        };
        set_value(&self.overflow_select, overflow);
    }
}

/// `parent`'s element children.
fn children(parent: &Element) -> Vec<Element> {
    let mut out = Vec::new();
    let mut next = parent.first_element_child();
    while let Some(e) = next {
        next = e.next_element_sibling();
        out.push(e);
    }
    out
}

fn same(a: &Element, b: &Element) -> bool {
    a == b
}

/// Makes `tail` the last children of `parent`, in order, with no other node of `managed` in
/// it, moving nodes only when something is out of place (a move would take the focus away).
fn arrange(parent: &Element, managed: &[&Element], tail: &[&Element]) {
    let now = children(parent);
    let base = now
        .iter()
        .filter(|c| !managed.iter().any(|m| same(m, c)))
        .count();
    let in_place =
        now.len() == base + tail.len() && now[base..].iter().zip(tail).all(|(c, t)| same(c, t));
    if in_place {
        return;
    }
    for m in managed {
        let here = m.parent_element().is_some_and(|p| same(&p, parent));
        if here && !tail.iter().any(|t| same(t, m)) {
            m.remove();
        }
    }
    for t in tail {
        let _ = parent.append_child(t);
    }
}
