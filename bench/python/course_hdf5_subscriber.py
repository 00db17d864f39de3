"""The course's recorder subscriber: appends every frame it gets to an extendable HDF5
dataset with h5py, in a group named after the start time as the course does, with the
frames' seq and timestamps beside them (the layout patchbay's HDF5Sink writes). Flushes
once a second.

    python3 course_hdf5_subscriber.py --file out/frames.h5 --frames 200 --mode fast
"""

from datetime import datetime
import time

import h5py
import numpy as np

import course_common as cc
import course_subscriber


def main():
    p = cc.parser(__doc__)
    p.add_argument('--topic', default='camera_frame')
    p.add_argument('--publisher', default='tcp://127.0.0.1:5630')
    p.add_argument('--sync', default='tcp://127.0.0.1:5631')
    p.add_argument('--file', required=True, help='the HDF5 file to write (replaced if it exists)')
    args = p.parse_args()

    f = h5py.File(args.file, 'w', libver=('earliest', 'v110'))
    g = f.create_group(str(datetime.now()))
    h, w = args.height, args.width
    frames = g.create_dataset('frames', shape=(0, h, w), maxshape=(None, h, w), chunks=(1, h, w), dtype=cc.DTYPE)
    seqs = g.create_dataset('seq', shape=(0,), maxshape=(None,), chunks=(1024,), dtype=np.uint64)
    stamps = g.create_dataset('timestamps', shape=(0,), maxshape=(None,), chunks=(1024,), dtype=np.int64)
    n = [0]
    flushed = [time.monotonic()]

    def record(seq, frame):
        i = n[0]
        frames.resize(i + 1, axis=0)
        frames[i] = frame
        seqs.resize(i + 1, axis=0)
        seqs[i] = seq
        stamps.resize(i + 1, axis=0)
        stamps[i] = cc.now_ns()
        n[0] = i + 1
        if time.monotonic() - flushed[0] >= 1.0:
            f.flush()
            flushed[0] = time.monotonic()

    received, total, seconds = course_subscriber.run('hdf5-subscriber', args, record)
    f.close()
    cc.result('hdf5-subscriber', args, total, received, seconds, recorded=n[0], file=args.file)


if __name__ == '__main__':
    main()
