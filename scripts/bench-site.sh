#!/usr/bin/env bash
# Benchmarks the release site: dist/ sizes (raw, gzip -9), navigation to interactive vs a blank
# page, and the Formats view's click latency. Prints Markdown tables for the README.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/tools.sh"
cd "$ROOT"
ensure_test_tools
rm -rf dist
trunk build --release --locked >&2
node tests/bench/site.mjs
