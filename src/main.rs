//! The browser entry point: install the panic hook, mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    precision_lab::ui::panic::install();
    leptos::mount::mount_to_body(precision_lab::ui::App);
    precision_lab::ui::remove_boot_message();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Precision Lab is a web app: run `scripts/serve.sh` and open the address it prints.");
}
