#!/usr/bin/env bash
# Builds the UI for release into ui/dist, which the app embeds: the hale-ui binary for wasm32,
# wasm-bindgen's web bindings, wasm-opt -Oz, and index.html with its trunk links filled in. It
# does what `trunk build --release` does, so neither CI nor a release build needs trunk (about
# 9 minutes to install from source); `tauri dev` still serves the UI with trunk, from the same
# index.html and Trunk.toml (scripts/setup.sh --dev installs it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$HALE_ROOT"

dist=ui/dist
stage="$CARGO_TARGET_DIR/ui-stage"
rm -rf "$stage" && mkdir -p "$stage"

cargo build --profile ui --offline -p hale-ui --bin hale-ui --target wasm32-unknown-unknown
wasm-bindgen --target=web --no-typescript --out-name=hale-ui --out-dir="$stage" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/ui/hale-ui.wasm"
node_modules/.bin/wasm-opt -Oz --output="$stage/hale-ui_bg.opt.wasm" "$stage/hale-ui_bg.wasm"

# Content-named files, as trunk names them, so a new build is never mistaken for an old one.
short_hash() { cat "$@" | sha256sum | cut -c1-16; }
js="hale-ui-$(short_hash "$stage/hale-ui.js" "$stage/hale-ui_bg.opt.wasm").js"
wasm="${js%.js}_bg.wasm"
css="style-$(short_hash ui/style.css).css"

rm -rf "$dist" && mkdir -p "$dist"
cp "$stage/hale-ui.js" "$dist/$js"
cp "$stage/hale-ui_bg.opt.wasm" "$dist/$wasm"
cp ui/style.css "$dist/$css"
# Bundled fonts (Urdu's letters; `ui/fonts/LICENSE-OFL.txt`): nothing is fetched at run time.
cp -r ui/fonts "$dist/fonts"

# The two trunk links become the stylesheet and the module that starts the app; a changed
# index.html that this does not understand fails here rather than shipping a blank window.
grep -q '<link data-trunk rel="css" href="style.css" />' ui/index.html
grep -q '<link data-trunk rel="rust"' ui/index.html
grep -q '<link data-trunk rel="copy-dir" href="fonts" />' ui/index.html
start="<script type=\"module\">import init from '/$js'; await init({ module_or_path: '/$wasm' });</script>"
preload="<link rel=\"modulepreload\" href=\"/$js\" /><link rel=\"preload\" href=\"/$wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\" />"
sed -e "s#<link data-trunk rel=\"css\" href=\"style.css\" />#<link rel=\"stylesheet\" href=\"/$css\" />#" \
    -e "s#<link data-trunk rel=\"rust\"[^>]*>#$start$preload#" \
    -e "/<link data-trunk rel=\"copy-dir\" href=\"fonts\" \/>/d" \
    ui/index.html > "$dist/index.html"
if grep -q 'data-trunk' "$dist/index.html"; then
  echo "ui.sh: ui/index.html has a trunk link it does not know" >&2
  exit 1
fi
log "UI built into $dist ($(wc -c < "$dist/$wasm") B of wasm)"
