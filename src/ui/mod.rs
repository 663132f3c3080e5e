//! The browser UI: Leptos components over the pure core. Compiled for wasm32 only.
//!
//! Owns the DOM, the URL and everything a person clicks; owns no numeric logic (that lives in
//! `formats`, `memory`, `plot` and `train`, which know nothing of this module).

mod defer;
mod dom;
mod embed;
mod formats;
mod lazy;
mod learn;
mod memory;
pub mod panic;
mod plots;
mod reference;
mod share;
mod shell;
mod tensor;
mod theme;
mod train;
pub mod url;
mod widgets;

pub use shell::App;

mod views;
use views::render_view;

/// Takes down the boot message of index.html (the loader's progress): the app is running, and
/// its own placeholders say what is still loading.
pub fn remove_boot_message() {
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
}

/// Marks the app as interactive once its first view is on the page: `<html data-ready="1">`
/// and a `performance` mark named `app-ready`, which the whole-page tests and the load-time
/// benchmark wait for. Later views (navigation, lazily loaded widgets) change nothing.
pub fn mark_ready() {
    let window = leptos::prelude::window();
    let Some(root) = window.document().and_then(|d| d.document_element()) else {
        return;
    };
    if root.has_attribute("data-ready") {
        return;
    }
    let _ = root.set_attribute("data-ready", "1");
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
