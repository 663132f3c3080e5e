//! Where the app is: the view and its state, read from and written to the URL query string.
//!
//! Pure: parsing and printing of `?view=...&key=value` lives here so native tests can check it;
//! `ui::url` only moves strings between this module and the browser's `location` and `history`.
//! It does not know what any view does with its parameters.

use std::fmt;

/// Longest query value kept. Anything longer is dropped with a notice: no widget needs 2 kB of
/// text in a parameter, and huge values would otherwise be echoed into the page.
pub const MAX_VALUE_LEN: usize = 2048;

/// The areas of the site, each reachable as `?view=<slug>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// The article that walks through the formats and mixed-precision training, with the other
    /// views' widgets inline: the landing page.
    Learn,
    /// The bit-layout editor and format tables.
    Formats,
    /// Range and precision plots.
    Plots,
    /// The memory-budget calculator.
    Memory,
    /// The toy mixed-precision trainer.
    Train,
    /// A user's own tensor against every format.
    Tensor,
    /// The widget reference: every embeddable widget with its parameters and a live preview.
    /// Not in the navigation (`View::ALL`): linked from the Embed buttons and the Learn article.
    Embed,
}

impl View {
    /// Every view, in navigation order.
    pub const ALL: [View; 6] = [
        View::Learn,
        View::Formats,
        View::Plots,
        View::Memory,
        View::Train,
        View::Tensor,
    ];

    /// Every page the URL can name: the navigation's views and the widget reference.
    pub const PAGES: [View; 7] = [
        View::Learn,
        View::Formats,
        View::Plots,
        View::Memory,
        View::Train,
        View::Tensor,
        View::Embed,
    ];

    /// The view shown when the URL names none (or an unknown one).
    pub const DEFAULT: View = View::Learn;

    /// The `view=` value in the URL.
    pub fn slug(self) -> &'static str {
        match self {
            View::Learn => "learn",
            View::Formats => "formats",
            View::Plots => "plots",
            View::Memory => "memory",
            View::Train => "train",
            View::Tensor => "tensor",
            View::Embed => "embed",
        }
    }

    /// The name shown in the navigation.
    pub fn title(self) -> &'static str {
        match self {
            View::Learn => "Learn",
            View::Formats => "Formats",
            View::Plots => "Range & precision",
            View::Memory => "Memory",
            View::Train => "Trainer",
            View::Tensor => "Your tensor",
            View::Embed => "Embed in your notes",
        }
    }

    /// Parses a `view=` value; `None` for anything that is not a view's slug.
    pub fn from_slug(slug: &str) -> Option<View> {
        View::PAGES.into_iter().find(|v| v.slug() == slug)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A decoded query string: ordered `(key, value)` pairs, as the URL had them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// Something about the URL that the page could not honour, shown to the reader as a small notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice(pub String);

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Query {
    /// Decodes `location.search` (with or without the leading `?`). Never fails: malformed
    /// percent-escapes decode lossily, and over-long values are dropped with a notice.
    pub fn parse(search: &str) -> (Query, Vec<Notice>) {
        let search = search.strip_prefix('?').unwrap_or(search);
        let mut notices = Vec::new();
        let mut pairs = Vec::new();
        for (key, value) in form_urlencoded::parse(search.as_bytes()) {
            if value.len() > MAX_VALUE_LEN || key.len() > MAX_VALUE_LEN {
                notices.push(Notice(format!(
                    "Ignored the URL parameter \u{201c}{}\u{201d}: its value is longer than {MAX_VALUE_LEN} characters.",
                    shorten(&key, 40)
                )));
                continue;
            }
            pairs.push((key.into_owned(), value.into_owned()));
        }
        (Query { pairs }, notices)
    }

    /// Builds a query from pairs in the given order.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Query {
        Query {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The first value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key` to `value`, replacing every earlier value for it (keeps the first position).
    pub fn set(&mut self, key: &str, value: &str) {
        match self.pairs.iter().position(|(k, _)| k == key) {
            Some(i) => {
                self.pairs[i].1 = value.to_owned();
                let mut seen = false;
                self.pairs.retain(|(k, _)| {
                    if k != key {
                        return true;
                    }
                    let keep = !seen;
                    seen = true;
                    keep
                });
            }
            None => self.pairs.push((key.to_owned(), value.to_owned())),
        }
    }

    /// Removes every value for `key`.
    pub fn remove(&mut self, key: &str) {
        self.pairs.retain(|(k, _)| k != key);
    }

    /// The pairs in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Encodes as `?a=b&c=d` (empty string for an empty query).
    pub fn to_search(&self) -> String {
        if self.pairs.is_empty() {
            return String::new();
        }
        let mut out = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
        for (k, v) in &self.pairs {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// The view this query asks for, and a notice when it names one that does not exist.
    pub fn view(&self) -> (View, Option<Notice>) {
        match self.get("view") {
            None | Some("") => (View::DEFAULT, None),
            Some(slug) => match View::from_slug(slug) {
                Some(view) => (view, None),
                None => (
                    View::DEFAULT,
                    Some(Notice(format!(
                        "There is no view called \u{201c}{}\u{201d}; showing {} instead.",
                        shorten(slug, 40),
                        View::DEFAULT.title()
                    ))),
                ),
            },
        }
    }
}

/// Cuts user text for display in a notice, on a character boundary, marking the cut.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        format!("{head}\u{2026}")
    } else {
        head
    }
}

/// A widget that can be embedded on its own with `?embed=<slug>` (no site chrome), its state
/// read from the same parameters as its full view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Widget {
    /// The bit-layout editor and its readouts.
    Editor,
    /// The editor's number rounded into every format.
    SameValue,
    /// The format facts table.
    Facts,
    /// The MX block editor.
    Mx,
    /// Dynamic-range bars.
    Range,
    /// Relative precision (ulp / |x|).
    Precision,
    /// Every value of a format on a number line.
    NumberLine,
    /// A distribution stored in a format.
    Quantize,
    /// Rounding error across a binade.
    Rounding,
    /// The memory calculator.
    Memory,
    /// The toy trainer.
    Trainer,
    /// A tensor against every format.
    Tensor,
}

impl Widget {
    /// Every widget, in the order the embed menus list them.
    pub const ALL: [Widget; 12] = [
        Widget::Editor,
        Widget::SameValue,
        Widget::Facts,
        Widget::Mx,
        Widget::Range,
        Widget::Precision,
        Widget::NumberLine,
        Widget::Quantize,
        Widget::Rounding,
        Widget::Memory,
        Widget::Trainer,
        Widget::Tensor,
    ];

    /// The `embed=` value.
    pub fn slug(self) -> &'static str {
        match self {
            Widget::Editor => "editor",
            Widget::SameValue => "same-value",
            Widget::Facts => "facts",
            Widget::Mx => "mx",
            Widget::Range => "range",
            Widget::Precision => "precision",
            Widget::NumberLine => "number-line",
            Widget::Quantize => "quantize",
            Widget::Rounding => "rounding",
            Widget::Memory => "memory",
            Widget::Trainer => "trainer",
            Widget::Tensor => "tensor",
        }
    }

    /// A name for menus and iframe titles.
    pub fn title(self) -> &'static str {
        match self {
            Widget::Editor => "bit-layout editor",
            Widget::SameValue => "same value in every format",
            Widget::Facts => "format facts table",
            Widget::Mx => "MX block editor",
            Widget::Range => "dynamic range plot",
            Widget::Precision => "precision plot",
            Widget::NumberLine => "number line",
            Widget::Quantize => "quantization of a distribution",
            Widget::Rounding => "rounding error plot",
            Widget::Memory => "memory calculator",
            Widget::Trainer => "mixed-precision trainer",
            Widget::Tensor => "your tensor against every format",
        }
    }

    /// The full view the widget belongs to ("open in Precision Lab").
    pub fn view(self) -> View {
        match self {
            Widget::Editor | Widget::SameValue | Widget::Facts | Widget::Mx => View::Formats,
            Widget::Range
            | Widget::Precision
            | Widget::NumberLine
            | Widget::Quantize
            | Widget::Rounding => View::Plots,
            Widget::Memory => View::Memory,
            Widget::Trainer => View::Train,
            Widget::Tensor => View::Tensor,
        }
    }

    /// The widgets of a view, for its Embed menu.
    pub fn of_view(view: View) -> Vec<Widget> {
        Widget::ALL
            .into_iter()
            .filter(|w| w.view() == view)
            .collect()
    }

    /// Parses an `embed=` value.
    pub fn from_slug(slug: &str) -> Option<Widget> {
        Widget::ALL.into_iter().find(|w| w.slug() == slug)
    }
}

/// Page theme forced by `theme=light|dark` (embeds follow their host); `auto` or absent follows
/// the reader's system preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Follow `prefers-color-scheme`.
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Query {
    /// The widget `embed=` asks for: `None` when the page is not an embed, `Some(Err(notice))`
    /// when it names no widget.
    pub fn embed(&self) -> Option<Result<Widget, Notice>> {
        let slug = self.get("embed")?;
        Some(Widget::from_slug(slug).ok_or_else(|| {
            Notice(format!(
                "There is no widget called \u{201c}{}\u{201d} to embed. Widgets: {}.",
                shorten(slug, 40),
                Widget::ALL.map(Widget::slug).join(", ")
            ))
        }))
    }

    /// The theme `theme=` asks for (unknown values mean auto).
    /// Whether a widget shows its compact form (`compact=1`): embeds do unless `compact=0`, the
    /// views never, so a course note gets a widget that fits a column and the full view is one
    /// click away.
    pub fn compact(&self) -> bool {
        match self.get("compact") {
            Some("0" | "off" | "false" | "no") => false,
            Some(_) => self.get("embed").is_some(),
            None => self.get("embed").is_some(),
        }
    }

    pub fn theme(&self) -> ThemeChoice {
        match self.get("theme") {
            Some("light") => ThemeChoice::Light,
            Some("dark") => ThemeChoice::Dark,
            _ => ThemeChoice::Auto,
        }
    }

    /// The address of the full view for an embedded widget's state: `embed` and `theme` dropped,
    /// `view` set to the widget's view.
    pub fn open_in_full(&self, widget: Widget) -> Query {
        let mut query = self.clone();
        query.remove("embed");
        query.remove("theme");
        query.remove("view");
        let mut full = Query::from_pairs([("view", widget.view().slug())]);
        for (k, v) in query.pairs() {
            full.set(k, v);
        }
        full
    }

    /// The query of an embed of `widget` showing this state.
    pub fn embed_of(&self, widget: Widget) -> Query {
        let mut query = self.clone();
        query.remove("view");
        query.remove("embed");
        // An embed follows its host page's theme unless the author forces one.
        query.remove("theme");
        let mut embed = Query::from_pairs([("embed", widget.slug())]);
        for (k, v) in query.pairs() {
            embed.set(k, v);
        }
        embed
    }
}
