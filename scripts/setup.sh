#!/usr/bin/env bash
# Installs, idempotently, everything the build and the tests need on a fresh Debian 12 machine of
# this project's kind (root, registries only). Re-running when all is installed takes < 1 s:
# each step checks the *version* it needs, not mere presence.
#
#   scripts/setup.sh          toolchain for build + tests (wasm32, wasm-pack, wasm-bindgen-cli,
#                             chromium + chromedriver, firefox-esr + geckodriver, npm tools,
#                             the WordPress suite's Playground packages and php-cli)
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

step_wordpress() {
  # The WordPress suite (platforms/wordpress/tests): WordPress Playground's CLI and the WordPress 6.5
  # build from npm (pinned, test-only, never shipped), and Debian's php-cli for PHP lint and unit tests.
  apt_install php-cli unzip zip
  local d=platforms/wordpress/tests
  if [ ! -x $d/node_modules/.bin/wp-playground-cli ] || ! cmp -s $d/package-lock.json $d/node_modules/.setup-stamp; then
    log "npm ci in $d (WordPress Playground, WordPress 6.5 build)"
    (cd $d && npm ci --no-audit --no-fund --loglevel=error)
    cp $d/package-lock.json $d/node_modules/.setup-stamp
  fi
}

# The signer's shared-state store (issue 13): Debian's redis-server, started by the tests on a free
# loopback port with their own settings (never the packaged service). Redis >= 7 (bookworm: 7.0).
step_redis() {
  apt_install redis-server
  local v; v=$(redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
  if [ -z "$v" ] || [ "$v" -lt 7 ]; then
    echo "setup: redis-server >= 7 is needed (found: $(redis-server --version 2>&1 | head -1))" >&2; exit 1
  fi
  # The package's own service is not used: the tests start their own instance on a free port.
  if command -v systemctl >/dev/null && systemctl is-enabled redis-server >/dev/null 2>&1; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
}

# The static (musl) release build of cld-signer (scripts/release-signer.sh): the rust target and
# Debian's musl-gcc for the C parts of the dependency tree (ring).
step_musl() {
  if ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
    log "adding rust target x86_64-unknown-linux-musl"; rustup target add x86_64-unknown-linux-musl
  fi
  apt_install musl-tools
}

# Cloudinary's real Video Player for the end-to-end tests (tests/e2e/video-player.test.mjs):
# the npm package, pinned by version AND integrity (npm pack checks the tarball against the
# registry's; we check it against ours), unpacked into target/vendor/. Its npm dependencies are
# not needed: dist/ holds the built bundles. Never shipped.
VIDEO_PLAYER_VERSION=4.0.3
VIDEO_PLAYER_INTEGRITY=sha512-UoxcsBA2SPKz0oVdrSr6ojdSms4+mBWr6oOqYVq8C4c4xMYLPFq6NqyUx61pzDEQwkG7pP4XsDmCuB+G7Vz+hQ==
step_video_player() {
  local dir="target/vendor/cloudinary-video-player-$VIDEO_PLAYER_VERSION"
  if [ -f "$dir/.integrity" ] && [ "$(cat "$dir/.integrity")" = "$VIDEO_PLAYER_INTEGRITY" ]; then return 0; fi
  log "npm pack cloudinary-video-player@$VIDEO_PLAYER_VERSION"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "cloudinary-video-player@$VIDEO_PLAYER_VERSION" --json --loglevel=error >pack.json)
  local got; got=$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tmp/cloudinary-video-player-$VIDEO_PLAYER_VERSION.tgz")
  if [ "$got" != "$VIDEO_PLAYER_INTEGRITY" ]; then
    echo "setup: cloudinary-video-player-$VIDEO_PLAYER_VERSION.tgz has integrity $got, expected $VIDEO_PLAYER_INTEGRITY" >&2
    rm -rf "$tmp"; exit 1
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  tar -xzf "$tmp/cloudinary-video-player-$VIDEO_PLAYER_VERSION.tgz" -C "$dir" --strip-components=1 package/dist package/package.json
  echo "$VIDEO_PLAYER_INTEGRITY" >"$dir/.integrity"
  rm -rf "$tmp"
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
  # The upload queue benchmark's baseline: the official Cloudinary Node SDK (bench/upload-queue,
  # pinned by its package-lock.json), for scripts/bench-upload-queue.sh.
  local stamp; stamp=$(sha256sum bench/upload-queue/package-lock.json | cut -c1-16)
  if [ "$(cat bench/upload-queue/node_modules/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
    log "npm ci in bench/upload-queue/ (cloudinary Node SDK, benchmark baseline)"
    (cd bench/upload-queue && npm ci --no-audit --no-fund --loglevel=error)
    echo "$stamp" > bench/upload-queue/node_modules/.setup-stamp
  fi
}

main() {
  local t0=$SECONDS
  step_rust
  step_browsers
  step_npm_tools
  step_wordpress
  step_video_player
  step_npm_test_apps
  step_wasm_tools
  step_redis
  step_musl
  if [ "${1:-}" = "--bench" ]; then step_bench; fi
  log "ready in $((SECONDS - t0)) s"
}
main "$@"
