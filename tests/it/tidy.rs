//! Size limits that keep the code readable in one sitting (after rust-analyzer's tidy tests):
//!
//! - No source file under `src/` is longer than [`MAX_FILE_LINES`] lines.
//! - No function is longer than [`MAX_FN_LINES`] lines unless the comment just above it says why
//!   (a line containing `Long because`).
//!
//! Functions are found in rustfmt's layout: a line whose code starts with `fn` (after `pub`,
//! `const`, `async`, ...) and ends at the first later line that is only `}` at the same indent.

use std::path::Path;

use super::layers::rust_files;

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 150;

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("source is readable");
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, text)
        })
        .collect()
}

/// The name of the function a line starts, if it starts one with a body.
fn function_start(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    if line.trim_end().ends_with(';') {
        return None;
    }
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Every function longer than `max` lines whose preceding comment gives no reason:
/// `(name, first line, length)`.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = function_start(line) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let closing = format!("{indent}}}");
        let Some(end) = (i + 1..lines.len()).find(|&j| lines[j] == closing) else {
            continue;
        };
        let length = end - i + 1;
        let reason = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("#[")
            })
            .any(|l| l.contains("Long because"));
        if length > max && !reason {
            out.push((name.to_string(), i + 1, length));
        }
    }
    out
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_FILE_LINES)
        .map(|(name, text)| format!("{name}: {} lines", text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them along their concerns):\n{}",
        long.join("\n")
    );
}

#[test]
fn no_function_is_longer_than_the_limit_without_a_reason() {
    let mut long = Vec::new();
    for (name, text) in sources() {
        for (function, line, length) in long_functions(&text, MAX_FN_LINES) {
            long.push(format!("{name}:{line}: fn {function}, {length} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, or say above them why not, with \
         \"Long because\"):\n{}",
        long.join("\n")
    );
}

/// The checker itself: it finds a long function, accepts one with a reason, ignores declarations.
#[test]
fn the_length_checker_finds_long_functions() {
    let body = "    let x = 1;\n".repeat(10);
    let long = format!("impl A {{\n    pub fn big(&self) {{\n{body}    }}\n}}\n");
    assert_eq!(long_functions(&long, 5), vec![("big".to_string(), 2, 12)]);
    let excused = format!("// Long because: one table.\nfn big() {{\n{body}}}\n");
    assert!(long_functions(&excused, 5).is_empty());
    let short = format!("fn small() {{\n{body}}}\n");
    assert!(long_functions(&short, 20).is_empty());
    assert!(long_functions("trait T {\n    fn f(&self);\n}\n", 0).is_empty());
}
