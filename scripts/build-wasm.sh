#!/usr/bin/env bash
# The one release build of the plugin's WebAssembly package: what `wasm-pack build --release` does
# (cargo build for wasm32, wasm-bindgen, wasm-opt with the flags in Cargo.toml's
# [package.metadata.wasm-pack.profile.release]), except that the library is compiled as a cdylib
# only (`cargo rustc --crate-type cdylib`). Cargo.toml's `crate-type = ["cdylib", "rlib"]` (the rlib
# is for the signer and the tests) costs the wasm 17 KB gzip: with both crate types the whole
# plugin was 258,002 B gzip (wasm + JS), with the cdylib alone 241,018 B (scripts/size.sh, 2026-12-01).
#
#   scripts/build-wasm.sh --target web|bundler|nodejs --out-dir DIR [--out-name STEM] [-- CARGO_ARGS]
#   e.g. scripts/build-wasm.sh --target web --out-dir www/pkg
#        scripts/build-wasm.sh --target web --out-dir pkg-url --out-name cloudinary_connector_url -- --features url-only
#
# Writes DIR/STEM.js, DIR/STEM_bg.wasm and their .d.ts (STEM defaults to cloudinary_connector).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target='' out='' name=cloudinary_connector
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target=$2; shift 2 ;;
    --out-dir) out=$2; shift 2 ;;
    --out-name) name=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-wasm.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$target" ] && [ -n "$out" ] || { echo "build-wasm.sh: --target and --out-dir are required (see --help)" >&2; exit 2; }
export PATH="$HOME/.cargo/bin:$root/tools/node_modules/.bin:$PATH"
command -v wasm-bindgen >/dev/null && command -v wasm-opt >/dev/null && command -v esbuild >/dev/null \
  || { echo "build-wasm.sh: wasm-bindgen, wasm-opt or esbuild not found: run scripts/setup.sh" >&2; exit 1; }
# shellcheck source=scripts/cargo-target-dir.sh
source "$root/scripts/cargo-target-dir.sh"

# The dependencies' panic locations name their files relative to the registry (`js-sys-0.3.107/src/
# ...`), not by this machine's path (`/root/.cargo/registry/src/index.crates.io-.../`): the
# package carries no build-machine path (and 60 bytes less per path: about 1 KB of the plugin's
# wasm, 0.1 KB once gzipped; scripts/size.sh, 2026-12-02). Only this release build gets the
# flag, so the other wasm builds (wasm-pack test, clippy) keep their own caches.
remap=()
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$d" ] && remap+=("--remap-path-prefix=$d=")
done
(cd "$root" && RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }${remap[*]}" cargo rustc --quiet --release \
  --target wasm32-unknown-unknown -p cloudinary-connector --lib --crate-type cdylib "$@")
wasm="$(cargo_target_dir)/wasm32-unknown-unknown/release/cloudinary_connector.wasm"
mkdir -p "$out"
wasm-bindgen --target "$target" --out-dir "$out" --out-name "$name" "$wasm"
# The JS glue without the doc comments wasm-bindgen copies into it from the Rust docs: they are
# in the .d.ts beside it, which editors read (the glue's `@ts-self-types` line, kept, points
# there). esbuild rewrites the glue without minifying it, so it stays readable; the whole
# plugin's glue went from 16,513 to 13,693 B gzip (scripts/size.sh, 2026-12-02).
# The nodejs target's glue is CommonJS: esbuild keeps each target's module format.
format=esm
[ "$target" = nodejs ] && format=cjs
for js in "$out/$name.js" "$out/${name}_bg.js"; do
  [ -f "$js" ] || continue
  first=$(head -n 1 "$js")
  esbuild "$js" --format=$format --log-level=warning --outfile="$js.tmp"
  case "$first" in
    '/* @ts-self-types='*) { printf '%s\n' "$first"; cat "$js.tmp"; } >"$js" ;;
    *) cat "$js.tmp" >"$js" ;;
  esac
  rm -f "$js.tmp"
done
# The wasm-opt flags: Cargo.toml's wasm-pack metadata, the one place they are written.
mapfile -t flags < <(python3 - "$root/Cargo.toml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'^\[package\.metadata\.wasm-pack\.profile\.release\]\s*\nwasm-opt\s*=\s*\[([^\]]*)\]', text, re.M)
if not m:
    sys.exit("build-wasm.sh: Cargo.toml has no [package.metadata.wasm-pack.profile.release] wasm-opt")
print("\n".join(re.findall(r'"([^"]*)"', m.group(1))))
PY
)
wasm-opt "${flags[@]}" "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
