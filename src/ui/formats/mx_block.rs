//! The MX block editor: up to 32 values, one shared E8M0 scale, each element's code and error.

use crate::formats::mx;
use crate::present::formats::{
    self as model, MxState, MX_DISTRIBUTIONS, MX_ELEMENTS, MX_SCALE_ROUNDINGS,
};
use crate::present::number::{data_value, short, sig};
use crate::ui::url::{HistoryMode, UrlState};
use leptos::prelude::*;

/// The MX block editor: up to 32 values, a shared E8M0 scale, each element's code and error.
#[component]
pub(super) fn MxEditor() -> impl IntoView {
    let title_id = format!("mx-title-{}", crate::ui::next_uid());
    let labelled_by = title_id.clone();
    let url = expect_context::<UrlState>();
    let parsed = Memo::new(move |_| MxState::from_query(&url.query()));
    let state = Memo::new(move |_| parsed.get().0);
    let block = Memo::new(move |_| state.get().block());
    let error = RwSignal::new(None::<String>);
    let seed = RwSignal::new(1u64);
    let set = move |next: MxState| {
        error.set(None);
        url.update(HistoryMode::Replace, |q| next.write(q));
    };
    let edit = move |change: &dyn Fn(&mut MxState)| {
        let mut next = state.get_untracked();
        change(&mut next);
        set(next);
    };
    let elements = MX_ELEMENTS
        .iter()
        .map(|(id, e)| view! { <option value=*id>{e.name()}</option> })
        .collect_view();
    let scales = MX_SCALE_ROUNDINGS
        .iter()
        .map(|(id, label, _)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    let dists = MX_DISTRIBUTIONS
        .iter()
        .map(|(id, label)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    let dist = RwSignal::new(String::from("normal"));
    let element_id = move || {
        MX_ELEMENTS
            .iter()
            .find(|(_, e)| *e == state.get().element)
            .map_or("", |(id, _)| id)
    };
    let scale_id = move || {
        MX_SCALE_ROUNDINGS
            .iter()
            .find(|(_, _, r)| *r == state.get().scale_rounding)
            .map_or("", |(id, _, _)| id)
    };
    view! {
        <section class="mx" aria-labelledby=labelled_by>
            <h2 id=title_id>"MX block formats"</h2>
            <p class="help">"OCP Microscaling: 32 values share one power-of-two E8M0 scale X; each element stores P = V / X rounded into a small format and reads back as X × P."</p>
            <div class="controls-row">
                <label><span>"element format"</span>
                    <select data-testid="mx-element" prop:value=element_id on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if let Some((_, e)) = MX_ELEMENTS.iter().find(|(eid, _)| *eid == id) { let e = *e; edit(&move |s| s.element = e) }
                    }>{elements}</select>
                </label>
                <label><span>"scale rounding"</span>
                    <select data-testid="mx-scale" prop:value=scale_id on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if let Some((_, _, r)) = MX_SCALE_ROUNDINGS.iter().find(|(sid, _, _)| *sid == id) { let r = *r; edit(&move |s| s.scale_rounding = r) }
                    }>{scales}</select>
                </label>
                <label><span>"draw from"</span>
                    <select on:change=move |ev| dist.set(event_target_value(&ev))>{dists}</select>
                </label>
                <button type="button" data-testid="mx-draw" on:click=move |_| {
                    seed.update(|s| *s += 1);
                    let values = model::draw_block(&dist.get_untracked(), seed.get_untracked());
                    edit(&move |s| s.values = values.clone());
                }>"Draw 32 values"</button>
            </div>
            <label class="mx-values">
                <span>"values (up to 32, separated by commas or spaces)"</span>
                <textarea rows="3" data-testid="mx-values" prop:value=move || model::values_text(&state.get().values)
                    on:change=move |ev| match model::parse_values(&event_target_value(&ev)) {
                        Ok(values) => edit(&move |s| s.values = values.clone()),
                        Err(why) => error.set(Some(why)),
                    }></textarea>
            </label>
            <p class="input-error" role="alert" data-testid="mx-error">{move || error.get()}</p>
            {move || match block.get() {
                Err(why) => view! { <p class="input-error">{why}</p> }.into_any(),
                Ok(block) => mx_block_view(&block).into_any(),
            }}
        </section>
    }
}

fn mx_block_view(block: &mx::Block) -> impl IntoView {
    let format = block.element.format();
    let clamps = block.elements.iter().filter(|e| e.clamped).count();
    let summary = format!(
        "shared scale X = {} (E8M0 code {}), amax = {}, {} bits per element, {} clamped",
        block
            .shared_exponent
            .map_or("NaN".into(), |e| format!("2^{e}")),
        block.scale_code,
        short(block.amax),
        block.bits_per_element,
        clamps
    );
    let rows = block
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            view! {
                <tr class:clamped=e.clamped data-testid=format!("mx-row-{i}")>
                    <td>{i}</td>
                    <td class="mono">{short(e.input)}</td>
                    <td class="mono">{model::code_hex(&format, e.code)}</td>
                    <td class="mono">{short(e.value)}</td>
                    <td class="mono" data-value=data_value(e.abs_error)>{sig(e.abs_error, 3)}</td>
                    <td>{if e.clamped { "clamped" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="mx-summary">{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="MX block elements, scrollable">
            <table data-testid="mx-table">
                <thead><tr><th scope="col">"#"</th><th scope="col">"value"</th><th scope="col">"code"</th><th scope="col">"reads back"</th><th scope="col">"abs. error"</th><th scope="col">""</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
