//! The Range & precision view: the five format plots, following the editor (format, value,
//! rounding, overflow come from the same URL parameters as the Formats view), plus their own
//! controls. Each plot is a pure function in `plot`; this module only places the SVG it returns.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

use super::formats::EditorWidget;
use super::theme::use_theme;
use super::url::{HistoryMode, UrlState};
use crate::formats::catalogue;
use crate::plot::{number_line, precision, quantize, range, rounding, NamedFormat, Plot};
use crate::present::formats::{FormatsState, MxState};
use crate::present::plots::{PlotsState, DISTRIBUTIONS, MAX_COMPARE, SCALE_LOG2_RANGE};
use crate::route::Query;

/// What every plot reads: the editor's state, the plots' own controls, the theme.
#[derive(Clone, Copy)]
struct Inputs {
    url: UrlState,
    /// The query the plots are drawn from.
    query: Signal<Query>,
    editor: Memo<FormatsState>,
    controls: Memo<PlotsState>,
    notices: Memo<Vec<String>>,
    /// The formats the range and precision plots compare (the editor's first if it is not
    /// among them); a memo, so an edit that leaves them alone does not redraw those plots.
    compared: Memo<Vec<NamedFormat>>,
    /// The editor's number, compared by its bits (0 and -0 are captioned differently).
    value: Memo<Option<f64>>,
    theme: Signal<crate::plot::Theme>,
}

impl Inputs {
    /// The inputs in context, or new ones over the URL state (provided for the widgets below).
    fn from_context() -> Inputs {
        if let Some(inputs) = use_context::<Inputs>() {
            return inputs;
        }
        let url = UrlState::current();
        let inputs = Inputs::over(url, Signal::derive(move || url.query()));
        provide_context(inputs);
        inputs
    }

    /// Inputs read from `query`, which is `url`'s query or a copy of it that lags (edits still go
    /// to `url`).
    fn over(url: UrlState, query: Signal<Query>) -> Inputs {
        let editor = Memo::new(move |_| query.with(|q| FormatsState::from_query(q).0));
        let parsed = Memo::new(move |_| query.with(PlotsState::from_query));
        let controls = Memo::new(move |_| parsed.get().0);
        let notices =
            Memo::new(move |_| parsed.get().1.into_iter().map(|n| n.0).collect::<Vec<_>>());
        let compared = Memo::new(move |_| {
            let format = editor.with(FormatsState::format);
            controls.with(|c| c.compared_formats(&format))
        });
        let value = Memo::new_with_compare(
            move |_| {
                let x = editor.with(|s| s.exact_input().to_f64());
                x.is_finite().then_some(x)
            },
            |old, new| old.map(|v| v.map(f64::to_bits)) != new.map(|v| v.map(f64::to_bits)),
        );
        Inputs {
            url,
            query,
            editor,
            controls,
            notices,
            compared,
            value,
            theme: use_theme(),
        }
    }

    /// The editor's number (the typed value before rounding, or the code's value).
    fn value(&self) -> Option<f64> {
        self.value.get()
    }

    fn edit(&self, change: impl FnOnce(&mut PlotsState)) {
        let mut next = self.controls.get_untracked();
        change(&mut next);
        self.url.update(HistoryMode::Replace, |q| next.write(q));
    }
}

/// The Range & precision view.
#[component]
pub fn PlotsView() -> impl IntoView {
    let inputs = Inputs::from_context();
    view! {
        <section class="plots" aria-labelledby="view-title">
            <div class="view-head">
                <h1 id="view-title">"Range & precision"</h1>
                <super::share::ShareButtons view=crate::route::View::Plots />
            </div>
            <p class="lede">
                "How far each format reaches, how coarse it gets, and what storing real data in it does. The plots follow the editor: change its format, value or rounding and watch them move."
            </p>
            <For each=move || inputs.notices.get() key=|t| t.clone() let:text>
                <p class="notice" role="status" data-testid="url-notice">{text}</p>
            </For>
            <details class="plots-editor" open>
                <summary>"Editor"</summary>
                <EditorWidget />
            </details>
            <CompareControls />
            <div class="plot-grid">
                <RangeWidget />
                <PrecisionWidget />
                <NumberLineWidget />
                <QuantizeWidget />
                <RoundingWidget />
            </div>
        </section>
    }
}

/// Checkboxes for the formats the range and precision plots compare.
#[component]
fn CompareControls() -> impl IntoView {
    let inputs = Inputs::from_context();
    let boxes = catalogue()
        .iter()
        .filter(|e| !matches!(e.name, "int16" | "uint8" | "int4" | "int8"))
        .map(|entry| {
            let name = entry.name;
            let checked = move || inputs.controls.with(|c| c.compare.contains(&name));
            // A seventh format would not be drawn: its box is off until one is unticked.
            let full = move || inputs.controls.with(|c| c.compare.len() >= MAX_COMPARE && !c.compare.contains(&name));
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                inputs.edit(|c| {
                    if on && !c.compare.contains(&name) && c.compare.len() < MAX_COMPARE {
                        c.compare.push(name);
                    } else if !on && c.compare.len() > 1 {
                        c.compare.retain(|n| *n != name);
                    }
                });
            };
            view! {
                <label class="compare-box">
                    <input type="checkbox" data-testid=format!("compare-{name}") prop:checked=checked prop:disabled=full on:change=toggle />
                    {name}
                </label>
            }
        })
        .collect_view();
    let full = move || inputs.controls.with(|c| c.compare.len() >= MAX_COMPARE);
    view! {
        <fieldset class="compare">
            <legend>"Compare (range and precision plots, up to six)"</legend>
            {boxes}
            <Show when=full>
                <p class="help" role="status" data-testid="compare-full">"Six formats are the most the plots can compare: untick one to add another."</p>
            </Show>
        </fieldset>
    }
}

/// The range and precision plots beside the Formats view's editor. They follow the editor one
/// paint late ([`super::defer::after_paint`]): a bit click's readouts reach the screen first, and
/// these plots, which take longer to draw than all the readouts together, are redrawn right after
/// that frame is painted, once for any number of clicks within it.
#[component]
pub fn EditorPlots() -> impl IntoView {
    let url = UrlState::current();
    let query = super::defer::after_paint(move || url.query());
    provide_context(Inputs::over(url, query));
    view! {
        <div class="editor-plots" aria-label="Range and precision of this format">
            <RangeWidget />
            <PrecisionWidget />
        </div>
    }
}

/// Dynamic range bars for the compared formats (inlinable: `compare`, `value`, `format`).
#[component]
pub fn RangeWidget() -> impl IntoView {
    let inputs = Inputs::from_context();
    // Rounding and overflow only, so that a new value or format redraws through `compared` and
    // `value` and nothing else does.
    let modes = Memo::new(move |_| inputs.editor.with(|e| (e.rounding, e.overflow)));
    let plot = Memo::new(move |_| {
        let (rounding, overflow) = modes.get();
        inputs.compared.with(|formats| {
            range::dynamic_range(&range::RangeInput {
                formats,
                value: inputs.value(),
                rounding,
                overflow,
                theme: inputs.theme.get(),
            })
        })
    });
    view! { <PlotFigure plot=plot name="range" /> }
}

/// Relative gap between neighbours for the compared formats.
#[component]
pub fn PrecisionWidget() -> impl IntoView {
    let inputs = Inputs::from_context();
    let plot = Memo::new(move |_| {
        inputs.compared.with(|formats| {
            precision::precision(&precision::PrecisionInput {
                formats,
                value: inputs.value(),
                theme: inputs.theme.get(),
            })
        })
    });
    view! { <PlotFigure plot=plot name="precision" /> }
}

/// Every value of the editor's format on a number line (density for wide formats).
#[component]
pub fn NumberLineWidget() -> impl IntoView {
    let inputs = Inputs::from_context();
    let plot = Memo::new(move |_| {
        let editor = inputs.editor.get();
        let format = NamedFormat::from(editor.format());
        number_line::number_line(&number_line::NumberLineInput {
            format: &format,
            value: inputs.value(),
            rounding: editor.rounding,
            overflow: editor.overflow,
            theme: inputs.theme.get(),
        })
    });
    view! { <PlotFigure plot=plot name="number-line" /> }
}

/// Stored value and rounding error across the editor's binade.
#[component]
pub fn RoundingWidget() -> impl IntoView {
    let inputs = Inputs::from_context();
    let plot = Memo::new(move |_| {
        let editor = inputs.editor.get();
        let format = NamedFormat::from(editor.format());
        rounding::rounding_error(&rounding::RoundingInput {
            format: &format,
            value: inputs.value(),
            rounding: editor.rounding,
            overflow: editor.overflow,
            theme: inputs.theme.get(),
        })
    });
    view! { <PlotFigure plot=plot name="rounding" /> }
}

/// A distribution stored in the editor's format, with a scale slider (the idea behind loss
/// scaling) and the shares that underflow, go subnormal or overflow.
#[component]
pub fn QuantizeWidget() -> impl IntoView {
    let inputs = Inputs::from_context();
    let mx_values = Memo::new(move |_| inputs.query.with(|q| MxState::from_query(q).0.values));
    let data = Memo::new(move |_| {
        let editor = inputs.editor.get();
        let controls = inputs.controls.get();
        let format = NamedFormat::from(editor.format());
        let distribution = controls.distribution(&mx_values.get());
        let input = quantize::QuantizeInput {
            format: &format,
            distribution: &distribution,
            scale: controls.scale(),
            samples: 2048,
            seed: controls.seed,
            rounding: editor.rounding,
            overflow: editor.overflow,
            theme: inputs.theme.get(),
        };
        // One pass: the plot and the shares shown beside it come from the same samples.
        quantize::quantize_with_stats(&input)
    });
    let plot = Memo::new(move |_| data.with(|d| d.0.clone()));
    let share = move |pick: fn(&quantize::Quantization) -> usize| {
        data.with(|d| format!("{:.1}%", 100.0 * d.1.share(pick(&d.1))))
    };
    let dists = DISTRIBUTIONS
        .iter()
        .map(|(id, label)| view! { <option value=*id>{*label}</option> })
        .collect_view();
    view! {
        <div class="quantize-widget">
            <div class="controls-row">
                <label><span>"distribution"</span>
                    <select data-testid="quantize-dist" prop:value=move || inputs.controls.with(|c| c.distribution)
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            if let Some((d, _)) = DISTRIBUTIONS.iter().find(|(d, _)| *d == id) { inputs.edit(|c| c.distribution = d) }
                        }>{dists}</select>
                </label>
                <label class="slider"><span>{move || format!("scale × 2^{}", inputs.controls.with(|c| c.scale_log2))}</span>
                    <input type="range" data-testid="quantize-scale"
                        min=SCALE_LOG2_RANGE.0 max=SCALE_LOG2_RANGE.1 step="1"
                        prop:value=move || inputs.controls.with(|c| c.scale_log2.to_string())
                        on:input=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse::<i32>() { inputs.edit(|c| c.scale_log2 = k) }
                        } />
                </label>
            </div>
            <p class="quantize-stats" data-testid="quantize-stats">
                "underflow to zero " <strong data-testid="quantize-underflow">{move || share(|q| q.underflowed)}</strong>
                ", subnormal " <strong>{move || share(|q| q.subnormal)}</strong>
                ", overflow " <strong data-testid="quantize-overflow">{move || share(|q| q.overflowed)}</strong>
                ", SQNR " <strong data-testid="quantize-sqnr">{move || data.with(|d| quantize::sqnr_text(d.1.sqnr_db))}</strong>
            </p>
            <PlotFigure plot=plot name="quantize" />
        </div>
    }
}

/// One plot: the SVG, its caption, and downloads as SVG and PNG.
#[component]
fn PlotFigure(
    /// The plot to show.
    plot: Memo<Plot>,
    /// A short name for `data-testid` and file names.
    name: &'static str,
) -> impl IntoView {
    view! {
        <figure class="plot" data-testid=format!("plot-{name}")>
            // The SVG comes from `plot`, which escapes every piece of text it embeds.
            <div class="plot-svg" inner_html=move || plot.with(|p| p.svg.clone())></div>
            <figcaption>
                <span data-testid=format!("caption-{name}")>{move || plot.with(|p| p.caption.clone())}</span>
                <PlotDownloads plot=plot name=name />
            </figcaption>
        </figure>
    }
}

/// A plot's SVG and PNG downloads (`download-svg-<name>`, `download-png-<name>`), files named
/// `precision-lab-<name>.svg` / `.png`.
#[component]
pub(super) fn PlotDownloads(plot: Memo<Plot>, name: &'static str) -> impl IntoView {
    // Both files are written when asked for, not on every redraw: a data URL of the SVG costs
    // as much as the redraw itself.
    let svg = move |_| {
        plot.with_untracked(|p| {
            save(
                &svg_data_url(&p.standalone_svg(2)),
                &format!("precision-lab-{name}.svg"),
            )
        })
    };
    let png = move |_| {
        plot.with_untracked(|p| {
            download_png(
                &p.standalone_svg(2),
                p.size,
                &format!("precision-lab-{name}.png"),
            )
        })
    };
    view! {
        <span class="plot-downloads">
            <button type="button" class="link-button" data-testid=format!("download-svg-{name}") on:click=svg>"SVG"</button>
            <button type="button" class="link-button" data-testid=format!("download-png-{name}") on:click=png>"PNG"</button>
        </span>
    }
}

/// Rasterises an SVG at twice its size and offers it as a PNG download.
fn download_png(svg: &str, size: (u32, u32), filename: &str) {
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let (width, height) = (size.0 * 2, size.1 * 2);
    let filename = filename.to_string();
    let loaded = image.clone();
    let on_load = Closure::once(move || {
        let document = document();
        let Ok(canvas) = document.create_element("canvas") else {
            return;
        };
        let canvas: web_sys::HtmlCanvasElement = canvas.unchecked_into();
        canvas.set_width(width);
        canvas.set_height(height);
        let Ok(Some(context)) = canvas.get_context("2d") else {
            return;
        };
        let context: web_sys::CanvasRenderingContext2d = context.unchecked_into();
        if context
            .draw_image_with_html_image_element_and_dw_and_dh(
                &loaded,
                0.0,
                0.0,
                width.into(),
                height.into(),
            )
            .is_err()
        {
            return;
        }
        let Ok(url) = canvas.to_data_url_with_type("image/png") else {
            return;
        };
        save(&url, &filename);
    });
    image.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    image.set_src(&svg_data_url(svg));
}

fn svg_data_url(svg: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(svg)
    )
}

/// Offers `url` as a download named `filename` (a link that is clicked and dropped).
fn save(url: &str, filename: &str) {
    if let Ok(link) = document().create_element("a") {
        let link: web_sys::HtmlAnchorElement = link.unchecked_into();
        link.set_href(url);
        link.set_download(filename);
        link.click();
    }
}
