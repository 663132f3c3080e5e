//! The block editor: up to 32 values in an MX block (one shared E8M0 scale) or in NVFP4 blocks of
//! 16 (an E4M3 scale each, under the values' fp32 tensor scale), each element's code and error.

use crate::formats::block::BlockFormat;
use crate::formats::{mx, nvfp4};
use crate::present::formats::{
    self as model, Blocks, MxState, MX_DISTRIBUTIONS, MX_SCALE_ROUNDINGS,
};
use crate::present::number::{data_value, short, sig};
use crate::ui::url::{HistoryMode, UrlState};
use leptos::prelude::*;

/// The MX block editor: up to 32 values, a shared E8M0 scale, each element's code and error.
#[component]
pub(super) fn MxEditor() -> impl IntoView {
    let title_id = format!("mx-title-{}", crate::ui::next_uid());
    let labelled_by = title_id.clone();
    let url = UrlState::current();
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
    let elements = BlockFormat::ALL
        .iter()
        .map(|b| view! { <option value=b.id()>{b.name()}</option> })
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
    let element_id = move || state.get().element.id();
    let is_nvfp4 = move || state.get().element == BlockFormat::Nvfp4;
    let scale_id = move || {
        MX_SCALE_ROUNDINGS
            .iter()
            .find(|(_, _, r)| *r == state.get().scale_rounding)
            .map_or("", |(id, _, _)| id)
    };
    view! {
        <section class="mx" aria-labelledby=labelled_by>
            <h2 id=title_id>"Block formats: MX and NVFP4"</h2>
            <p class="help">"OCP Microscaling: 32 values share one power-of-two E8M0 scale X; each element stores P = V / X rounded into a small format and reads back as X × P. NVFP4: 16 values share an E4M3 scale s (any of E4M3's values, not only powers of two) under one fp32 scale for the whole tensor, S = 448 × 6 / amax; each E2M1 element q reads back as q × s / S."</p>
            <div class="controls-row">
                <label><span>"element format"</span>
                    <select data-testid="mx-element" prop:value=element_id on:change=move |ev| {
                        let id = event_target_value(&ev);
                        if let Some(e) = BlockFormat::from_id(&id) { edit(&move |s| s.element = e) }
                    }>{elements}</select>
                </label>
                <label><span>"scale rounding"</span>
                    <select data-testid="mx-scale" prop:value=scale_id prop:disabled=is_nvfp4
                        title=move || if is_nvfp4() { "NVFP4's E4M3 block scale is rounded to nearest; this choice is MX's" } else { "" }
                        on:change=move |ev| {
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
                Ok(Blocks::Mx(block)) => mx_block_view(&block).into_any(),
                Ok(Blocks::Nvfp4(tensor, blocks)) => nvfp4_view(&tensor, &blocks).into_any(),
            }}
        </section>
    }
}

fn mx_block_view(block: &mx::Block) -> impl IntoView {
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
    let elements = block.elements.iter().map(|e| (None, e)).collect();
    elements_table(summary, &block.element.format(), elements)
}

/// NVFP4 blocks: the tensor scale, each block's E4M3 scale, and each element.
fn nvfp4_view(tensor: &nvfp4::TensorScale, blocks: &[nvfp4::Block]) -> impl IntoView {
    let e4m3: crate::formats::Format = "e4m3fn".parse().expect("e4m3fn is in the catalogue");
    let elements: Vec<_> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, block)| block.elements.iter().map(move |e| (Some(b + 1), e)))
        .collect();
    let clamps = elements.iter().filter(|(_, e)| e.clamped).count();
    let flushed = elements.iter().filter(|(_, e)| flushed(e)).count();
    let scales = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            format!(
                "block {}: s = {} (E4M3 {})",
                i + 1,
                short(b.scale),
                model::code_hex(&e4m3, b.scale_code)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    // S is stored in fp32: say so where it is not the quotient itself (2688 / 10 is 268.8, its
    // fp32 268.79998779296875), so "=" never joins two different numbers.
    let quotient = 2688.0 / f64::from(tensor.amax);
    let stored = f64::from(tensor.encode);
    let value = if stored == quotient {
        format!("= {}", short(stored))
    } else {
        format!("≈ {}, in fp32 {}", sig(quotient, 6), short(stored))
    };
    let summary = format!(
        "tensor scale S = 448 × 6 / {} {value}; {scales}; {} bits per element; {clamps} clamped, \
         {flushed} flushed to zero",
        short(f64::from(tensor.amax)),
        BlockFormat::Nvfp4.bits_per_element(),
    );
    elements_table(summary, &BlockFormat::Nvfp4.element_format(), elements)
}

/// A non-zero value stored as zero.
fn flushed(e: &mx::QuantizedElement) -> bool {
    e.value == 0.0 && e.input != 0.0
}

/// The summary and a row per element (with its block's number when there are several).
fn elements_table(
    summary: String,
    format: &crate::formats::Format,
    elements: Vec<(Option<usize>, &mx::QuantizedElement)>,
) -> impl IntoView {
    let blocks = elements.iter().any(|(b, _)| b.is_some());
    let rows = elements
        .into_iter()
        .enumerate()
        .map(|(i, (b, e))| {
            let note = if e.clamped {
                "clamped"
            } else if flushed(e) {
                "flushed to zero"
            } else {
                ""
            };
            view! {
                <tr class:clamped=e.clamped data-testid=format!("mx-row-{i}")>
                    <td>{i}</td>
                    {b.map(|b| view! { <td>{b}</td> })}
                    <td class="mono">{short(e.input)}</td>
                    <td class="mono">{model::code_hex(format, e.code)}</td>
                    <td class="mono">{short(e.value)}</td>
                    <td class="mono" data-value=data_value(e.abs_error)>{sig(e.abs_error, 3)}</td>
                    <td>{note}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="mx-summary">{summary}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Block elements, scrollable">
            <table data-testid="mx-table">
                <thead><tr>
                    <th scope="col">"#"</th>
                    {blocks.then(|| view! { <th scope="col">"block"</th> })}
                    <th scope="col">"value"</th><th scope="col">"code"</th><th scope="col">"reads back"</th><th scope="col">"abs. error"</th><th scope="col">""</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
