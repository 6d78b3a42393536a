#!/usr/bin/env bash
# ClusterDB against etcd on the same machine, side by side: durable writes
# and reads by key, 64 connections. etcd 3 (Debian `etcd-server`, one
# member) through its JSON gateway: puts of a fleet-sized value and
# linearizable ranges of one key, with wrk (Debian `wrk`). ClusterDB
# (`clusterdb serve` on its default durable data file, reconciler on, so
# every fleet also gets its instance): REST creates of 1-instance fleets
# and consistent gets by id with wrk, then the same over gRPC with the load
# harness (`benches/benches/load.rs`, built here with `cargo bench
# --no-run`), and over REST with the harness too, so gRPC and REST are also
# compared through one client. Rounds alternate between the servers; each figure is the
# median over the rounds: the rate, the server's CPU time per request
# (user + system from /proc, less at the mercy of a shared machine than
# the rate), p50 and p99, and the ratios to etcd. At the end: how long the
# reconciler took to catch up, and the data file's bytes per fleet (with
# its instance and their events).
# Usage: benches/wrk/compare-etcd.sh [CLUSTERDB_BINARY] [SECONDS] [ROUNDS]
# (LOAD_BINARY=path skips building the load harness.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../../target/release/clusterdb}"
seconds="${2:-10}"
rounds="${3:-3}"
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

. "$here/common.sh"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The gRPC load client: $LOAD_BINARY, or built here.
load=${LOAD_BINARY:-}
[ -n "$load" ] || load=$(cd "$here/../.." && cargo bench -q -p clusterdb-benches --bench load --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "load" and m.get("executable"):
        print(m["executable"])')
[ -x "$load" ] || { echo "no load harness binary (build: cargo bench -p clusterdb-benches --bench load --no-run)" >&2; exit 1; }

# wrk_run NAME PID LUA URL: one wrk run; appends "rate cpu_us p50_us p99_us"
# to NAME.
wrk_run() {
  local name=$1 pid=$2 lua=$3 url=$4 before after out
  before=$(ticks "$pid")
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$here/$lua" "$url")
  after=$(ticks "$pid")
  printf '%s\n' "$out" >"$work/wrk.out"
  python3 - "$before" "$after" "$(getconf CLK_TCK)" "$seconds" "$(rate <"$work/wrk.out")" "$work/wrk.out" \
    >>"$work/$name" <<'PY'
import re, sys
before, after, tck, seconds, rate = (float(a) for a in sys.argv[1:6])
text = open(sys.argv[6]).read()
def us(q):
    m = re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
print(rate, (after - before) / tck / max(rate * seconds, 1) * 1e6, us(50), us(99))
PY
}

# harness_run NAME SCENARIO: one run of the load harness against
# ClusterDB; appends the same columns to NAME.
harness_run() {
  local name=$1 scenario=$2
  LOAD_SCENARIOS=$scenario LOAD_CONNECTIONS=64 LOAD_SECONDS=$seconds LOAD_SERVER_PID=$cdb_pid \
    CLUSTERDB_URL=$cdb_url CLUSTERDB_API_KEY=$CLUSTERDB_API_KEY "$load" |
    awk -v s="$scenario" '$1 == s {print $3, $7, $4, $5}' >>"$work/$name"
}

start_etcd "$work/etcd"
pids+=("$etcd_pid")
curl -sf "$etcd_url/v3/kv/put" -d '{"key":"YmVuY2gta2V5","value":"dnZ2dnZ2dnZ2"}' >/dev/null

"$binary" serve --data "$work/clusterdb.redb" --listen 127.0.0.1:0 --rate-limit off \
  >"$work/out" 2>"$work/server.log" &
cdb_pid=$!
pids+=("$cdb_pid")
for _ in $(seq 200); do grep -q '^listening on' "$work/out" && break; sleep 0.1; done
cdb_url=$(sed -n 's/^listening on //p' "$work/out")
CLUSTERDB_API_KEY=$(cat "$work/clusterdb.redb.admin-key")
FLEET_ID=$(curl -sf -X POST "$cdb_url/v1/fleets" -H "Authorization: Bearer $CLUSTERDB_API_KEY" \
  -H 'content-type: application/json' \
  -d '{"name":"bench-get","capacity":1,"instance_type":"t3.medium"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export CLUSTERDB_API_KEY FLEET_ID

for round in $(seq "$rounds"); do
  wrk_run etcd_put "$etcd_pid" etcd-put.lua "$etcd_url"
  wrk_run etcd_range "$etcd_pid" etcd-range.lua "$etcd_url"
  FLEET_PREFIX="r$round" wrk_run rest_create "$cdb_pid" fleet.lua "$cdb_url"
  wrk_run rest_get "$cdb_pid" fleet-get.lua "$cdb_url"
  harness_run grpc_create grpc_create
  harness_run grpc_get grpc_get
  # REST again through the harness: gRPC against REST with one client.
  harness_run harness_rest_create rest_create
  harness_run harness_rest_get rest_get
  echo "round $round of $rounds done" >&2
done

# The reconciler's backlog, then the data file per fleet.
python3 - "$work" "$cdb_url" "$work/clusterdb.redb" <<'PY'
import json, os, statistics, sys, time, urllib.request
work, url, data = sys.argv[1:]
def fleets():
    token, count, behind = "", 0, 0
    while True:
        query = f"{url}/v1/fleets?page_size=1000" + (f"&page_token={token}" if token else "")
        request = urllib.request.Request(query, headers={"Authorization": "Bearer " + os.environ["CLUSTERDB_API_KEY"]})
        page = json.load(urllib.request.urlopen(request))
        count += len(page["fleets"])
        behind += sum(1 for f in page["fleets"] if f["running_instances"] != f["capacity"])
        token = page["next_page_token"]
        if not token:
            return count, behind
start = time.time()
while True:
    count, behind = fleets()
    if behind == 0 or time.time() - start > 600:
        break
    time.sleep(1)
caught_up = time.time() - start

def med(name):
    rows = [tuple(map(float, l.split())) for l in open(os.path.join(work, name))]
    return [statistics.median(r[i] for r in rows) for i in range(4)], len(rows)
(put, n), (rng, _) = med("etcd_put"), med("etcd_range")
print(f"medians of {n} rounds, 64 connections; CPU: the server's, per request")
print(f"{'':18}{'req/s':>9}{'CPU µs':>9}{'p50 µs':>9}{'p99 µs':>9}{'p99/p50':>9}   vs etcd: rate, CPU")
def row(label, r, base=None):
    line = f"{label:18}{r[0]:9.0f}{r[1]:9.1f}{r[2]:9.0f}{r[3]:9.0f}{r[3] / max(r[2], 1):9.1f}"
    if base:
        line += f"   {r[0] / base[0]:5.2f}×  {r[1] / base[1]:5.2f}×"
    print(line)
row("etcd put", put)
row("etcd range", rng)
for name, label, base in (("rest_create", "REST create", put), ("grpc_create", "gRPC create", put),
                          ("harness_rest_create", "REST create (h)", put),
                          ("rest_get", "REST get", rng), ("grpc_get", "gRPC get", rng),
                          ("harness_rest_get", "REST get (h)", rng)):
    row(label, med(name)[0], base)
print("(h): REST through the load harness, the gRPC rows' client (wrk is lighter, so the")
print("server batches more per commit); gRPC against REST with the same client, server CPU:")
for op in ("create", "get"):
    grpc, rest = med(f"grpc_{op}")[0], med(f"harness_rest_{op}")[0]
    print(f"  {op}: gRPC {grpc[1]:.1f} µs, REST {rest[1]:.1f} µs: {grpc[1] / rest[1]:.2f}×")
if behind:
    print(f"reconciler: {behind} fleets still without their instance after 600 s")
else:
    print(f"reconciler caught up {caught_up:.1f} s after the load")
size = os.path.getsize(data)
print(f"data file: {size / 1e6:.1f} MB for {count} fleets, {size / max(count, 1):.0f} bytes per fleet with its instance and events")
PY
