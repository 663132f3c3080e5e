#!/usr/bin/env bash
# Runs Precision Lab's whole test suite; installs what it lacks on first use.
#   1. format and lint checks (cargo fmt, clippy for the native and the browser build, rustdoc's
#      links)
#   2. native `cargo test` (unit tests, the `it` integration binary, doctests)
#   3. component tests in headless Chromium (wasm-bindgen-test, tests/web)
#   4. the release site (`trunk build --release`, the build a user gets) driven in headless
#      Chromium (node --test tests/e2e); screenshots land in test-output/screenshots/
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/tools.sh"
cd "$ROOT"
ensure_test_tools

step() { printf '\n=== %s ===\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native and wasm32)"
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --bins --locked -- -D warnings
# The site's build: parts as split points (src/ui/lazy.rs).
cargo clippy --target wasm32-unknown-unknown --lib --bins --locked --features split -- -D warnings

step "module documentation (every link resolves: the codemap points into it)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --target wasm32-unknown-unknown

step "native tests (the GPU backend's on lavapipe or a real GPU)"
# Mesa's Vulkan loader complains on stderr when XDG_RUNTIME_DIR is unset (as in CI containers).
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
PRECISION_LAB_REQUIRE_GPU=1 cargo test --locked

step "component tests in headless Chromium (wasm-bindgen-test)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --locked --target wasm32-unknown-unknown --test web

step "release build (trunk build --release)"
rm -rf dist
trunk build --release --locked

step "whole-page tests in headless Chromium"
mkdir -p test-output/screenshots
node --test --test-concurrency=1 tests/e2e/
