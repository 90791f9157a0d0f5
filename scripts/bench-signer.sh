#!/usr/bin/env bash
# Load benchmark of the signing endpoint against the baseline existing integrations recommend.
#
#   scripts/bench-signer.sh            # 100k requests at c=16/64, 50k at c=1, per target
#   BENCH_REQUESTS=200000 scripts/bench-signer.sh
#   BENCH_LOADGEN_CPUS=1 scripts/bench-signer.sh   # the load generator pinned to CPU 1
#   BENCH_BIN=path/to/cld-signer scripts/bench-signer.sh   # an existing build instead of building
#
# Targets, measured in the same run on loopback with the same request body:
#   node      : signer/bench/node-baseline.js, one process (`cloudinary.utils.api_sign_request`,
#               no authentication, no policy)
#   node x2   : the same as a 2-worker cluster
#   signer 1w : cld-signer (profile `signer`) with `--workers 1` (one thread), JWT authentication,
#               the uploader policy and the per-user rate limiter on every request
#   signer Nw : the same with one worker thread per CPU (the default of `server.workers`)
#   signer Nw redis : the same with `[server] state = "redis://…"` (the rate limit taken in Redis on
#               every request), on Debian's redis-server started on a loopback port by this script
#
# The load generator: unpinned by default. With BENCH_LOADGEN_CPUS (a taskset CPU list), oha runs
# on those CPUs only, for every target alike (the servers are never pinned). oha 1.14 starts one
# connection thread per physical core listed in /proc/cpuinfo whatever its CPU affinity, so
# pinned to one CPU its two threads would take turns on it in 4 ms scheduler ticks and every
# target's tail latency would be oha's own; when run as root the script therefore shows oha
# (only oha, in a private mount namespace) a /proc/cpuinfo with as many cores as the CPUs it is
# pinned to, so that it runs one connection thread per CPU it may use. Without root it warns and
# pins only.
# Needs: oha (scripts/setup.sh --bench, or `cargo install oha --version 1.14.0 --locked`),
# node, and tools/node_modules (`(cd tools && npm ci)`).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_REQUESTS:-100000}
N1=${BENCH_REQUESTS_C1:-50000}
P_NODE=${BENCH_PORT_NODE:-18801}
P_CLUSTER=${BENCH_PORT_CLUSTER:-18802}
P_SIGNER=${BENCH_PORT_SIGNER:-18803}
P_SIGNER_N=${BENCH_PORT_SIGNER_N:-18804}
P_SIGNER_R=${BENCH_PORT_SIGNER_REDIS:-18805}
P_REDIS=${BENCH_PORT_REDIS:-18806}
LOADGEN_CPUS=${BENCH_LOADGEN_CPUS:-}
NCPU=$(nproc)

command -v oha >/dev/null || { echo "bench-signer: oha is missing: scripts/setup.sh --bench (or cargo install oha --version 1.14.0 --locked)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench-signer: node is missing" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "bench-signer: redis-server is missing: scripts/setup.sh" >&2; exit 2; }
[ -d tools/node_modules/cloudinary ] || { echo "bench-signer: run (cd tools && npm ci) first" >&2; exit 2; }

# BENCH_BIN: an already built cld-signer (e.g. built with another CARGO_TARGET_DIR); default: build
# the `signer` profile here.
if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$BENCH_BIN
else
  cargo build --quiet --profile signer -p cloudinary-connector-signer
  # shellcheck source=scripts/cargo-target-dir.sh
  source scripts/cargo-target-dir.sh
  BIN=$(cargo_target_dir)/signer/cld-signer
fi
CFG=signer/bench/bench-config.toml

# Benchmark-only values: they protect nothing.
export BENCH_SECRET='benchSecret-9Fq2Lx7Vm3Rt8Kw1'
export BENCH_JWT_KEY='benchJwtKey-not-for-production-7c1e5a9d3b'

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

NODE_PATH=tools/node_modules PORT=$P_NODE WORKERS=1 node signer/bench/node-baseline.js & PID_NODE=$!; PIDS+=($!)
NODE_PATH=tools/node_modules PORT=$P_CLUSTER WORKERS=2 node signer/bench/node-baseline.js & PID_CLUSTER=$!; PIDS+=($!)
CLD_SIGNER_LOG=warn "$BIN" --config "$CFG" --listen "127.0.0.1:$P_SIGNER" --workers 1 & PID_SIGNER=$!; PIDS+=($!)
CLD_SIGNER_LOG=warn "$BIN" --config "$CFG" --listen "127.0.0.1:$P_SIGNER_N" --workers "$NCPU" & PID_SIGNER_N=$!; PIDS+=($!)
REDIS_DIR=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$P_REDIS" --save "" --appendonly no --dir "$REDIS_DIR" >/dev/null & PIDS+=($!)
CFG_R="$REDIS_DIR/bench-redis.toml"
sed "s|^\[server\]|[server]\nstate = \"redis://127.0.0.1:$P_REDIS/0\"|" "$CFG" > "$CFG_R"
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$P_REDIS") 2>/dev/null && break; sleep 0.1; done
CLD_SIGNER_LOG=warn "$BIN" --config "$CFG_R" --listen "127.0.0.1:$P_SIGNER_R" --workers "$NCPU" & PID_SIGNER_R=$!; PIDS+=($!)

# CPU time (clock ticks) of a server process and its children (the cluster's workers):
# requests per CPU-second is the figure a loaded machine distorts least.
cpu_ticks() {
  local total=0 p
  for p in $1 $(ps -o pid= --ppid "$1" 2>/dev/null); do
    if [ -r "/proc/$p/stat" ]; then
      total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    fi
  done
  echo "$total"
}

for p in $P_NODE $P_CLUSTER $P_SIGNER $P_SIGNER_N $P_SIGNER_R; do
  for _ in $(seq 1 100); do
    (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
    sleep 0.1
  done
done

TOKEN=$("$BIN" token --config "$CFG" --user bench-user --role bench=uploader --ttl 3600)
TS=$(date +%s)
BODY="{\"paramsToSign\":{\"timestamp\":\"$TS\",\"source\":\"uw\",\"folder\":\"bench/uploads\",\"upload_preset\":\"bench_signed\",\"tags\":\"a,b\",\"unique_filename\":true}}"

sig() { curl -s -X POST -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d "$BODY" "http://127.0.0.1:$1/" \
          | sed -E 's/.*"signature":"([0-9a-f]+)".*/\1/'; }
sig_signer=$(curl -s -X POST -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d "$BODY" "http://127.0.0.1:$P_SIGNER/v1/sign/upload" \
          | sed -E 's/.*"signature":"([0-9a-f]+)".*/\1/')
sig_node=$(sig $P_NODE)
if [ "$sig_node" != "$sig_signer" ]; then
  echo "bench-signer: the signatures differ (node $sig_node, signer $sig_signer): not the same work" >&2
  exit 1
fi
echo "same body, same signature from both: $sig_signer"
echo "body: $BODY"

OUT=$(mktemp -d)

# The load generator's command prefix (see the top of this file).
LOADGEN=()
LOADGEN_DESC="unpinned (oha shares the $NCPU CPUs with the servers)"
if [ -n "$LOADGEN_CPUS" ]; then
  command -v taskset >/dev/null || { echo "bench-signer: BENCH_LOADGEN_CPUS needs taskset (util-linux)" >&2; exit 2; }
  LOADGEN=(taskset -c "$LOADGEN_CPUS")
  n_pinned=$(taskset -c "$LOADGEN_CPUS" nproc)
  LOADGEN_DESC="pinned to CPU(s) $LOADGEN_CPUS with taskset, for every target"
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
    awk -v n="$n_pinned" 'BEGIN{RS=""; ORS="\n\n"} NR<=n {sub(/cpu cores[^\n]*/, "cpu cores\t: " n); sub(/siblings[^\n]*/, "siblings\t: " n); print}' /proc/cpuinfo > "$OUT/cpuinfo"
    cat > "$OUT/loadgen.sh" <<'SH'
#!/bin/sh
# Runs the load generator with a /proc/cpuinfo listing only the CPUs it is pinned to.
mount --bind "$BENCH_CPUINFO" /proc/cpuinfo && exec "$@"
SH
    chmod +x "$OUT/loadgen.sh"
    if BENCH_CPUINFO="$OUT/cpuinfo" unshare -m --propagation private "$OUT/loadgen.sh" true 2>/dev/null; then
      export BENCH_CPUINFO="$OUT/cpuinfo"
      LOADGEN+=(unshare -m --propagation private "$OUT/loadgen.sh")
      LOADGEN_DESC="$LOADGEN_DESC, one oha connection thread per pinned CPU ($n_pinned)"
    else
      echo "bench-signer: warning: cannot give oha a $n_pinned-core /proc/cpuinfo: its $(grep -m1 'cpu cores' /proc/cpuinfo | sed 's/.*: //') connection threads share the pinned CPU(s)" >&2
    fi
  else
    echo "bench-signer: warning: not root: oha's connection threads (one per physical core) share the pinned CPU(s)" >&2
  fi
fi
export LOADGEN_DESC

run() { # name url concurrency requests server-pid
  local name=$1 url=$2 c=$3 n=$4 pid=$5 before
  before=$(cpu_ticks "$pid")
  "${LOADGEN[@]}" oha --no-tui --output-format json -n "$n" -c "$c" -m POST -T application/json \
      -H "authorization: Bearer $TOKEN" -d "$BODY" "$url" > "$OUT/$name-c$c.json"
  echo $(( $(cpu_ticks "$pid") - before )) > "$OUT/$name-c$c.cpu"
}

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
export LOAD_BEFORE

# Warm-up (JIT, connection pools, page cache).
run warm-node "http://127.0.0.1:$P_NODE/" 16 5000 "$PID_NODE"
run warm-cluster "http://127.0.0.1:$P_CLUSTER/" 16 5000 "$PID_CLUSTER"
run warm-signer "http://127.0.0.1:$P_SIGNER/v1/sign/upload" 16 5000 "$PID_SIGNER"
run warm-signer-n "http://127.0.0.1:$P_SIGNER_N/v1/sign/upload" 16 5000 "$PID_SIGNER_N"
run warm-signer-r "http://127.0.0.1:$P_SIGNER_R/v1/sign/upload" 16 5000 "$PID_SIGNER_R"

for c in 1 16 64; do
  n=$N; [ "$c" = 1 ] && n=$N1
  run node "http://127.0.0.1:$P_NODE/" "$c" "$n" "$PID_NODE"
  run cluster "http://127.0.0.1:$P_CLUSTER/" "$c" "$n" "$PID_CLUSTER"
  run signer "http://127.0.0.1:$P_SIGNER/v1/sign/upload" "$c" "$n" "$PID_SIGNER"
  run signer-n "http://127.0.0.1:$P_SIGNER_N/v1/sign/upload" "$c" "$n" "$PID_SIGNER_N"
  run signer-r "http://127.0.0.1:$P_SIGNER_R/v1/sign/upload" "$c" "$n" "$PID_SIGNER_R"
done

python3 - "$OUT" "$NCPU" <<'PY'
import json, sys, os
out, ncpu = sys.argv[1], sys.argv[2]
names = [("node", "node (1 process)"), ("cluster", "node (2-worker cluster)"),
         ("signer", "cld-signer, 1 worker (JWT + policy)"), ("signer-n", f"cld-signer, {ncpu} workers (JWT + policy)"),
         ("signer-r", f"cld-signer, {ncpu} workers, Redis state (JWT + policy)")]
print()
hz = os.sysconf("SC_CLK_TCK")
print(f"load average before the run: {os.environ.get('LOAD_BEFORE')}, after: {open('/proc/loadavg').read().split()[0]}, on {os.cpu_count()} CPUs")
print(f"load generator: {os.environ.get('LOADGEN_DESC')}")
print()
print("| concurrency | target | requests | req/s | p50 ms | p99 ms | errors (non-200 + transport) | server CPU µs/req |")
print("|---|---|---|---|---|---|---|---|")
res = {}
for c in (1, 16, 64):
    for key, label in names:
        d = json.load(open(os.path.join(out, f"{key}-c{c}.json")))
        s = d["summary"]
        lat = d.get("latencyPercentiles", {})
        codes = d.get("statusCodeDistribution", {})
        total = sum(codes.values()) + sum(d.get("errorDistribution", {}).values())
        errors = total - codes.get("200", 0)
        rps = s["requestsPerSec"]
        ticks = int(open(os.path.join(out, f"{key}-c{c}.cpu")).read().strip() or 0)
        cpu_us = ticks / hz * 1e6 / max(total, 1)
        res[(key, c)] = (rps, lat.get("p99", 0) * 1000, errors, cpu_us)
        print(f"| {c} | {label} | {total} | {rps:,.0f} | {lat.get('p50', 0)*1000:.3f} | {lat.get('p99', 0)*1000:.3f} | {errors} | {cpu_us:.1f} |")
print()
for key, label in names[2:]:
    for c in (1, 16, 64):
        s, n, k = res[(key, c)], res[("node", c)], res[("cluster", c)]
        print(f"{label}, c={c}: throughput signer/node = {s[0]/n[0]:.2f}x, signer/cluster = {s[0]/k[0]:.2f}x; "
              f"CPU per request node/signer = {n[3]/max(s[3], 1e-9):.2f}x")
    s64 = res[(key, 64)]
    ok = s64[0] >= 2 * res[("node", 64)][0] and s64[0] > res[("cluster", 64)][0] and s64[1] <= 2.0 and all(res[(key, c)][2] == 0 for c in (1, 16, 64))
    print(f"{label}: target (c=64: >= 2x node, > cluster, p99 <= 2 ms; 0 errors): {'met' if ok else 'NOT met'}")
r, m, n = res[("signer-r", 64)], res[("signer-n", 64)], res[("node", 64)]
print(f"Redis state, c=64: {r[0]:,.0f} req/s (p99 {r[1]:.2f} ms) vs memory state {m[0]:,.0f} req/s (p99 {m[1]:.2f} ms): "
      f"costs {100 * (1 - r[0] / m[0]):.0f}% of the throughput; {r[0] / n[0]:.2f}x node; "
      f"target (<= 25% cost, >= 2x node, 0 errors): {'met' if r[0] >= 0.75 * m[0] and r[0] >= 2 * n[0] and r[2] == 0 else 'NOT met'}")
PY
rm -rf "$OUT" "$REDIS_DIR"
