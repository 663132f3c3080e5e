//! Architecture Invariant: the pure core (`formats`, `memory`, `plot`, `present`, `route`, `train`)
//! never imports `leptos`, `web_sys`, `wasm_bindgen`, `js_sys` or `wgpu`; the GPU backend (`gpu`) may
//! use `wgpu` (and `web_sys` to look for `navigator.gpu`) but never `leptos`. This test reads the
//! sources, so it fails the moment someone adds such an import, on any target.

use std::path::{Path, PathBuf};

const FORBIDDEN: [&str; 5] = ["leptos", "web_sys", "wasm_bindgen", "wgpu", "js_sys"];
const CORE: [&str; 6] = ["formats", "memory", "plot", "present", "route", "train"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Finds every use of a forbidden crate as a path (`leptos::`, `use wgpu`), ignoring comments.
fn violations(source: &str) -> Vec<String> {
    violations_of(source, &FORBIDDEN)
}

fn violations_of(source: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for &name in forbidden {
            let as_path = format!("{name}::");
            let as_use = format!("use {name}");
            let as_extern = format!("extern crate {name}");
            if code.contains(&as_path) || code.contains(&as_use) || code.contains(&as_extern) {
                found.push(format!("line {}: {}", number + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn core_modules_never_import_web_or_gpu_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for module in CORE {
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
    }
    assert!(
        files.len() >= CORE.len(),
        "expected every core module on disk, found {files:?}"
    );
    let mut report = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source file is readable");
        for v in violations(&text) {
            report.push(format!("{}: {v}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "core modules import web/GPU crates:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_gpu_backend_never_imports_the_ui_framework() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu"),
        &mut files,
    );
    assert!(!files.is_empty(), "src/gpu exists");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source file is readable");
        let found = violations_of(&text, &["leptos"]);
        assert!(found.is_empty(), "{}: {found:?}", file.display());
    }
}

#[test]
fn the_checker_catches_each_forbidden_import() {
    for bad in [
        "use leptos::prelude::*;",
        "let w = web_sys::window();",
        "use wasm_bindgen::prelude::*;",
        "let d = wgpu::Instance::default();",
    ] {
        assert_eq!(violations(bad).len(), 1, "{bad} should be flagged");
    }
    assert!(violations("// leptos:: in a comment is fine").is_empty());
    assert!(violations("let leptos_like = 1;").is_empty());
}
