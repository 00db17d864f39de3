"""The FFT bench's anchors: ms per frame of numpy fft2, numpy rfft2 and FFTW (pyfftw
builders, planned before timing) on a uint8 frame, every repetition's time.

    python3 fft_anchor.py HEIGHT WIDTH REPS    -> one JSON line of lists of ms
"""
import json
import sys
import time

import numpy as np


def times_ms(fn, reps):
    fn()  # warm up: first-call allocations and caches
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return times


def main():
    h, w, reps = (int(a) for a in sys.argv[1:4])
    rng = np.random.default_rng(1)
    x = (rng.random((h, w)) * 255).astype(np.uint8)
    res = {
        "size": [h, w],
        "numpy_fft2": times_ms(lambda: np.fft.fft2(x), reps),
        "numpy_rfft2": times_ms(lambda: np.fft.rfft2(x), reps),
    }
    try:
        import pyfftw
        import pyfftw.builders

        a = pyfftw.empty_aligned((h, w), dtype="float64")
        # Planning (FFTW_MEASURE) happens here, outside the timing, as FFTW users do.
        plan = pyfftw.builders.rfft2(a, threads=1, planner_effort="FFTW_MEASURE")

        def fftw():
            a[:] = x  # the uint8 -> float64 conversion numpy also pays
            return plan()

        res["fftw_rfft2"] = times_ms(fftw, reps)
        res["pyfftw"] = pyfftw.__version__
    except ImportError as e:
        res["fftw_rfft2"] = None
        res["fftw_problem"] = str(e)
    res["numpy"] = np.__version__
    print(json.dumps(res))


if __name__ == "__main__":
    main()
