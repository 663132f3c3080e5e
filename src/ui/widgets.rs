//! Small shared widgets: download generated text.

use leptos::prelude::*;

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
