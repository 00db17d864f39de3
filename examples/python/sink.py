#!/usr/bin/env python3
"""A student's sink: collect the frames patchbay's workers (Push nodes) send, with pyzmq.

    python3 sink.py tcp://*:5558 [tcp://*:5559]

Binds PULL at the first endpoint; with a second one, also binds REP there and answers each
ready request with an empty message (a Push node's `handshake` asks it before its first
frame, as the course's synchronised ventilator does). Reads [JSON header, payload] messages
until end of stream from every producer (one, or --producers N), and prints "ready", then a
JSON summary line with the frames received.
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    producers = int(next((a.split("=")[1] for a in sys.argv[1:] if a.startswith("--producers=")), "1"))
    endpoint = args[0] if args else "tcp://*:5558"
    handshake = args[1] if len(args) > 1 else None

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint)
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    ready = None
    if handshake:
        ready = ctx.socket(zmq.REP)
        ready.bind(handshake)
        poller.register(ready, zmq.POLLIN)
    print("ready", flush=True)

    seqs, total, ended = [], 0, 0
    while ended < producers:
        for sock, _ in poller.poll():
            if sock is ready:
                ready.recv()
                ready.send(b"")  # bound and listening: the ventilator may start
                continue
            parts = pull.recv_multipart(copy=False)
            header = json.loads(parts[0].bytes)
            if header["kind"] == "eos":
                ended += 1
                continue
            frame = np.frombuffer(parts[1].buffer, dtype=header["dtype"]).reshape(header["shape"])
            total += int(frame.sum(dtype=np.uint64))
            seqs.append(header["seq"])
    print(json.dumps({"received": len(seqs), "seqs": sorted(seqs), "sum": total}), flush=True)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
