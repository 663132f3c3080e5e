//! The "Your tensor" view: a tensor from a `.safetensors` or `.npy` file (read here, in slices,
//! never uploaded), pasted numbers or a demo, measured against every format. The file's header is
//! read first to list its tensors; the chosen one streams through `tensor::Analysis` 4 MiB at a
//! time (`stream`), giving the page a turn every 25 ms, with progress and a cancel button. Texts
//! come from `present::tensor`; the URL holds the scaling and the demo.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::url::{HistoryMode, UrlState};
use super::widgets::DownloadLink;
use crate::plot::{errors, quantize};
use crate::plot::{NamedFormat, Plot, Theme};
use crate::present::tensor::{self as model, RowText, TensorState};
use crate::tensor::file::TensorInfo;
use crate::tensor::{absmax_factor, Demo, Mode};

mod stream;
mod workers;

use stream::{analyse, list_tensors};

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Busy {
        done: u64,
        total: u64,
    },
    Done {
        summary: String,
        rows: Vec<RowText>,
        /// An evenly strided sample of the values, for the histogram, and the largest magnitude.
        sample: Vec<f64>,
        absmax: f64,
    },
    Failed(String),
}

/// The values to measure: in memory (pasted, a demo), or a tensor of an opened file.
#[derive(Clone)]
enum Source {
    Values(String, std::rc::Rc<Vec<f64>>),
    File(web_sys::File, TensorInfo),
}

#[component]
pub fn TensorView(
    /// In an embed: no view heading or lede.
    #[prop(optional)]
    inline: bool,
) -> impl IntoView {
    let url = UrlState::current();
    let parsed = Memo::new(move |_| model::read(&url.query()));
    let state = Memo::new(move |_| parsed.with(|p| p.0));
    let status = RwSignal::new(Status::Idle);
    let tensors = RwSignal::new(Vec::<TensorInfo>::new());
    let file = StoredValue::new_local(None::<web_sys::File>);
    let source = StoredValue::new_local(None::<Source>);
    // The source's largest magnitude, once a run has measured it: another scaling of the same
    // tensor then needs no first pass. Forgotten whenever the source changes.
    let known = StoredValue::new(None::<f64>);
    // Each run has a number; a newer run (or Cancel) makes an older one stop at its next slice.
    let run = StoredValue::new(0u64);
    // The workers start once the view is painted: opening a file is what the view is for, and a
    // worker takes about 0.15 s to start (the app's module compiled from the browser's cache).
    // They outlive a run (the next scaling reuses them), not the view.
    super::defer::AfterPaint::new().schedule(workers::warm);
    on_cleanup(workers::release);
    let start = move || start_run(source, known, run, status, state.get_untracked().scale);
    let set_state = move |next: TensorState| {
        url.update(HistoryMode::Replace, |q| model::write(&next, q));
    };
    // The demo named in the URL, and every change of scale, start a run.
    Effect::new(move |_| {
        let s = state.get();
        if let Some(demo) = s.demo {
            known.set_value(None);
            source.set_value(Some(Source::Values(
                demo.recipe().to_string(),
                std::rc::Rc::new(demo.values()),
            )));
        }
        start();
    });
    let on_file = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        let Some(f) = input.and_then(|i| i.files()).and_then(|l| l.get(0)) else {
            return;
        };
        run.set_value(run.get_value() + 1);
        status.set(Status::Busy { done: 0, total: 0 });
        workers::warm();
        spawn_local(async move {
            let listed = list_tensors(&f).await;
            tensors.try_set(listed.as_ref().map_or(Vec::new(), Clone::clone));
            match listed.and_then(first_readable) {
                Ok(info) => {
                    file.set_value(Some(f.clone()));
                    known.set_value(None);
                    source.set_value(Some(Source::File(f, info)));
                    set_state(TensorState {
                        demo: None,
                        ..state.get_untracked()
                    });
                    start();
                }
                Err(message) => {
                    status.try_set(Status::Failed(message));
                }
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let Ok(i) = event_target_value(&ev).parse::<usize>() else {
            return;
        };
        let (Some(f), Some(info)) = (
            file.get_value(),
            tensors.with_untracked(|t| t.get(i).cloned()),
        ) else {
            return;
        };
        match measurable(info) {
            Ok(info) => {
                known.set_value(None);
                source.set_value(Some(Source::File(f, info)));
                start();
            }
            Err(message) => status.set(Status::Failed(message)),
        }
    };
    let on_paste = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        match model::parse_numbers(&text) {
            Ok(values) => {
                known.set_value(None);
                source.set_value(Some(Source::Values(
                    format!("{} pasted numbers", values.len()),
                    std::rc::Rc::new(values),
                )));
                set_state(TensorState {
                    demo: None,
                    ..state.get_untracked()
                });
                start();
            }
            Err(message) => status.set(Status::Failed(message)),
        }
    };
    let cancel = move |_| stop(run, status);
    view! {
        <section class="tensor" aria-labelledby="view-title">
            {head(inline)}
            <For each=move || notices(parsed) key=|t| t.clone() let:text>
                <p class="notice" role="status" data-testid="url-notice">{text}</p>
            </For>
            <div class="tensor-inputs">
                <label class="tensor-field">
                    <span>"a .safetensors, .npy or .npz file"</span>
                    <input type="file" accept=".safetensors,.npy,.npz" data-testid="tensor-file" on:click=|_| workers::warm() on:change=on_file />
                </label>
                <Show when=move || tensors.with(|t| !t.is_empty())>
                    <label class="tensor-field">
                        <span>"tensor"</span>
                        <select data-testid="tensor-pick" on:change=on_pick>{move || tensor_options(&tensors.get())}</select>
                    </label>
                </Show>
                <label class="tensor-field">
                    <span>"or numbers (commas, spaces or new lines)"</span>
                    <textarea data-testid="tensor-paste" rows="3" spellcheck="false" placeholder="0.02, -0.013, 1.7e-3, ..." on:change=on_paste></textarea>
                </label>
                {demo_buttons(move |d| set_state(TensorState { demo: Some(d), ..state.get_untracked() }))}
                {scale_menu(state, set_state)}
            </div>
            {move || status_view(status.get(), state.get().scale, cancel)}
        </section>
    }
}

/// Starts a run of the current source under `mode`: a newer run (or Cancel) makes it stop at its
/// next slice, and only the current run shows its outcome and remembers the source's absmax.
fn start_run(
    source: StoredValue<Option<Source>, LocalStorage>,
    known: StoredValue<Option<f64>>,
    run: StoredValue<u64>,
    status: RwSignal<Status>,
    mode: Mode,
) {
    let Some(current) = source.get_value() else {
        return;
    };
    let id = run.get_value() + 1;
    run.set_value(id);
    let largest = known.get_value();
    spawn_local(async move {
        let still = move || run.try_get_value() == Some(id);
        let outcome = analyse(current, mode, largest, status, still).await;
        if still() {
            // Only the current run's source: a newer run may have changed it.
            if let Ok(Status::Done { absmax, .. }) = &outcome {
                known.try_set_value(Some(*absmax));
            }
            status.try_set(match outcome {
                Ok(done) => done,
                Err(message) => Status::Failed(message),
            });
        }
    });
}

/// The scaling menu; a choice goes to the URL (which starts a run).
fn scale_menu(
    state: Memo<TensorState>,
    set_state: impl Fn(TensorState) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let on_scale = move |ev: leptos::ev::Event| {
        if let Some(scale) = Mode::from_id(&event_target_value(&ev)) {
            set_state(TensorState {
                scale,
                ..state.get_untracked()
            });
        }
    };
    view! {
        <label class="tensor-field">
            <span>"scaling"</span>
            <select data-testid="tensor-scale" prop:value=move || state.get().scale.id() on:change=on_scale>
                {SCALES.map(|(id, text)| view! { <option value=id>{text}</option> })}
            </select>
        </label>
    }
}

/// The scaling menu's choices.
const SCALES: [(&str, &str); 3] = [
    ("none", "none: the values as they are"),
    ("tensor", "one absmax scale for the tensor"),
    (
        "block",
        "block scales, as deployed (MX per 32, NVFP4 per 16, int/nf4 per 64 and 128, GGUF, GPTQ)",
    ),
];

/// The tensor menu: name, shape, type and size of each.
fn tensor_options(tensors: &[TensorInfo]) -> impl IntoView {
    tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let shape: Vec<String> = t.shape.iter().map(u64::to_string).collect();
            let label = format!(
                "{} [{}] {} ({} elements)",
                t.name,
                shape.join(" x "),
                t.dtype_name,
                t.elements()
            );
            view! { <option value=i.to_string()>{label}</option> }
        })
        .collect_view()
}

fn demo_buttons(choose: impl Fn(Demo) + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="tensor-demos">
            <span>"or a demo:"</span>
            {Demo::ALL.into_iter().map(|d| view! {
                <button type="button" data-testid=format!("tensor-demo-{}", d.id()) title=d.recipe() on:click=move |_| choose(d)>
                    {d.id()}
                </button>
            }).collect_view()}
        </div>
    }
}

fn status_view(
    status: Status,
    scale: Mode,
    cancel: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> AnyView {
    match status {
        Status::Idle => view! { <p class="help">"Nothing opened yet."</p> }.into_any(),
        Status::Busy { done, total } => view! {
            <div class="tensor-busy" role="status">
                <progress data-testid="tensor-progress" aria-label="Reading the tensor" max=total.max(1).to_string() value=done.to_string()></progress>
                <button type="button" data-testid="tensor-cancel" on:click=cancel>"Cancel"</button>
            </div>
        }
        .into_any(),
        Status::Failed(message) => view! {
            <p class="input-error" role="alert" data-testid="tensor-error">{message}</p>
        }
        .into_any(),
        Status::Done {
            summary,
            rows,
            sample,
            absmax,
        } => view! {
            {done_view(summary, rows, scale)}
            <Histogram sample=sample absmax=absmax scale=scale />
        }
        .into_any(),
    }
}

/// The histogram of log2 |x| against a chosen format's window (the Range & precision view's
/// quantization plot) and the error distribution in that format, on the tensor's own values (an
/// evenly strided sample of them).
#[component]
fn Histogram(sample: Vec<f64>, absmax: f64, scale: Mode) -> impl IntoView {
    let chosen = RwSignal::new("e4m3fn".to_string());
    let options = crate::formats::catalogue()
        .iter()
        .filter(|e| e.format().signedness() == crate::formats::Signedness::Signed)
        .map(|e| view! { <option value=e.name>{e.name}</option> })
        .collect_view();
    // Both plots in one theme: (values against the window, errors), empty for an unknown format.
    let draw = move |theme: Theme| -> (Plot, Plot) {
        let Ok(format) = chosen.get().parse::<crate::formats::Format>() else {
            let empty = || Plot {
                svg: String::new(),
                caption: String::new(),
                size: (0, 0),
            };
            return (empty(), empty());
        };
        let factor = match scale {
            Mode::Tensor => absmax_factor(&format, absmax),
            _ => 1.0,
        };
        let named = NamedFormat::from(format);
        let distribution = quantize::Distribution::Values(sample.clone());
        let window = quantize::quantize(&quantize::QuantizeInput {
            format: &named,
            distribution: &distribution,
            scale: factor,
            samples: sample.len(),
            seed: 0,
            rounding: crate::formats::Rounding::NearestEven,
            overflow: crate::formats::Overflow::Saturate,
            theme,
        });
        let errors = errors::errors(&errors::ErrorInput {
            format: &named,
            values: &sample,
            scale: factor,
            theme,
        });
        (window, errors)
    };
    let draw_dark = draw.clone();
    let light = Memo::new(move |_| draw(Theme::Light));
    // The dark plots only while the page is dark (drawing a plot stores each sampled value
    // through the exact engine; the light ones are drawn anyway, for the downloads).
    let theme = super::theme::use_theme();
    let dark = Memo::new(move |_| (theme.get() == Theme::Dark).then(|| draw_dark(Theme::Dark)));
    let dark_svg = move |which: fn(&(Plot, Plot)) -> &Plot| {
        dark.with(|p| p.as_ref().map(|p| which(p).svg.clone()).unwrap_or_default())
    };
    // Downloads are the light plots (a file keeps no page theme).
    let histogram = Memo::new(move |_| light.with(|p| p.0.clone()));
    let error_plot = Memo::new(move |_| light.with(|p| p.1.clone()));
    view! {
        <figure class="tensor-chart">
            <label class="tensor-field">
                <span>"histogram against"</span>
                <select data-testid="tensor-plot-format" prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>{options}</select>
            </label>
            <div class="tensor-chart-light" data-testid="tensor-plot" inner_html=move || light.with(|p| p.0.svg.clone())></div>
            <div class="tensor-chart-dark" inner_html=move || dark_svg(|p| &p.0)></div>
            <super::plots::PlotDownloads plot=histogram name="tensor-histogram" />
            <div class="tensor-chart-light" data-testid="tensor-errors" inner_html=move || light.with(|p| p.1.svg.clone())></div>
            <div class="tensor-chart-dark" inner_html=move || dark_svg(|p| &p.1)></div>
            <super::plots::PlotDownloads plot=error_plot name="tensor-errors" />
            <figcaption class="help">
                {if scale == Mode::Block { "log2 |x| of the values against the format's range (block scales are not drawn: each block has its own)." } else { "log2 |x| of the values (times the scale, if any) against the format's range: what falls left of it flushes, what falls right overflows." }}
            </figcaption>
        </figure>
    }
}

/// The table, with its downloads and the order chosen.
fn done_view(summary: String, rows: Vec<RowText>, scale: Mode) -> AnyView {
    let csv = model::csv(&rows, scale);
    let markdown = model::markdown(&rows, &summary);
    let sorted = RwSignal::new(false);
    // One scheme for every row (no scale, or one per tensor): said once above the table.
    let uniform = rows
        .first()
        .map(|r| r.scheme)
        .filter(|first| rows.iter().all(|r| r.scheme == *first));
    let scheme_column = uniform.is_none();
    let shown = move || {
        if sorted.get() {
            model::by_sqnr(rows.clone())
        } else {
            rows.clone()
        }
    };
    view! {
            <p data-testid="tensor-summary">{summary}</p>
            {uniform.map(|scheme| view! { <p class="help" data-testid="tensor-scheme">{format!("Scales: {scheme}.")}</p> })}
            <div class="downloads">
                <DownloadLink filename="precision-lab-tensor.csv" mime="text/csv" content=csv label="Download CSV" testid="tensor-csv" />
                <DownloadLink filename="precision-lab-tensor.md" mime="text/markdown" content=markdown label="Download Markdown" testid="tensor-md" />
                <label class="mem-check"><input type="checkbox" data-testid="tensor-sort" on:change=move |ev| sorted.set(event_target_checked(&ev)) />"best SQNR first"</label>
            </div>
            <div class="table-scroll">
                <table class="tensor-table" data-testid="tensor-table">
                    <thead><tr>
                        <th scope="col">"format"</th><th scope="col">"bits"</th>{scheme_column.then(|| view! { <th scope="col">"scales"</th> })}
                        <th scope="col">"overflow"</th><th scope="col">"flushed to 0"</th><th scope="col">"exact"</th>
                        <th scope="col">"SQNR"</th><th scope="col">"largest relative error"</th>
                    </tr></thead>
                    <tbody>
                        {move || shown().into_iter().map(|r| view! {
                            <tr data-testid=format!("tensor-row-{}", r.id) class:best=r.best
                                data-overflow=r.overflow.1 data-underflow=r.underflow.1 data-exact=r.exact.1 data-sqnr=r.sqnr.1>
                                <th scope="row">{r.name}{r.best.then(|| view! { <span class="tensor-best" title="best at this bit width">" best"</span> })}</th>
                                <td class="num">{r.bits}</td>{scheme_column.then(|| view! { <td>{r.scheme}</td> })}
                                <td class="num">{r.overflow.0}</td><td class="num">{r.underflow.0}</td><td class="num">{r.exact.0}</td>
                                <td class="num">{r.sqnr.0}</td><td class="num">{r.max_rel}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="help" data-testid="tensor-help">"Shares are of the non-zero values. Rounding to nearest, ties to even (GGUF rows: llama.cpp's own rounding); past a format's largest value a value saturates (counted as overflow). SQNR: 10 log10 of the signal's energy over the error's. Largest relative error: the largest |stored - x| / |x| over the non-zero values; a value flushed to zero counts 100%."{(scale == Mode::Block).then_some(" Q4_K's levels are offset by each sub-block's min and need not include 0, so a value near zero can be stored as a far larger one, and its largest relative error can pass 100% by far.")}</p>
    }
    .into_any()
}

/// Cancel: the running run stops at its next slice, and its workers at once.
fn stop(run: StoredValue<u64>, status: RwSignal<Status>) {
    run.set_value(run.get_value() + 1);
    workers::release();
    status.set(Status::Failed("Cancelled.".to_string()));
}

/// The heading (not in an embed) and the lede.
fn head(inline: bool) -> impl IntoView {
    view! {
            <Show when=move || !inline>
                <div class="view-head">
                    <h1 id="view-title">"Your tensor"</h1>
                    <super::share::ShareButtons view=crate::route::View::Tensor />
                </div>
            </Show>
            <p class="lede">
                "What would each format do to your weights, activations or gradients? Open a .safetensors or .npy file, paste numbers, or try a demo tensor. The file never leaves this machine: it is read here, in your browser, a slice at a time."
            </p>
    }
}

fn notices(parsed: Memo<(TensorState, Vec<crate::route::Notice>)>) -> Vec<String> {
    parsed.with(|p| p.1.iter().map(|n| n.0.clone()).collect())
}

/// A tensor this page can measure, or why not.
fn measurable(info: TensorInfo) -> Result<TensorInfo, String> {
    match (info.dtype, info.elements()) {
        (None, _) => Err(format!(
            "{} is stored as {}, which this page does not read.",
            info.name, info.dtype_name
        )),
        (_, 0) => Err(format!("{} has no elements.", info.name)),
        _ => Ok(info),
    }
}

/// The first tensor of a file that can be measured.
fn first_readable(list: Vec<TensorInfo>) -> Result<TensorInfo, String> {
    list.into_iter()
        .find(|t| t.dtype.is_some() && t.elements() > 0)
        .ok_or_else(|| {
            "This file holds no tensor of a type this page reads (F64, F32, F16, BF16, F8_E4M3, \
             F8_E5M2, integers)."
                .to_string()
        })
}
