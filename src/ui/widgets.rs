//! Small shared widgets: copy the current link, download generated text.

use leptos::prelude::*;

/// A button that copies the page's current address (which holds the whole state).
#[component]
pub fn CopyLink() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let url = use_context::<super::url::UrlState>();
    let copy = move |_| {
        if let Some(url) = url {
            url.flush_history();
        }
        let window = window();
        let href = window.location().href().unwrap_or_default();
        let promise = window.navigator().clipboard().write_text(&href);
        status.set("Copying…".into());
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(_) => status.set("Link copied.".into()),
                Err(_) => status.set("Could not copy: copy the address bar instead.".into()),
            }
        });
    };
    view! {
        <div class="copy-link">
            <button type="button" data-testid="copy-link" on:click=copy>"Copy link"</button>
            <span class="copy-status" role="status">{move || status.get()}</span>
        </div>
    }
}

/// A link that downloads `content` as a file (a `data:` URL, so nothing is fetched).
#[component]
pub fn DownloadLink(
    /// File name offered to the reader.
    filename: &'static str,
    /// MIME type of the content.
    mime: &'static str,
    /// The file's text.
    content: String,
    /// The link text.
    label: &'static str,
    /// `data-testid` of the link.
    testid: &'static str,
) -> impl IntoView {
    let href = format!(
        "data:{mime};charset=utf-8,{}",
        js_sys::encode_uri_component(&content)
    );
    view! { <a class="button-link" href=href download=filename data-testid=testid>{label}</a> }
}
