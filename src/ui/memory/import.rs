//! Bringing a model in: a `config.json` pasted, dropped or chosen as a file, or fetched from the
//! Hugging Face Hub by id (the only request to another site the page makes, and only when asked).
//! A config that reads replaces the model with a custom architecture, which the URL keeps; one
//! that does not leaves the model as it was and says why.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::Calc;
use crate::memory::config::{import, MAX_CONFIG_BYTES};
use crate::memory::ModelChoice;
use crate::present::memory::import as text;
use crate::ui::lazy::{part, Lazy};

/// What the import area shows under its inputs.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Busy(String),
    Read(Vec<String>),
    Failed(String),
}

/// Milliseconds after the last keystroke before pasted or typed text is read.
const TYPING_PAUSE_MS: u64 = 400;

/// The import area: its heading always, its inputs (and the JSON reader, `serde_json`) downloaded
/// as a part of their own the first time it is opened.
#[component]
pub(super) fn ImportPanel(calc: Calc) -> impl IntoView {
    // For the part: provided here, where the part's owner descends from (a context provided in
    // the view's own body sits on the Memory part's owner, which its rendered children do not
    // descend from).
    provide_context(calc);
    let opened = RwSignal::new(false);
    view! {
        <details class="mem-import" data-testid="mem-import">
            <summary on:click=move |_| opened.set(true)>
                "Your own model: paste or drop its config.json, or fetch it from the Hub"
            </summary>
            <Show when=move || opened.get()>
                <Lazy part=|| Box::pin(config_import()) what="The config.json reader" />
            </Show>
        </details>
    }
}

part!(fn config_import in memory_import {
    match use_context::<Calc>() {
        Some(calc) => view! { <ConfigImport calc=calc /> }.into_any(),
        None => ().into_any(),
    }
});

#[component]
fn ConfigImport(calc: Calc) -> impl IntoView {
    let status = RwSignal::new(Status::Idle);
    // Reads a config and, if it makes a model, budgets it (keeping every other setting).
    let apply = move |json: String| {
        let next = match import(&json) {
            Ok(imported) => {
                let lines = text::import_lines(&imported);
                calc.inputs.try_get_untracked().map(|mut inputs| {
                    inputs.model = ModelChoice::Custom(imported.architecture);
                    (inputs, lines)
                })
            }
            Err(e) => {
                status.try_set(Status::Failed(e.message));
                None
            }
        };
        if let Some((inputs, lines)) = next {
            calc.apply("model", inputs);
            status.try_set(Status::Read(lines));
        }
    };
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(handle) = pending.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    on_cleanup(cancel);
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        cancel();
        if typed.trim().is_empty() {
            status.set(Status::Idle);
            return;
        }
        if let Ok(handle) = set_timeout_with_handle(
            move || apply(typed),
            std::time::Duration::from_millis(TYPING_PAUSE_MS),
        ) {
            pending.set_value(Some(handle));
        }
    };
    let read_file = move |file: web_sys::File| {
        let size = file.size();
        if size > MAX_CONFIG_BYTES as f64 {
            status.set(Status::Failed(text::too_large_message(size as u64)));
            return;
        }
        status.set(Status::Busy(format!("Reading {} ...", file.name())));
        spawn_local(async move {
            match JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string())
            {
                Some(json) => apply(json),
                None => {
                    status.try_set(Status::Failed("The file could not be read.".to_string()));
                }
            }
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
            read_file(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            read_file(file);
        }
    };
    let hub_id = RwSignal::new(String::new());
    let fetch = move |_| {
        let id = hub_id.get_untracked();
        let url = match text::hub_config_url(&id) {
            Ok(url) => url,
            Err(message) => {
                status.set(Status::Failed(message));
                return;
            }
        };
        status.set(Status::Busy(format!("Fetching {url} ...")));
        spawn_local(async move {
            match fetch_text(&url).await {
                Ok(json) => apply(json),
                Err(None) => {
                    status.try_set(Status::Failed(text::hub_unreachable_message()));
                }
                Err(Some(code)) => {
                    status.try_set(Status::Failed(text::hub_status_message(&id, code)));
                }
            }
        });
    };
    view! {
        <div class="mem-drop" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
                <label class="mem-field">
                    <span>"config.json (pasted, or a file dropped here)"</span>
                    <textarea
                        data-testid="mem-config"
                        rows="5"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="{\"model_type\": \"llama\", \"hidden_size\": 4096, ...}"
                        on:input=on_input
                    ></textarea>
                </label>
                <label class="mem-field">
                    <span>"or choose the file"</span>
                    <input type="file" accept=".json,application/json" data-testid="mem-config-file" on:change=on_file />
                </label>
            </div>
            <div class="mem-hub">
                <label class="mem-field">
                    <span>"or a Hugging Face model id"</span>
                    <input
                        type="text"
                        data-testid="mem-hub-id"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="mistralai/Mixtral-8x7B-v0.1"
                        prop:value=move || hub_id.get()
                        on:input=move |ev| hub_id.set(event_target_value(&ev))
                    />
                </label>
                <button type="button" data-testid="mem-hub-fetch" on:click=fetch>"Fetch config.json"</button>
                <p class="help">"Fetching asks huggingface.co for the file, only when you press the button."</p>
            </div>
            {move || status_view(status.get())}
    }
}

/// What an import said: progress, what was read, or why not.
fn status_view(status: Status) -> AnyView {
    match status {
        Status::Idle => ().into_any(),
        Status::Busy(message) => {
            view! { <p class="help" role="status" data-testid="mem-config-busy">{message}</p> }
                .into_any()
        }
        Status::Read(lines) => view! {
            <ul class="mem-config-status" role="status" data-testid="mem-config-status">
                {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
        Status::Failed(message) => view! {
            <p class="input-error" role="alert" data-testid="mem-config-error">{message}</p>
        }
        .into_any(),
    }
}

/// The body of a GET, or the HTTP status it failed with (`None`: no answer at all).
async fn fetch_text(url: &str) -> Result<String, Option<u16>> {
    let window = web_sys::window().ok_or(None)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| None)?
        .dyn_into()
        .map_err(|_| None)?;
    if !response.ok() {
        return Err(Some(response.status()));
    }
    let body = response.text().map_err(|_| None)?;
    JsFuture::from(body)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or(None)
}
