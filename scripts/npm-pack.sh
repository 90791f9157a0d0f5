#!/usr/bin/env bash
# Builds the npm package: one module for bundlers (`--target bundler`, the package's main export)
# and one for `<script type="module">` without a bundler (`--target web`, export "./web", web.js),
# sharing one .wasm, the
# platform adapters (platforms/ckeditor5, platforms/decap-cms), README and LICENSE, with
# npm/package.json (the package's metadata; its version is Cargo.toml's, checked by
# tests/version_consistency.rs). Nothing test-only goes in (scanned below).
#
#   scripts/npm-pack.sh                    both builds, then `npm pack`
#   scripts/npm-pack.sh --web-from DIR     reuse an existing --target web build (e.g. www/pkg from
#                                          `scripts/demo.sh --build-only`): one build less
#
# Output: target/npm/package/ (the package tree) and target/npm/cloudinary-connector-<version>.tgz.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
web_from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --web-from) web_from=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "npm-pack.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
OUT=target/npm
STEM=cloudinary_connector
mkdir -p "$OUT"
if [ -n "$web_from" ]; then
  [ -f "$web_from/${STEM}_bg.wasm" ] || { echo "npm-pack.sh: $web_from has no ${STEM}_bg.wasm" >&2; exit 1; }
  web=$web_from
else
  bash scripts/build-wasm.sh --target web --out-dir "$OUT/web"
  web=$OUT/web
fi
bash scripts/build-wasm.sh --target bundler --out-dir "$OUT/bundler"

pkg=$OUT/package
rm -rf "$pkg"
mkdir -p "$pkg/platforms/ckeditor5" "$pkg/platforms/decap-cms"
# Both builds link the same module: wasm-bindgen emits identical .wasm bytes for the two targets
# (checked here), so the package holds it once, next to both JS glues; the web glue becomes
# web.js (it loads `new URL('cloudinary_connector_bg.wasm', import.meta.url)`, the same file).
cmp -s "$web/${STEM}_bg.wasm" "$OUT/bundler/${STEM}_bg.wasm" \
  || { echo "npm-pack.sh: the web and bundler builds' .wasm differ (build both from the same sources)" >&2; exit 1; }
cp "$OUT/bundler/$STEM.js" "$OUT/bundler/${STEM}_bg.js" "$OUT/bundler/$STEM.d.ts" \
   "$OUT/bundler/${STEM}_bg.wasm" "$OUT/bundler/${STEM}_bg.wasm.d.ts" "$pkg/"
cp "$web/$STEM.js" "$pkg/web.js"
cp "$web/$STEM.d.ts" "$pkg/web.d.ts"
cp platforms/ckeditor5/cloudinary-ckeditor5.js platforms/ckeditor5/cloudinary-ckeditor5.d.ts "$pkg/platforms/ckeditor5/"
cp platforms/decap-cms/cloudinary-decap-cms.js platforms/decap-cms/cloudinary-decap-cms.d.ts "$pkg/platforms/decap-cms/"
cp README.md LICENSE "$pkg/"
cp npm/package.json "$pkg/package.json"
# `--target web` also declares the raw wasm exports (`InitOutput`, what `init()` resolves to) with
# `any`: they are ABI-level functions no caller should use, typed `unknown` here so that the
# public surface has no `any` (tests/e2e/npm-types.test.mjs checks every .d.ts).
sed -i '/^export interface InitOutput {/,/^}/ s/\bany\b/unknown/g' "$pkg/web.d.ts"

version=$(node -p 'require("./npm/package.json").version')
cargo_version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ "$version" = "$cargo_version" ] || { echo "npm-pack.sh: npm/package.json version $version != Cargo.toml $cargo_version" >&2; exit 1; }
bash signer/tests/scan-artifacts.sh "$pkg" >/dev/null
if find "$pkg" \( -name "*.double.*" -o -name doubles -o -name "*.test.*" \) | grep -q .; then
  echo "npm-pack.sh: a test file is in the package: $(find "$pkg" -name "*.double.*" -o -name doubles -o -name "*.test.*")" >&2; exit 1
fi
rm -f "$OUT"/cloudinary-connector-*.tgz
(cd "$OUT" && npm pack ./package --pack-destination . --loglevel=error >/dev/null)
tgz=$OUT/cloudinary-connector-$version.tgz
echo "npm package: $tgz ($(wc -c <"$tgz") bytes; $(tar -tzf "$tgz" | wc -l) files)"
