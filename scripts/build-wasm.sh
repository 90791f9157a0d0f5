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

# Any source path the compiler writes into the wasm (panic locations did, until the build below
# went `no_std`: it has none now) names dependencies' files relative to the registry
# (`index.crates.io-.../js-sys-0.3.107/src/...`), not by this machine's path (`/root/.cargo/...`):
# the package carries no build-machine path. Given as cargo configuration, so any path works
# (a TOML string); like every `target.<triple>.rustflags`, it takes the place of `build.rustflags`
# and is ignored when RUSTFLAGS is set. Only this release build gets it, so the other wasm
# builds (wasm-pack test, clippy) keep their own caches.
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src/"
esc=${registry//\\/\\\\}
esc=${esc//\"/\\\"}
remap="target.wasm32-unknown-unknown.rustflags=[\"--remap-path-prefix=${esc}=\"]"
# `--no-default-features --features panic-trap`: without the crate's `std` feature, so the wasm links
# `core` and `alloc` only, with the crate's trapping panic handler (src/lib.rs): the whole plugin
# 221,316 -> 214,713 B gzip (scripts/size.sh, 2026-12-03). Cargo features given after `--` add to these.
(cd "$root" && cargo rustc --quiet --release --config "$remap" \
  --target wasm32-unknown-unknown -p cloudinary-connector --lib --crate-type cdylib \
  --no-default-features --features panic-trap "$@")
wasm="$(cargo_target_dir)/wasm32-unknown-unknown/release/cloudinary_connector.wasm"
mkdir -p "$out"
wasm-bindgen --target "$target" --out-dir "$out" --out-name "$name" "$wasm"
# The wasm's imports and exports renamed `$a`, `$b`, ... in the wasm and its glue alike
# (scripts/wasm-short-names.py): wasm-bindgen's names (`__wbg_getItem_49556a3e59cfb688`,
# `widgets_mountMediaLibrary`) are written in both files, and their hashes do not compress. The
# whole plugin 238,385 -> 232,068 B gzip (scripts/size.sh, 2026-12-02). Before esbuild, which
# then minifies the renamed glue like the rest.
glue=()
for f in "$out/$name.js" "$out/${name}_bg.js" "$out/$name.d.ts" "$out/${name}_bg.wasm.d.ts"; do
  [ -f "$f" ] && glue+=("$f")
done
python3 "$root/scripts/wasm-short-names.py" "$out/${name}_bg.wasm" "${name}_bg.js" "${glue[@]}"
# The JS glue minified by esbuild (identifiers, whitespace and comments; exported names stay):
# the doc comments wasm-bindgen copies into it from the Rust docs stay in the .d.ts beside it,
# which editors read (the glue's `@ts-self-types` line, kept, points there). The whole plugin's
# glue: 16,513 B gzip as generated, 11,218 B without its comments (esbuild, not minified), 9,290 B
# minified (scripts/size.sh, 2026-12-02). `--keep-names` would keep the classes' `.name` for
# 1.4 KB more: nothing reads it (the errors carry `code`; wasm-bindgen checks `instanceof`).
# The nodejs target's glue is CommonJS: esbuild keeps each target's module format.
format=esm
[ "$target" = nodejs ] && format=cjs
for js in "$out/$name.js" "$out/${name}_bg.js"; do
  [ -f "$js" ] || continue
  first=$(head -n 1 "$js")
  esbuild "$js" --minify --format=$format --log-level=warning --outfile="$js.min.js"
  case "$first" in
    '/* @ts-self-types='*) { printf '%s\n' "$first"; cat "$js.min.js"; } >"$js" ;;
    *) cat "$js.min.js" >"$js" ;;
  esac
  rm -f "$js.min.js"
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
# Optimised twice around one reordering of the functions (scripts/wasm-order-functions.py): same
# type and same body next to each other, which gzip compresses better (whole plugin 231,999 ->
# 229,025 B of gzipped wasm, the raw wasm unchanged; scripts/size.sh, 2026-12-02). The second pass
# keeps that order (binaryen's passes do not reorder functions) and strips what the flags say.
opt=()
for f in "${flags[@]}"; do
  case "$f" in --strip-*) ;; *) opt+=("$f") ;; esac
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-opt "${opt[@]}" "$out/${name}_bg.wasm" -o "$tmp/a.wasm"
wasm-dis "$tmp/a.wasm" -o "$tmp/a.wat"
read -r -a features < <(python3 "$root/scripts/wasm-order-functions.py" "$tmp/a.wat" "$tmp/b.wat")
wasm-as "${features[@]}" "$tmp/b.wat" -o "$tmp/b.wasm"
wasm-opt "${flags[@]}" "${features[@]}" "$tmp/b.wasm" -o "$out/${name}_bg.wasm"
