#!/usr/bin/env bash
# Installs what building and testing Precision Lab needs, skipping what is already there, and
# puts the project's pinned tools first on PATH. Sourced by scripts/serve.sh and scripts/test.sh.
#
#   wasm32 target (rustup), trunk 0.21.14, wasm-bindgen-cli (the exact version in Cargo.lock),
#   wasm-split-cli (wasm_split_cli_support, pinned),
#   node packages (package-lock.json: playwright-core, axe-core, binaryen 132 for wasm-opt),
#   chromium + chromedriver (Debian) for the browser tests, Mesa's lavapipe for wgpu tests,
#   mdBook (pinned) for the example book the embedding tests build.
#
# Trunk never downloads anything: Trunk.toml pins these tools and sets offline = true.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

TRUNK_VERSION="0.21.14"
say() { printf '[tools] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; return 1; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >&2
  fi
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install --locked trunk --version "$TRUNK_VERSION" >&2
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
  if [ -z "$want" ]; then say "no wasm-bindgen in Cargo.lock"; return 1; fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$\| $want "; then
    say "installing wasm-bindgen-cli $want (a few minutes, once)"
    # Not --locked: one of its locked dependencies is no longer on the registry.
    cargo install wasm-bindgen-cli --version "$want" --force >&2
  fi
}

# wasm-split-cli cuts the linked module into the parts the site loads lazily (scripts/build-site.mjs).
# Its output must match the wasm_split_helpers runtime in Cargo.lock (0.2.3, through leptos), and
# scripts/site/packs.mjs reads the JS it writes, so the version is pinned.
WASM_SPLIT_VERSION="0.2.4"
ensure_wasm_split() {
  if ! cargo install --list 2>/dev/null | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION:" \
    || ! command -v wasm-split-cli >/dev/null; then
    say "installing wasm-split-cli $WASM_SPLIT_VERSION (a minute, once)"
    cargo install --locked wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --force >&2
  fi
}

# mdBook builds the example book that the whole-page tests embed widgets in (examples/book).
MDBOOK_VERSION="0.4.52"
ensure_mdbook() {
  if ! mdbook --version 2>/dev/null | grep -q "v$MDBOOK_VERSION\$"; then
    say "installing mdBook $MDBOOK_VERSION (a few minutes, once)"
    cargo install --locked mdbook --version "$MDBOOK_VERSION" --force >&2
  fi
}

ensure_node_packages() {
  local stamp="$ROOT/node_modules/.precision-lab-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    say "installing node packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund >&2)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
  wasm-opt --version | grep -q "version 132" || { say "wasm-opt on PATH is not binaryen 132"; return 1; }
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >&2; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

ensure_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromedriver (Debian packages)"
    apt_install chromium chromium-driver
  fi
  export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
}

# A Vulkan driver for the GPU backend's native tests: Mesa's lavapipe runs on the CPU, so every
# machine has an adapter (tests/it/gpu.rs fails instead of skipping when PRECISION_LAB_REQUIRE_GPU
# is set, which scripts/test.sh does).
ensure_vulkan() {
  if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
    say "installing Mesa's Vulkan drivers (lavapipe, a CPU Vulkan adapter)"
    apt_install mesa-vulkan-drivers libvulkan1
  fi
}

ensure_build_tools() { ensure_wasm_target; ensure_trunk; ensure_wasm_bindgen; ensure_wasm_split; ensure_node_packages; }
ensure_test_tools() { ensure_build_tools; ensure_browser; ensure_vulkan; ensure_mdbook; }
