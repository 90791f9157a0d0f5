#!/usr/bin/env bash
# Installs, idempotently, everything the build and the tests need on a fresh Debian 12 machine of
# this project's kind (root, registries only). Re-running when all is installed takes < 1 s:
# each step checks the *version* it needs, not mere presence.
#
#   scripts/setup.sh          toolchain for build + tests (wasm32, wasm-pack, wasm-bindgen-cli,
#                             chromium + chromedriver, firefox-esr + geckodriver, npm tools)
#   scripts/setup.sh --bench  also the benchmark tools (oha)
#
# Facts behind each step: ../shared/reference/toolchain-notes.md (copied into docs/toolchain.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
OHA_VERSION=1.14.0
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[setup] %s\n' "$*" >&2; }
have_version() { # cmd expected-substring
  # Capture first: `cmd --version | grep -q` under pipefail fails whenever grep exits before a long
  # version text (geckodriver's) is written, and that made re-runs reinstall at random.
  local out
  command -v "$1" >/dev/null 2>&1 || return 1
  out=$("$1" --version 2>/dev/null) || return 1
  [[ $out == *"$2"* ]]
}

# The wasm-bindgen version everything must agree on: Cargo.lock is the truth, Cargo.toml's pin the fallback.
wasm_bindgen_version() {
  if [ -f Cargo.lock ]; then
    awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock
  else
    sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1
  fi
}

step_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown
  fi
  for c in rustfmt clippy; do
    rustup component list --installed | grep -q "^$c" || rustup component add "$c"
  done
}

apt_updated=0
apt_install() { # packages...
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then log "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

step_browsers() {
  apt_install chromium chromium-driver firefox-esr curl ca-certificates
}

cargo_bin() { # name version crate [--locked]
  local bin=$1 ver=$2 crate=$3 locked=${4:-}
  if have_version "$bin" "$ver"; then return 0; fi
  log "cargo install $crate $ver ${locked}"
  cargo install -q "$crate" --version "$ver" $locked --force
}

step_wasm_tools() {
  cargo_bin wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
  local wbv; wbv=$(wasm_bindgen_version)
  [ -n "$wbv" ] || { echo "setup: cannot read the wasm-bindgen version from Cargo.lock/Cargo.toml" >&2; exit 1; }
  # --locked fails for 0.2.130 (a pinned dependency version is not served): install without it.
  if ! { have_version wasm-bindgen "$wbv" && have_version wasm-bindgen-test-runner "$wbv"; }; then
    log "cargo install wasm-bindgen-cli $wbv"; cargo install -q wasm-bindgen-cli --version "$wbv" --force
  fi
  cargo_bin geckodriver "$GECKODRIVER_VERSION" geckodriver --locked
}

step_npm_tools() {
  # wasm-opt from npm binaryen (Debian's binaryen 108 produces modules that fail to load), playwright-core
  # (driving Debian's chromium/firefox; never its own browser downloads). Installed into tools/node_modules.
  if [ ! -x tools/node_modules/.bin/wasm-opt ] || ! cmp -s tools/package-lock.json tools/node_modules/.setup-stamp; then
    log "npm ci in tools/"
    (cd tools && npm ci --no-audit --no-fund --loglevel=error)
    cp tools/package-lock.json tools/node_modules/.setup-stamp
  fi
}

step_npm_test_apps() {
  # The Vite app of the npm package's test (tests/vite-app: vite, vite-plugin-wasm, typescript),
  # pinned by its package-lock.json; never shipped.
  if [ ! -d tests/vite-app/node_modules/vite ] || ! cmp -s tests/vite-app/package-lock.json tests/vite-app/node_modules/.setup-stamp; then
    log "npm ci in tests/vite-app/"
    (cd tests/vite-app && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/vite-app/package-lock.json tests/vite-app/node_modules/.setup-stamp
  fi
  # Real hosts of the platform adapters (tests/hosts/hosts.lock: name, version, sha512), each
  # `npm pack`ed from the registry, checked and unpacked into tests/hosts/<name>/.
  local name ver integrity got tmp
  while read -r name ver integrity; do
    case "$name" in ''|'#'*) continue ;; esac
    if [ "$(cat "tests/hosts/$name/.setup-stamp" 2>/dev/null)" = "$ver $integrity" ]; then continue; fi
    log "npm pack $name@$ver into tests/hosts/$name"
    tmp=$(mktemp -d)
    got=$( (cd "$tmp" && npm pack "$name@$ver" --json --loglevel=error) | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].integrity))')
    if [ "$got" != "$integrity" ]; then
      rm -rf "$tmp"; echo "setup: $name@$ver has integrity $got, tests/hosts/hosts.lock pins $integrity" >&2; exit 1
    fi
    rm -rf "tests/hosts/$name"; mkdir -p "tests/hosts/$name"
    tar -xzf "$tmp"/*.tgz -C "tests/hosts/$name" --strip-components=1
    rm -rf "$tmp"
    echo "$ver $integrity" > "tests/hosts/$name/.setup-stamp"
  done < tests/hosts/hosts.lock
}

step_bench() {
  cargo_bin oha "$OHA_VERSION" oha --locked
}

main() {
  local t0=$SECONDS
  step_rust
  step_browsers
  step_npm_tools
  step_npm_test_apps
  step_wasm_tools
  if [ "${1:-}" = "--bench" ]; then step_bench; fi
  log "ready in $((SECONDS - t0)) s"
}
main "$@"
