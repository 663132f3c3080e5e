//! Building on the DOM directly, for the widgets that every first screen shows (the bit editor,
//! a view's Copy link and Embed buttons): static HTML fragments with no data in them, text and
//! attribute setters that touch the page only when something changed, form-field properties,
//! and event listeners that go away with their widget.
//!
//! Why not `view!`: Leptos's view types are monomorphised per element tree, so each tree is
//! code of its own; these helpers are one copy for every widget built with them
//! (docs/benchmarks.md, "Loading in parts"). Data reaches the page only through `textContent`,
//! attribute values and form-field properties, never as markup.

use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Element, Event};

/// A new element.
pub fn el(tag: &str) -> Element {
    leptos::prelude::document()
        .create_element(tag)
        .expect("a valid tag name")
}

/// The first element of a static HTML fragment (constants with no data in them), in no parent.
pub fn fragment(html: &str) -> Element {
    let holder = el("div");
    holder.set_inner_html(html);
    let element = holder
        .first_element_child()
        .expect("the fragment has an element");
    element.remove();
    element
}

/// The element with `data-testid=id` under `root` (fragments have each once).
pub fn find(root: &Element, id: &str) -> Element {
    root.query_selector(&format!("[data-testid=\"{id}\"]"))
        .ok()
        .flatten()
        .expect("the fragment has this element")
}

pub fn set_attr(e: &Element, name: &str, value: &str) {
    if e.get_attribute(name).as_deref() != Some(value) {
        let _ = e.set_attribute(name, value);
    }
}

pub fn set_text(e: &Element, text: &str) {
    if e.text_content().as_deref() != Some(text) {
        e.set_text_content(Some(text));
    }
}

/// A property of a form field (`value`, `checked`), through `Reflect` as Leptos's `prop:` does:
/// typed bindings for each element type would each be one more import of the main module.
pub fn prop(e: &Element, name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(e, &name.into()).unwrap_or_default()
}

pub fn set_prop(e: &Element, name: &str, value: &wasm_bindgen::JsValue) {
    let _ = js_sys::Reflect::set(e, &name.into(), value);
}

/// Sets a form field's value unless it already shows it (so typing keeps its caret).
pub fn set_value(e: &Element, value: &str) {
    if prop(e, "value").as_string().as_deref() != Some(value) {
        set_prop(e, "value", &value.into());
    }
}

/// An `<option>` of a `<select>`.
pub fn option(value: &str, label: &str) -> Element {
    let o = el("option");
    let _ = o.set_attribute("value", value);
    o.set_text_content(Some(label));
    o
}

/// `node` is a child of `parent` (after `after`, or last) when `shown`, nowhere otherwise.
pub fn place(node: &Element, shown: bool, parent: &Element, after: Option<&Element>) {
    let here = node.parent_element().is_some_and(|p| p == *parent);
    if shown && !here {
        let next = after.and_then(|a| a.next_element_sibling());
        let _ = parent.insert_before(node, next.as_ref().map(|n| n.as_ref()));
    } else if !shown && node.parent_element().is_some() {
        node.remove();
    }
}

/// The element an event happened on.
pub fn target(ev: &Event) -> Option<Element> {
    ev.target().and_then(|t| t.dyn_into::<Element>().ok())
}

type Handler = Closure<dyn FnMut(Event)>;

/// A widget's event listeners, one per event type on its root, capturing (so that events which
/// do not bubble, such as a script's `new Event("input")`, reach them too); removed, and their
/// closures freed, when dropped.
pub struct Listeners {
    root: Element,
    list: Vec<(&'static str, Handler)>,
}

impl Listeners {
    /// Calls `handle(kind, event)` for each event of the `kinds` under `root`.
    pub fn attach(
        root: &Element,
        kinds: &[&'static str],
        handle: impl Fn(&'static str, &Event) + Clone + 'static,
    ) -> Listeners {
        let list = kinds
            .iter()
            .map(|&kind| {
                let handle = handle.clone();
                let handler = Closure::<dyn FnMut(Event)>::new(move |ev: Event| handle(kind, &ev));
                let _ = root.add_event_listener_with_callback_and_bool(
                    kind,
                    handler.as_ref().unchecked_ref(),
                    true,
                );
                (kind, handler)
            })
            .collect();
        Listeners {
            root: root.clone(),
            list,
        }
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (kind, handler) in &self.list {
            let _ = self.root.remove_event_listener_with_callback_and_bool(
                kind,
                handler.as_ref().unchecked_ref(),
                true,
            );
        }
    }
}

/// A tree built on the DOM as a Leptos view: a `div` with `display: contents` that holds it. One
/// view type for every such tree, so its code is in the main module once.
pub fn dom_view(tree: Element) -> AnyView {
    view! { <div class="dom" use:adopt=tree></div> }.into_any()
}

fn adopt(holder: Element, tree: Element) {
    let _ = holder.append_child(&tree);
}

/// Shows in `parent` the view that `make` builds for the current value of `key`, and builds a new
/// one whenever `key` changes: the old one is taken off the page and its reactive owner (its
/// effects, its contexts) cleaned up. Each view is built under a new owner below the current
/// one, so it sees the contexts provided above. This is what `{move || ...}` in a `view!` does,
/// without the view types: the app's shell is built on the DOM like the editor.
pub fn show_keyed<K>(parent: Element, key: Memo<K>, make: fn(K) -> AnyView)
where
    K: Clone + PartialEq + Send + Sync + 'static,
{
    let parent_owner = Owner::current().expect("called under a reactive owner");
    let shown = StoredValue::new_local(None::<(Owner, AnyViewState)>);
    let take_down = move || {
        if let Some((owner, mut state)) = shown.try_update_value(Option::take).flatten() {
            state.unmount();
            drop(state);
            owner.cleanup();
        }
    };
    let effect = RenderEffect::new(move |_: Option<()>| {
        let value = key.get();
        take_down();
        shown.set_value(Some(mount_under(&parent_owner, &parent, || make(value))));
    });
    // The effect goes with the current owner; so do the view and its owner.
    StoredValue::new_local(effect);
    on_cleanup(take_down);
}

/// Builds the view `make` returns under a new reactive owner below `parent_owner` (so it sees
/// the contexts provided above, and goes when that owner is cleaned up) and mounts it at the end
/// of `parent`. Returns the owner and the mounted view, for whoever takes it down earlier.
pub fn mount_under(
    parent_owner: &Owner,
    parent: &Element,
    make: impl FnOnce() -> AnyView,
) -> (Owner, AnyViewState) {
    let owner = parent_owner.with(Owner::new);
    let state = owner.with(|| {
        untrack(|| {
            let mut state = make().build();
            state.mount(parent, None);
            state
        })
    });
    (owner, state)
}
