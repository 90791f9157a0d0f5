#!/usr/bin/env bash
# Throughput and memory of the chunked uploader on the review scenario "Upload/delivery of large
# files (>1GB)": a 1.1 GB Blob (generated lazily from one repeated 1 MiB buffer) uploaded in
# 20,000,000-byte parts, 2 in flight, through the real signer to the Cloudinary test double
# (release build), over loopback, in headless Chromium (default) or Firefox.
#
#   scripts/bench-upload.sh [chrome|firefox] [BYTES]      # default: chrome 1100000000
#
# Above 256 MB the test uploads a disk-backed File written to the Origin Private File System.
# Prints the test's line (bytes, parts, seconds, MB/s, wasm memory before/after, JS heap) and
# the test server's peak resident memory. Uses ports 28887/28889 so it can run next to the
# services of scripts/services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER=${1:-chrome}
BYTES=${2:-1100000000}
export SIGNER_URL=http://127.0.0.1:28887
export CLD_TEST_SERVER_URL=http://127.0.0.1:28889
export UPLOAD_SCENARIO_BYTES=$BYTES
export UPLOAD_SCENARIO_CHUNK=${UPLOAD_SCENARIO_CHUNK:-20000000}
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-900}
LOG=target/bench-upload
mkdir -p "$LOG"

cargo build -q -p cloudinary-connector-signer
# shellcheck source=scripts/cargo-target-dir.sh
source scripts/cargo-target-dir.sh
TARGET_DIR=$(cargo_target_dir)
# The test double optimised (its SHA-256 of every byte would dominate in a debug build).
cargo build -q --profile signer -p cld-test-server
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
(
  source signer/tests/fixtures/test-env.sh
  exec "$TARGET_DIR/debug/cld-signer" --dev --config signer/tests/fixtures/test-config.toml --listen "${SIGNER_URL#http://}"
) >"$LOG/signer.log" 2>&1 &
PIDS+=($!)
(
  source signer/tests/fixtures/test-env.sh
  exec "$TARGET_DIR/signer/cld-test-server" --config signer/tests/fixtures/test-config.toml --listen "${CLD_TEST_SERVER_URL#http://}"
) >"$LOG/cld-test-server.log" 2>&1 &
SERVER_PID=$!
PIDS+=($SERVER_PID)
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$SIGNER_URL/v1/health" 2>/dev/null && curl -fsS -o /dev/null "$CLD_TEST_SERVER_URL/health" 2>/dev/null && break
  sleep 0.1
done

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
case "$BROWSER" in
  chrome) RUN=(env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_ONLY_WEB=1) ;;
  firefox) RUN=(env -u CHROMEDRIVER GECKODRIVER="$HOME/.cargo/bin/geckodriver" WASM_BINDGEN_TEST_ONLY_WEB=1) ;;
  *) echo "usage: $0 [chrome|firefox] [BYTES]" >&2; exit 2 ;;
esac
# The uploader's work is the browser's I/O (Blob slices streamed by fetch), not wasm compute:
# the regular (debug) test build is measured.
"${RUN[@]}" cargo test --target wasm32-unknown-unknown --test upload_browser -- \
  review_scenario_large_file_upload_in_5_mib_parts_with_bounded_memory --nocapture 2>&1 | tee "$LOG/run.log" |
  grep -E "upload scenario:|test result|panicked" || true
grep -q "test result: ok" "$LOG/run.log"
echo "cld-test-server peak RSS: $(grep VmHWM /proc/$SERVER_PID/status | awk '{print $2, $3}')"
