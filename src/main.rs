//! The browser entry point: install the panic hook, mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    precision_lab::ui::panic::install();
    // In the tensor view's workers (src/ui/tensor/workers.rs) the module measures; it shows
    // nothing, and its tasks run on Leptos's executor, which mounting would start.
    if web_sys::window().is_none() {
        let _ = any_spawner::Executor::init_wasm_bindgen();
        return;
    }
    leptos::mount::mount_to_body(precision_lab::ui::App);
    precision_lab::ui::remove_boot_message();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Precision Lab is a web app: run `scripts/serve.sh` and open the address it prints.");
}
