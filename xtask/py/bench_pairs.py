"""
One sample at a time of the reference's Chunky2048 timings, for
`cargo xtask bench`, which interleaves them with its own (Rust, reference,
Rust, reference, ...) so that both see the same machine at the same moment.

The ops and their timing are those of ../shared/kat/bench_chunky2048.py
(imported, not copied). Protocol: one JSON object per line on stdin, one
JSON reply per line on stdout:

    {"prepare": OP, "size": N, "min_seconds": S} -> {"n": reps}
        (sets up the op and finds reps such that reps messages take >= S)
    {"run": OP, "size": N, "n": reps}            -> {"seconds": t}
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "kat"))
import bench_chunky2048 as B  # noqa: E402

ops = {}


def reps_for(fn, min_seconds):
    fn()
    n = 1
    while True:
        t = B.run_n(fn, n)
        if t >= min_seconds:
            return n
        n = max(n + 1, min(n * 100, int(n * 1.2 * min_seconds / max(t, 1e-9)) + 1))


for line in sys.stdin:
    req = json.loads(line)
    if "prepare" in req:
        key = (req["prepare"], req["size"])
        ops[key] = B.make_op(*key)
        reply = {"n": reps_for(ops[key], req["min_seconds"])}
    else:
        reply = {"seconds": B.run_n(ops[(req["run"], req["size"])], req["n"])}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
