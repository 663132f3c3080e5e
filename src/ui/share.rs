//! A full view's Copy link and Embed buttons, built on the DOM directly (`ui::dom`), as the bit
//! editor is: written with `view!`, these two buttons were 17.5 KB gzip of the Formats view's
//! first screen (docs/benchmarks.md, "Session 7"). Embeds leave them out.
//!
//! Copy link copies the address, which holds the whole state. Embed opens a panel with the iframe
//! code of one of the view's widgets in the current state; the code follows the state while the
//! panel is open.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use web_sys::{Element, Event};

use super::dom::{
    find, fragment, option, place, prop, set_attr, set_text, set_value, target, Listeners,
};
use super::embed::site_base;
use super::url::{view_href, UrlState};
use crate::plot::escape;
use crate::route::{Query, View, Widget};

/// The buttons; `data-testid`s are what the whole-page tests and readers' scripts find.
const BUTTONS: &str = r#"<div class="share-buttons"><div class="copy-link"><button type="button" data-testid="copy-link">Copy link</button><span class="copy-status" role="status" data-testid="copy-status"></span></div><div class="embed-button"><button type="button" data-testid="embed-button" aria-expanded="false">Embed</button></div></div>"#;

/// The Embed panel; the widget options, the code and the reference link are filled in.
const PANEL: &str = r#"<div class="embed-panel" data-testid="embed-panel"><label><span>widget</span><select data-testid="embed-widget"></select></label><textarea readonly rows="4" data-testid="embed-code" aria-label="Embed code"></textarea><button type="button" data-testid="embed-copy">Copy embed code</button><span role="status" data-testid="embed-status"></span><a data-testid="embed-reference">Every widget and its parameters</a></div>"#;

/// The Copy link and Embed buttons of `view`.
#[component]
pub fn ShareButtons(
    /// The view whose widgets the Embed panel offers.
    view: View,
) -> impl IntoView {
    super::dom::dom_view(build(UrlState::current(), view))
}

/// The nodes and state of one pair of buttons.
struct Share {
    url: UrlState,
    widgets: Vec<Widget>,
    chosen: Cell<Widget>,
    copy_status: Element,
    embed_button: Element,
    embed_box: Element,
    panel: Element,
    select: Element,
    code: Element,
    embed_status: Element,
}

fn build(url: UrlState, view: View) -> Element {
    let root = fragment(BUTTONS);
    let widgets = Widget::of_view(view);
    let panel = fragment(PANEL);
    let select = find(&panel, "embed-widget");
    for w in &widgets {
        let _ = select.append_child(&option(w.slug(), w.title()));
    }
    set_attr(
        &find(&panel, "embed-reference"),
        "href",
        &view_href(View::Embed),
    );
    let share = Rc::new(Share {
        url,
        chosen: Cell::new(widgets[0]),
        widgets,
        copy_status: find(&root, "copy-status"),
        embed_button: find(&root, "embed-button"),
        embed_box: root
            .query_selector(".embed-button")
            .ok()
            .flatten()
            .expect("BUTTONS has the embed box"),
        code: find(&panel, "embed-code"),
        embed_status: find(&panel, "embed-status"),
        select,
        panel,
    });
    // The code follows the state (the address) while the panel is open.
    let effect = RenderEffect::new({
        let share = share.clone();
        move |_: Option<()>| {
            let query = share.url.query();
            if share.open() {
                set_value(&share.code, &share.snippet(&query));
            }
        }
    });
    let listeners = Listeners::attach(&root, &["click", "change"], move |kind, ev| {
        share.handle(kind, ev)
    });
    // Both go with the component's owner: the effect stops, the listeners are removed.
    StoredValue::new_local((effect, listeners));
    root
}

impl Share {
    fn open(&self) -> bool {
        self.panel.parent_element().is_some()
    }

    /// The iframe and script that embed the chosen widget in the state of `query`.
    fn snippet(&self, query: &Query) -> String {
        let chosen = self.chosen.get();
        let base = site_base();
        let src = escape(&format!("{base}{}", query.embed_of(chosen).to_search()));
        format!(
            "<iframe src=\"{src}\" title=\"Precision Lab: {}\" loading=\"lazy\" style=\"width:100%;min-height:360px;border:0\"></iframe>\n<script src=\"{}embed.js\" async></script>",
            chosen.title(),
            escape(&base)
        )
    }

    /// The code for the current state.
    fn code(&self) -> String {
        self.snippet(&untrack(|| self.url.query()))
    }

    fn handle(&self, kind: &str, ev: &Event) {
        let Some(target) = target(ev) else {
            return;
        };
        match (kind, target.get_attribute("data-testid").as_deref()) {
            ("click", Some("copy-link")) => {
                self.url.flush_history();
                let href = window().location().href().unwrap_or_default();
                copy(
                    &href,
                    &self.copy_status,
                    "Copying…",
                    "Link copied.",
                    "Could not copy: copy the address bar instead.",
                );
            }
            ("click", Some("embed-button")) => {
                let open = !self.open();
                place(&self.panel, open, &self.embed_box, None);
                set_attr(
                    &self.embed_button,
                    "aria-expanded",
                    if open { "true" } else { "false" },
                );
                if open {
                    set_value(&self.code, &self.code());
                }
            }
            ("click", Some("embed-copy")) => {
                copy(
                    &self.code(),
                    &self.embed_status,
                    "",
                    "Copied.",
                    "Select the code and copy it.",
                );
            }
            ("change", Some("embed-widget")) => {
                let slug = prop(&self.select, "value").as_string().unwrap_or_default();
                if let Some(w) = Widget::from_slug(&slug).filter(|w| self.widgets.contains(w)) {
                    self.chosen.set(w);
                    set_value(&self.code, &self.code());
                }
            }
            _ => {}
        }
    }
}

/// Copies `text` to the clipboard and says how it went in `status`. A page served over plain
/// HTTP (other than localhost) has no clipboard API at all: it says so instead of failing.
fn copy(text: &str, status: &Element, pending: &str, done: &'static str, failed: &'static str) {
    let navigator = window().navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into());
    if !clipboard.is_ok_and(|c| c.is_object()) {
        set_text(status, failed);
        return;
    }
    let promise = navigator.clipboard().write_text(text);
    set_text(status, pending);
    let status = status.clone();
    leptos::task::spawn_local(async move {
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        set_text(&status, if ok { done } else { failed });
    });
}
