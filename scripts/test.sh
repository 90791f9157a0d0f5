#!/usr/bin/env bash
# The whole test suite: the README's test command, and what CI (.ci/run) runs.
#
#   scripts/test.sh            everything (installs what is missing first)
#   scripts/test.sh --quick    native checks only (fmt, clippy, cargo test): no browsers
#
# Order: setup → version check → fmt → clippy (host, wasm32) → native tests → services →
# browser tests (headless Chromium, then Firefox) → end-to-end tests (Playwright: reference host,
# npm package in a Vite app + tsc, CKEditor 5 and Decap CMS adapters) → size budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$ROOT/tools/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1

T0=$SECONDS
section() { printf '\n==> %s  (+%ds)\n' "$*" "$((SECONDS - T0))"; }

section "setup"
bash scripts/setup.sh

section "versions agree (Cargo.toml, pkg.json, CHANGELOG.md, User-Agent)"
cargo test -q --test version_consistency

section "cargo fmt --check"
cargo fmt --all -- --check
# The one Rust file outside the workspace (a measurement crate with its own profile: scripts/size.sh).
rustfmt --check --edition 2021 bench/wasm-floor/lib.rs

# One file may allow unsafe code: src/page_local.rs (its `unsafe impl Sync`; the crate's lint is
# `deny`, the signer's and the test server's `forbid`: Cargo.toml).
unsafe_files=$(grep -rl 'allow(unsafe_code)' --include='*.rs' src signer tests || true)
[ "$unsafe_files" = "src/page_local.rs" ] \
  || { echo "allow(unsafe_code) outside src/page_local.rs: $unsafe_files" >&2; exit 1; }

section "clippy (host)"
cargo clippy -q --workspace --all-targets -- -D warnings

section "clippy (wasm32)"
cargo clippy -q -p cloudinary-connector --target wasm32-unknown-unknown --all-targets -- -D warnings
# The shipped builds (scripts/build-wasm.sh): the library without `std`, whole and URL-only.
for features in "" url-only url-minimal; do
  cargo clippy -q -p cloudinary-connector --target wasm32-unknown-unknown --lib --no-default-features \
    --features "panic-trap${features:+,$features}" -- -D warnings
done

section "native tests (core, signer)"
cargo test --workspace 2>&1 | tee .tmp-native.log | grep -E '^(test result|running|error|failures:|---- )' || true
grep -q 'test result: FAILED' .tmp-native.log && { cat .tmp-native.log | tail -60; exit 1; }
grep -qE '^error' .tmp-native.log && { tail -60 .tmp-native.log; exit 1; }
rm -f .tmp-native.log

if [ $QUICK -eq 1 ]; then section "done (quick)"; exit 0; fi

# ---- services for the browser tests, on loopback only; stopped on exit ----
# shellcheck source=scripts/services.sh
source scripts/services.sh
trap services_stop EXIT
services_start

# wasm-bindgen-test-runner gives up on a test FILE after WASM_BINDGEN_TEST_TIMEOUT seconds (default
# 20): the upload and widget files take longer than that on a loaded 2-core machine. A ceiling for
# a hung file, not a timing assertion.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-180}

section "browser tests: headless Chromium"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome

section "browser tests: headless Firefox"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" wasm-pack test --headless --firefox

if compgen -G "tests/e2e/*.test.mjs" >/dev/null; then
  section "end-to-end tests (Playwright, Debian Chromium/Firefox)"
  bash scripts/demo.sh --build-only
  section "no secret in the built package (www/pkg)"
  bash signer/tests/scan-artifacts.sh www/pkg
  cargo build -q -p cloudinary-connector-signer   # the e2e tests start target/debug/cld-signer --dev
  # The npm package from the same build (www/pkg) plus one bundler build, packed: the Vite app
  # and the type checks install it (tests/e2e/npm-*.test.mjs).
  section "npm package (scripts/npm-pack.sh: bundler build + www/pkg, npm pack, scan)"
  bash scripts/npm-pack.sh --web-from www/pkg
  section "end-to-end tests: reference host, npm package (Vite app, tsc), CKEditor 5, Decap CMS"
  node --test --test-concurrency=1 tests/e2e/ platforms/ckeditor5/tests/ platforms/decap-cms/tests/
fi

# The signer's static release build (cargo, all CPUs, about 7 min cold) runs in the background,
# niced, while the WordPress suite runs: Playground's PHP runs on one thread and mostly waits, so
# the two overlap instead of adding up. Its smoke test runs after the size budgets.
nice -n 10 bash scripts/release-signer.sh --build-only >.tmp-release-build.log 2>&1 &
RELEASE_BUILD=$!
trap 'kill "$RELEASE_BUILD" 2>/dev/null || true; services_stop' EXIT

section "WordPress plugin (real WordPress 6.5 under WordPress Playground; platforms/wordpress)"
bash platforms/wordpress/tests/run.sh

section "size budgets (URL-only builds, whole plugin; wasm + JS glue, gzip -9)"
bash scripts/size.sh --check

section "signer release binary (static musl build, smoke-tested by starting it)"
wait "$RELEASE_BUILD" || { cat .tmp-release-build.log >&2; exit 1; }
rm -f .tmp-release-build.log
bash scripts/release-signer.sh --no-build

section "all tests passed"
