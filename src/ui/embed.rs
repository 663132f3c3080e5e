//! Embedding: `?embed=<widget>` renders one widget with no site chrome, posts its height to the
//! parent page (which `embed.js` uses to size the iframe), and links back to the full view. (The
//! Embed button that writes the iframe code is `ui::share`.)

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

use super::dom::{find, fragment, set_attr, show_keyed};
use super::lazy::{part, Lazy, Part};
use super::url::UrlState;
use crate::route::Widget;

/// The message type the page posts to its parent with its height.
pub const HEIGHT_MESSAGE: &str = "precision-lab:height";

/// The message type `embed.js` posts to a frame with its host page's theme.
pub const THEME_MESSAGE: &str = "precision-lab:theme";

part!(fn editor_widget in widget_editor { view! { <super::formats::EditorWidget /> }.into_any() });
part!(fn same_value_widget in widget_same_value { view! { <super::formats::SameValueWidget /> }.into_any() });
part!(fn facts_widget in widget_facts { view! { <super::formats::FactsWidget /> }.into_any() });
part!(fn mx_widget in widget_mx { view! { <super::formats::MxWidget /> }.into_any() });
part!(fn range_widget in widget_range { view! { <super::plots::RangeWidget /> }.into_any() });
part!(fn precision_widget in widget_precision { view! { <super::plots::PrecisionWidget /> }.into_any() });
part!(fn number_line_widget in widget_number_line { view! { <super::plots::NumberLineWidget /> }.into_any() });
part!(fn quantize_widget in widget_quantize { view! { <super::plots::QuantizeWidget /> }.into_any() });
part!(fn rounding_widget in widget_rounding { view! { <super::plots::RoundingWidget /> }.into_any() });
part!(fn memory_widget in memory { view! { <super::memory::MemoryView inline=true /> }.into_any() });
part!(fn trainer_widget in trainer { view! { <super::train::TrainView /> }.into_any() });
part!(fn tensor_widget in tensor { view! { <super::tensor::TensorView inline=true /> }.into_any() });

/// The loader of a widget's part.
pub fn widget_part(widget: Widget) -> Part {
    match widget {
        Widget::Editor => || Box::pin(editor_widget()),
        Widget::SameValue => || Box::pin(same_value_widget()),
        Widget::Facts => || Box::pin(facts_widget()),
        Widget::Mx => || Box::pin(mx_widget()),
        Widget::Range => || Box::pin(range_widget()),
        Widget::Precision => || Box::pin(precision_widget()),
        Widget::NumberLine => || Box::pin(number_line_widget()),
        Widget::Quantize => || Box::pin(quantize_widget()),
        Widget::Rounding => || Box::pin(rounding_widget()),
        Widget::Memory => || Box::pin(memory_widget()),
        Widget::Trainer => || Box::pin(trainer_widget()),
        Widget::Tensor => || Box::pin(tensor_widget()),
    }
}

/// A widget, downloaded when first shown (`ui::lazy`).
pub fn render_widget(widget: Widget) -> AnyView {
    view! { <Lazy part=widget_part(widget) what=widget.title() on_shown=super::mark_ready /> }
        .into_any()
}

/// An embed's fixed structure: its notices, the widget, the link to the full view.
const EMBED: &str = r#"<div class="embed" data-testid="embed"><div data-testid="notices"></div><div class="embed-widget" data-testid="widget"></div><p class="embed-footer"><a target="_blank" rel="noopener" data-testid="open-full">Open in Precision Lab ↗</a></p></div>"#;

/// The page of an embed: the widget, notices about its parameters, and a link to the full view.
/// An unknown widget shows a notice and the editor, never an empty frame. Built on the DOM, as
/// the site's shell is (`ui::shell`).
pub fn embed_app(url: UrlState) -> web_sys::Element {
    let choice = Memo::new(move |_| url.query().embed());
    let widget = Memo::new(move |_| match choice.get() {
        Some(Ok(widget)) => widget,
        _ => Widget::Editor,
    });
    Effect::new(move |_| document().set_title(&super::shell::page_title(widget.get().title())));
    post_height_on_resize();
    if url.query().theme() == crate::route::ThemeChoice::Auto {
        follow_host_theme();
    }
    provide_context(InEmbed);
    let holder = fragment(EMBED);
    let tree = holder.clone();
    let notices = find(&holder, "notices");
    let open_full = find(&holder, "open-full");
    let effect = RenderEffect::new(move |_: Option<()>| {
        let mut all: Vec<String> = url.notices().into_iter().map(|n| n.0).collect();
        if let Some(Err(notice)) = choice.get() {
            all.push(notice.0);
        }
        super::shell::show_notices(&notices, &all);
        set_attr(
            &open_full,
            "href",
            &url.query().open_in_full(widget.get()).to_search(),
        );
        set_attr(&tree, "data-widget", widget.get().slug());
    });
    StoredValue::new_local(effect);
    show_keyed(find(&holder, "widget"), widget, render_widget);
    holder
}

/// Marks the widgets of an embed (in context): they leave out what belongs to the full view, such
/// as its Copy link and Embed buttons.
#[derive(Clone, Copy, Debug)]
pub struct InEmbed;

/// Whether the component calling this is inside an embed.
pub fn in_embed() -> bool {
    use_context::<InEmbed>().is_some()
}

/// Follows the host page's theme as `embed.js` reports it: only messages from the parent window,
/// only "light" or "dark". The listener lives as long as the page.
fn follow_host_theme() {
    let page = use_context::<super::theme::PageTheme>();
    let callback =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_parent = match (event.source(), window().parent()) {
                (Some(source), Ok(Some(parent))) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            if !from_parent {
                return;
            }
            let data = event.data();
            let field = |name: &str| {
                js_sys::Reflect::get(&data, &name.into())
                    .ok()
                    .and_then(|v| v.as_string())
            };
            if field("type").as_deref() != Some(THEME_MESSAGE) {
                return;
            }
            let theme = match field("theme").as_deref() {
                Some("dark") => crate::plot::Theme::Dark,
                Some("light") => crate::plot::Theme::Light,
                _ => return,
            };
            super::theme::force_theme(Some(theme), page);
        });
    let _ = window().add_event_listener_with_callback("message", callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Posts the document's height to the parent whenever it changes.
fn post_height_on_resize() {
    let post = || {
        let window = window();
        let Some(body) = document().body() else {
            return;
        };
        let height = body.scroll_height().max(body.offset_height());
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        if let Ok(Some(parent)) = window.parent() {
            // The height is not a secret, so any embedding origin may read it.
            let _ = parent.post_message(&message, "*");
        }
    };
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |_| post());
    if let (Ok(observer), Some(body)) = (
        web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()),
        document().body(),
    ) {
        observer.observe(&body);
        // Observer and callback live as long as the page.
        std::mem::forget(observer);
    }
    callback.forget();
}

/// The address of this site's page (origin and directory, without the query), which embed code
/// points its iframes at: right at the root and under any sub-path.
pub(crate) fn site_base() -> String {
    let location = window().location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    format!(
        "{origin}{}",
        &path[..path.rfind('/').map_or(path.len(), |i| i + 1)]
    )
}
