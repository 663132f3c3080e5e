//! The pinned plots (`tests/common/golden_plots.rs`) drawn by the wasm build: the same bytes as
//! natively, so no platform's maths leaks into a plot.

use wasm_bindgen_test::wasm_bindgen_test;

#[path = "../common/golden_plots.rs"]
mod golden_plots;

#[wasm_bindgen_test]
fn golden_plots_keep_their_bytes_in_the_browser() {
    let (wrong, table) = golden_plots::check();
    assert!(
        wrong.is_empty(),
        "plots differ from the native build:\n{}\n{table}",
        wrong.join("\n")
    );
}
