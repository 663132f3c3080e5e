//! The Formats view: the bit-layout editor, its readouts, the "same value in every format"
//! table, the facts table and the MX block editor. All state lives in the URL; every readout
//! comes from `present::formats`, which asks the format engine. Here: the editor; `tables`: the
//! two tables; `mx_block`: the MX block editor.

mod editor;
mod mx_block;
mod tables;

use mx_block::MxEditor;
use tables::{FactsTable, SameValueTable};

use editor::build as build_editor;
use leptos::prelude::*;

use super::embed::widget_part;
use super::lazy::{part, Deferred};
use super::url::{HistoryMode, UrlState};
use crate::present::formats::{FormatChoice, FormatsState, Readout, Source};
use crate::present::number::short;
use crate::route::Widget;

/// The editor's state and how to change it, shared by the parts of the view.
#[derive(Clone, Copy)]
pub(super) struct Editor {
    url: UrlState,
    /// What the URL says, read in one memo: each memo of another type is code of its own in
    /// the editor's first-screen download.
    parsed: Memo<Parsed>,
    readout: Memo<Readout>,
    /// Text typed that could not be read, with the reason; the editor keeps the last good value.
    rejected: RwSignal<Option<(String, String)>>,
    /// Makes element ids unique when several editors share a page (the Learn article).
    uid: u32,
}

/// The editor's parameters as the URL gives them.
#[derive(Clone, PartialEq)]
struct Parsed {
    state: FormatsState,
    /// Notices about the state's parameters.
    notices: Vec<String>,
    /// The compact form (an embed's default): the rounding controls and the longer readouts
    /// fold into "More".
    compact: bool,
}

impl Editor {
    /// The editor of the page's `FormatsView` if there is one, else a new one over the state in
    /// context (an embedded or inlined widget).
    fn from_context() -> Editor {
        use_context::<Editor>().unwrap_or_else(|| Editor::new(UrlState::current()))
    }

    fn new(url: UrlState) -> Editor {
        let parsed = Memo::new(move |_| {
            let query = url.query();
            let (state, notices) = FormatsState::from_query(&query);
            Parsed {
                state,
                notices: notices.into_iter().map(|n| n.0).collect(),
                compact: query.compact(),
            }
        });
        let readout = Memo::new(move |_| parsed.with(|p| Readout::compute(&p.state)));
        Editor {
            url,
            parsed,
            readout,
            rejected: RwSignal::new(None),
            uid: crate::ui::next_uid(),
        }
    }

    /// The state (reactive).
    fn state(&self) -> FormatsState {
        self.parsed.with(|p| p.state.clone())
    }

    /// Reads the state without tracking it.
    fn with_state_untracked<T>(&self, read: impl FnOnce(&FormatsState) -> T) -> T {
        self.parsed.with_untracked(|p| read(&p.state))
    }

    /// An element id unique to this editor.
    fn id(&self, base: &str) -> String {
        format!("{base}-{}", self.uid)
    }

    /// Every edit of the editor: the readouts follow at once, the address bar after the paint
    /// (bit clicks and arrow-key steps come faster than the browser's history takes them).
    fn set(&self, next: FormatsState) {
        self.rejected.set(None);
        self.url
            .update(HistoryMode::ReplaceAfterPaint, |q| next.write(q));
    }

    fn edit(&self, change: impl FnOnce(&mut FormatsState)) {
        let mut next = self.with_state_untracked(FormatsState::clone);
        change(&mut next);
        self.set(next);
    }

    fn set_code(&self, code: u64) {
        self.edit(|s| s.source = Source::Bits(code));
    }

    /// Switches format, carrying the current number over (rounded into the new format).
    fn set_choice(&self, choice: FormatChoice) {
        self.edit(|s| {
            if let Source::Bits(_) = s.source {
                let value = s.format().decode(s.code());
                s.source = Source::Text(if value.is_nan() {
                    "nan".into()
                } else if value.is_infinite() {
                    if value > 0.0 { "inf" } else { "-inf" }.into()
                } else {
                    short(value)
                });
            }
            s.choice = choice;
        });
    }
}

/// The Formats view: the editor, the same-value table, the facts table and the MX editor.
#[component]
pub fn FormatsView() -> impl IntoView {
    provide_context(Editor::new(UrlState::current()));
    view! {
        <section class="formats" aria-labelledby="view-title">
            <div class="view-head">
                <h1 id="view-title">"Formats"</h1>
                <super::share::ShareButtons view=crate::route::View::Formats />
            </div>
            <p class="lede">
                "Pick a format, then click bits, step with the arrow keys, or type a number. Every figure is exact."
            </p>
            <EditorWidget />
            // The editor is the view's first screen; the rest is downloaded after it.
            <Deferred part=|| Box::pin(editor_plots()) what="The plots of this format" placeholder_class="editor-plots" />
            <Deferred part=widget_part(Widget::SameValue) what="The same value in every format" placeholder_class="same-value" />
            <Deferred part=widget_part(Widget::Facts) what="The table of formats" placeholder_class="facts" />
            <Deferred part=widget_part(Widget::Mx) what="The MX block editor" placeholder_class="mx" />
        </section>
    }
}

part!(fn editor_plots in editor_plots { view! { <super::plots::EditorPlots /> }.into_any() });

/// The bit-layout editor with its controls and readouts (embeddable: `embed=editor`), built on
/// the DOM by `editor::build`.
#[component]
pub fn EditorWidget() -> impl IntoView {
    let editor = Editor::from_context();
    super::dom::dom_view(build_editor(editor))
}

/// The editor's number in every format (embeddable: `embed=same-value`).
#[component]
pub fn SameValueWidget() -> impl IntoView {
    view! { <SameValueTable editor=Editor::from_context() /> }
}

/// The format facts table (embeddable: `embed=facts`).
#[component]
pub fn FactsWidget() -> impl IntoView {
    view! { <FactsTable /> }
}

/// The MX block editor (embeddable: `embed=mx`).
#[component]
pub fn MxWidget() -> impl IntoView {
    view! { <MxEditor /> }
}
