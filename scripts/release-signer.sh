#!/usr/bin/env bash
# The release binary of the signer: a static (musl) x86_64 Linux `cld-signer`, built with the
# server profile (`--profile signer`: opt-level 3, unwinding panics), checked to be static, and
# smoke-tested by starting it: it must answer its health check and its metrics, then stop on
# SIGTERM.
#
#   scripts/release-signer.sh            build + smoke test; prints the binary's path and size
#   scripts/release-signer.sh --no-build smoke-test an existing build
#
# Needs the rust target x86_64-unknown-linux-musl and Debian's musl-tools (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=x86_64-unknown-linux-musl
# shellcheck source=scripts/cargo-target-dir.sh
source scripts/cargo-target-dir.sh
BIN=$(cargo_target_dir)/$TARGET/signer/cld-signer

if [ "${1:-}" != "--no-build" ]; then
  rustup target list --installed | grep -qx "$TARGET" || { echo "release-signer: rustup target add $TARGET (scripts/setup.sh)" >&2; exit 2; }
  command -v musl-gcc >/dev/null || { echo "release-signer: musl-gcc is missing: apt-get install musl-tools (scripts/setup.sh)" >&2; exit 2; }
  # ring's C and assembly parts are compiled with Debian's musl-gcc wrapper.
  CC_x86_64_unknown_linux_musl=musl-gcc \
    cargo build --quiet --locked --profile signer --target "$TARGET" -p cloudinary-connector-signer --bin cld-signer
fi
# --build-only: scripts/test.sh builds in the background and smoke-tests later with --no-build.
[ "${1:-}" = "--build-only" ] && exit 0
[ -x "$BIN" ] || { echo "release-signer: $BIN was not built" >&2; exit 1; }

# Static: no program interpreter, no dynamic section.
if readelf -l "$BIN" | grep -q 'INTERP'; then
  echo "release-signer: $BIN is dynamically linked" >&2; readelf -l "$BIN" | grep -A1 INTERP >&2; exit 1
fi
if readelf -d "$BIN" 2>/dev/null | grep -q 'NEEDED'; then
  echo "release-signer: $BIN needs shared libraries" >&2; readelf -d "$BIN" | grep NEEDED >&2; exit 1
fi

# Smoke test: the shared test configuration on a free loopback port.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$(mktemp)
(
  # shellcheck source=signer/tests/fixtures/test-env.sh
  source signer/tests/fixtures/test-env.sh
  exec "$BIN" --config signer/tests/fixtures/test-config.toml --listen "127.0.0.1:$PORT" --log-format json
) 2>"$LOG" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
ok=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/v1/health" -o /dev/null 2>/dev/null; then ok=1; break; fi
  sleep 0.1
done
[ $ok -eq 1 ] || { echo "release-signer: the binary did not answer its health check; its log:" >&2; cat "$LOG" >&2; exit 1; }
health=$(curl -fsS "http://127.0.0.1:$PORT/v1/health")
echo "$health" | grep -q '"mode":"production"' || { echo "release-signer: unexpected health answer: $health" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -q '^cld_signer_requests_total{route="/v1/health",status="200"}' \
  || { echo "release-signer: /metrics does not count the health check" >&2; exit 1; }
"$BIN" --version | grep -q "^cld-signer " || { echo "release-signer: --version failed" >&2; exit 1; }
kill -TERM "$PID"
wait "$PID" || { echo "release-signer: the binary did not stop cleanly on SIGTERM; its log:" >&2; cat "$LOG" >&2; exit 1; }
grep -q 'cld-signer stopped' "$LOG" || { echo "release-signer: no clean shutdown in the log" >&2; cat "$LOG" >&2; exit 1; }
trap - EXIT
rm -f "$LOG"
echo "release-signer: $BIN ($(du -h "$BIN" | cut -f1), static) started, answered /v1/health and /metrics, stopped on SIGTERM"
