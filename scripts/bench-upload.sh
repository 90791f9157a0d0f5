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

# shellcheck source=scripts/bench-services.sh
source scripts/bench-services.sh
bench_services_start "$LOG"

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
