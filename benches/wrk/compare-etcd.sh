#!/usr/bin/env bash
# Durable creates over HTTP, ClusterDB against etcd on the same machine in
# one run: wrk (Debian `wrk`) with 64 connections, `clusterdb serve` on its
# default durable data file (reconciler on: every fleet also gets its
# instance) against etcd's JSON gateway (Debian `etcd-server`, one member).
# Prints the rates, their ratio and the server's CPU time per create.
# Usage: benches/wrk/compare-etcd.sh [CLUSTERDB_BINARY] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../../target/release/clusterdb}"
seconds="${2:-10}"
work=$(mktemp -d)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
pids=()
trap cleanup EXIT

. "$here/common.sh"

start_etcd "$work/etcd"
pids+=("$etcd_pid")
etcd_rate=$(wrk -t2 -c64 -d"${seconds}s" -s "$here/etcd-put.lua" "http://127.0.0.1:$etcd_port" | rate)
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

"$binary" serve --data "$work/clusterdb.redb" --listen 127.0.0.1:0 --rate-limit off >"$work/out" 2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening on' "$work/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/out")
CLUSTERDB_API_KEY=$(cat "$work/clusterdb.redb.admin-key")
export CLUSTERDB_API_KEY
# The server's CPU time (user + system) over the load, in clock ticks: a
# figure less at the mercy of a shared machine than the rate.
server=${pids[0]}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
ticks_before=$(cpu_ticks)
cdb_rate=$(wrk -t2 -c64 -d"${seconds}s" -s "$here/fleet.lua" "$url" | rate)
ticks=$(( $(cpu_ticks) - ticks_before ))
# The reconciler's backlog: seconds after the load until every fleet runs
# its instance.
catch_up=$(python3 - "$url" <<'PY'
import json, os, sys, time, urllib.request
url, start = sys.argv[1], time.time()
while time.time() - start < 600:
    token, behind = "", 0
    while True:
        query = f"{url}/v1/fleets?page_size=1000" + (f"&page_token={token}" if token else "")
        request = urllib.request.Request(query, headers={"Authorization": "Bearer " + os.environ["CLUSTERDB_API_KEY"]})
        page = json.load(urllib.request.urlopen(request))
        behind += sum(1 for f in page["fleets"] if f["running_instances"] != f["capacity"])
        token = page["next_page_token"]
        if not token:
            break
    if behind == 0:
        print(f"{time.time() - start:.1f}")
        break
else:
    print("more than 600")
PY
)

echo "etcd puts/s:          $etcd_rate"
echo "clusterdb creates/s:  $cdb_rate (reconciler caught up $catch_up s after the load)"
python3 -c "print(f'clusterdb server CPU:  {$ticks / $(getconf CLK_TCK) / ($cdb_rate * $seconds) * 1e6:.1f} µs per create (during the load)')"
python3 -c "print(f'ratio clusterdb/etcd: {float(\"$cdb_rate\")/float(\"$etcd_rate\"):.2f}')"
