/**
 * The aravis backend in the pixel formats Aravis' fake cameras offer (Mono8, Mono16, RGB8,
 * BayerRG8/GR8/GB8/BG8): the in-process Fake_1, and the fake GigE Vision camera on loopback
 * in a private network namespace, recorded by a graph Camera → HDF5Sink and read back by h5py.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { tempDir } from '../hdf5/harness.ts';
import { aravisMissing, besideFakeGv, fakeGvMissing } from './fake-gv.ts';
import { cameraNode, runSource } from './harness.ts';

const noAravis = aravisMissing();
const noFakeGv = fakeGvMissing() ?? missing('Debian python3-h5py', () => pythonHas('h5py', 'numpy'));

beforeAll(() => {
  process.env.PATCHBAY_ARAVIS_FAKE = '1';
});

describe.skipIf(noAravis)('aravis backend, in-process Fake camera, colour and Bayer formats', () => {
  it('RGB8: (H, W, 3) uint8 frames whose channels differ', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({
        backend: 'aravis',
        device: 'Fake_1',
        width: 128,
        height: 64,
        pixelFormat: 'RGB8',
        fps: 100,
        frames: 3,
      }),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames.map((f) => [f.dtype, f.shape, f.data.byteLength])).toEqual(
      Array(3).fill(['uint8', [64, 128, 3], 128 * 64 * 3]),
    );
    const sums = [0, 0, 0];
    r.frames[0].data.forEach((v, i) => (sums[i % 3] += v));
    expect(new Set(sums).size).toBe(3);
    expect(r.frames[0].meta).toMatchObject({ backend: 'aravis', pixelFormat: 'RGB8' });
  });

  it.each([
    ['BayerRG8', 'RGGB'],
    ['BayerGR8', 'GRBG'],
    ['BayerGB8', 'GBRG'],
    ['BayerBG8', 'BGGR'],
  ] as const)('%s: raw (H, W) uint8 with the pattern %s in meta; debayered (H, W, 3)', async (pixelFormat, pattern) => {
    const raw = await runSource(
      createCameraStage,
      cameraNode({ backend: 'aravis', device: 'Fake_1', width: 128, height: 64, pixelFormat, fps: 100, frames: 2 }),
    );
    expect(raw.error).toBeUndefined();
    expect([raw.frames[0].dtype, raw.frames[0].shape, raw.frames[0].data.byteLength]).toEqual([
      'uint8',
      [64, 128],
      128 * 64,
    ]);
    expect(raw.frames[0].meta).toMatchObject({ pixelFormat, bayerPattern: pattern });
    const rgb = await runSource(
      createCameraStage,
      cameraNode({
        backend: 'aravis',
        device: 'Fake_1',
        width: 128,
        height: 64,
        pixelFormat,
        debayer: true,
        fps: 100,
        frames: 2,
      }),
    );
    expect(rgb.error).toBeUndefined();
    expect([rgb.frames[0].dtype, rgb.frames[0].shape]).toEqual(['uint8', [64, 128, 3]]);
    expect(rgb.frames[0].meta).toMatchObject({ pixelFormat, debayer: 'bilinear' });
  });

  it('refuses a format the camera lacks, listing those it offers', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ backend: 'aravis', device: 'Fake_1', pixelFormat: 'Mono12p', frames: 1 }),
    );
    expect(r.error).toMatchObject({ code: 'PARAM_REFUSED', param: 'pixelFormat' });
    expect((r.error as { allowed: string[] }).allowed).toEqual(
      expect.arrayContaining(['Mono8', 'Mono16', 'RGB8', 'BayerRG8']),
    );
  });
});

describe.skipIf(noFakeGv)('aravis backend, fake GigE Vision camera: colour and Bayer recorded to HDF5', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records RGB8, BayerRG8 and BayerGB8 debayered; h5py reads (N, H, W, 3) and (N, H, W) uint8', async () => {
    const formats = ['RGB8', 'BayerRG8', 'BayerGB8:debayer', 'Mono16'];
    const { code, out, err } = await besideFakeGv(
      `env H5DIR=${dir} node bin/run-ts.js test/native/fixtures/gige-formats.ts ${formats.join(' ')}`,
    );
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      offered: string[];
      runs: Record<string, { failures: string[]; file: string }>;
    };
    expect(r.offered.sort()).toEqual(['BayerBG8', 'BayerGB8', 'BayerGR8', 'BayerRG8', 'Mono16', 'Mono8', 'RGB8']);
    const read = (file: string) => {
      const py = spawnSync(
        PYTHON,
        [
          '-c',
          'import sys, json, h5py; g = h5py.File(sys.argv[1], "r")["g"]; d = g["frames"]; ' +
            'print(json.dumps({"shape": list(d.shape), "dtype": d.dtype.name, "distinct": len(set(d[...].ravel().tolist())), ' +
            '"attrs": {k: v for k, v in g.attrs.items() if isinstance(v, str)}}))',
          file,
        ],
        { encoding: 'utf8' },
      );
      if (py.status !== 0) throw new Error(`h5py could not read ${file}: ${py.stderr}`);
      return JSON.parse(py.stdout) as {
        shape: number[];
        dtype: string;
        distinct: number;
        attrs: Record<string, string>;
      };
    };
    const want: Record<string, [number[], string, Record<string, string>]> = {
      RGB8: [[4, 64, 128, 3], 'uint8', { pixelFormat: 'RGB8' }],
      BayerRG8: [[4, 64, 128], 'uint8', { pixelFormat: 'BayerRG8', bayerPattern: 'RGGB' }],
      'BayerGB8:debayer': [[4, 64, 128, 3], 'uint8', { pixelFormat: 'BayerGB8', debayer: 'bilinear' }],
      Mono16: [[4, 64, 128], 'uint16', { pixelFormat: 'Mono16' }],
    };
    for (const f of formats) {
      expect(r.runs[f].failures, f).toEqual([]);
      const h5 = read(r.runs[f].file);
      expect([h5.shape, h5.dtype], f).toEqual(want[f].slice(0, 2));
      expect(h5.attrs, f).toMatchObject({ backend: 'aravis', ...want[f][2] });
      // The fake camera draws a pattern, not a constant.
      expect(h5.distinct, f).toBeGreaterThan(1);
    }
  }, 90_000);
});
