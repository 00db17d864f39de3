import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { typedView } from '../../runtime/wire/index.ts';
import { cameraNode, runSource } from './harness.ts';
import { watchTurns } from '../helpers/event-loop.ts';

describe('Camera stage (emulator)', () => {
  it('delivers `frames` frames, numbered from 0, then ends', async () => {
    const before = Date.now();
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 48, fps: 0, frames: 12, exposureUs: 4000, gain: 2 }),
    );
    expect(r.error).toBeUndefined();
    expect(r.count).toBe(12);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(12).keys()]);
    for (const f of r.frames) {
      expect([f.dtype, f.shape, f.data.byteLength]).toEqual(['uint8', [48, 64], 64 * 48]);
      expect(f.meta).toMatchObject({
        backend: 'emulator',
        device: 'emulator-0',
        exposureUs: 4000,
        gain: 2,
        pixelFormat: 'Mono8',
      });
    }
    const ms = r.frames.map((f) => Number(f.t / 1_000_000n));
    expect(ms[0]).toBeGreaterThanOrEqual(before - 1);
    expect(ms.every((t, i) => i === 0 || t >= ms[i - 1])).toBe(true);
    expect(r.io.stats.framesOut).toBe(12);
  });

  it('sends uint16 frames for Mono16', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, pixelFormat: 'Mono16', fps: 0, frames: 2 }),
    );
    expect(r.count).toBe(2);
    expect(r.frames[0].dtype).toBe('uint16');
    expect(typedView(r.frames[0])).toHaveLength(32 * 16);
  });

  it('never writes a frame again once it is emitted', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 64, fps: 0, frames: 40, buffers: 2 }),
      (f, c) => {
        (f as { copy?: Buffer }).copy = Buffer.from(f.data);
        return c.frames.length % 10 === 0 ? delay(5) : undefined;
      },
    );
    expect(r.count).toBe(40);
    for (const f of r.frames) expect(Buffer.compare(f.data, (f as { copy?: Buffer }).copy!)).toBe(0);
  });

  it('drops and counts frames when the consumer is slow, and still sends consecutive seqs', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 32, fps: 1000, frames: 8, buffers: 2 }),
      () => delay(20),
    );
    expect(r.count).toBe(8);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(8).keys()]);
    expect(r.io.stats.dropped).toBeGreaterThan(0);
    // The camera's own counter shows the gaps the drops left.
    const ids = r.frames.map((f) => f.meta!.cameraFrame as number);
    expect(ids[7] - ids[0]).toBeGreaterThan(7);
  });

  it('at fps 0 the emulator waits for a slow consumer: nothing dropped, camera frames consecutive', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 32, fps: 0, frames: 8, buffers: 2 }),
      () => delay(20),
    );
    expect(r.count).toBe(8);
    expect(r.io.stats.dropped).toBe(0);
    expect(r.frames.map((f) => f.meta!.cameraFrame)).toEqual([...Array(8).keys()]);
  });

  it('loop: sends the frames rendered before the run in turn, numbered on, the buffers unchanged', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 64, height: 32, pixelFormat: 'Mono16', fps: 0, frames: 11, loop: 4 }),
      (f) => {
        (f as { copy?: Buffer }).copy = Buffer.from(f.data);
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.count).toBe(11);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(11).keys()]);
    // Frame i and i+4 are the same rendered frame; the four differ from each other.
    for (let i = 0; i + 4 < 11; i++) expect(r.frames[i + 4].data).toBe(r.frames[i].data);
    for (let i = 1; i < 4; i++) expect(Buffer.compare(r.frames[i].data, r.frames[0].data)).not.toBe(0);
    for (const f of r.frames) expect(Buffer.compare(f.data, (f as { copy?: Buffer }).copy!)).toBe(0);
    expect(r.frames[0]).toMatchObject({ dtype: 'uint16', shape: [32, 64] });
    expect(r.frames[5].meta).toMatchObject({ backend: 'emulator', loop: 4, cameraFrame: 5 });
  });

  it('loop at fps 0 lets the event loop in after every frame: a socket event waits for one frame, not a batch', async () => {
    let emitted = 0;
    const turns = watchTurns(() => emitted);
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 16, height: 16, fps: 0, frames: 500, loop: 2 }),
      () => {
        emitted++;
      },
    );
    const most = turns.stop();
    expect(r.count).toBe(500);
    // One frame per turn (two where the watcher's turn falls between a frame and its yield).
    // Every 64 frames, as it was, this read 64.
    expect(most).toBeLessThanOrEqual(2);
  });

  it('loop: keeps the frame rate, and drops (counted) rather than catching up after a stall', async () => {
    const t0 = performance.now();
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 16, height: 16, fps: 200, frames: 30, loop: 2, buffers: 2 }),
      (_f, c) =>
        // One stall of 100 ms (20 frame periods) after the 10th frame.
        c.frames.length === 10 ? delay(100) : undefined,
    );
    const ms = performance.now() - t0;
    expect(r.count).toBe(30);
    // 30 frames at 200 frames/s, and the 18 periods missed in the stall beyond 2 buffers dropped.
    expect(r.io.stats.dropped).toBeGreaterThanOrEqual(15);
    expect(ms).toBeGreaterThanOrEqual(((30 + r.io.stats.dropped - 1) * 1000) / 200 - 5);
    const slots = r.frames.map((f) => f.meta!.cameraFrame as number);
    expect(slots[10] - slots[9]).toBeGreaterThan(1);
  });

  it('stops when the run is aborted and resolves with the count sent', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 32, fps: 500, frames: 0 }),
      (_f, c) => {
        if (c.frames.length === 5) c.abort.abort();
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.count).toBe(5);
  });

  it('rejects naming the camera when it disappears mid-run, keeping the frames sent', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 32, fps: 0, frames: 100, failAfterFrames: 3 }),
    );
    expect(r.error).toMatchObject({ code: 'CAMERA_LOST', camera: 'emulator:emulator-0' });
    expect((r.error as Error).message).toContain('emulator-0');
    expect(r.frames).toHaveLength(3);
  });

  it.each([
    [{ backend: 'nope' }, { code: 'UNKNOWN_BACKEND' }],
    [{ device: 'emulator-x' }, { code: 'NO_DEVICE' }],
    [
      { offsetX: 16000, width: 640 },
      { code: 'PARAM_REFUSED', param: 'offsetX', value: 16000, min: 0, max: 16384 - 640 },
    ],
  ])('refuses to open with %o', async (params, expected) => {
    const r = await runSource(createCameraStage, cameraNode({ frames: 1, ...params }));
    expect(r.error).toMatchObject(expected);
    expect(r.frames).toHaveLength(0);
  });
});
