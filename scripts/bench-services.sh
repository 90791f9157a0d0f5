#!/usr/bin/env bash
# Sourced by the upload benchmarks (scripts/bench-upload.sh, scripts/bench-upload-queue.sh): builds
# and starts the signer (debug, --dev) and the upload test double (release: its SHA-256 of every
# byte would dominate in a debug build) on $SIGNER_URL and $CLD_TEST_SERVER_URL, logs in $1; both
# are stopped on exit. Sets SERVER_PID (the double's).
# shellcheck source=scripts/cargo-target-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/cargo-target-dir.sh"
bench_services_start() {
  local log="$1" target
  mkdir -p "$log"
  target=$(cargo_target_dir)
  cargo build -q -p cloudinary-connector-signer
  cargo build -q --profile signer -p cld-test-server
  BENCH_PIDS=()
  trap 'for p in "${BENCH_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done' EXIT
  (
    source signer/tests/fixtures/test-env.sh
    exec "$target/debug/cld-signer" --dev --config signer/tests/fixtures/test-config.toml --listen "${SIGNER_URL#http://}"
  ) >"$log/signer.log" 2>&1 &
  BENCH_PIDS+=($!)
  (
    source signer/tests/fixtures/test-env.sh
    exec "$target/signer/cld-test-server" --config signer/tests/fixtures/test-config.toml --listen "${CLD_TEST_SERVER_URL#http://}"
  ) >"$log/cld-test-server.log" 2>&1 &
  SERVER_PID=$!
  BENCH_PIDS+=($SERVER_PID)
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$SIGNER_URL/v1/health" 2>/dev/null && curl -fsS -o /dev/null "$CLD_TEST_SERVER_URL/health" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: the signer or the upload test double did not start (logs in $log)" >&2
  return 1
}
