//! The page's light/dark theme as a signal, for plots that paint their own colours.
//!
//! `data-theme="light|dark"` on `<html>` wins (embeds set it from `theme=`); otherwise the
//! system's `prefers-color-scheme`, followed live.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

use crate::plot::Theme;

/// The current theme, shared by every plot on the page.
#[derive(Clone, Copy)]
pub struct PageTheme(pub RwSignal<Theme>);

/// The theme from the context, creating (and providing) it on first use.
pub fn use_theme() -> Signal<Theme> {
    if let Some(PageTheme(signal)) = use_context::<PageTheme>() {
        return signal.into();
    }
    let signal = RwSignal::new(read_theme());
    if let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") {
        let on_change =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| signal.set(read_theme()));
        let _ =
            query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        on_change.forget();
    }
    provide_context(PageTheme(signal));
    signal.into()
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
