#!/usr/bin/env bash
# Prints the size figures tracked in BENCHMARKS.md: the stripped release binary and the UI wasm
# (raw, gzip -9, brotli -11). Run after scripts/build.sh, with the same profile argument
# (`release`, the default, or `dist`, the shipped build). Brotli needs Python's `brotli` module
# (`pip install brotli`); without it that figure is reported as unavailable.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$HALE_ROOT"
profile=${1:-release}
app="$CARGO_TARGET_DIR/$profile/hale-app"
wasm=$(ls ui/dist/*_bg.wasm)
printf '%s binary (stripped): %d bytes\n' "$profile" \
  "$(stat -c %s "$app")"
printf 'ui wasm raw:               %d bytes\n' "$(stat -c %s "$wasm")"
printf 'ui wasm gzip -9:           %d bytes\n' "$(gzip -9 -c "$wasm" | wc -c)"
if python3 -c 'import brotli' 2>/dev/null; then
  printf 'ui wasm brotli -11:        %d bytes\n' \
    "$(python3 -c 'import brotli,sys; print(len(brotli.compress(open(sys.argv[1],"rb").read(), quality=11)))' "$wasm")"
else
  echo 'ui wasm brotli -11:        unavailable (pip install brotli)'
fi
