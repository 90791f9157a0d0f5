#!/usr/bin/env bash
# Size report: wasm + JS glue (wasm-pack --target web, release, wasm-opt -Oz --converge
# --strip-debug --strip-producers from the crates' wasm-pack metadata), raw and gzip -9,
# of (1) the URL-only build with its whole URL API, (2) the URL-only minimal build
# (url/config/resetConfig/urlToSign/signedUrl), (3) the whole plugin.
# Usage: scripts/size.sh            (needs tools/node_modules: `(cd tools && npm ci)`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$root/tools/node_modules/.bin"
[ -x "$bin/wasm-opt" ] || bin="/work/main/tools/node_modules/.bin"
[ -x "$bin/wasm-opt" ] || { echo "wasm-opt not found: run (cd tools && npm ci)" >&2; exit 1; }
export PATH="$bin:$PATH"

root_version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
url_version="$(sed -n 's/^version = "\(.*\)"/\1/p' bench/url-only/Cargo.toml | head -1)"
if [ "$root_version" != "$url_version" ]; then
  echo "bench/url-only/Cargo.toml version $url_version != Cargo.toml version $root_version" >&2
  exit 1
fi

build() { # name, out-dir, wasm-pack args...
  local name="$1" out="$2"; shift 2
  wasm-pack --quiet build --release --target web --out-dir "$out" "$@" >/dev/null 2>"$out.log" \
    || { cat "$out.log" >&2; exit 1; }
}
row() { # label, dir, stem
  local label="$1" dir="$2" stem="$3" w="$2/$3_bg.wasm" j="$2/$3.js"
  local wr wg jr jg
  wr=$(wc -c <"$w"); wg=$(gzip -9c "$w" | wc -c)
  jr=$(wc -c <"$j"); jg=$(gzip -9c "$j" | wc -c)
  printf '%-28s %9d %9d %9d %9d %9d %9d\n' "$label" "$wr" "$wg" "$jr" "$jg" $((wr + jr)) $((wg + jg))
}

mkdir -p target/size
# The URL-only crate is not a workspace member: give it a target dir under ours.
CARGO_TARGET_DIR="$root/target/url-only" build url-full "$root/target/size/url-only" bench/url-only
CARGO_TARGET_DIR="$root/target/url-only" build url-min "$root/target/size/url-minimal" bench/url-only -- --features url-minimal
build plugin "$root/target/size/plugin" . -- -p cloudinary-connector

printf '%-28s %9s %9s %9s %9s %9s %9s\n' "build (bytes)" "wasm" "wasm.gz" "js" "js.gz" "total" "total.gz"
row "URL-only (whole URL API)" target/size/url-only cloudinary_connector_url
row "URL-only minimal" target/size/url-minimal cloudinary_connector_url
row "whole plugin" target/size/plugin cloudinary_connector
