//! The two tables of the Formats view: the editor's value in every format, and the facts of every
//! format (with CSV and Markdown downloads).

use super::Editor;
use crate::formats::catalogue;
use crate::present::formats::{self as model, error_texts, FormatChoice, FACT_COLUMNS};
use crate::present::number::data_value;
use crate::ui::url::UrlState;
use crate::ui::widgets::DownloadLink;
use leptos::prelude::*;

/// The editor's number rounded into every catalogue format; a row click switches the editor.
#[component]
pub(super) fn SameValueTable(editor: Editor) -> impl IntoView {
    let rows = Memo::new(move |_| model::same_value_rows(&editor.state()));
    let current = move || editor.readout.with(|r| r.format_name.clone());
    view! {
        <section class="same-value" aria-labelledby=editor.id("same-value-title")>
            <h2 id=editor.id("same-value-title")>"The same value in every format"</h2>
            <p class="help" data-testid="same-value-caption">
                {move || if crate::ui::embed::in_embed() {
                    model::same_value_caption(&editor.state())
                } else {
                    "Your number rounded into each format with the rounding and overflow chosen above. Pick a format to edit it there.".to_string()
                }}
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Same value in every format, scrollable">
                <table data-testid="same-value-table">
                    <thead><tr><th scope="col">"format"</th><th scope="col">"stored"</th><th scope="col">"abs. error"</th><th scope="col">"code"</th><th scope="col">"note"</th></tr></thead>
                    <tbody>
                        // Rows are keyed by format, so a click updates text in place instead of
                        // rebuilding the table.
                        {catalogue().iter().enumerate().map(|(i, entry)| {
                            let name = entry.name;
                            let row = move |read: fn(&model::SameValueRow) -> String| rows.with(|rows| read(&rows[i]));
                            view! {
                                <tr data-testid=format!("same-{name}") class:current=move || current() == name class:flagged=move || rows.with(|r| !r[i].flag.is_empty())>
                                    <th scope="row"><button type="button" class="link-button" on:click=move |_| editor.set_choice(FormatChoice::Named(name))>{name}</button></th>
                                    <td class="mono" data-value=move || row(|r| data_value(r.report.stored))>{move || row(|r| r.stored_text.clone())}</td>
                                    <td class="mono" data-value=move || row(|r| error_texts(&r.report).0.0)>{move || row(|r| error_texts(&r.report).0.1)}</td>
                                    <td class="mono" title=move || row(|r| r.bits.clone())>{move || row(|r| r.code_hex.clone())}</td>
                                    <td class="flag">{move || row(|r| r.flag.to_string())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Facts for every catalogue format, downloadable for course notes.
#[component]
pub(super) fn FactsTable() -> impl IntoView {
    let url = UrlState::current();
    let title_id = format!("facts-title-{}", crate::ui::next_uid());
    let labelled_by = title_id.clone();
    let chosen = Memo::new(move |_| {
        let query = url.query();
        model::fact_columns(&query, query.compact())
    });
    // One click shows every column, whatever the address chose.
    let all = RwSignal::new(false);
    let columns = move || {
        if all.get() {
            (0..FACT_COLUMNS.len()).collect::<Vec<_>>()
        } else {
            chosen.with(|c| c.0.clone())
        }
    };
    let partial = move || !all.get() && chosen.with(|c| c.0.len() < FACT_COLUMNS.len());
    let table = move || {
        let columns = columns();
        let head = columns
            .iter()
            .map(|&c| view! { <th scope="col">{FACT_COLUMNS[c]}</th> })
            .collect_view();
        let rows = model::fact_rows()
            .into_iter()
            .map(|row| {
                let name = row[0].clone();
                let cells = columns[1..]
                    .iter()
                    .map(|&c| view! { <td>{row[c].clone()}</td> })
                    .collect_view();
                view! { <tr data-testid=format!("facts-{name}")><th scope="row">{name.clone()}</th>{cells}</tr> }
            })
            .collect_view();
        view! { <table data-testid="facts-table" data-columns=columns.len()><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table> }
    };
    view! {
        <section class="facts" aria-labelledby=labelled_by>
            <h2 id=title_id>"Format facts"</h2>
            {move || chosen.with(|c| c.1.iter().map(|n| view! { <p class="notice" role="status" data-testid="url-notice">{n.0.clone()}</p> }).collect_view())}
            <p class="help">
                "eps is the gap between 1 and the next value (2^-mantissa bits); resolution is 10^-floor(-log10(eps)), as torch.finfo prints it; decimal digits = (mantissa bits + 1) × log10 2. Integer rows are integers: all their bits are value bits. nf4 has no value above 1 (its largest level), so its eps is the gap from 1 down to the next level."
            </p>
            <div class="downloads">
                <DownloadLink filename="precision-lab-formats.csv" mime="text/csv" content=model::facts_csv() label="Download CSV" testid="facts-csv" />
                <DownloadLink filename="precision-lab-formats.md" mime="text/markdown" content=model::facts_markdown() label="Download Markdown" testid="facts-md" />
                <Show when=partial>
                    <button type="button" data-testid="facts-all" on:click=move |_| all.set(true)>
                        {format!("Show all {} columns", FACT_COLUMNS.len())}
                    </button>
                </Show>
            </div>
            <p class="help scroll-hint" aria-hidden="true">"The table scrolls sideways \u{2192}"</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Format facts, scrollable">{table}</div>
        </section>
    }
}
