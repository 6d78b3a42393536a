# Shared by the wrk scripts (sourced).

# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Successful requests a second from wrk's report on stdin: wrk counts every
# answer, so answers other than 2xx (a conflict, an error) are taken out
# and reported.
rate() {
  awk '/requests in/ {n = $1; t = $4; sub(/s,?$/, "", t)}
       /Non-2xx/ {bad = $5}
       END {if (bad > 0) printf "%d non-2xx answers! ", bad > "/dev/stderr"; printf "%.0f\n", (n - bad) / t}'
}

# Starts one etcd member (Debian `etcd-server`) with its data in $1 and its
# log in $1.log; sets etcd_port, etcd_pid and etcd_url once it is healthy.
start_etcd() {
  local peer_port
  etcd_port=$(free_port); peer_port=$(free_port)
  etcd --data-dir "$1" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" >"$1.log" 2>&1 &
  etcd_pid=$!
  etcd_url="http://127.0.0.1:$etcd_port"
  for _ in $(seq 100); do curl -sf "$etcd_url/health" >/dev/null && break; sleep 0.1; done
}
