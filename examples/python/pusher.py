#!/usr/bin/env python3
"""A student's ventilator: feed a patchbay Pull node with numpy frames from pyzmq.

    python3 pusher.py tcp://127.0.0.1:5558 100 480 640

Each message is [JSON header, payload]: the header says dtype and shape, the payload is the
array's bytes in C order. After the last frame it sends end of stream, a header with
"kind": "eos" and the number of frames sent, so the Pull node knows it has everything.
Frame k holds (arange(h*w) + k) % 65536 as uint16, so a receiver can check every pixel.
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
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5558"
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    h = int(sys.argv[3]) if len(sys.argv) > 3 else 480
    w = int(sys.argv[4]) if len(sys.argv) > 4 else 640

    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.connect(endpoint)
    base = np.arange(h * w, dtype=np.uint32)
    for seq in range(frames):
        frame = ((base + seq) % 65536).astype(np.uint16).reshape(h, w)
        header = {"v": 1, "kind": "frame", "seq": seq, "t": time.time_ns(),
                  "dtype": str(frame.dtype), "shape": list(frame.shape), "meta": {"from": "pyzmq"}}
        push.send_multipart([json.dumps(header).encode(), frame])  # numpy arrays go out without a copy
    push.send_multipart([json.dumps({"v": 1, "kind": "eos", "seq": frames}).encode()])
    push.close(linger=10_000)  # wait until everything is delivered
    ctx.term()


if __name__ == "__main__":
    main()
