/**
 * The Camera node's params as cameras have them: gain in the camera's own unit and range, a
 * region of interest moved to the sensor's step (and the run told so), binning, auto exposure
 * and gain, and a short frame counted as a drop rather than the camera lost. On the emulator, on
 * Aravis' in-process Fake_1 and on the fake GigE Vision camera (settings read back with arv-tool).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { openCamera, type Camera } from '../../native/index.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { aravisMissing, besideFakeGv, fakeGvMissing } from './fake-gv.ts';
import { cameraNode, runSource } from './harness.ts';

const noAravis = aravisMissing();
const noFakeGv = fakeGvMissing();
const open: Camera[] = [];
beforeAll(() => {
  process.env.PATCHBAY_ARAVIS_FAKE = '1';
});
afterEach(async () => {
  for (const cam of open.splice(0)) await cam.close();
});

const mean = (f: Frame) => f.data.reduce((a, v) => a + v, 0) / f.data.byteLength;
const median = (f: Frame) => [...f.data].sort((a, b) => a - b)[f.data.byteLength >> 1];

describe('Camera params on the emulator', () => {
  it('gain is in the camera’s own unit: validate takes raw counts past 48, left out the camera keeps its own', async () => {
    const yaml = (gain: string) =>
      `patchbay: 1\nnodes:\n  camera: {type: Camera, params: {backend: aravis, ${gain}}}\n  rec: {type: HDF5Sink, params: {file: out/g.h5}}\nlinks: [camera.out -> rec.in]\n`;
    expect(loadGraph(yaml('gain: 200')).errors).toEqual([]);
    expect(loadGraph(yaml('gain: -3')).errors).toEqual([]);
    const r = await runSource(createCameraStage, cameraNode({ width: 16, height: 8, fps: 0, frames: 1 }));
    expect(r.frames[0].meta).toMatchObject({ gain: 0 });
    const refused = await runSource(createCameraStage, cameraNode({ frames: 1, gain: 60 }));
    expect(refused.error).toMatchObject({ code: 'PARAM_REFUSED', param: 'gain', min: 0, max: 48 });
  });

  it('a width, height or offset between the sensor’s steps is moved down to one, and the run is told', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 1001, height: 500, offsetX: 13, offsetY: 16, fps: 0, frames: 1, roiStep: 8 }),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames[0].shape).toEqual([496, 1000]);
    expect(r.notes).toEqual([
      expect.objectContaining({ code: 'PARAM_ROUNDED', param: 'width', value: 1001, increment: 8 }),
      expect.objectContaining({ code: 'PARAM_ROUNDED', param: 'height', value: 500, increment: 8 }),
      expect.objectContaining({ code: 'PARAM_ROUNDED', param: 'offsetX', value: 13, increment: 8 }),
    ]);
    expect(r.notes[0].message).toContain('1000');
    // Asked of the camera itself, an off-step width is refused with the step.
    const cam = await openCamera({ backend: 'emulator', roiStep: 8 });
    open.push(cam);
    expect(await cam.range('width')).toMatchObject({ min: 8, increment: 8 });
  });

  it('binning: the sensor shrinks by the factor, each pixel sums the ones it bins', async () => {
    const plain = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 64, fps: 0, frames: 1, particles: 0 }),
    );
    const binned = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 64, fps: 0, frames: 1, particles: 0, binningHorizontal: 2, binningVertical: 2 }),
    );
    expect(binned.error).toBeUndefined();
    expect(median(binned.frames[0])).toBeCloseTo(4 * median(plain.frames[0]), -1);
    expect(binned.frames[0].meta).toMatchObject({ binningHorizontal: 2, binningVertical: 2 });
    const wide = await runSource(createCameraStage, cameraNode({ width: 9000, frames: 1, binningHorizontal: 2 }));
    expect(wide.error).toMatchObject({ code: 'PARAM_REFUSED', param: 'width', max: 8192 });
  });

  it('auto exposure sets the exposure that brings the background to its level, whatever exposureUs says', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({
        width: 64,
        height: 64,
        fps: 0,
        frames: 1,
        particles: 0,
        exposureUs: 100,
        exposureAuto: 'Continuous',
      }),
    );
    expect(r.error).toBeUndefined();
    expect(mean(r.frames[0])).toBeGreaterThan(35);
    expect(mean(r.frames[0])).toBeLessThan(45);
    expect(r.frames[0].meta).toMatchObject({ exposureAuto: 'Continuous' });
    expect((r.frames[0].meta as { exposureUs: number }).exposureUs).toBeGreaterThan(10_000);
    // The exposure belongs to the auto mode meanwhile, as on a camera.
    const cam = await openCamera({ backend: 'emulator' });
    open.push(cam);
    await cam.setFeature('ExposureAuto', 'Continuous');
    expect(await cam.setFeature('ExposureTime', 2000).catch((e: unknown) => e)).toMatchObject({
      code: 'PARAM_REFUSED',
      param: 'ExposureTime',
    });
    // Once adjusts, then is Off again.
    await cam.setFeature('ExposureAuto', 'Once');
    expect(await cam.getFeature('ExposureAuto')).toBe('Off');
  });
});

describe.skipIf(noAravis)('Camera params on Aravis, in-process Fake_1', () => {
  it('a short frame (the camera’s size changed under it) is a dropped frame, not the camera lost', async () => {
    const cam = await openCamera({ backend: 'aravis', device: 'Fake_1' });
    open.push(cam);
    await cam.set({ width: 64, height: 32, fps: 100 });
    await cam.start();
    await cam.next();
    // The height register behind Height: the frames shrink while patchbay expects 64 x 32.
    await cam.setFeature('HeightRegister', 16);
    const before = cam.counters.dropped;
    while (cam.counters.dropped === before) await new Promise((r) => setImmediate(r));
    await cam.setFeature('HeightRegister', 32);
    const after = await cam.next();
    expect(after?.shape).toEqual([32, 64]);
    expect(cam.counters.dropped).toBeGreaterThan(0);
  });

  it('gain out of the camera’s own range is refused with it (GainRaw 0 to 10)', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ backend: 'aravis', device: 'Fake_1', frames: 1, gain: 11 }),
    );
    expect(r.error).toMatchObject({ code: 'PARAM_REFUSED', param: 'gain', min: 0, max: 10 });
  });
});

describe.skipIf(noFakeGv)('Camera params on the fake GigE Vision camera', () => {
  it('binning and auto gain are set on the camera (read back with arv-tool); auto exposure it lacks is refused', async () => {
    const { code, out, err } = await besideFakeGv('node bin/run-ts.js test/native/fixtures/gige-params.ts');
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      applied: { error?: string; frames: number };
      readBack: string;
      noAutoExposure: { code: string; param: string };
    };
    expect(r.applied).toEqual({ frames: 2 });
    expect(r.readBack).toMatch(/BinningHorizontal = 2\b/);
    expect(r.readBack).toMatch(/BinningVertical = 2\b/);
    expect(r.readBack).toMatch(/GainAuto = Continuous\b/);
    expect(r.noAutoExposure).toMatchObject({ code: 'PARAM_REFUSED', param: 'exposureAuto' });
  }, 90_000);
});
