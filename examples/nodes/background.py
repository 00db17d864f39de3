"""Background subtraction for a patchbay Python node.

A running average of the frames is the background (it follows slow drifts of the illumination);
what is left after subtracting it are the particles that move. The first frame starts the
average. Frames come in as numpy arrays (uint8 or uint16 from a camera) and go out as float32.

    nodes:
      camera: {type: Camera, params: {pixelFormat: Mono16, frames: 500}}
      background: {type: Python, params: {script: examples/nodes/background.py}}
      recorder: {type: HDF5Sink, params: {file: out/foreground.h5}}
    links:
      - camera.out -> background.in
      - background.out -> recorder.in

Keep `workers: 1` (the default): the background is this process's state, and two workers would
each keep their own from every other frame.
"""
import numpy as np

# How fast the background follows the frames: each frame weighs ALPHA in the average.
ALPHA = 0.05

background = None


def process(frame, header):
    global background
    f = frame.astype(np.float32)
    if background is None:
        background = f.copy()
        print(f"background started from frame {header['seq']}, {frame.shape[1]}x{frame.shape[0]} {frame.dtype}")
    background *= 1 - ALPHA
    background += ALPHA * f
    header["meta"]["background_alpha"] = ALPHA
    return f - background


if __name__ == "__main__":
    # The same function on a few synthetic frames, without patchbay: a bright spot that moves.
    rng = np.random.default_rng(1)
    for seq in range(5):
        frame = rng.integers(1000, 1010, (48, 64), dtype=np.uint16)
        frame[10, 10 + seq] = 5000
        out = process(frame, {"seq": seq, "t": 0, "meta": {}})
        print(seq, np.unravel_index(np.argmax(out), out.shape))
