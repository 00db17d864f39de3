"""The machine's limits for bench/main.ts --limits, measured by the libraries the anchors use.

    python3 limits.py fftw HEIGHT WIDTH REPS     -> JSON: FFTW r2c ms (median) on 1 and 2 threads
    python3 limits.py zmq BYTES COUNT            -> JSON: pyzmq PUSH -> PULL over tcp, GB/s

FFTW: pyfftw's builders with FFTW_MEASURE, planned before timing, float64 input, the half
spectrum (what numpy's rfft2 gives). ZeroMQ: one PUSH and one PULL in this process (the PULL
in a thread: pyzmq releases the GIL in send and recv), messages sent without a copy.
"""
import json
import statistics
import sys
import threading
import time


def fftw(h, w, reps):
    import numpy as np
    import pyfftw
    import pyfftw.builders

    out = {}
    for threads in (1, 2):
        a = pyfftw.empty_aligned((h, w), dtype="float64")
        a[:] = np.random.default_rng(1).random((h, w))
        plan = pyfftw.builders.rfft2(a, threads=threads, planner_effort="FFTW_MEASURE")
        plan()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            plan()
            times.append((time.perf_counter() - t) * 1e3)
        out[f"threads{threads}"] = statistics.median(times)
    return out


def zmq_rate(size, count):
    import zmq

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push = ctx.socket(zmq.PUSH)
    push.connect(f"tcp://127.0.0.1:{port}")
    payload = b"\x07" * size
    done = threading.Event()
    elapsed = []

    def receive():
        pull.recv(copy=False)  # the first message: the connection is up
        t = time.perf_counter()
        for _ in range(count):
            pull.recv(copy=False)
        elapsed.append(time.perf_counter() - t)
        done.set()

    th = threading.Thread(target=receive)
    th.start()
    for _ in range(count + 1):
        push.send(payload, copy=False)
    done.wait()
    th.join()
    push.close(0)
    pull.close(0)
    ctx.term()
    return {"gbps": size * count / elapsed[0] / 1e9}


def main():
    what = sys.argv[1]
    if what == "fftw":
        h, w, reps = (int(a) for a in sys.argv[2:5])
        print(json.dumps(fftw(h, w, reps)))
    elif what == "zmq":
        size, count = (int(a) for a in sys.argv[2:4])
        print(json.dumps(zmq_rate(size, count)))
    else:
        sys.exit(f"limits.py: unknown measurement {what!r} (fftw or zmq)")


if __name__ == "__main__":
    main()
