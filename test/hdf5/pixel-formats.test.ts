/**
 * Camera (emulator) → HDF5Sink in every pixel format, on the real executor, read back by h5py:
 * (N, H, W) uint8 or uint16, (N, H, W, 3) uint8 for colour and debayered Bayer, values within
 * the format's bits, the Bayer pattern among the group's attributes.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON } from '../helpers/env.ts';
import { makePlan, runPlan } from '../helpers/run-harness.ts';
import { PIXEL_FORMATS, frameFormat, type PixelFormat } from '../../native/pixel-format.ts';
import { noH5py, tempDir } from './harness.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What h5py sees: the dataset's shape, dtype and largest value, each channel's mean, the group's attributes. */
const SUMMARY = `
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g = f["g"]
    ds = g["frames"]
    data = ds[...]
    attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items() if isinstance(v, (str, bytes))}
    means = [float(data[..., c].mean()) for c in range(data.shape[-1])] if data.ndim == 4 else [float(data.mean())]
    print(json.dumps({"shape": list(ds.shape), "dtype": ds.dtype.name, "max": int(data.max()), "means": means, "attrs": attrs}))
`;

function h5Summary(file: string): {
  shape: number[];
  dtype: string;
  max: number;
  means: number[];
  attrs: Record<string, string>;
} {
  const r = spawnSync(PYTHON, ['-c', SUMMARY, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py could not read ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const CASES: [PixelFormat, boolean][] = [
  ...PIXEL_FORMATS.map((f): [PixelFormat, boolean] => [f, false]),
  ['BayerBG8', true],
];

describe.skipIf(noH5py)('Camera → HDF5Sink in every pixel format, read by h5py', () => {
  it.each(CASES)('%s (debayer %s)', async (pixelFormat, debayer) => {
    const file = path.join(dir, `${pixelFormat}-${debayer}.h5`);
    const N = 5;
    const plan = makePlan(
      [
        {
          id: 'camera',
          type: 'Camera',
          params: { width: 48, height: 32, pixelFormat, debayer, fps: 0, frames: N, exposureUs: 25_000, particles: 30 },
        },
        { id: 'recorder', type: 'HDF5Sink', params: { file, group: 'g' } },
      ],
      ['camera.out -> recorder.in'],
    );
    const summary = await runPlan(plan, { graphText: 'patchbay: 1\nname: formats\n' }).done;
    expect(summary.failures).toEqual([]);
    const f = frameFormat(pixelFormat, debayer);
    const h5 = h5Summary(file);
    expect([h5.shape, h5.dtype]).toEqual([f.channels === 3 ? [N, 32, 48, 3] : [N, 32, 48], f.dtype]);
    // Saturated particles reach the format's full scale and nothing passes it (1023 for 10 bits, 4095 for 12).
    expect(h5.max).toBe(2 ** f.bits - 1);
    expect(h5.attrs).toMatchObject({ pixelFormat, ...(f.bayerPattern ? { bayerPattern: f.bayerPattern } : {}) });
    if (f.channels === 3) expect(new Set(h5.means.map((m) => m.toFixed(3))).size).toBe(3);
  });
});
