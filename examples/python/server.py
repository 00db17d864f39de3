#!/usr/bin/env python3
"""A student's server: answer a patchbay Request node's requests with numpy frames (REP).

    python3 server.py tcp://*:5556 10

REQ/REP is lock step: receive a request (any bytes), send exactly one reply. Each reply is
[JSON header, payload], a new frame; after FRAMES frames every request gets end of stream
(a header with "kind": "eos"), which ends the Request node. Frame k holds
(arange(h*w) + k) % 65536 as uint16 (h, w = 48, 64). Prints "ready", then a JSON summary line.
"""
import json
import sys
import time

try:
    import numpy as np
    import zmq
except ImportError as e:  # another interpreter than the one with pyzmq and numpy (pyenv, conda)
    sys.exit(f"{sys.executable} has no module {e.name}: this script needs pyzmq and numpy. "
             "On Debian/Ubuntu: sudo apt-get install python3-zmq python3-numpy, then run it "
             "with /usr/bin/python3; or install them for this interpreter (pip install pyzmq numpy).")


def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5556"
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    h, w = 48, 64

    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP)
    rep.bind(endpoint)
    print("ready", flush=True)
    base = np.arange(h * w, dtype=np.uint32)
    seq = 0
    while True:
        rep.recv()
        if seq == frames:
            rep.send(json.dumps({"v": 1, "kind": "eos", "seq": frames}).encode())
            break
        frame = ((base + seq) % 65536).astype(np.uint16).reshape(h, w)
        header = {"v": 1, "kind": "frame", "seq": seq, "t": time.time_ns(),
                  "dtype": str(frame.dtype), "shape": list(frame.shape)}
        rep.send_multipart([json.dumps(header).encode(), frame])
        seq += 1
    print(json.dumps({"served": frames}), flush=True)
    rep.close(linger=5_000)
    ctx.term()


if __name__ == "__main__":
    main()
