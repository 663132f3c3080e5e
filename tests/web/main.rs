//! Component tests in headless Chromium (wasm-bindgen-test); empty on native targets.
//! Run by scripts/test.sh through `wasm-bindgen-test-runner`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

mod formats;
mod plots;
mod shell;
mod tensor;

/// Lets Leptos run its scheduled effects and DOM updates (they are queued, not synchronous).
pub async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .expect("window")
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// A fresh container attached to the page, for mounting one component.
pub fn container() -> HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let div = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div.unchecked_into()
}

/// The one element matching `selector` inside `root`.
#[track_caller]
pub fn find(root: &Element, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .unchecked_into()
}

/// Sets the address bar's query without reloading.
pub fn set_search(search: &str) {
    let window = web_sys::window().expect("window");
    let path = window.location().pathname().expect("pathname");
    window
        .history()
        .expect("history")
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        )
        .expect("replaceState");
}

#[wasm_bindgen_test]
fn harness_finds_elements() {
    let root = container();
    root.set_inner_html("<p data-x='1'>hi</p>");
    assert_eq!(
        find(&root, "[data-x]").text_content().as_deref(),
        Some("hi")
    );
}
