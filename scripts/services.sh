#!/usr/bin/env bash
# Services the browser and end-to-end tests talk to, all on 127.0.0.1. Sourced by scripts/test.sh
# (and usable by hand: `source scripts/services.sh; services_start`). The URLs are exported so that
# the wasm test build bakes them in at compile time (option_env!).
export SIGNER_URL=${SIGNER_URL:-http://127.0.0.1:18787}
export DOUBLES_URL=${DOUBLES_URL:-http://127.0.0.1:18788}
export CLD_TEST_SERVER_URL=${CLD_TEST_SERVER_URL:-http://127.0.0.1:18789}
SERVICES_PIDS=()
# shellcheck source=scripts/cargo-target-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/cargo-target-dir.sh"
SERVICES_LOG_DIR=${SERVICES_LOG_DIR:-$PWD/target/services}

wait_http() { # url name
  local i
  for i in $(seq 1 300); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "services: $2 did not answer at $1 within 30 s; its log:" >&2
  tail -20 "$SERVICES_LOG_DIR/$2.log" >&2 || true
  return 1
}

services_start() {
  mkdir -p "$SERVICES_LOG_DIR"
  cargo build -q -p cloudinary-connector-signer
  local bin
  bin="$(cargo_target_dir)/debug"
  # The real signer, in dev mode, with the test accounts and their test secrets (not credentials).
  (
    # shellcheck source=signer/tests/fixtures/test-env.sh
    source signer/tests/fixtures/test-env.sh
    exec "$bin/cld-signer" --dev --config signer/tests/fixtures/test-config.toml \
      --listen "${SIGNER_URL#http://}"
  ) >"$SERVICES_LOG_DIR/signer.log" 2>&1 &
  SERVICES_PIDS+=($!)
  # Test doubles of Cloudinary's widget scripts (tests/doubles/), with CORS, delays and 404 routes.
  node scripts/serve-doubles.mjs "${DOUBLES_URL##*:}" >"$SERVICES_LOG_DIR/doubles.log" 2>&1 &
  SERVICES_PIDS+=($!)
  # The test double of Cloudinary's Upload API (tests/cld-test-server): chunked uploads, checked
  # against the same test secrets.
  cargo build -q -p cld-test-server
  (
    # shellcheck source=signer/tests/fixtures/test-env.sh
    source signer/tests/fixtures/test-env.sh
    exec "$bin/cld-test-server" --config signer/tests/fixtures/test-config.toml \
      --listen "${CLD_TEST_SERVER_URL#http://}"
  ) >"$SERVICES_LOG_DIR/cld-test-server.log" 2>&1 &
  SERVICES_PIDS+=($!)
  wait_http "$SIGNER_URL/v1/health" signer
  wait_http "$DOUBLES_URL/health" doubles
  wait_http "$CLD_TEST_SERVER_URL/health" cld-test-server
}

services_stop() {
  local p
  for p in "${SERVICES_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${SERVICES_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  SERVICES_PIDS=()
# shellcheck source=scripts/cargo-target-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/cargo-target-dir.sh"
}
