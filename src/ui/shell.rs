//! The app shell: header, navigation between the views, URL notices, the current view, footer.

use leptos::prelude::*;

use super::url::{view_href, UrlState};
use crate::plot::Theme;
use crate::route::{ThemeChoice, View};

/// The whole app. Reads the view from the URL; an unknown view shows the default one and a notice.
#[component]
pub fn App() -> impl IntoView {
    let url = UrlState::from_location();
    provide_context(url);
    // `theme=light|dark` forces a theme; an embed without one is light until its host page says
    // otherwise (`embed.js`). Set before the first render, so plots start in the right colours.
    let embedded = url.query().embed().is_some();
    super::theme::set_forced_theme(match url.query().theme() {
        ThemeChoice::Light => Some(Theme::Light),
        ThemeChoice::Dark => Some(Theme::Dark),
        ThemeChoice::Auto if embedded => Some(Theme::Light),
        ThemeChoice::Auto => None,
    });
    super::theme::provide_page_theme();
    // `?debug=panic` crashes on purpose so the whole-page tests can check the crash message.
    Effect::new(move |_| {
        if url.param("debug").as_deref() == Some("panic") {
            panic!("deliberate panic requested by ?debug=panic");
        }
    });
    if embedded {
        view! { <super::embed::EmbedApp /> }.into_any()
    } else {
        view! { <Site /> }.into_any()
    }
}

/// The document title of a view or widget: "Formats · Precision Lab".
pub fn page_title(what: &str) -> String {
    format!("{what} \u{b7} Precision Lab")
}

/// The full site: header, navigation, notices, the current view, footer.
#[component]
fn Site() -> impl IntoView {
    let url = expect_context::<UrlState>();
    let current = Memo::new(move |_| url.view().0);
    // Each view has its own title, so tabs, history and bookmarks tell them apart.
    Effect::new(move |_| document().set_title(&page_title(current.get().title())));
    let notices = move || {
        let mut all: Vec<String> = url.notices().into_iter().map(|n| n.0).collect();
        if let (_, Some(n)) = url.view() {
            all.push(n.0);
        }
        all
    };

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="brand">
                <a class="brand-name" href=view_href(View::DEFAULT)>
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Precision Lab"
                </a>
                <p class="tagline">"See how the number formats of deep learning store, round and break your values."</p>
            </div>
            <Nav current=current />
        </header>
        <div class="notices" aria-live="polite">
            {move || notices().into_iter().map(|text| view! { <p class="notice" role="status" data-testid="url-notice">{text}</p> }).collect_view()}
        </div>
        <main id="main" class="view" data-testid="view" data-view=move || current.get().slug()>
            {move || super::render_view(current.get())}
        </main>
        <footer class="site-footer">
            <p>
                "Precision Lab is a teaching tool: every figure comes from an exact engine written in Rust and run in your browser as WebAssembly. Facts carry their sources."
            </p>
        </footer>
    }
}

/// The navigation bar. Links are real links (they work in a new tab); a plain click navigates
/// in place through the history API.
#[component]
fn Nav(
    /// The view being shown.
    current: Memo<View>,
) -> impl IntoView {
    let url = expect_context::<UrlState>();
    let links = View::ALL
        .into_iter()
        .map(|view| {
            let on_click = move |ev: leptos::ev::MouseEvent| {
                let modified = ev.ctrl_key()
                    || ev.meta_key()
                    || ev.shift_key()
                    || ev.alt_key()
                    || ev.button() != 0;
                if !modified {
                    ev.prevent_default();
                    url.navigate(view);
                }
            };
            view! {
                <li>
                    <a
                        href=view_href(view)
                        data-testid=format!("nav-{}", view.slug())
                        class:active=move || current.get() == view
                        aria-current=move || (current.get() == view).then_some("page")
                        on:click=on_click
                    >
                        {view.title()}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="site-nav" aria-label="Views">
            <ul>{links}</ul>
        </nav>
    }
}
