#!/bin/sh
# Runs the shared black-box suites against bin/arbor: the differential conformance cases (against
# the real etcd) and the etcdctl v2 / python-etcd client suites. Usage: tests/run_shared.sh SHARED
set -eu
SHARED=${1:-../shared}
if [ ! -d "$SHARED" ]; then
  echo "run_shared: $SHARED not found, skipped"
  exit 0
fi
SHARED=$(cd "$SHARED" && pwd)
cd "$(dirname "$0")/.."
T='bin/arbor --name default --data-dir {data_dir} --listen-client-urls http://127.0.0.1:{client_port} --advertise-client-urls http://127.0.0.1:{client_port} --listen-peer-urls http://127.0.0.1:{peer_port} --initial-advertise-peer-urls http://127.0.0.1:{peer_port} --initial-cluster default=http://127.0.0.1:{peer_port}'
rc=0
python3 "$SHARED/conformance/diff.py" --cand "$T" --jobs 3 || rc=1
# The project's own differential cases (HEAD, OPTIONS, redirects, members and auth corners).
python3 "$SHARED/conformance/diff.py" --cand "$T" --jobs 3 --cases tests/integration/cases || rc=1
"$SHARED/conformance/clients/run_clients.sh" "$T" || rc=1
exit $rc
