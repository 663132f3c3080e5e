//! The app shell: header, navigation between the views, URL notices, the current view, footer.

use leptos::prelude::*;

use wasm_bindgen::JsCast;
use web_sys::Element;

use super::dom::{el, find, fragment, set_attr, show_keyed, target, Listeners};
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
    let tree = if embedded {
        super::embed::embed_app(url)
    } else {
        site(url)
    };
    super::dom::dom_view(tree)
}

/// The document title of a view or widget: "Formats · Precision Lab".
pub fn page_title(what: &str) -> String {
    format!("{what} \u{b7} Precision Lab")
}

/// The site's fixed structure; the navigation's links, the notices and the view are filled in.
const SITE: &str = r##"<div class="site"><a class="skip-link" href="#main">Skip to content</a><header class="site-header"><div class="brand"><a class="brand-name" data-testid="brand"><span class="brand-mark" aria-hidden="true"></span>Precision Lab</a><p class="tagline">See how the number formats of deep learning store, round and break your values.</p></div><nav class="site-nav" aria-label="Views"><ul data-testid="nav"></ul></nav></header><div class="notices" aria-live="polite" data-testid="notices"></div><main id="main" class="view" data-testid="view"></main><footer class="site-footer"><p>Precision Lab is a teaching tool: every figure comes from an exact engine written in Rust and run in your browser as WebAssembly. Facts carry their sources.</p></footer></div>"##;

/// The full site: header, navigation, notices, the current view, footer. Built on the DOM
/// (`ui::dom`): as `view!` trees the shell was 11 KB gzip of the module every page downloads
/// (docs/benchmarks.md, "Session 7").
fn site(url: UrlState) -> Element {
    let current = Memo::new(move |_| url.view().0);
    // Each view has its own title, so tabs, history and bookmarks tell them apart.
    Effect::new(move |_| document().set_title(&page_title(current.get().title())));
    let root = fragment(SITE);
    set_attr(&find(&root, "brand"), "href", &view_href(View::DEFAULT));
    let list = find(&root, "nav");
    let links: Vec<(View, Element)> = View::ALL
        .into_iter()
        .map(|view| {
            let item = el("li");
            let link = el("a");
            set_attr(&link, "href", &view_href(view));
            set_attr(&link, "data-testid", &format!("nav-{}", view.slug()));
            link.set_text_content(Some(view.title()));
            let _ = item.append_child(&link);
            let _ = list.append_child(&item);
            (view, link)
        })
        .collect();
    let notices = find(&root, "notices");
    let main = find(&root, "view");
    // Follows the view only (navigation), not every edit of the address.
    let marks = RenderEffect::new({
        let main = main.clone();
        move |_: Option<()>| {
            let now = current.get();
            for (view, link) in &links {
                let here = *view == now;
                set_attr(link, "class", if here { "active" } else { "" });
                if here {
                    set_attr(link, "aria-current", "page");
                } else {
                    let _ = link.remove_attribute("aria-current");
                }
            }
            set_attr(&main, "data-view", now.slug());
        }
    });
    let notices = RenderEffect::new(move |_: Option<()>| {
        let mut all: Vec<String> = url.notices().into_iter().map(|n| n.0).collect();
        if let (_, Some(n)) = url.view() {
            all.push(n.0);
        }
        show_notices(&notices, &all);
    });
    // A plain click on a link navigates in place through the history API; a modified one
    // (new tab, new window) is left to the browser, as is any other link.
    let listeners = Listeners::attach(&list, &["click"], move |_, ev| {
        let Some(link) = target(ev).and_then(|t| t.closest("a").ok().flatten()) else {
            return;
        };
        let Some(view) = link
            .get_attribute("data-testid")
            .and_then(|id| View::from_slug(id.strip_prefix("nav-")?))
        else {
            return;
        };
        let modified = ev.dyn_ref::<web_sys::MouseEvent>().is_none_or(|m| {
            m.ctrl_key() || m.meta_key() || m.shift_key() || m.alt_key() || m.button() != 0
        });
        if !modified {
            ev.prevent_default();
            url.navigate(view);
        }
    });
    StoredValue::new_local((marks, notices, listeners));
    show_keyed(main, current, super::render_view);
    root
}

/// Shows one paragraph per text in `holder`, unless it shows those texts already: the holder is
/// a live region, and a notice written again is announced again.
pub(super) fn show_notices(holder: &Element, texts: &[String]) {
    let mut shown = Vec::new();
    let mut next = holder.first_element_child();
    while let Some(p) = next {
        next = p.next_element_sibling();
        shown.push(p.text_content().unwrap_or_default());
    }
    if shown == texts {
        return;
    }
    holder.set_text_content(None);
    for text in texts {
        let p = el("p");
        set_attr(&p, "class", "notice");
        set_attr(&p, "role", "status");
        set_attr(&p, "data-testid", "url-notice");
        p.set_text_content(Some(text));
        let _ = holder.append_child(&p);
    }
}
