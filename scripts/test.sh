#!/usr/bin/env bash
# Command 2: install what is missing, then run every test: unit, integration (the hospital
# server's on SQLite and on PostgreSQL), UI logic, and the end-to-end journeys in the real
# release app under Xvfb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$HALE_ROOT/scripts/setup.sh"
"$HALE_ROOT/scripts/build.sh"
cd "$HALE_ROOT"

log "unit and integration tests (the hospital server on SQLite)"
unset HALE_TEST_POSTGRES
cargo test "${HALE_CARGO_FLAGS[@]}"

log "the hospital server's tests again on PostgreSQL, with its two-instance tests"
source "$HALE_ROOT/scripts/postgres.sh"
# The test binaries just built, run again with HALE_TEST_POSTGRES set (nothing is rebuilt).
mapfile -t server_tests < <(cargo test "${HALE_CARGO_FLAGS[@]}" --no-run --message-format=json \
  2>/dev/null | python3 "$HALE_ROOT/scripts/test_binaries.py" crates/hale-server)
[ "${#server_tests[@]}" -gt 0 ] || { echo "no hospital server test binaries found" >&2; exit 1; }
for binary in "${server_tests[@]}"; do
  (cd "$HALE_ROOT/crates/hale-server" && "$binary" --include-ignored)
done
source "$HALE_ROOT/scripts/postgres.sh" stop
unset HALE_TEST_POSTGRES

log "UI logic tests (host)"
cargo test -p hale-ui

log "end-to-end journeys (Xvfb, tauri-driver, WebKitWebDriver)"
# --show-output: journeys print what they measured (the SIGKILL counts, axe-core per screen).
xvfb-run -a -s "-screen 0 1920x1080x24" \
  cargo test "${HALE_CARGO_FLAGS[@]}" --test journeys -- --ignored --test-threads=1 --show-output
