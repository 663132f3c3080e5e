//! The browser UI: Leptos components over the pure core. Compiled for wasm32 only.
//!
//! Owns the DOM, the URL and everything a person clicks; owns no numeric logic (that lives in
//! `formats`, `memory`, `plot` and `train`, which know nothing of this module).

mod defer;
mod embed;
mod formats;
mod learn;
mod memory;
pub mod panic;
mod plots;
mod shell;
mod theme;
mod train;
pub mod url;
mod widgets;

pub use shell::App;

mod views;
use views::render_view;

/// Marks the app as interactive: `<html data-ready="1">` and a `performance` mark named
/// `app-ready`, which the whole-page tests and the load-time benchmark wait for.
pub fn mark_ready() {
    let window = leptos::prelude::window();
    if let Some(document) = window.document() {
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-ready", "1");
        }
        // The boot message in index.html says what the page needs if the app never starts.
        if let Some(boot) = document.get_element_by_id("boot") {
            boot.remove();
        }
    }
    if let Some(performance) = window.performance() {
        let _ = performance.mark("app-ready");
    }
}

/// A number unique within the page, for element ids of widgets that can appear more than once.
pub fn next_uid() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
