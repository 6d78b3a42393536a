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
