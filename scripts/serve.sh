#!/usr/bin/env bash
# Builds the release site and serves it at http://127.0.0.1:8080/ (PORT=... to change it),
# rebuilding when sources change. Installs what it lacks on first use.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools.sh
source "$ROOT/scripts/tools.sh"
ensure_build_tools
PORT="${PORT:-8080}"
cd "$ROOT"
echo "Precision Lab: building, then serving at http://127.0.0.1:$PORT/ (Ctrl-C stops)"
# `trunk serve` needs an absolute public URL; without auto-reload it injects no extra script,
# so the page keeps the same Content Security Policy as the built site.
exec trunk serve --release --address 127.0.0.1 --port "$PORT" --public-url / --no-autoreload
