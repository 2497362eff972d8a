#!/usr/bin/env bash
# Builds the UI (scripts/ui.sh, wasm) and the app that embeds it: `release` (what the tests run), or with
# `dist` as argument the app alone in the shipping profile (fat LTO, size-optimised), without the
# embedded hospital's PostgreSQL driver, which a workspace build brings in for the server's tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$HALE_ROOT"
profile=${1:-release}

log "building the UI (release)"
./scripts/ui.sh

if [[ $profile == dist ]]; then
  log "building the app (dist)"
  cargo build --profile dist -p hale-app --features custom-protocol
else
  log "building the app (release)"
  cargo build "${HALE_CARGO_FLAGS[@]}"
fi
log "built $CARGO_TARGET_DIR/$profile/hale-app"
