#!/usr/bin/env bash
# Training steps per second for every precision policy: natively (`cargo bench --bench train`) and
# in headless Chromium (our wasm CPU backend through `?view=train&bench=1`, and TensorFlow.js's CPU
# and wasm backends training the same MLP in the same page). Not a timed test: it prints tables.
#   scripts/bench-train.sh            (builds dist/ with `trunk build --release` if it is missing)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
echo "=== native: cargo bench --bench train ==="
cargo bench --bench train
if [[ ! -f dist/index.html ]]; then
  echo "=== trunk build --release ==="
  trunk build --release
fi
echo
echo "=== headless Chromium: node tests/bench/train.mjs ==="
node tests/bench/train.mjs
