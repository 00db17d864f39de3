#!/usr/bin/env python3
"""A student's subscriber: read frames from a patchbay Publish node with pyzmq and numpy.

    python3 subscriber.py tcp://127.0.0.1:5555 camera_frame

Each message is [topic, JSON header, payload]; the payload becomes a numpy array without a
copy. End of stream is a header with "kind": "eos" whose "seq" is how many frames the
publisher sent, so the frames this subscriber missed (dropped at its high-water mark) are
eos["seq"] - received. The publisher may send end of stream more than once: stop at the first.
Prints one line per frame, then a JSON summary line.
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
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5555"
    topic = sys.argv[2] if len(sys.argv) > 2 else ""
    quiet = "--quiet" in sys.argv

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVTIMEO, 30_000)  # give up after 30 s of silence
    sub.setsockopt(zmq.RCVHWM, 1000)
    sub.connect(endpoint)
    sub.setsockopt_string(zmq.SUBSCRIBE, topic)

    received = 0
    total = 0  # sum of every pixel, to check the frames' contents
    seqs = []
    sent = None
    while True:
        parts = sub.recv_multipart(copy=False)
        header = json.loads(parts[1].bytes)
        if header["kind"] == "eos":
            sent = header["seq"]
            break
        frame = np.frombuffer(parts[2].buffer, dtype=header["dtype"]).reshape(header["shape"])
        received += 1
        total += int(frame.sum(dtype=np.uint64))
        seqs.append(header["seq"])
        if not quiet:
            print(f'seq {header["seq"]} {header["dtype"]} {tuple(frame.shape)} mean {frame.mean():.2f}', flush=True)

    missed = sent - received if sent is not None else None
    print(json.dumps({"received": received, "sent": sent, "missed": missed, "sum": total, "seqs": seqs}), flush=True)
    sub.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
