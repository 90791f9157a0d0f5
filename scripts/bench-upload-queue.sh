#!/usr/bin/env bash
# Benchmark (not a test): twenty 50 MB files through the plugin's UploadQueue in headless Chromium
# and through the official Cloudinary Node SDK's upload_large (bench/upload-queue, cloudinary@2.11.0
# pinned; `scripts/setup.sh --bench` installs it), one after the other against the same upload
# test double (release build) with the real signer, over loopback. Prints throughput and peak
# memory of each (README "Bulk and resumable uploads"). Needs www/pkg (scripts/demo.sh --build-only).
#
#   scripts/bench-upload-queue.sh            BENCH_FILES=20 BENCH_FILE_BYTES=50000000 by default
#
# Uses ports 28987/28989 so it can run next to the services of scripts/services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export SIGNER_URL=http://127.0.0.1:28987
export CLD_TEST_SERVER_URL=http://127.0.0.1:28989
LOG=target/bench-upload-queue
[ -d bench/upload-queue/node_modules/cloudinary ] || { echo "bench/upload-queue is not installed: run scripts/setup.sh --bench" >&2; exit 1; }
[ -f www/pkg/cloudinary_connector_bg.wasm ] || { echo "www/pkg is not built: run scripts/demo.sh --build-only" >&2; exit 1; }
# shellcheck source=scripts/bench-services.sh
source scripts/bench-services.sh
bench_services_start "$LOG"
(cd bench/upload-queue && node --expose-gc run.mjs)
