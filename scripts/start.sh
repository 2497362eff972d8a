#!/usr/bin/env bash
# Command 1: install what is missing, build, and open Hale on the embedded demo hospital.
# Set HALE_HOSPITAL_URL to use another hospital instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$HALE_ROOT/scripts/setup.sh"
"$HALE_ROOT/scripts/build.sh"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  log "no display: running under Xvfb (a screenshot: import -display \$DISPLAY -window root shot.png)"
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$CARGO_TARGET_DIR/release/hale-app" "$@"
fi
exec "$CARGO_TARGET_DIR/release/hale-app" "$@"
