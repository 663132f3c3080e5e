//! The panic hook: log to the console and tell the reader, instead of leaving a dead page.

use wasm_bindgen::JsCast;

/// The text shown when the app has crashed.
pub const CRASH_MESSAGE: &str =
    "Something went wrong and Precision Lab stopped. Reload the page to start again; your link keeps your settings.";

/// Installs a panic hook that logs the panic to the console (with its message and location) and
/// puts a visible alert at the top of the page. Call once, before mounting.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_banner();
    }));
}

/// Adds the crash alert to the page. Uses only plain DOM calls, since the reactive system may
/// be the thing that panicked.
fn show_crash_banner() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id("crash-banner").is_some() {
        return;
    }
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_id("crash-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("class", "crash-banner");
    banner.set_text_content(Some(CRASH_MESSAGE));
    if let Some(body) = document.body() {
        let _ = body.insert_before(&banner, body.first_child().as_ref());
    } else if let Some(root) = document.document_element() {
        let _ = root.append_child(banner.unchecked_ref());
    }
}
