#!/usr/bin/env bash
# Runs the main job: builds the plugin, starts the signer and serves the reference host.
#
#   scripts/demo.sh                 build, start cld-signer on 127.0.0.1:8787, serve www/ on 127.0.0.1:8080
#   scripts/demo.sh --build-only    only build www/pkg (what the end-to-end tests need)
#   scripts/demo.sh --no-build      skip the build (www/pkg already built)
#   PORT=9000 SIGNER_PORT=9787 scripts/demo.sh
#   CLOUDINARY_URL=cloudinary://KEY:SECRET@CLOUD scripts/demo.sh   real credentials (signer env only)
#   SIGNER_ARGS="--config signer.toml" scripts/demo.sh   your own signer configuration instead
#
# The signer runs in development mode (`--dev`: POST /v1/dev/token issues the demo host's user
# tokens) with a configuration written for this run: one account, CORS for the page's origin, a
# random token key. With no credentials it is Cloudinary's public `demo` cloud (delivery URLs
# work; the Media Library shows Cloudinary's own login and signed uploads need real credentials);
# with CLOUDINARY_URL it is your cloud, and the secret stays in the signer's environment.
# Stop with Ctrl+C: the signer and the web server are stopped with it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${PORT:-8080}
SIGNER_PORT=${SIGNER_PORT:-8787}
build=1 serve=1
for a in "$@"; do
  case "$a" in
    --build-only) serve=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $a (see --help)" >&2; exit 2 ;;
  esac
done

# Install whatever is missing (idempotent; under a second when everything is there).
bash scripts/setup.sh

# wasm-pack runs the first wasm-opt on PATH: use npm binaryen's (see docs/toolchain.md).
[ -x tools/node_modules/.bin/wasm-opt ] && export PATH="$ROOT/tools/node_modules/.bin:$PATH"
export PATH="$HOME/.cargo/bin:$PATH"

if [ $build -eq 1 ]; then
  echo "[demo] building the plugin into www/pkg" >&2
  bash scripts/build-wasm.sh --target web --out-dir www/pkg
fi
[ $serve -eq 1 ] || exit 0
[ -f www/pkg/cloudinary_connector_bg.wasm ] || { echo "demo.sh: www/pkg is not built; run without --no-build" >&2; exit 1; }

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$SIGNER_PORT"; do
  if in_use "$p"; then echo "demo.sh: 127.0.0.1:$p is already in use; choose another with PORT=/SIGNER_PORT=" >&2; exit 1; fi
done

pids=()
cleanup_dir() { :; }
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; cleanup_dir; }
trap cleanup EXIT INT TERM

rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
account=demo
if [ -z "${SIGNER_ARGS:-}" ]; then
  conf_dir=$(mktemp -d)
  cleanup_dir() { rm -rf "$conf_dir"; }
  cloud=demo key=000000000000000 secret=$(rand)
  if [ -n "${CLOUDINARY_URL:-}" ]; then
    rest=${CLOUDINARY_URL#cloudinary://}
    key=${rest%%:*}; rest=${rest#*:}; secret=${rest%%@*}; cloud=${rest#*@}; cloud=${cloud%%\?*}
    account=main
    [ -n "$key" ] && [ -n "$secret" ] && [ -n "$cloud" ] || { echo "demo.sh: CLOUDINARY_URL must be cloudinary://KEY:SECRET@CLOUD" >&2; exit 2; }
  fi
  cat > "$conf_dir/signer.toml" <<TOML
# Written by scripts/demo.sh for one run (no secret in this file).
[server]
cors_origins = ["http://127.0.0.1:$PORT", "http://localhost:$PORT"]
[identity]
platform = "Reference Host"
platform_version = "1.0.0"
environment = "dev"
[auth]
audience = "cld-signer"
[[auth.keys]]
algorithm = "HS256"
secret_env = "CLD_DEMO_JWT_KEY"
[[accounts]]
id = "$account"
label = "$([ "$account" = demo ] && echo "Cloudinary demo cloud" || echo "$cloud")"
cloud_name = "$cloud"
api_key = "$key"
api_secret_env = "CLD_DEMO_API_SECRET"
product = "programmable_media"
TOML
  SIGNER_ARGS="--dev --config $conf_dir/signer.toml"
  export CLD_DEMO_JWT_KEY CLD_DEMO_API_SECRET
  CLD_DEMO_JWT_KEY=$(rand) CLD_DEMO_API_SECRET=$secret
fi

echo "[demo] starting cld-signer on 127.0.0.1:$SIGNER_PORT" >&2
# shellcheck disable=SC2086
env -u CLOUDINARY_URL cargo run -q -p cloudinary-connector-signer -- --listen "127.0.0.1:$SIGNER_PORT" ${SIGNER_ARGS} &
pids+=($!)
node scripts/serve-www.mjs --port "$PORT" >/dev/null &
pids+=($!)

for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$SIGNER_PORT/v1/health" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
    break
  fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "demo.sh: a service exited during start-up" >&2; exit 1; }; done
  sleep 0.5
done
echo
echo "Reference host: http://127.0.0.1:$PORT/?signer=http://127.0.0.1:$SIGNER_PORT&roles=$account:admin"
echo "  Extensions panel → Install Cloudinary Connector → panel → Load my accounts → Log in; Ctrl+C stops everything."
wait
