//! The page's light/dark theme as a signal, for plots that paint their own colours.
//!
//! `data-theme="light|dark"` on `<html>` wins (`theme=` sets it; an embed is light unless its
//! host page says otherwise through `embed.js`); otherwise the system's `prefers-color-scheme`,
//! followed live.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

use crate::plot::Theme;

/// The current theme, shared by every plot on the page.
#[derive(Clone, Copy)]
pub struct PageTheme(pub RwSignal<Theme>);

/// Provides the page's theme (call once, from the app's root): it follows `data-theme` on
/// `<html>` and the system setting, with one listener for the life of the page.
pub fn provide_page_theme() {
    let signal = RwSignal::new(read_theme());
    if let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") {
        let on_change =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| signal.set(read_theme()));
        let _ =
            query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        // The app lives as long as the page, and so does this one listener.
        on_change.forget();
    }
    provide_context(PageTheme(signal));
}

/// The page's theme. Outside the app (a component mounted on its own in a test) it is read once.
pub fn use_theme() -> Signal<Theme> {
    match use_context::<PageTheme>() {
        Some(PageTheme(signal)) => signal.into(),
        None => Signal::stored(read_theme()),
    }
}

/// Sets `data-theme` on `<html>` (`None` removes it: the system setting decides) and brings the
/// page's theme signal along.
pub fn set_forced_theme(theme: Option<Theme>) {
    force_theme(theme, use_context::<PageTheme>());
}

/// [`set_forced_theme`] with the page's theme signal given (for callbacks that run outside any
/// reactive owner, such as a message from the host page).
pub fn force_theme(theme: Option<Theme>, page: Option<PageTheme>) {
    if let Some(root) = document().document_element() {
        let _ = match theme {
            Some(Theme::Light) => root.set_attribute("data-theme", "light"),
            Some(Theme::Dark) => root.set_attribute("data-theme", "dark"),
            None => root.remove_attribute("data-theme"),
        };
    }
    if let Some(PageTheme(signal)) = page {
        signal.set(read_theme());
    }
}

/// Reads the theme now.
pub fn read_theme() -> Theme {
    let forced = document()
        .document_element()
        .and_then(|e| e.get_attribute("data-theme"));
    match forced.as_deref() {
        Some("dark") => Theme::Dark,
        Some("light") => Theme::Light,
        _ => {
            let dark = window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|q| q.matches());
            if dark {
                Theme::Dark
            } else {
                Theme::Light
            }
        }
    }
}
