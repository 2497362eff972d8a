#!/usr/bin/env bash
# Command 2: install what is missing, then run every test: unit, integration, UI logic, and the
# end-to-end journeys in the real release app under Xvfb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$HALE_ROOT/scripts/setup.sh"
"$HALE_ROOT/scripts/build.sh"
cd "$HALE_ROOT"

log "unit and integration tests"
cargo test "${HALE_CARGO_FLAGS[@]}"

log "UI logic tests (host)"
cargo test -p hale-ui

log "end-to-end journeys (Xvfb, tauri-driver, WebKitWebDriver)"
xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test "${HALE_CARGO_FLAGS[@]}" --test journeys -- --ignored --test-threads=1
