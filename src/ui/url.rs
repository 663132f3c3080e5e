//! The bridge between [`crate::route::Query`] and the browser's address bar.
//!
//! The current query is one signal in a context ([`UrlState`]); views read their parameters from
//! it and write them back through [`UrlState::update`], which records the new URL in `history`
//! (`replaceState` for edits, `pushState` for navigation) so that every state is a link and the
//! back button works. Parsing and printing are `route`'s job, not this module's.
//!
//! Edits that come in bursts (the bit editor: clicks, arrow-key steps) are written with
//! [`HistoryMode::ReplaceAfterPaint`]: the signal changes at once, the address bar after the next
//! paint, once for all the edits before it. A history update costs about a millisecond with a long
//! tail (Chromium also throttles more than a few hundred in ten seconds), more than a click's
//! readouts. Any other write, a back/forward navigation and `flush_history` settle a pending one
//! first, so the history never goes out of order.

use leptos::prelude::*;

use super::defer::AfterPaint;
use crate::route::{Notice, Query, View};

/// The state a widget reads its parameters from: the address bar (the app shell provides one for
/// the page), or a local store with the same interface for a widget inlined in an article, which
/// starts from a fixed query and never touches the address bar.
#[derive(Clone, Copy)]
pub struct UrlState {
    query: RwSignal<Query>,
    /// Notices about the URL the page was opened with (unknown view, over-long values).
    notices: RwSignal<Vec<Notice>>,
    /// Whether edits are written to the address bar.
    in_address_bar: bool,
    /// A [`HistoryMode::ReplaceAfterPaint`] write waiting for the next paint.
    pending_write: AfterPaint,
}

/// How a change is recorded in the browser history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryMode {
    /// A new history entry (navigation between views).
    Push,
    /// Replace the current entry (edits within a view, so Back leaves the view).
    Replace,
    /// Replace the current entry after the next paint, once for any number of edits before it
    /// (edits that come in bursts, whose readouts should not wait for the history).
    ReplaceAfterPaint,
}

impl UrlState {
    /// Reads the address bar and listens for back/forward navigation.
    pub fn from_location() -> UrlState {
        let (query, notices) = Query::parse(&current_search());
        let state = UrlState {
            query: RwSignal::new(query),
            notices: RwSignal::new(notices),
            in_address_bar: true,
            pending_write: AfterPaint::new(),
        };
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            // A pending write belongs to the entry we left; it must not overwrite this one.
            state.pending_write.cancel();
            let (query, notices) = Query::parse(&current_search());
            state.query.set(query);
            state.notices.set(notices);
        });
        // The app lives as long as the page, so the listeners do too.
        std::mem::forget(handle);
        // Leaving or reloading the page within a frame of an edit keeps that edit.
        let handle = window_event_listener(leptos::ev::pagehide, move |_| state.flush_history());
        std::mem::forget(handle);
        state
    }

    /// The state in context: the page's address bar, or an inlined widget's local store. The
    /// app provides one above every view; a component mounted alone gets a local store over an
    /// empty query (and no panic, whose message formatting would be code in every part).
    pub fn current() -> UrlState {
        use_context::<UrlState>().unwrap_or_else(|| UrlState::local(""))
    }

    /// A store for one inlined widget, starting from `search` (e.g. `"format=fp16&value=65504"`).
    pub fn local(search: &str) -> UrlState {
        let (query, notices) = Query::parse(search);
        UrlState {
            query: RwSignal::new(query),
            notices: RwSignal::new(notices),
            in_address_bar: false,
            pending_write: AfterPaint::new(),
        }
    }

    /// Puts a local store back in the state it started from (`search`).
    pub fn reset_to(&self, search: &str) {
        let (query, _) = Query::parse(search);
        self.query.set(query);
    }

    /// Whether this state is the page's address bar (as opposed to a widget's local store).
    pub fn is_address_bar(&self) -> bool {
        self.in_address_bar
    }

    /// The current query (reactive).
    pub fn query(&self) -> Query {
        self.query.get()
    }

    /// One parameter (reactive).
    pub fn param(&self, key: &str) -> Option<String> {
        self.query.with(|q| q.get(key).map(str::to_owned))
    }

    /// The view the URL asks for, and a notice when it asks for one that does not exist.
    pub fn view(&self) -> (View, Option<Notice>) {
        self.query.with(Query::view)
    }

    /// Notices about the URL the page was opened with.
    pub fn notices(&self) -> Vec<Notice> {
        self.notices.get()
    }

    /// Edits the query and writes it to the address bar (at once, or after the next paint for
    /// [`HistoryMode::ReplaceAfterPaint`]).
    pub fn update(&self, mode: HistoryMode, edit: impl FnOnce(&mut Query)) {
        let mut next = self.query.get_untracked();
        edit(&mut next);
        if next == self.query.get_untracked() {
            return;
        }
        if self.in_address_bar {
            match mode {
                HistoryMode::ReplaceAfterPaint => {
                    let query = self.query;
                    // Reads the query when it runs: the last edit before the paint wins.
                    self.pending_write.schedule(move || {
                        if let Some(latest) = query.try_get_untracked() {
                            write_history(&latest, HistoryMode::Replace);
                        }
                    });
                }
                HistoryMode::Replace => {
                    // This write holds every earlier edit too.
                    self.pending_write.cancel();
                    write_history(&next, mode);
                }
                HistoryMode::Push => {
                    // The entry we leave keeps its last edit.
                    self.flush_history();
                    write_history(&next, mode);
                }
            }
        }
        self.query.set(next);
    }

    /// Writes a pending [`HistoryMode::ReplaceAfterPaint`] edit now (before the address is read).
    pub fn flush_history(&self) {
        if self.pending_write.cancel() {
            write_history(&self.query.get_untracked(), HistoryMode::Replace);
        }
    }

    /// Shows another view: a new history entry holding only `view=` (each view brings its own
    /// defaults), and the URL notices of the page we came from are dropped.
    pub fn navigate(&self, view: View) {
        self.notices.set(Vec::new());
        self.update(HistoryMode::Push, |q| {
            *q = Query::from_pairs([("view", view.slug())])
        });
    }
}

/// The address of a view, as a relative link that works from any sub-path.
pub fn view_href(view: View) -> String {
    Query::from_pairs([("view", view.slug())]).to_search()
}

fn current_search() -> String {
    window().location().search().unwrap_or_default()
}

fn write_history(query: &Query, mode: HistoryMode) {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| String::from("/"));
    let hash = location.hash().unwrap_or_default();
    let url = format!("{path}{}{hash}", query.to_search());
    let history = match window().history() {
        Ok(history) => history,
        Err(_) => return,
    };
    let result = match mode {
        HistoryMode::Push => {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        }
        HistoryMode::Replace | HistoryMode::ReplaceAfterPaint => {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        }
    };
    if let Err(err) = result {
        leptos::logging::warn!("could not update the URL: {err:?}");
    }
}
