//! Parts of the app that are downloaded when they are shown: each view, each embeddable widget and
//! each widget inlined in the Learn article is a separate WebAssembly module in the release site.
//!
//! A part is a plain function that builds a view, declared with [`part!`]. In the site's build
//! (cargo feature `split`, set by `scripts/build-site.mjs`) the macro marks it as a split point of
//! `wasm_split_helpers` (the crate behind Leptos's `#[lazy]`): calling it first fetches and
//! instantiates the module that holds its code (and the shared chunks it needs), then runs it.
//! Without the feature (native tools, the component tests) it is an ordinary function behind the
//! same async signature, so the rest of the UI does not know the difference.
//!
//! [`Lazy`] shows a part: a placeholder while it loads, the part once it is there, and a retry
//! message (never a panic) when the download fails. It does not own the decision *when* a part
//! loads: the shell loads the current view at once, the Learn article loads its inline widgets
//! as they come near the screen (`ui::learn`).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;

use super::dom::{dom_view, el, mount_under};

/// A part's download failed (the network dropped, the server is gone). Built from the split
/// loader's error; a later call tries again from scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkError;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> ChunkError {
        ChunkError
    }
}

/// The future a part's loader returns.
pub type PartFuture = Pin<Box<dyn Future<Output = Result<AnyView, ChunkError>>>>;

/// A part: its loader (downloads its module, then builds the view).
pub type Part = fn() -> PartFuture;

/// Declares a part: `part!(fn name in module { body });` defines `async fn name() ->
/// Result<AnyView, ChunkError>` whose body builds the view. Parts that name the same `module` are
/// one download.
macro_rules! part {
    ($(#[$meta:meta])* $vis:vis fn $name:ident in $module:ident $body:block) => {
        $(#[$meta])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name() -> ::core::result::Result<::leptos::prelude::AnyView, $crate::ui::lazy::ChunkError> {
            let view = $body;
            ::core::result::Result::Ok(view)
        }
        $(#[$meta])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name() -> ::core::result::Result<::leptos::prelude::AnyView, $crate::ui::lazy::ChunkError> {
            let view = $body;
            ::core::result::Result::Ok(view)
        }
    };
}
pub(crate) use part;

/// Where a [`Lazy`] part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Loading,
    Shown,
    Failed,
}

/// Shows `part`: a placeholder while it downloads, the part when it has arrived, a message with a
/// Retry button if the download failed. The part runs under a reactive owner of its own, so the
/// contexts it provides go away with it. `on_shown` runs once the part is on the page.
///
/// Plain signals rather than `<Suspense>`: the loader is the only async work, and this keeps
/// Leptos's suspense machinery out of the main module that every page downloads.
#[component]
pub fn Lazy(
    /// What to load.
    part: Part,
    /// What the part is, for the loading and error messages ("the Formats view").
    what: &'static str,
    /// Extra class for the placeholder, which keeps the space the part will take.
    #[prop(optional)]
    placeholder_class: &'static str,
    /// Called once the part has been put on the page (the shell marks the app ready).
    #[prop(optional)]
    on_shown: Option<fn()>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Loading);
    // The part between its arrival and its rendering.
    let arrived = StoredValue::new_local(None::<AnyView>);
    let owner = Owner::new();
    on_cleanup({
        let owner = owner.clone();
        move || owner.cleanup()
    });
    let load = move || {
        stage.set(Stage::Loading);
        // Polled with `owner` as the current owner, so the part's signals and contexts are its.
        let download = owner.with(|| leptos::reactive::computed::ScopedFuture::new(part()));
        leptos::task::spawn_local(async move {
            let outcome = download.await;
            if let Ok(view) = outcome {
                if arrived.try_set_value(Some(view)).is_some() {
                    return; // unmounted while it downloaded
                }
                stage.try_set(Stage::Shown);
            } else {
                stage.try_set(Stage::Failed);
            }
        });
    };
    load();
    if let Some(shown) = on_shown {
        // Effects run after the render that changed what they read.
        Effect::new(move |_| {
            if stage.get() == Stage::Shown {
                shown();
            }
        });
    }
    move || {
        match stage.get() {
        Stage::Loading => view! {
            <div class=format!("lazy-placeholder {placeholder_class}") data-testid="lazy-loading" role="status">
                <p>"Loading " {what} "\u{2026}"</p>
            </div>
        }
        .into_any(),
        Stage::Shown => arrived
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_else(|| ().into_any()),
        Stage::Failed => {
            let retry = load.clone();
            view! {
                <div class="lazy-failed" role="alert" data-testid="lazy-failed">
                    <p>"Could not download " {what} ". Check the connection, then try again."</p>
                    <button type="button" data-testid="lazy-retry" on:click=move |_| retry()>"Retry"</button>
                </div>
            }
            .into_any()
        }
    }
    }
}

/// Shows `part` once its place comes near the screen (within about a screen's height), so a
/// long page downloads only the widgets a reader scrolls to. Until then, a placeholder keeps the
/// part's space.
///
/// Built on the DOM (`ui::dom`) rather than with `view!`: it is on the Formats view's first
/// screen, where a `<Show>` with an effect on a node reference was 8 KB gzip of view code. The
/// placeholder is static HTML; when it comes near, a [`Lazy`] is built below this component's
/// owner (so the part sees the view's contexts) and mounted in its place (`dom::mount_under`).
#[component]
pub fn Deferred(
    /// What to load.
    part: Part,
    /// What the part is, for the loading and error messages.
    what: &'static str,
    /// Extra class for the placeholder (its expected height).
    #[prop(optional)]
    placeholder_class: &'static str,
) -> impl IntoView {
    let owner = Owner::current().expect("components run under a reactive owner");
    // The observer while it waits, then the part's owner and mounted view; dropped (the observer
    // disconnected, the view's owner cleaned up as a child of `owner`) with this component.
    let slot = StoredValue::new_local((None::<NearObserver>, None::<(Owner, AnyViewState)>));
    let root = el("div");
    let _ = root.set_attribute("class", "deferred");
    let placeholder = el("div");
    let _ = placeholder.set_attribute("class", &format!("lazy-placeholder {placeholder_class}"));
    let _ = placeholder.set_attribute("data-testid", "lazy-waiting");
    let text = el("p");
    text.set_text_content(Some(&format!("{what} loads when you scroll to it.")));
    let _ = placeholder.append_child(&text);
    let _ = root.append_child(&placeholder);
    let show = {
        let root = root.clone();
        move || {
            if slot.try_with_value(|(_, shown)| shown.is_none()) != Some(true) {
                return; // shown already, or the component is gone
            }
            placeholder.remove();
            let shown = mount_under(&owner, &root, || {
                view! { <Lazy part=part what=what placeholder_class=placeholder_class /> }
                    .into_any()
            });
            slot.update_value(|(_, s)| *s = Some(shown));
            // The observer is done; not dropped from inside its own callback.
            leptos::task::spawn_local(async move {
                slot.try_update_value(|(observer, _)| drop(observer.take()));
            });
        }
    };
    match NearObserver::watch(&root, show.clone()) {
        Some(observer) => slot.update_value(|(o, _)| *o = Some(observer)),
        // No observer in this browser: show it now rather than never.
        None => show(),
    }
    dom_view(root)
}

/// An `IntersectionObserver` that calls back once its element is within a screen of the
/// viewport; disconnected (and its callback freed) when dropped.
struct NearObserver {
    observer: web_sys::IntersectionObserver,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array)>,
}

impl NearObserver {
    fn watch(element: &web_sys::Element, on_near: impl Fn() + 'static) -> Option<NearObserver> {
        use wasm_bindgen::JsCast;
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(
            move |entries: js_sys::Array| {
                let near = entries.iter().any(|entry| {
                    entry
                        .dyn_into::<web_sys::IntersectionObserverEntry>()
                        .is_ok_and(|e| e.is_intersecting())
                });
                if near {
                    on_near();
                }
            },
        );
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin("100% 0px 100% 0px");
        let observer = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &options,
        )
        .ok()?;
        observer.observe(element);
        Some(NearObserver {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for NearObserver {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
