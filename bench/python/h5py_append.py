"""The h5py anchor for bench/hdf5.ts: appends N frames to an extendable dataset the way
the course's recorder does (resize + write per frame, seq and timestamps beside, flush
once a second), in the layout patchbay's HDF5Sink writes. Prints one JSON line.

    python3 h5py_append.py --file out.h5 --frames 500 --height 1024 --width 1024 [--gzip LEVEL]
    python3 h5py_append.py --check out.h5 --group g --frames 500   # verify seq == 0..N-1
"""
import argparse
from datetime import datetime
import json
import time

import h5py
import numpy as np


def append(args):
    h, w = args.height, args.width
    rng = np.random.default_rng(1)
    pool = [rng.integers(0, 4096, size=(h, w), dtype=np.uint16) for _ in range(4)]
    f = h5py.File(args.file, 'w', libver=('earliest', 'v110'))
    g = f.create_group(str(datetime.now()))
    extra = dict(compression='gzip', compression_opts=args.gzip) if args.gzip else {}
    frames = g.create_dataset('frames', shape=(0, h, w), maxshape=(None, h, w), chunks=(1, h, w), dtype=np.uint16, **extra)
    seqs = g.create_dataset('seq', shape=(0,), maxshape=(None,), chunks=(4096,), dtype=np.uint64)
    stamps = g.create_dataset('timestamps', shape=(0,), maxshape=(None,), chunks=(4096,), dtype=np.int64)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    flushed = t0
    for i in range(args.frames):
        frames.resize(i + 1, axis=0)
        frames[i] = pool[i % 4]
        seqs.resize(i + 1, axis=0)
        seqs[i] = i
        stamps.resize(i + 1, axis=0)
        stamps[i] = time.time_ns()
        if time.perf_counter() - flushed >= 1.0:
            f.flush()
            flushed = time.perf_counter()
    f.close()
    seconds = time.perf_counter() - t0
    # user + system CPU of the process over the same span (h5py and HDF5 run on this thread alone)
    cpu = time.process_time() - cpu0
    print(json.dumps({'seconds': seconds, 'cpu_seconds': cpu, 'frames': args.frames, 'h5py': h5py.__version__, 'hdf5': h5py.version.hdf5_version}))


def check(args):
    with h5py.File(args.check, 'r') as f:
        seq = f[args.group]['seq'][:]
        shape = f[args.group]['frames'].shape
    ok = len(seq) == args.frames and bool(np.array_equal(seq, np.arange(args.frames))) and shape[0] == args.frames
    print(json.dumps({'frames': int(len(seq)), 'ok': ok}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--file')
    p.add_argument('--check')
    p.add_argument('--group', default='g')
    p.add_argument('--frames', type=int, default=500)
    p.add_argument('--height', type=int, default=1024)
    p.add_argument('--width', type=int, default=1024)
    p.add_argument('--gzip', type=int, default=0)
    args = p.parse_args()
    if args.check:
        check(args)
    else:
        append(args)


if __name__ == '__main__':
    main()
