#!/usr/bin/env bash
# GET and PUT throughput at c64 with auth enabled and basic auth on every request, against the
# same server with auth disabled (issue 9: within 1.2x). Uses ../shared/bench's loadgen, which
# has no auth option: the Authorization header rides in its --prefix (the key is then always
# /bench/k; the run without auth sends a dummy header of the same shape, so both are alike).
#   bench/auth_bench.sh [BIN=bin/arbor] [DURATION=6]
set -euo pipefail
BIN=${1:-bin/arbor}
DUR=${2:-6}
LOADGEN=${LOADGEN:-../shared/bench/bin/loadgen}
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DATA=$(mktemp -d /tmp/arbor-authbench-XXXXXX)
U="http://127.0.0.1:$PORT"
"$BIN" --name default --data-dir "$DATA/d" --listen-client-urls "$U" --advertise-client-urls "$U" \
  --listen-peer-urls "http://127.0.0.1:$((PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((PORT + 1))" \
  --initial-cluster "default=http://127.0.0.1:$((PORT + 1))" --log-level error &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "$U/v2/keys/" >/dev/null && break; sleep 0.1; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
run() {  # mode header-line label
  local before out
  before=$(cpu_ticks)
  out=$("$LOADGEN" --mode "$1" --port "$PORT" --conc 64 --duration "$DUR" --keys 1 --preload 1 \
    --prefix "/bench/k HTTP/1.1"$'\r\n'"$2"$'\r\n'"X-Key: ")
  echo "$out" | python3 -c '
import json, os, sys; r = json.load(sys.stdin)
cpu_s = (int(sys.argv[4]) - int(sys.argv[3])) / os.sysconf("SC_CLK_TCK")
print("%-4s %-9s %9.0f ops/s  errors %d  p50 %6d us  p99 %6d us  server CPU %5.1f us/op" % (
    sys.argv[1], sys.argv[2], r["ops_per_s"], r["errors"], r["lat_us"]["p50"], r["lat_us"]["p99"],
    1e6 * cpu_s / max(1, r["ok"])))' "$1" "$3" "$before" "$(cpu_ticks)"
}
# Auth: root (needed to enable), and a user whose role may read and write /bench/*.
curl -sf -XPUT "$U/v2/auth/users/root" -d '{"user":"root","password":"rootpw"}' >/dev/null
curl -sf -XPUT "$U/v2/auth/roles/bench" -d '{"role":"bench","permissions":{"kv":{"read":["/bench/*"],"write":["/bench/*"]}}}' >/dev/null
curl -sf -XPUT "$U/v2/auth/users/bench" -d '{"user":"bench","password":"benchpw","roles":["bench"]}' >/dev/null
AUTH="Authorization: Basic $(printf bench:benchpw | base64)"
NOAUTH="X-Authorization: Basic $(printf bench:benchpw | base64)"
curl -sf -XPUT "$U/v2/keys/bench/k" -d value=x >/dev/null
for mode in get put; do run $mode "$NOAUTH" "auth-off"; done
curl -sf -u root:rootpw -XPUT "$U/v2/auth/enable" >/dev/null
curl -sf -u root:rootpw -XDELETE "$U/v2/auth/roles/guest" >/dev/null || true
test "$(curl -s -o /dev/null -w '%{http_code}' "$U/v2/keys/bench/k")" = 401 || { echo "auth is not on" >&2; exit 1; }
for mode in get put; do run $mode "$AUTH" "auth-on"; done
