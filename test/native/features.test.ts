/**
 * GenICam features by name (the Camera node's `features:` and `featureFile:`): on the emulator,
 * which has a small documented set, on Aravis' in-process Fake_1, and on the fake GigE Vision
 * camera in a private network namespace, where what was set is read back with arv-tool-0.8.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { openCamera, type Camera } from '../../native/index.ts';
import { aravisMissing, besideFakeGv, fakeGvMissing } from './fake-gv.ts';
import { cameraNode, runSource } from './harness.ts';

const noAravis = aravisMissing();
const noFakeGv = fakeGvMissing();

const dir = mkdtempSync(join(tmpdir(), 'patchbay-features-'));
const open: Camera[] = [];
beforeAll(() => {
  process.env.PATCHBAY_ARAVIS_FAKE = '1';
});
afterEach(async () => {
  for (const cam of open.splice(0)) await cam.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function emulator(): Promise<Camera> {
  const cam = await openCamera({ backend: 'emulator' });
  open.push(cam);
  return cam;
}

describe('features by name on the emulator', () => {
  it('lists its documented features and reads them back once set', async () => {
    const cam = await emulator();
    expect(await cam.featureNames()).toEqual(
      expect.arrayContaining(['Width', 'Height', 'PixelFormat', 'ExposureTime', 'Gain', 'DeviceUserID']),
    );
    await cam.setFeatures({ ExposureTime: 2500, Gain: 6, PixelFormat: 'Mono12', DeviceUserID: 7 });
    expect(await cam.getFeature('ExposureTime')).toBe(2500);
    expect(await cam.getFeature('PixelFormat')).toBe('Mono12');
    // A number for a text feature is written as its text.
    expect(await cam.getFeature('DeviceUserID')).toBe('7');
    expect(await cam.get()).toMatchObject({ exposureUs: 2500, gain: 6, pixelFormat: 'Mono12' });
  });

  it('applies the map in its order after the standard params: the frames are what the features made', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 48, fps: 0, frames: 2, features: { Width: 40, OffsetX: 16340, Gain: 3 } }),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames[0].shape).toEqual([48, 40]);
    expect(r.frames[0].meta).toMatchObject({ gain: 3 });
    // The other order asks for an offset the 64 px wide frame does not leave room for.
    const other = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 48, fps: 0, frames: 2, features: { OffsetX: 16340, Width: 40 } }),
    );
    expect(other.error).toMatchObject({ code: 'PARAM_REFUSED', param: 'OffsetX', min: 0, max: 16384 - 64 });
  });

  it('an unknown name fails at start naming the closest ones, and nothing is set', async () => {
    const r = await runSource(createCameraStage, cameraNode({ frames: 1, features: { ExposureTme: 100 } }));
    expect(r.error).toMatchObject({ code: 'UNKNOWN_FEATURE', param: 'ExposureTme', closest: ['ExposureTime'] });
    expect(r.frames).toEqual([]);
    const cam = await emulator();
    const e = await cam.setFeatures({ Gain: 5, Gian: 3 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'UNKNOWN_FEATURE', param: 'Gian', camera: 'emulator:emulator-0' });
    expect((e as { closest: string[] }).closest).toContain('Gain');
    expect(await cam.getFeature('Gain')).toBe(0);
    // One name read or set alone gets the same suggestions.
    expect(await cam.getFeature('Heigth').catch((x: unknown) => x)).toMatchObject({
      code: 'UNKNOWN_FEATURE',
      closest: ['Height'],
    });
  });

  it('a refused value says the range and increment, the entries, or that the feature is read-only', async () => {
    const cam = await emulator();
    const refused = (name: string, value: number | string | boolean) =>
      cam.setFeature(name, value).catch((x: unknown) => x);
    expect(await refused('Width', 0)).toMatchObject({
      code: 'PARAM_REFUSED',
      param: 'Width',
      value: 0,
      min: 1,
      increment: 1,
    });
    expect(await refused('Height', 10.5)).toMatchObject({ code: 'PARAM_REFUSED', param: 'Height', value: 10.5 });
    const format = (await refused('PixelFormat', 'Mono7')) as { code: string; allowed: string[] };
    expect(format.code).toBe('PARAM_REFUSED');
    expect(format.allowed).toEqual(expect.arrayContaining(['Mono8', 'Mono12p', 'BayerRG8', 'RGB8']));
    expect(await refused('SensorWidth', 5)).toMatchObject({ code: 'PARAM_REFUSED', param: 'SensorWidth' });
    expect(await refused('Gain', 'high')).toMatchObject({ code: 'PARAM_REFUSED', param: 'Gain', max: 48 });
  });

  it('featureFile: a YAML map applied before `features`, which wins; a .pfs is pylon only', async () => {
    const file = join(dir, 'bench.yaml');
    writeFileSync(file, '# bench camera\nExposureTime: 1234\nGain: 2\nDeviceUserID: bench\n');
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, fps: 0, frames: 1, featureFile: file, features: { Gain: 4 } }),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames[0].meta).toMatchObject({ exposureUs: 1234, gain: 4 });

    const misspelt = join(dir, 'misspelt.yaml');
    writeFileSync(misspelt, 'ExposureTime: 1234\nGian: 2\n');
    const bad = await runSource(createCameraStage, cameraNode({ frames: 1, featureFile: misspelt }));
    expect(bad.error).toMatchObject({ code: 'UNKNOWN_FEATURE', param: 'Gian', closest: ['Gain'] });
    expect((bad.error as Error).message).toContain(misspelt);

    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- ExposureTime\n');
    expect((await runSource(createCameraStage, cameraNode({ frames: 1, featureFile: list }))).error).toMatchObject({
      code: 'BAD_ARGUMENT',
      param: 'featureFile',
    });
    const pfs = join(dir, 'camera.pfs');
    writeFileSync(pfs, '# {05D8C294-F295-4dfb-9D01-096BD04049F4}\nGain\t2\n');
    expect((await runSource(createCameraStage, cameraNode({ frames: 1, featureFile: pfs }))).error).toMatchObject({
      code: 'BAD_ARGUMENT',
      param: 'featureFile',
    });
  });

  it('a feature that changes the frame size is refused while acquiring', async () => {
    const cam = await emulator();
    await cam.set({ width: 32, height: 16, fps: 200 });
    await cam.start();
    expect(await cam.setFeature('Width', 16).catch((x: unknown) => x)).toMatchObject({
      code: 'BAD_STATE',
      param: 'Width',
    });
    await cam.setFeature('Gain', 2);
    await cam.stop();
  });
});

describe.skipIf(noAravis)('features by name on Aravis, in-process Fake_1', () => {
  it('sets and reads back features the camera keeps out of its categories (GainRaw)', async () => {
    const cam = await openCamera({ backend: 'aravis', device: 'Fake_1' });
    open.push(cam);
    expect(await cam.featureNames()).toEqual(expect.arrayContaining(['GainRaw', 'ExposureTimeAbs', 'TestRegister']));
    await cam.setFeatures({ GainRaw: 7, TestRegister: 1234, TriggerMode: 'Off' });
    expect([await cam.getFeature('GainRaw'), await cam.getFeature('TestRegister')]).toEqual([7, 1234]);
    expect(await cam.setFeature('GainRaw', 11).catch((x: unknown) => x)).toMatchObject({
      code: 'PARAM_REFUSED',
      min: 0,
      max: 10,
    });
    // "Gain" is no typo of GainRaw, but GainRaw begins with it.
    expect(await cam.getFeature('Gain').catch((x: unknown) => x)).toMatchObject({ code: 'UNKNOWN_FEATURE' });
    expect(((await cam.getFeature('Gain').catch((x: unknown) => x)) as { closest: string[] }).closest[0]).toBe(
      'GainRaw',
    );
  });
});

describe.skipIf(noFakeGv)('features by name on the fake GigE Vision camera', () => {
  it('a features map and a feature file are applied and read back with arv-tool; a misspelt name is named with a suggestion', async () => {
    const file = join(dir, 'gige.yaml');
    writeFileSync(file, 'TestRegister: 4321\n');
    const { code, out, err } = await besideFakeGv(`node bin/run-ts.js test/native/fixtures/gige-features.ts ${file}`);
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      applied: { error?: { code: string }; frames: number; meta: Record<string, unknown> };
      readBack: string;
      misspelt: { code: string; param: string; closest: string[]; message: string };
      refused: { code: string; param: string; min: number; max: number };
    };
    expect(r.applied.error).toBeUndefined();
    expect(r.applied.frames).toBe(2);
    // GainRaw is also the node's `gain`: the meta says what the camera has after the features.
    expect(r.applied.meta).toMatchObject({ gain: 7, exposureUs: 3200 });
    expect(r.readBack).toMatch(/GainRaw = 7\b/);
    expect(r.readBack).toMatch(/ExposureTimeAbs = 3200\b/);
    expect(r.readBack).toMatch(/TestRegister = 4321\b/);
    expect(r.misspelt).toMatchObject({ code: 'UNKNOWN_FEATURE', param: 'GainRow' });
    expect(r.misspelt.closest[0]).toBe('GainRaw');
    expect(r.misspelt.message).toContain('GainRaw');
    expect(r.refused).toMatchObject({ code: 'PARAM_REFUSED', param: 'GainRaw', min: 0, max: 10 });
  }, 90_000);
});
