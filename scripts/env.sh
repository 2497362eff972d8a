# Shared environment for Hale's scripts; sourced, not run.
# The npm tools (tauri CLI, wasm-opt) live in node_modules/.bin; cargo-installed ones in ~/.cargo/bin.
HALE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HALE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HALE_ROOT/target}"
# Release builds with the UI embedded (custom-protocol) serve every script: the app you run,
# the app the end-to-end tests drive, and the test binaries, so the stack is compiled once.
HALE_CARGO_FLAGS=(--release --features hale-app/custom-protocol)
log() { printf '\033[1;34m[hale]\033[0m %s\n' "$*"; }
