#!/usr/bin/env bash
# Reads and writes of ClusterDB on one etcd member against etcd itself, in
# one run on one machine: wrk (Debian `wrk`), 64 connections. Per round:
# etcd's JSON gateway (puts of a fleet-sized value, linearizable ranges of
# one key), then `clusterdb serve --store etcd://…` with its read cache on
# and with it off (each on its own prefix): durable creates of 1-instance
# fleets, consistent gets by id. Rounds alternate; the medians are printed
# with ratios and each server's CPU per request (user + system from /proc).
# Usage: benches/wrk/cache-on-etcd.sh [CLUSTERDB_BINARY] [SECONDS] [ROUNDS]
# The binary must be built with `--features etcd`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../../target/release/clusterdb}"
seconds="${2:-5}"
rounds="${3:-3}"
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. "$here/common.sh"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# etcd's KV requests so far (Range, Put, Txn, DeleteRange), from its metrics.
etcd_ops() {
  curl -sf "$etcd_url/metrics" | awk '/^grpc_server_handled_total/ && /etcdserverpb.KV/ {n += $2} END {printf "%d\n", n}'
}
# run NAME PID LUA URL: one wrk run; appends "rate cpu_us_per_op
# etcd_ops_per_op" to NAME.
run() {
  local name=$1 pid=$2 lua=$3 url=$4 before after ops_before ops_after r
  before=$(ticks "$pid"); ops_before=$(etcd_ops)
  r=$(wrk -t2 -c64 -d"${seconds}s" -s "$here/$lua" "$url" | rate)
  after=$(ticks "$pid"); ops_after=$(etcd_ops)
  python3 -c "n = max($r * $seconds, 1); print($r, f'{($after - $before) / $(getconf CLK_TCK) / n * 1e6:.1f}', f'{($ops_after - $ops_before) / n:.2f}')" >>"$work/$name"
}

start_etcd "$work/etcd"
pids+=("$etcd_pid")
curl -sf "$etcd_url/v3/kv/put" -d '{"key":"YmVuY2gta2V5","value":"dnZ2dnZ2dnZ2"}' >/dev/null

# start NAME FLAGS...: a server on its own prefix; sets NAME_pid/url/key/fleet.
start() {
  local name=$1; shift
  mkdir -p "$work/$name"
  "$binary" serve --data "$work/$name/data.redb" --listen 127.0.0.1:0 --rate-limit off \
    --store "etcd://127.0.0.1:$etcd_port" --etcd-prefix "/$name/" "$@" \
    >"$work/$name/out" 2>"$work/$name/log" &
  pids+=($!)
  eval "${name}_pid=$!"
  for _ in $(seq 200); do grep -q '^listening on' "$work/$name/out" && break; sleep 0.1; done
  eval "${name}_url=$(sed -n 's/^listening on //p' "$work/$name/out")"
  eval "${name}_key=$(cat "$work/$name/data.redb.admin-key")"
  local url key
  url=$(eval echo "\$${name}_url"); key=$(eval echo "\$${name}_key")
  eval "${name}_fleet=$(curl -sf -X POST "$url/v1/fleets" -H "Authorization: Bearer $key" \
    -H 'content-type: application/json' \
    -d '{"name":"bench-get","capacity":1,"instance_type":"t3.medium"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
}
start cached
start direct --read-cache off

for round in $(seq "$rounds"); do
  run etcd_put "$etcd_pid" etcd-put.lua "$etcd_url"
  run etcd_range "$etcd_pid" etcd-range.lua "$etcd_url"
  for name in cached direct; do
    pid=$(eval echo "\$${name}_pid"); url=$(eval echo "\$${name}_url")
    export CLUSTERDB_API_KEY FLEET_ID FLEET_PREFIX="r$round"
    CLUSTERDB_API_KEY=$(eval echo "\$${name}_key"); FLEET_ID=$(eval echo "\$${name}_fleet")
    run "${name}_create" "$pid" fleet.lua "$url"
    run "${name}_get" "$pid" fleet-get.lua "$url"
  done
  echo "round $round done" >&2
done

python3 - "$work" <<'PY'
import statistics, sys, os
work = sys.argv[1]
def med(name):
    rows = [tuple(map(float, l.split())) for l in open(os.path.join(work, name))]
    return [statistics.median(r[i] for r in rows) for i in range(3)] + [len(rows)]
put, rng = med("etcd_put"), med("etcd_range")
print(f"{'':28}{'req/s':>10}{'CPU µs/req':>12}{'etcd ops/req':>14}   (medians of {put[3]} rounds; CPU: the server's)")
print(f"{'etcd put':28}{put[0]:10.0f}{put[1]:12.1f}{put[2]:14.2f}")
print(f"{'etcd range':28}{rng[0]:10.0f}{rng[1]:12.1f}{rng[2]:14.2f}")
for name, label in (("cached", "read cache on"), ("direct", "read cache off")):
    c, g = med(f"{name}_create"), med(f"{name}_get")
    print(f"{'clusterdb create, ' + label:28}{c[0]:10.0f}{c[1]:12.1f}{c[2]:14.2f}   {c[0] / put[0]:.2f}× etcd put")
    print(f"{'clusterdb get, ' + label:28}{g[0]:10.0f}{g[1]:12.1f}{g[2]:14.2f}   {g[0] / rng[0]:.2f}× etcd range")
PY
