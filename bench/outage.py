#!/usr/bin/env python3
# Write outage after each leader kill in ../shared/reliability/linearizability.py runs (issue 6):
# from the nemesis line "t= X  kill -9 mN (leader)" in a run's log to the completion of the first
# successful write invoked after it; history and nemesis share the clock. The history is read
# from the --out DIR named like the log without ".log" (run with "> DIR.log").
#   bench/outage.py RUN.log...
import json, re, statistics, sys, os
outs = []
for log in sys.argv[1:]:
    kills = [float(m.group(1)) for m in re.finditer(r"t=\s*([\d.]+)\s+kill -9 \S+ \(leader\)", open(log).read())]
    hist = os.path.join(log[:-4], "history.jsonl")
    inv, oks = {}, []
    for line in open(hist):
        e = json.loads(line)
        if e["f"] not in ("write", "cas"): continue
        if e["type"] == "invoke": inv[e["process"]] = e["time"]
        elif e["type"] == "ok": oks.append((inv.get(e["process"], e["time"]), e["time"]))
    for k in kills:
        after = [done for (start, done) in oks if start >= k]
        if after: outs.append(min(after) - k)
print("leader kills %d, write outage median %.2f s, longest %.2f s" % (len(outs), statistics.median(outs), max(outs)))
