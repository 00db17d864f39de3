#!/usr/bin/env python3
"""A student's publisher: publish numpy frames to a patchbay Subscribe node with pyzmq.

    python3 publisher.py tcp://*:5555 100 480 640 camera_frame

Each message is [topic, JSON header, payload]. PUB drops what is sent before a subscriber has
joined (the slow joiner): this publisher is an XPUB, which receives each subscription, so it
waits for the first one before sending, as patchbay's `waitFor` does. After the last frame it
sends end of stream (the header with "kind": "eos" and the count) a few times, so a
subscriber that is a little behind still sees it. Frame k holds (arange(h*w) + k) % 65536 as
uint16. Prints "ready" once bound, then a JSON summary line.
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
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5555"
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    h = int(sys.argv[3]) if len(sys.argv) > 3 else 480
    w = int(sys.argv[4]) if len(sys.argv) > 4 else 640
    topic = (sys.argv[5] if len(sys.argv) > 5 else "camera_frame").encode()

    ctx = zmq.Context()
    pub = ctx.socket(zmq.XPUB)
    pub.setsockopt(zmq.SNDHWM, 1000)
    pub.bind(endpoint)
    print("ready", flush=True)
    pub.recv()  # the first subscription: someone listens now
    base = np.arange(h * w, dtype=np.uint32)
    for seq in range(frames):
        frame = ((base + seq) % 65536).astype(np.uint16).reshape(h, w)
        header = {"v": 1, "kind": "frame", "seq": seq, "t": time.time_ns(),
                  "dtype": str(frame.dtype), "shape": list(frame.shape)}
        pub.send_multipart([topic, json.dumps(header).encode(), frame])
    eos = json.dumps({"v": 1, "kind": "eos", "seq": frames}).encode()
    for _ in range(3):
        pub.send_multipart([topic, eos])
        time.sleep(0.1)
    print(json.dumps({"sent": frames}), flush=True)
    pub.close(linger=5_000)
    ctx.term()


if __name__ == "__main__":
    main()
