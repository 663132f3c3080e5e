//! The editor's events: one capturing listener per event type on the widget's root, turning
//! clicks, keys and edits into [`Editor`] calls.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent};

use super::Dom;
use crate::formats::{catalogue, parse_input, FloatSpec, Overflow, Rounding, Structure};
use crate::present::formats::{self as model, FormatChoice, FormatsState, Source};
use crate::route::Query;
use crate::ui::dom::{prop, set_attr, target, Listeners};
use crate::ui::formats::Editor;
use std::rc::Rc;

/// The editor's listeners on its root `div`.
pub(super) fn attach(
    root: &Element,
    dom: Rc<Dom>,
    editor: Editor,
    custom_error: RwSignal<Option<String>>,
) -> Listeners {
    Listeners::attach(
        root,
        &["click", "keydown", "focusin", "input", "change"],
        move |kind, ev| handle(kind, &dom, editor, custom_error, ev),
    )
}

/// The value of a form field.
fn value_of(e: &Element) -> String {
    if e.get_attribute("type").as_deref() == Some("checkbox") {
        return if prop(e, "checked").is_truthy() {
            "on"
        } else {
            "off"
        }
        .into();
    }
    prop(e, "value").as_string().unwrap_or_default()
}

fn handle(
    kind: &str,
    dom: &Dom,
    editor: Editor,
    custom_error: RwSignal<Option<String>>,
    ev: &Event,
) {
    let Some(target) = target(ev) else {
        return;
    };
    // A bit button, or the digit or index drawn inside one.
    let bit = [Some(target.clone()), target.parent_element()]
        .into_iter()
        .flatten()
        .find_map(|b| Some((b.get_attribute("data-index")?.parse::<u32>().ok()?, b)));
    let testid = target.get_attribute("data-testid").unwrap_or_default();
    match kind {
        "click" => {
            let step = |up: bool| {
                editor.readout.with_untracked(|r| {
                    if up { &r.next_up } else { &r.next_down }
                        .as_ref()
                        .map(|n| n.code)
                })
            };
            let next = match (&bit, testid.as_str()) {
                (Some((index, _)), _) => {
                    Some(editor.readout.with_untracked(|r| r.code) ^ (1u64 << index))
                }
                (None, "step-up") => step(true),
                (None, "step-down") => step(false),
                _ => None,
            };
            if let Some(code) = next {
                editor.set_code(code);
            }
        }
        "keydown" => {
            if let (Some((_, button)), Some(key)) = (bit, ev.dyn_ref::<KeyboardEvent>()) {
                bit_key(editor, &button, key);
            }
        }
        "focusin" => {
            if let Some((index, _)) = bit {
                dom.active.set(Some(index));
                for cell in dom.cells.borrow().iter() {
                    let this = cell.get_attribute("data-index") == Some(index.to_string());
                    set_attr(cell, "tabindex", if this { "0" } else { "-1" });
                }
            }
        }
        "input" if testid == "value-input" => value_typed(editor, value_of(&target)),
        "change" => changed(editor, custom_error, &target, &testid),
        _ => {}
    }
}

/// Left/Right (Home/End) move between bits, Up/Down step to the next or previous value; Space
/// and Enter flip a bit through the button's own click.
fn bit_key(editor: Editor, button: &Element, key: &KeyboardEvent) {
    let sibling = match key.key().as_str() {
        "ArrowLeft" => button.previous_element_sibling(),
        "ArrowRight" => button.next_element_sibling(),
        "Home" => button
            .parent_element()
            .and_then(|p| p.first_element_child()),
        "End" => button.parent_element().and_then(|p| p.last_element_child()),
        up_down @ ("ArrowUp" | "ArrowDown") => {
            key.prevent_default();
            let format = editor.with_state_untracked(FormatsState::format);
            let code = editor.readout.with_untracked(|r| r.code);
            let next = if up_down == "ArrowUp" {
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
    key.prevent_default();
    if let Some(el) = sibling.and_then(|s| s.dyn_into::<HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// Typed text: kept when it reads as a value or a code of the format, else shown with the
/// reason while the editor keeps the last good value.
fn value_typed(editor: Editor, text: String) {
    let format = editor.with_state_untracked(FormatsState::format);
    match parse_input(&format, &text) {
        Ok(_) if text.len() <= crate::route::MAX_VALUE_LEN => {
            editor.edit(|s| s.source = Source::Text(text))
        }
        Ok(_) => editor
            .rejected
            .set(Some((text, "that is too long to keep in a link".into()))),
        Err(why) => editor.rejected.set(Some((text, why.to_string()))),
    }
}

/// A menu, a custom-format field or a rounding control changed.
fn changed(editor: Editor, custom_error: RwSignal<Option<String>>, target: &Element, testid: &str) {
    let value = value_of(target);
    match testid {
        "format-select" if value == "custom" => {
            let spec = match editor
                .with_state_untracked(FormatsState::format)
                .structure()
            {
                Structure::Float(spec) => spec,
                _ => FloatSpec::ieee(5, 2),
            };
            editor.set_choice(FormatChoice::Custom(spec));
        }
        "format-select" => {
            if let Some(entry) = catalogue().iter().find(|e| e.name == value) {
                editor.set_choice(FormatChoice::Named(entry.name));
            }
        }
        "rounding-select" => {
            let seed = match editor.with_state_untracked(|s| s.rounding) {
                Rounding::Stochastic { seed } => seed,
                _ => 1,
            };
            if let Some(r) = model::rounding_from_id(&value, seed) {
                editor.edit(|s| s.rounding = r)
            }
        }
        "seed-input" => {
            if let Ok(seed) = value.trim().parse::<u64>() {
                editor.edit(|s| s.rounding = Rounding::Stochastic { seed })
            }
        }
        "overflow-select" => {
            let o = if value == "saturate" {
                Overflow::Saturate
            } else {
                Overflow::Default
            };
            editor.edit(|s| s.overflow = o)
        }
        _ => {
            // A field of the custom builder: applied when the whole shape is valid, else
            // explained inline and not applied.
            let Some(key) = target.get_attribute("data-key") else {
                return;
            };
            let mut q = Query::default();
            editor.with_state_untracked(|s| s.write(&mut q));
            q.set(&key, &value);
            match model::custom_spec_from_query(&q) {
                Ok(spec) => {
                    custom_error.set(None);
                    editor.edit(|s| s.choice = FormatChoice::Custom(spec));
                }
                Err(why) => custom_error.set(Some(why)),
            }
        }
    }
}
