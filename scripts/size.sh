#!/usr/bin/env bash
# Size report: wasm + JS glue (scripts/build-wasm.sh --target web: release, cdylib only, wasm-opt
# -Oz --converge --strip-debug --strip-producers from the crate's wasm-pack metadata), raw and gzip -9,
# of (1) the URL-only build with its whole URL API (`--features url-only`), (2) the URL-only
# minimal build (`--features url-minimal`)
# (url/config/resetConfig/urlToSign/signedUrl), (3) the whole plugin, (4) the wasm-bindgen floor
# (bench/wasm-floor: one string-in, string-out URL function with one error, the least any Rust/wasm
# URL build can ship); the JS glue also minified
# (esbuild --minify, as an app's bundler would ship it); and, in the same run, two reference
# bundles of @cloudinary/url-gen 1.22 built by esbuild --bundle --minify: its minimal bundle
# (`new Cloudinary(...).image(id).toURL()`) and the benchmark's chained transformation.
# Usage: scripts/size.sh            (needs tools/node_modules: `(cd tools && npm ci)`)
#        scripts/size.sh --check    the same, then fails if a build's total gzip (wasm + JS glue as
#                                   generated) is over its budget below, or if a URL-only build
#                                   gives other URLs than the SDKs for the 268 recorded cases
#                                   (scripts/check-url-only.mjs), or if a shipped wasm holds a Rust
#                                   source path (a panic location: std linked); scripts/test.sh runs this
#
# Budgets: ceilings against regressions, set a little above the sizes measured when they were last
# raised. They are NOT issue #3's size targets (whole plugin <= 60 KB, URL-only <= url-gen's minimal
# bundle), which are not met: README "Delivery URLs" says why. Raising one is a reviewed change.
# URL-only budgets set 2026-12-02 (issue 15, one JSON model): the URL engine reads core::json and the
# URL path no longer calls core::fmt::write; measured URL-only 51,486 B (was 51,517) and minimal
# 33,318 B (was 34,056), each budget ~0.5 KB above (the minimal one lowered from 34500).
# Lowered 2026-12-02 (issue 15): the JS glue without its copied doc comments, the parameter table
# walk, the registry path remapped, no target-features section, and the minimal build's url()
# without the template memo: URL-only 51,486 -> 49,363 B, minimal 33,318 -> 29,345 B (under
# cloudinary-core 2.14.1's self-contained bundle, 31,983 B); the same ~0.5 KB margins.
# Lowered 2026-12-02 (issue 15): the JS glue shipped minified: URL-only 49,363 -> 48,310 B, minimal
# 29,345 -> 28,596 B; the same ~0.5 KB margins.
# Lowered 2026-12-02 (issue 15): the functions reordered for gzip (scripts/build-wasm.sh): minimal
# 28,449 -> 28,269 B (budget 29,100 -> 28,800); the whole URL API 48,345 -> 48,454 B keeps its budget.
# Lowered 2026-12-02 (issue 15): the wasm's imports and exports renamed short (scripts/wasm-short-names.py):
# URL-only 48,454 -> 46,619 B (budget 48,800 -> 47,100), minimal 28,269 -> 27,489 B (28,800 -> 28,000).
# Lowered 2026-12-03 (issue 15): the shipped builds without std (`--no-default-features`,
# scripts/build-wasm.sh; a trapping panic handler): URL-only 46,524 -> 42,987 B (47,100 -> 43,500),
# minimal 27,510 -> 26,404 B (28,000 -> 26,900).
# Lowered 2026-12-03 (issue 15): no Debug quoting, semver ported, no two-way searcher: URL-only
# 42,987 -> 42,399 B (43,500 -> 42,900); minimal unchanged (26,404 B).
BUDGET_URL_FULL=42900
BUDGET_URL_MIN=26900
# Raised 256000 -> 262000 (2026-12-01): 251,315 -> 258,563 B with the signer wire contract (issue 13),
# stable JS error codes (16), the widgets' owned nodes, callbacks and script footprint (17) and the
# inserted images' srcset (12), measured on the merged tree.
# Raised 262000 -> 288500 (2026-12-01): 258,832 -> 288,012 B with the upload queue (issue 14:
# core::upload_queue, host::upload_queue, the UploadQueue JS class), measured on its branch.
# Lowered 262000 -> 245000 (issue 15): 258,576 -> 241,584 B, the cdylib-only build (scripts/build-wasm.sh)
# with the same features; the same margin (~3.4 KB) as before. URL-only 51,506 and minimal 34,057 B
# keep their budgets (their margins were already ~0.5 KB).
# Set to 272500 on the merged tree (2026-12-02): the cdylib-only build (issue 15) with the upload
# queue (issue 14) measures 268,946 B; the same ~3.5 KB margin.
# Lowered 272500 -> 248500 (2026-12-02, issue 15): 268,958 -> 245,110 B with one JSON model, no
# BTreeMap/HashMap/Unicode case table linked, the JS glue without its copied doc comments, one
# instance of the promise and task glue; the same ~3.4 KB margin.
# Lowered 248500 -> 246000 (2026-12-02, issue 15): 245,110 -> 242,730 B with the JS glue shipped
# minified and one registration path for listeners, timeouts and observers; ~3.3 KB margin.
# Lowered 246000 -> 244500 (2026-12-02, issue 15): 242,730 -> 240,942 B with json::Map::set at the
# json!/option-writer call sites, one widget-factory call and one reader of the uploaders' shared
# options and of signer tokens; ~3.5 KB margin.
# Lowered 244500 -> 241800 (2026-12-02, issue 15): 241,367 -> 238,385 B with the functions reordered
# for gzip (same type and body side by side; scripts/wasm-order-functions.py); ~3.4 KB margin.
# Lowered 241800 -> 235500 (2026-12-02, issue 15): 238,385 -> 232,068 B with the wasm's imports and
# exports renamed short in the wasm and its glue (scripts/wasm-short-names.py); ~3.4 KB margin.
# Lowered 235500 -> 233600 (2026-12-02, issue 15): 232,068 -> 230,214 B with wasm-opt's
# --low-memory-unused; ~3.4 KB margin.
# Lowered 233600 -> 224700 (2026-12-02, issue 15): 230,214 -> 221,316 B with the requests through
# host::fetch (no gloo-net, no http crate), InFlight/race instead of futures-util, no std stable
# sort, no JsValue Debug rendering, the account listing's checks as plain fns, one listing fetch
# in the panel; ~3.4 KB margin.
# Lowered 224700 -> 218100 (2026-12-03, issue 15): 221,316 -> 214,713 B with the shipped builds
# without std (core + alloc, a trapping panic handler: no panic messages or locations); ~3.4 KB margin.
# Lowered 218100 -> 212600 (2026-12-03, issue 15): 214,713 -> 209,185 B with the error messages'
# quoting (core::text::Quoted) and core::semver instead of Debug and the semver crate (no Unicode
# tables), and core::text::find_str instead of the two-way searcher; ~3.4 KB margin.
BUDGET_PLUGIN=212600
set -euo pipefail
CHECK=0; [ "${1:-}" = "--check" ] && CHECK=1
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$root/tools/node_modules/.bin"
[ -x "$bin/wasm-opt" ] && [ -x "$bin/esbuild" ] || { echo "wasm-opt/esbuild not found: run (cd tools && npm ci)" >&2; exit 1; }
export PATH="$bin:$PATH"

build() { # name, out-dir, wasm-pack args... (the measurement crate bench/wasm-floor)
  local name="$1" out="$2"; shift 2
  wasm-pack --quiet build --release --target web --out-dir "$out" "$@" >/dev/null 2>"$out.log" \
    || { cat "$out.log" >&2; exit 1; }
}
build_plugin() { # out-dir, scripts/build-wasm.sh args... (the crate, as every package ships it)
  local out="$1"; shift
  bash scripts/build-wasm.sh --target web --out-dir "$out" "$@" >/dev/null 2>"$out.log" \
    || { cat "$out.log" >&2; exit 1; }
}
row() { # label, dir, stem
  local label="$1" dir="$2" stem="$3" w="$2/$3_bg.wasm" j="$2/$3.js" m="$2/$3.min.js"
  local wr wg jr jg mg
  esbuild "$j" --minify --format=esm --log-level=warning --outfile="$m"
  wr=$(wc -c <"$w"); wg=$(gzip -9c "$w" | wc -c)
  jr=$(wc -c <"$j"); jg=$(gzip -9c "$j" | wc -c); mg=$(gzip -9c "$m" | wc -c)
  printf '%-28s %9d %9d %9d %9d %9d %9d %10d\n' "$label" "$wr" "$wg" "$jr" "$jg" $((wr + jr)) $((wg + jg)) $((wg + mg))
  TOTAL_GZ=$((wg + jg))
}
over=()
budget() { # label, budget (total gzip of the row just printed)
  if [ "$TOTAL_GZ" -gt "$2" ]; then over+=("$1: $TOTAL_GZ bytes gzip is over its budget of $2 (scripts/size.sh)"); fi
}
urlgen() { # label, entry file
  local out="target/size/url-gen-$2.min.js"
  NODE_PATH="$(dirname "$bin")" esbuild "target/size/$2.mjs" --bundle --minify --format=esm --log-level=warning --outfile="$out"
  printf '%-28s %9s %9s %9d %9d %9d %9d %10d\n' "$1" - - "$(wc -c <"$out")" "$(gzip -9c "$out" | wc -c)" \
    "$(wc -c <"$out")" "$(gzip -9c "$out" | wc -c)" "$(gzip -9c "$out" | wc -c)"
}

mkdir -p target/size
# The URL-only builds are the one crate's `url-only` / `url-minimal` features (Cargo.toml).
# All three are built by scripts/build-wasm.sh, the packages' one build (cdylib only: see there).
build_plugin "$root/target/size/url-only" --out-name cloudinary_connector_url -- --features url-only
build_plugin "$root/target/size/url-minimal" --out-name cloudinary_connector_url -- --features url-minimal
build_plugin "$root/target/size/plugin"
CARGO_TARGET_DIR="$root/target/wasm-floor" build floor "$root/target/size/wasm-floor" bench/wasm-floor

cat >target/size/minimal.mjs <<'JS'
import { Cloudinary } from '@cloudinary/url-gen';
const cld = new Cloudinary({ cloud: { cloudName: 'demo' } });
export const url = (id) => cld.image(id).toURL();
JS
cat >target/size/chain.mjs <<'JS'
import { Cloudinary } from '@cloudinary/url-gen';
import { fill } from '@cloudinary/url-gen/actions/resize';
import { autoGravity } from '@cloudinary/url-gen/qualifiers/gravity';
import { sepia } from '@cloudinary/url-gen/actions/effect';
import { byRadius } from '@cloudinary/url-gen/actions/roundCorners';
import { format, quality } from '@cloudinary/url-gen/actions/delivery';
const cld = new Cloudinary({ cloud: { cloudName: 'demo' } });
export const url = (id) => cld.image(id).resize(fill().width(400).height(300).gravity(autoGravity()))
  .effect(sepia()).roundCorners(byRadius(20)).delivery(format('auto')).delivery(quality('auto')).toURL();
JS

printf '%-28s %9s %9s %9s %9s %9s %9s %10s\n' "build (bytes)" "wasm" "wasm.gz" "js" "js.gz" "total" "total.gz" "gz,min.js"
row "URL-only (whole URL API)" target/size/url-only cloudinary_connector_url
budget "URL-only (whole URL API)" $BUDGET_URL_FULL
row "URL-only minimal" target/size/url-minimal cloudinary_connector_url
budget "URL-only minimal" $BUDGET_URL_MIN
row "whole plugin" target/size/plugin cloudinary_connector
budget "whole plugin" $BUDGET_PLUGIN
row "wasm-bindgen floor" target/size/wasm-floor wasm_floor
urlgen "url-gen 1.22 minimal" minimal
urlgen "url-gen 1.22 chained" chain

if [ $CHECK -eq 1 ]; then
  if [ ${#over[@]} -gt 0 ]; then printf '%s\n' "${over[@]}" >&2; exit 1; fi
  # The URL-only builds README offers give the SDKs' URLs: all recorded cases through each.
  node scripts/check-url-only.mjs target/size/url-only cloudinary_connector_url
  node scripts/check-url-only.mjs target/size/url-minimal cloudinary_connector_url
  # The shipped builds link no std (scripts/build-wasm.sh, `no_std`): no panic location, hence no
  # Rust source path, is in their wasm. With std's panic handler the whole plugin held 59 such file
  # names (`src/core/url/options.rs`, `js-sys-0.3.107/src/lib.rs`, ...).
  for w in target/size/url-only/cloudinary_connector_url_bg.wasm target/size/url-minimal/cloudinary_connector_url_bg.wasm \
           target/size/plugin/cloudinary_connector_bg.wasm; do
    paths=$(LC_ALL=C grep -aoE '[A-Za-z0-9_./-]+\.rs' "$w" | sort -u || true)
    [ -z "$paths" ] || { echo "$w holds Rust source paths (is std linked?): $(echo $paths | head -c 300)" >&2; exit 1; }
  done
  echo "size budgets: every build within its budget (URL-only $BUDGET_URL_FULL, URL-only minimal $BUDGET_URL_MIN, plugin $BUDGET_PLUGIN bytes gzip)"
fi
