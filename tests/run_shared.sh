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
# One public case has a reference that disagrees with itself: watch_stream_multiple collects 3
# events from a stream on which etcd (and arbor) send 4 (the delete is announced twice); whether
# the 4th is recorded depends on whether it arrived in time. etcd against etcd fails it about 1
# run in 20 (diff.py --ref etcd --cand etcd). If that case, and only it, fails, it is run again
# (at most twice) and must pass; any other failure fails the run.
FLAKY_REF="watch_stream_multiple"
out=$(mktemp)
if python3 "$SHARED/conformance/diff.py" --cand "$T" --jobs 3 >"$out" 2>&1; then st=0; else st=1; fi
cat "$out"
if [ "$st" -ne 0 ]; then
  failed=$(sed -n 's/^FAIL \([^ ]*\) .*/\1/p' "$out" | sort -u)
  if [ "$failed" = "$FLAKY_REF" ]; then
    echo "run_shared: only $FLAKY_REF failed (its reference is not deterministic): running it again"
    if python3 "$SHARED/conformance/diff.py" --cand "$T" --only "$FLAKY_REF" ||
      python3 "$SHARED/conformance/diff.py" --cand "$T" --only "$FLAKY_REF"; then
      echo "run_shared: $FLAKY_REF passed on a second try"
    else
      rc=1
    fi
  else
    rc=1
  fi
fi
rm -f "$out"
# The project's own differential cases (HEAD, OPTIONS, redirects, members and auth corners).
python3 "$SHARED/conformance/diff.py" --cand "$T" --jobs 3 --cases tests/integration/cases || rc=1
"$SHARED/conformance/clients/run_clients.sh" "$T" || rc=1
exit $rc
