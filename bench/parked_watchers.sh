#!/usr/bin/env bash
# VmRSS of a server before and while 10,000 wait=true long polls are parked (issue 3: at most
# 4 KB per watcher). bench/parked_watchers.sh BIN|etcd  (needs ../shared/bench/bin/loadgen)
BIN=$1; P=23791; D=$(mktemp -d /tmp/watchers-XXXX)
if [ "$BIN" = etcd ]; then
  /usr/bin/etcd --enable-v2=true --log-level error --data-dir $D/d --listen-client-urls http://127.0.0.1:$P --advertise-client-urls http://127.0.0.1:$P --listen-peer-urls http://127.0.0.1:$((P+1)) --initial-advertise-peer-urls http://127.0.0.1:$((P+1)) --initial-cluster default=http://127.0.0.1:$((P+1)) 2>/dev/null &
else
  $BIN --data-dir $D/d --listen-client-urls http://127.0.0.1:$P --advertise-client-urls http://127.0.0.1:$P --listen-peer-urls http://127.0.0.1:$((P+1)) --initial-advertise-peer-urls http://127.0.0.1:$((P+1)) --initial-cluster default=http://127.0.0.1:$((P+1)) 2>/dev/null &
fi
PID=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:$P/v2/keys/ >/dev/null && break; sleep 0.1; done
curl -s -XPUT http://127.0.0.1:$P/v2/keys/watchtest/x -d value=0 >/dev/null; sleep 1
rss() { awk '/VmRSS/{print $2}' /proc/$PID/status; }
R0=$(rss); MAX=$R0
ulimit -n 65536
${LOADGEN:-../shared/bench/bin/loadgen} --mode watch --port $P --watchers 10000 --events 3 --settle-ms 20000 --write-gap-ms 3000 --prefix /watchtest > $D/out.json 2>&1 &
LG=$!
for i in $(seq 600); do kill -0 $LG 2>/dev/null || break; r=$(rss); [ "$r" -gt "$MAX" ] && MAX=$r; sleep 0.1; done
wait $LG
python3 -c "import json;d=json.load(open('$D/out.json'));print('loadgen: errors',d.get('errors'),'missing',d.get('missing_events', d.get('missing')))" 2>/dev/null || tail -3 $D/out.json
echo "$BIN: VmRSS before ${R0} kB, max while parked ${MAX} kB, per watcher $(( (MAX-R0)*1024/10000 )) B"
kill $PID; wait $PID 2>/dev/null; rm -rf $D
