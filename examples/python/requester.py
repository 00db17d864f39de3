#!/usr/bin/env python3
"""A student's client: ask a patchbay Reply node for frames with a pyzmq REQ socket.

    python3 requester.py tcp://127.0.0.1:5556 10

REQ/REP is lock step: send a request (any bytes), receive exactly one reply, then ask again.
Each reply is [JSON header, payload], the latest frame the server has (never the same one
twice in a row), or end of stream once the server's input has ended. Prints one line per
frame, then a JSON summary line.
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
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5556"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10

    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, 10_000)  # a server that does not answer in 10 s is gone
    req.connect(endpoint)
    seqs = []
    ended = False
    for _ in range(count):
        req.send(b'{"v":1,"kind":"request"}')
        parts = req.recv_multipart()
        header = json.loads(parts[0])
        if header["kind"] == "eos":
            ended = True
            break
        frame = np.frombuffer(parts[1], dtype=header["dtype"]).reshape(header["shape"])
        seqs.append(header["seq"])
        print(f'seq {header["seq"]} {header["dtype"]} {tuple(frame.shape)} max {frame.max()}', flush=True)
    print(json.dumps({"received": len(seqs), "seqs": seqs, "ended": ended}), flush=True)
    req.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
