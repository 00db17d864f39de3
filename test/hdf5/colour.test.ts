/**
 * Colour frames in HDF5: (H, W, 3) uint8 frames (a webcam's BGR, as OpenCV gives them) go to
 * an (N, H, W, 3) dataset that h5py reads back equal, channel order kept; their (H, W', 3)
 * spectra from the FFT node go to an (N, H, W', 3) one. A tiny graph on the real executor:
 * a frame source → HDF5Sink, and → FFT → Copy → HDF5Sink and a capture sink.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON } from '../helpers/env.ts';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { makeFrame, noH5py, readH5, tempDir } from './harness.ts';

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A source that sends the given frames, as a Camera or a Subscribe would. */
const sourceOf =
  (frames: Frame[]): StageFactory =>
  (io) => ({
    async run() {
      for (const f of frames) await io.emit('out', f);
      return frames.length;
    },
  });

/**
 * h5py's view of one dataset against the raw bytes it should hold: shape, dtype, chunks,
 * whether np.array_equal holds, and one pixel's three values read by index.
 */
const COMPARE = `
import sys, json, h5py, numpy as np
file, group, name, raw, y, x = sys.argv[1:7]
with h5py.File(file, "r") as f:
    ds = f[group][name]
    data = ds[...]
    want = np.fromfile(raw, dtype=ds.dtype).reshape(ds.shape)
    print(json.dumps({"shape": list(ds.shape), "dtype": ds.dtype.name, "chunks": list(ds.chunks), "equal": bool(np.array_equal(data, want)),
                      "pixel": [v.item() if ds.dtype.kind != "c" else [v.real.item(), v.imag.item()] for v in data[-1, int(y), int(x), :]]}))
`;

function h5pyCompare(file: string, group: string, name: string, frames: Frame[], y: number, x: number) {
  const raw = `${file}.${name}.raw`;
  writeFileSync(raw, Buffer.concat(frames.map((f) => f.data)));
  const r = spawnSync(PYTHON, ['-c', COMPARE, file, group, name, raw, String(y), String(x)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py could not read ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { shape: number[]; dtype: string; chunks: number[]; equal: boolean; pixel: unknown[] };
}

/** A (480, 640, 3) BGR frame whose bytes depend on seq; pixel (10, 20) is pure red: B 0, G 0, R 255. */
function webcamFrame(seq: number): Frame {
  const f = makeFrame('uint8', [480, 640, 3], seq, { camera: 'webcam' });
  f.data.set([0, 0, 255], (10 * 640 + 20) * 3);
  return f;
}

describe.skipIf(noH5py)('HDF5Sink with colour frames', () => {
  it.each(['none', 'gzip'] as const)(
    'stores (480, 640, 3) uint8 as (N, 480, 640, 3), equal in h5py, compression %s',
    async (compression) => {
      const file = path.join(root, `webcam-${compression}.h5`);
      const frames = Array.from({ length: 5 }, (_, i) => webcamFrame(i));
      const plan = makePlan(
        [
          { id: 'webcam', type: 'FrameList' },
          { id: 'rec', type: 'HDF5Sink', params: { file, group: 'run', compression } },
        ],
        ['webcam.out -> rec.in'],
      );
      const summary = await runPlan(plan, { stages: { FrameList: sourceOf(frames) } }).done;
      expect(summary.exitCode).toBe(0);
      expect(summary.stats.nodes.rec.errors).toBe(0);
      const got = h5pyCompare(file, 'run', 'frames', frames, 10, 20);
      expect(got).toEqual({
        shape: [5, 480, 640, 3],
        dtype: 'uint8',
        chunks: [1, 480, 640, 3],
        equal: true,
        pixel: [0, 0, 255],
      });
      const g = readH5(file).groups.run;
      expect(g.datasets.frames.maxshape).toEqual([null, 480, 640, 3]);
      expect(g.seq).toEqual([0, 1, 2, 3, 4]);
      expect(g.attrs.camera).toBe('webcam');
    },
  );

  it("stores the FFT node's (480, 321, 3) spectra of colour frames as (N, 480, 321, 3), equal to what the node sent", async () => {
    const file = path.join(root, 'spectra.h5');
    const frames = Array.from({ length: 3 }, (_, i) => webcamFrame(i));
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'webcam', type: 'FrameList' },
        { id: 'fft', type: 'FFT', params: { threads: 1, output: 'half', precision: 'fast' } },
        { id: 'copy', type: 'Copy' },
        { id: 'rec', type: 'HDF5Sink', params: { file, group: 'run', dataset: 'spectra' } },
        { id: 'seen', type: 'Capture' },
      ],
      ['webcam.out -> fft.in', 'fft.out -> copy.in', 'copy.out -> rec.in', 'copy.out -> seen.in'],
    );
    const summary = await runPlan(plan, { capture: cap, stages: { FrameList: sourceOf(frames) } }).done;
    expect(summary.exitCode).toBe(0);
    const sent = cap.of('seen').frames;
    expect(sent.map((f) => [f.dtype, f.shape])).toEqual(frames.map(() => ['complex64', [480, 321, 3]]));
    const got = h5pyCompare(file, 'run', 'spectra', sent, 0, 0);
    expect([got.shape, got.dtype, got.chunks, got.equal]).toEqual([
      [3, 480, 321, 3],
      'complex64',
      [1, 480, 321, 3],
      true,
    ]);
  });
});
