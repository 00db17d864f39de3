"""The course's analysis subscriber: computes the 2D FFT magnitude of each frame it gets
(numpy fft2; float64, as numpy gives it). It keeps up with what it can: frames the publisher
sends while it is busy are dropped at the high-water mark, by the PUB/SUB pattern's design,
and counted.

    python3 course_fft_subscriber.py --frames 200 --mode fast
"""

import time

import numpy as np

import course_common as cc
import course_subscriber


def main():
    p = cc.parser(__doc__)
    p.add_argument('--topic', default='camera_frame')
    p.add_argument('--publisher', default='tcp://127.0.0.1:5630')
    p.add_argument('--sync', default='tcp://127.0.0.1:5631')
    args = p.parse_args()
    busy = [0.0]

    def fft(_seq, frame):
        t = time.perf_counter()
        np.abs(np.fft.fft2(frame))
        busy[0] += time.perf_counter() - t

    received, total, seconds = course_subscriber.run('fft-subscriber', args, fft)
    cc.result('fft-subscriber', args, total, received, seconds, fft_ms=round(1000 * busy[0] / max(received, 1), 3))


if __name__ == '__main__':
    main()
