#!/usr/bin/env python3
"""A student's worker: pull frames from a patchbay Push node (the ventilator) with pyzmq.

    python3 worker.py tcp://127.0.0.1:5557

The ventilator deals frames round robin: each worker gets some of them, none twice. The
worker stops at end of stream (the ventilator sends one to each worker connected). Prints
"ready", then a JSON summary line with the frames it got.
"""
import json
import sys

try:
    import numpy as np
    import zmq
except ImportError as e:  # another interpreter than the one with pyzmq and numpy (pyenv, conda)
    sys.exit(f"{sys.executable} has no module {e.name}: this script needs pyzmq and numpy. "
             "On Debian/Ubuntu: sudo apt-get install python3-zmq python3-numpy, then run it "
             "with /usr/bin/python3; or install them for this interpreter (pip install pyzmq numpy).")


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5557"
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVTIMEO, 30_000)
    pull.connect(endpoint)
    print("ready", flush=True)  # connected (or connecting: ZeroMQ retries until the ventilator binds)
    seqs = []
    total = 0
    while True:
        parts = pull.recv_multipart(copy=False)
        header = json.loads(parts[0].bytes)
        if header["kind"] == "eos":
            break
        frame = np.frombuffer(parts[1].buffer, dtype=header["dtype"]).reshape(header["shape"])
        total += int(frame.sum(dtype=np.uint64))  # the worker's "work"
        seqs.append(header["seq"])
    print(json.dumps({"received": len(seqs), "seqs": seqs, "sum": total}), flush=True)
    pull.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
