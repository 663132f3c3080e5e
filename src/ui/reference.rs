//! The widget reference (`?view=embed`): how to embed, then every widget with what it shows, the
//! parameters it reads, the code to paste and a live preview (an iframe of the widget itself,
//! loaded when scrolled to). Every word about a widget comes from `present::widgets`.

use leptos::prelude::*;

use super::embed::site_base;
use crate::plot::escape;
use crate::present::widgets::WIDGET_DOCS;

/// The widget reference page.
#[component]
pub fn ReferenceView() -> impl IntoView {
    let base = site_base();
    let entries = WIDGET_DOCS
        .iter()
        .map(|doc| {
            let slug = doc.widget.slug();
            let params = doc
                .params
                .iter()
                .map(|(name, meaning)| view! { <dt><code>{*name}</code></dt><dd>{*meaning}</dd> })
                .collect_view();
            let div = format!(
                "<div data-precision-lab=\"{slug}\" data-params=\"{}\"></div>",
                escape(doc.example)
            );
            let src = format!("{base}?embed={slug}&{}", doc.example);
            let iframe = format!(
                "<iframe src=\"{}\" title=\"Precision Lab: {}\" loading=\"lazy\" style=\"width:100%;border:0\"></iframe>",
                escape(&src),
                doc.widget.title()
            );
            view! {
                <section class="reference-widget" aria-labelledby=format!("widget-{slug}") data-testid=format!("reference-{slug}")>
                    <h2 id=format!("widget-{slug}")><code>{slug}</code>": "{doc.widget.title()}</h2>
                    <p>{doc.shows}</p>
                    <dl class="reference-params">{params}</dl>
                    <pre class="embed-snippet" data-testid=format!("reference-code-{slug}")>{div}</pre>
                    <details>
                        <summary>"As a plain iframe"</summary>
                        <pre class="embed-snippet">{iframe}</pre>
                    </details>
                    <iframe prop:loading="lazy" class="reference-preview" src=src title=format!("Preview: {}", doc.widget.title())
                        data-testid=format!("reference-preview-{slug}")></iframe>
                </section>
            }
        })
        .collect_view();
    let script = format!("<script src=\"{base}embed.js\" async></script>");
    view! {
        <article class="reference" aria-labelledby="view-title">
            <h1 id="view-title">"Embed in your notes"</h1>
            <p class="lede">
                "Every widget below can go into course notes, a blog post or an mdBook chapter: put an element where it goes, and this site\u{2019}s embed.js once on the page."
            </p>
            <pre class="embed-snippet" data-testid="reference-script">{script}</pre>
            <p>
                "embed.js turns each element into an iframe of the widget, served from the address the script comes from, so the site\u{2019}s address is written once. It makes each frame as tall as its content, and tells it whether the page around it is light or dark, following a theme switcher; "<code>"theme=light"</code>" or "<code>"theme=dark"</code>" in the parameters forces one. Without embed.js a plain iframe works too, light, at the height you give it. Embeds show a compact form that fits a text column; "<code>"compact=0"</code>" gives the full widget. Every embed links to the full view in the same state."
            </p>
            <p class="help">"Nothing is sent anywhere: the widgets run in the reader\u{2019}s browser, and the only requests are for this site\u{2019}s own files."</p>
            {entries}
        </article>
    }
}
