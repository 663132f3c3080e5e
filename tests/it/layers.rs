//! The crate's layers, checked by reading the sources (on any target, the moment an import is
//! added):
//!
//! - Architecture Invariant: a module imports only the crate's modules its row of [`ALLOWED`]
//!   names. `base` is the leaf every layer may use; the pure core (`formats`, `memory`, `train`,
//!   `plot`, `present`, `route`) never reaches up; `gpu` knows the trainer, not the views; only
//!   `ui` sits on top, and nothing imports it.
//! - Architecture Invariant: the pure core never imports `leptos`, `web_sys`, `wasm_bindgen`,
//!   `js_sys` or `wgpu`; `gpu` may use `wgpu` (and `web_sys` to look for `navigator.gpu`) but never
//!   `leptos`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each module of the crate and the crate modules it may import.
const ALLOWED: [(&str, &[&str]); 10] = [
    ("base", &[]),
    ("route", &[]),
    ("formats", &["base"]),
    ("memory", &["base"]),
    ("train", &["base"]),
    ("tensor", &["base", "formats"]),
    ("plot", &["base", "formats", "memory", "train"]),
    (
        "present",
        &[
            "base", "formats", "memory", "plot", "route", "tensor", "train",
        ],
    ),
    ("gpu", &["base", "train"]),
    (
        "ui",
        &[
            "base", "formats", "gpu", "memory", "plot", "present", "route", "tensor", "train",
        ],
    ),
];

const FORBIDDEN: [&str; 5] = ["leptos", "web_sys", "wasm_bindgen", "wgpu", "js_sys"];
const CORE: [&str; 8] = [
    "base", "formats", "memory", "plot", "present", "route", "tensor", "train",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of a top-level module: `src/<m>.rs` and everything under `src/<m>/`.
fn module_files(module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = src().join(module);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let file = src().join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    files
}

/// The code of a source line: what comes before a `//` comment.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// The crate modules a source imports (`crate::<m>` anywhere in its code), with the line.
fn crate_edges(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let mut rest = code(line);
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((name, format!("line {}: {}", number + 1, line.trim())));
            }
        }
    }
    out
}

/// Edges of `module`'s files that its row of [`ALLOWED`] does not name.
fn backwards_edges(module: &str, sources: &[(String, String)]) -> Vec<String> {
    let allowed: BTreeSet<&str> = ALLOWED
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, to)| to.iter().copied().collect())
        .unwrap_or_default();
    let modules: BTreeSet<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut bad = Vec::new();
    for (file, text) in sources {
        for (to, line) in crate_edges(text) {
            if to != module && modules.contains(to.as_str()) && !allowed.contains(to.as_str()) {
                bad.push(format!("{file}: {module} -> {to} ({line})"));
            }
        }
    }
    bad
}

/// Every use of a forbidden crate as a path (`leptos::`, `use wgpu`), comments ignored.
fn violations_of(source: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = code(line);
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

fn read_module(module: &str) -> Vec<(String, String)> {
    module_files(module)
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("source file is readable");
            (f.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_module_imports_only_the_modules_its_layer_allows() {
    // The table covers every module lib.rs declares, and nothing else.
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| code(l).trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let table: BTreeSet<String> = ALLOWED.iter().map(|(m, _)| m.to_string()).collect();
    assert_eq!(declared, table, "lib.rs's modules and the ALLOWED table");
    let mut report = Vec::new();
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (module, _) in ALLOWED {
        let sources = read_module(module);
        assert!(!sources.is_empty(), "src/{module} exists");
        report.extend(backwards_edges(module, &sources));
        for (_, text) in &sources {
            for (to, _) in crate_edges(text) {
                if table.contains(&to) && to != module {
                    edges.entry(module).or_default().insert(to);
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "imports the layers do not allow:\n{}",
        report.join("\n")
    );
    // Nothing imports the UI.
    assert!(edges.values().all(|to| !to.contains("ui")));
}

#[test]
fn core_modules_never_import_web_or_gpu_crates() {
    let mut report = Vec::new();
    for module in CORE {
        for (file, text) in read_module(module) {
            for v in violations_of(&text, &FORBIDDEN) {
                report.push(format!("{file}: {v}"));
            }
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
    for (file, text) in read_module("gpu") {
        let found = violations_of(&text, &["leptos"]);
        assert!(found.is_empty(), "{file}: {found:?}");
    }
}

#[test]
fn the_checkers_catch_what_they_guard_against() {
    for bad in [
        "use leptos::prelude::*;",
        "let w = web_sys::window();",
        "use wasm_bindgen::prelude::*;",
        "let d = wgpu::Instance::default();",
    ] {
        assert_eq!(
            violations_of(bad, &FORBIDDEN).len(),
            1,
            "{bad} should be flagged"
        );
    }
    assert!(violations_of("// leptos:: in a comment is fine", &FORBIDDEN).is_empty());
    assert!(violations_of("let leptos_like = 1;", &FORBIDDEN).is_empty());
    // A backwards edge: the GPU backend reaching for a view model.
    let gpu = [(
        "src/gpu/x.rs".to_string(),
        "use crate::present::train::Session;".to_string(),
    )];
    assert_eq!(backwards_edges("gpu", &gpu).len(), 1);
    let fine = [(
        "src/gpu/x.rs".to_string(),
        "use crate::train::Run; // crate::ui in a comment".to_string(),
    )];
    assert!(backwards_edges("gpu", &fine).is_empty());
    let plot = [(
        "src/plot/x.rs".to_string(),
        "let x = crate::train::detmath::ln(2.0);".to_string(),
    )];
    assert!(
        backwards_edges("plot", &plot).is_empty(),
        "plot may draw the trainer's data"
    );
    let formats = [(
        "src/formats/x.rs".to_string(),
        "use crate::train::SplitMix64;".to_string(),
    )];
    assert_eq!(
        backwards_edges("formats", &formats).len(),
        1,
        "formats stands below train"
    );
}
