#!/usr/bin/env bash
# Installs everything Hale needs on a Debian 12 machine, skipping what is already there.
# Run by scripts/start.sh and scripts/test.sh; safe to run again at any time. With --dev it also
# installs trunk, which `tauri dev` serves the UI with (builds use scripts/ui.sh instead).
set -euo pipefail
dev=false
if [ "${1:-}" = "--dev" ]; then dev=true; fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRUNK_VERSION="0.21.14"
TAURI_DRIVER_VERSION="2.1.0"
CARGO_DENY_VERSION="0.20.2"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# The tools below are built from source, one after another; one target directory for all of
# them lets a crate built for one (same version, same features) serve the next.
export CARGO_TARGET_DIR="${HALE_TOOLS_TARGET:-${TMPDIR:-/tmp}/hale-tools-target}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- Debian packages: WebKitGTK for the Tauri shell, D-Bus for BLE and notifications,
# --- Xvfb + WebKitWebDriver for end-to-end tests, imagemagick for screenshots, GNOME Keyring
# --- (a real Secret Service) for the journeys that keep a sign-in between starts, PostgreSQL
# --- for the hospital server's tests on it (scripts/postgres.sh starts a throwaway cluster),
# --- Chromium + chromedriver for the care team console's journeys in a real browser,
# --- poppler-utils (pdftotext) to read the readable report's PDF back in its tests.
APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config libdbus-1-dev
  xvfb xauth webkit2gtk-driver dbus imagemagick gnome-keyring postgresql
  chromium chromium-driver poppler-utils
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt: all packages present"
fi

# --- Rust: the wasm target for the UI.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- The offline cargo registry: the UI builds offline, so fetch every crate first.
log "cargo: fetching crates"
cargo fetch --locked -q

# --- trunk serves the UI in the developer loop. 0.22 needs a newer Rust than this toolchain.
if $dev && ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "cargo install trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install --locked -q trunk --version "$TRUNK_VERSION"
fi

# --- wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION"
  # Not --locked: its lockfile pins a crate that is no longer in the index.
  cargo install -q wasm-bindgen-cli --version "$WB_VERSION"
fi

# --- tauri-driver bridges WebDriver to WebKitWebDriver for the end-to-end tests.
if ! tauri-driver --help >/dev/null 2>&1; then
  log "cargo install tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --locked -q tauri-driver --version "$TAURI_DRIVER_VERSION"
fi

# --- cargo-deny checks advisories, licences and sources (scripts/deny.sh). 0.20.2 needs Rust 1.88.
if ! cargo-deny --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
  log "cargo install cargo-deny $CARGO_DENY_VERSION (a few minutes, once)"
  cargo install --locked -q cargo-deny --version "$CARGO_DENY_VERSION"
fi

# --- npm: the Tauri CLI, binaryen's wasm-opt (Debian's binaryen 108 breaks the wasm) and
# axe-core (the accessibility journeys run it inside the app's webview).
if [ ! -x node_modules/.bin/tauri ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ ! package-lock.json -ot node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- npm: the independent FHIR server the client's tests also run against (Medplum's
# fhir-router; tests/fhir-server), in its own folder so its versions stay its own.
if [ ! -d tests/fhir-server/node_modules/@medplum/fhir-router ] \
   || [ ! tests/fhir-server/package-lock.json -ot tests/fhir-server/node_modules/.package-lock.json ]; then
  log "npm ci (tests/fhir-server)"
  npm ci --prefix tests/fhir-server --no-audit --no-fund --loglevel=error
fi

log "ready"
