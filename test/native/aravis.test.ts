import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { listDevices, openCamera, type Camera } from '../../native/index.ts';
import { aravisMissing, besideFakeGv, fakeGvMissing } from './fake-gv.ts';
import { cameraNode, runSource } from './harness.ts';

const noAravis = aravisMissing();
const noFakeGv = fakeGvMissing();

// The in-process Fake interface is off by default; the addon turns it on for this.
beforeAll(() => {
  process.env.PATCHBAY_ARAVIS_FAKE = '1';
});

describe.skipIf(noAravis)('aravis backend, in-process Fake camera', () => {
  const open: Camera[] = [];
  afterEach(async () => {
    for (const cam of open.splice(0)) await cam.close();
  });

  it('lists Fake_1 among the devices', async () => {
    const devices = await listDevices('aravis');
    expect(devices).toContainEqual(expect.objectContaining({ backend: 'aravis', id: 'Fake_1', transport: 'Fake' }));
  });

  it.each([
    ['Mono8', 'uint8'],
    ['Mono16', 'uint16'],
  ] as const)('the stage delivers %s frames of the asked shape', async (pixelFormat, dtype) => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ backend: 'aravis', device: 'Fake_1', width: 256, height: 128, pixelFormat, fps: 100, frames: 5 }),
    );
    expect(r.error).toBeUndefined();
    expect(r.count).toBe(5);
    expect(r.frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    for (const f of r.frames) {
      expect([f.dtype, f.shape, f.data.byteLength]).toEqual([
        dtype,
        [128, 256],
        256 * 128 * (dtype === 'uint16' ? 2 : 1),
      ]);
      expect(f.meta).toMatchObject({ backend: 'aravis', device: 'Fake_1', pixelFormat });
    }
    // The fake camera draws a pattern, not a constant.
    expect(new Set(r.frames[0].data).size).toBeGreaterThan(1);
  });

  it('reads and writes exposure and gain, refusing values out of the camera range', async () => {
    const cam = await openCamera({ backend: 'aravis', device: 'Fake_1' });
    open.push(cam);
    const exposure = await cam.range('exposureUs');
    const s = await cam.set({ exposureUs: exposure.min * 10, gain: 1 });
    expect(s).toMatchObject({ exposureUs: exposure.min * 10, gain: 1 });
    const e = await cam.set({ exposureUs: exposure.min / 2 }).catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 'PARAM_REFUSED',
      param: 'exposureUs',
      value: exposure.min / 2,
      min: exposure.min,
      max: exposure.max,
      camera: 'aravis:Fake_1',
    });
    // The camera is named once, up front; the parenthesis after the range is for a reason, not the device id.
    expect((e as Error).message.split('Fake_1')).toHaveLength(2);
  });

  it('opens a device by its serial number', async () => {
    const fake = (await listDevices('aravis')).find((d) => d.id === 'Fake_1')!;
    const cam = await openCamera({ backend: 'aravis', device: fake.serial });
    open.push(cam);
    expect(cam.info.id).toBe('Fake_1');
  });

  it('says which cameras exist when the one asked for does not', async () => {
    const e = await openCamera({ backend: 'aravis', device: 'no-such-camera' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NO_DEVICE' });
    expect((e as Error).message).toContain('Fake_1');
  });
});

describe.skipIf(noFakeGv)('aravis backend, fake GigE Vision camera on loopback', () => {
  it('streams frames and ends with an error naming the camera when it is killed mid-run', async () => {
    // The client runs in the camera's network namespace. It kills the camera itself after 5
    // frames (pid in FAKE_GV_PID).
    const { code, out, err } = await besideFakeGv('node bin/run-ts.js test/native/fixtures/gige-client.ts');
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.device).toMatchObject({ backend: 'aravis', transport: 'GigEVision' });
    const name = `aravis:${r.device.id}`;
    expect(r.clean.error).toBeUndefined();
    expect(r.clean).toMatchObject({ count: 10, frames: 10, shape: [240, 320], dtype: 'uint8' });
    expect(r.clean.seqs).toEqual([...Array(10).keys()]);
    // This camera has only the older feature names: ExposureTimeAbs and GainRaw.
    expect(r.clean.meta).toMatchObject({ backend: 'aravis', exposureUs: 2000, gain: 3 });
    // Opened by address rather than by discovery.
    expect(r.mono16).toMatchObject({ count: 3, shape: [32, 64], dtype: 'uint16' });
    expect(r.killed.frames).toBeGreaterThanOrEqual(5);
    expect(r.killed.error).toMatchObject({ code: 'CAMERA_LOST', camera: name });
    expect(r.killed.error.message).toContain(r.device.id);
  }, 90_000);
});
