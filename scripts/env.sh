# Shared environment for Hale's scripts; sourced, not run.
# The npm tools (tauri CLI, wasm-opt) live in node_modules/.bin; cargo-installed ones in ~/.cargo/bin.
HALE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HALE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HALE_ROOT/target}"
# Release builds with the UI embedded (custom-protocol) serve every script: the app you run,
# the app the end-to-end tests drive, and the test binaries. Every cargo call selects the same
# packages (the workspace less the wasm UI) so features unify identically and the stack is
# compiled once; selecting one package would resolve features anew and rebuild much of it.
HALE_CARGO_FLAGS=(--release --features hale-app/custom-protocol --workspace --exclude hale-ui)
log() { printf '\033[1;34m[hale]\033[0m %s\n' "$*"; }
