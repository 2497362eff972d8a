#!/usr/bin/env bash
# Builds the UI (trunk, wasm) and the release app that embeds it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$HALE_ROOT"

log "building the UI (trunk, release)"
(cd ui && trunk build --release)

log "building the app (release)"
cargo build "${HALE_CARGO_FLAGS[@]}"
log "built $CARGO_TARGET_DIR/release/hale-app"
