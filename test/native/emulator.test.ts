import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  builtBackends,
  CameraError,
  createSharedFramePool,
  listDevices,
  openCamera,
  sharedSlotView,
  type Camera,
  type CameraFrame,
} from '../../native/index.ts';

const open: Camera[] = [];
async function emulator(
  settings: Parameters<Camera['set']>[0],
  options: { seed?: number; particles?: number } = {},
): Promise<Camera> {
  const cam = await openCamera({ backend: 'emulator', ...options });
  open.push(cam);
  await cam.set(settings);
  return cam;
}

async function take(cam: Camera, n: number): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  while (out.length < n) {
    const f = await cam.next();
    if (!f) throw new Error(`acquisition ended after ${out.length} frames`);
    out.push(f);
  }
  return out;
}

function stats(values: ArrayLike<number>): { mean: number; std: number; max: number } {
  let sum = 0,
    sq = 0,
    max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sq += values[i] * values[i];
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean), max };
}

afterEach(async () => {
  for (const cam of open.splice(0)) await cam.close();
});

describe('emulator backend', () => {
  it('is always built and lists one device', async () => {
    expect(builtBackends()[0]).toBe('emulator');
    const devices = await listDevices('emulator');
    expect(devices.map((d) => d.id)).toEqual(['emulator-0']);
  });

  it.each([
    ['Mono8', 'uint8', 1],
    ['Mono16', 'uint16', 2],
  ] as const)('delivers frames of the asked shape in %s', async (pixelFormat, dtype, bpp) => {
    const cam = await emulator({ width: 96, height: 40, pixelFormat, fps: 0 });
    await cam.start();
    const frames = await take(cam, 3);
    await cam.stop();
    for (const [i, f] of frames.entries()) {
      expect([f.width, f.height, f.pixelFormat, f.dtype, f.seq]).toEqual([96, 40, pixelFormat, dtype, i]);
      expect(f.data.byteLength).toBe(96 * 40 * bpp);
      expect(typeof f.hostNs).toBe('bigint');
      expect(Math.abs(Number(f.hostNs / 1_000_000n) - Date.now())).toBeLessThan(60_000);
    }
    expect(frames[2].cameraTimestampNs).toBeGreaterThan(frames[0].cameraTimestampNs);
  });

  it('gives the same frames for the same seed and different ones for another seed', async () => {
    const settings = { width: 128, height: 64, fps: 0 } as const;
    const runs: CameraFrame[][] = [];
    for (const seed of [7, 7, 8]) {
      const cam = await emulator(settings, { seed });
      // Enough buffers that none of the first frames is dropped: frameId = seq.
      await cam.start({ buffers: 16 });
      runs.push(await take(cam, 5));
      await cam.stop();
    }
    for (let i = 0; i < 5; i++) {
      expect(runs[0][i].frameId).toBe(i);
      expect(Buffer.compare(runs[0][i].data, runs[1][i].data)).toBe(0);
      expect(Buffer.compare(runs[0][i].data, runs[2][i].data)).not.toBe(0);
    }
  });

  it('draws particles that move on a noisy background', async () => {
    const cam = await emulator({ width: 256, height: 256, fps: 0 }, { particles: 30 });
    await cam.start();
    const [a, b] = await take(cam, 2);
    await cam.stop();
    const s = stats(a.data);
    expect(s.std).toBeGreaterThan(1);
    expect(s.max).toBeGreaterThan(s.mean + 50);
    expect(Buffer.compare(a.data, b.data)).not.toBe(0);
  });

  it('scales brightness with exposure and noise with gain', async () => {
    const measure = async (exposureUs: number, gain: number) => {
      const cam = await emulator({ width: 256, height: 128, fps: 0, exposureUs, gain }, { particles: 0 });
      await cam.start();
      const [f] = await take(cam, 1);
      await cam.stop();
      return stats(f.data);
    };
    const base = await measure(5000, 0);
    const brighter = await measure(10000, 0);
    const noisier = await measure(5000, 12);
    expect(brighter.mean).toBeGreaterThan(base.mean * 1.6);
    expect(noisier.std).toBeGreaterThan(base.std * 3);
  });

  it('refuses settings out of range, naming the setting and the range', async () => {
    const cam = await emulator({});
    const e = await cam.set({ width: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CameraError);
    expect(e).toMatchObject({ code: 'PARAM_REFUSED', param: 'width', value: 0, min: 1, camera: 'emulator:emulator-0' });
    await cam.start();
    await expect(cam.set({ height: 100 })).rejects.toMatchObject({ code: 'BAD_STATE', param: 'height' });
    // Exposure may change while acquiring.
    await expect(cam.set({ exposureUs: 2000 })).resolves.toMatchObject({ exposureUs: 2000 });
    await cam.stop();
  });

  it('names the built backends and the devices found in its errors', async () => {
    const e1 = await openCamera({ backend: 'nope' }).catch((x: unknown) => x);
    expect(e1).toMatchObject({ code: 'UNKNOWN_BACKEND' });
    expect((e1 as Error).message).toContain('emulator');
    // And how to build the backends this build lacks.
    for (const b of ['aravis', 'pylon'].filter((x) => !builtBackends().includes(x as never)))
      expect((e1 as Error).message).toContain(`${b}: install`);
    const e2 = await openCamera({ backend: 'emulator', device: 'camera-9' }).catch((x: unknown) => x);
    expect(e2).toMatchObject({ code: 'NO_DEVICE' });
    expect((e2 as Error).message).toContain('emulator-0');
  });

  it('opens a device by its serial number', async () => {
    const cam = await openCamera({ backend: 'emulator', device: 'EMU0' });
    open.push(cam);
    expect(cam.info.id).toBe('emulator-0');
  });

  it('lends pool frames until they are released, dropping and counting frames meanwhile', async () => {
    // At a fixed rate the camera goes on while no slot is free: those frames are dropped.
    const cam = await emulator({ width: 64, height: 64, fps: 2000 });
    await cam.start({ mode: 'pool', buffers: 2 });
    const [a, b] = await take(cam, 2);
    expect(new Set([a.slot, b.slot])).toEqual(new Set([0, 1]));
    await vi.waitFor(() => expect(cam.counters.dropped).toBeGreaterThan(0));
    const delivered = cam.counters.delivered;
    expect(delivered).toBe(2);
    cam.release(a);
    const [c] = await take(cam, 1);
    expect(c.slot).toBe(a.slot);
    expect(c.seq).toBe(2);
    expect(c.frameId).toBeGreaterThan(b.frameId + 1);
    await cam.stop();
  });

  it('pool mode with ahead: no more frames waiting than that, the other slots left for frames held', async () => {
    // A consumer that gives each frame back at once: slots are taken lowest first, so with at
    // most 2 waiting and 1 held no slot above 2 is ever used (all 6 were, before `ahead`).
    const cam = await emulator({ width: 256, height: 256, fps: 0 });
    await cam.start({ mode: 'pool', buffers: 6, ahead: 2 });
    const slots = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const [f] = await take(cam, 1);
      slots.add(f.slot!);
      cam.release(f);
    }
    expect(Math.max(...slots)).toBeLessThanOrEqual(2);
    // Frames held by the consumer take the other slots: 5 held, and the camera still delivers.
    const held = await take(cam, 5);
    expect(new Set(held.map((f) => f.slot)).size).toBe(5);
    for (const f of held) cam.release(f);
    await cam.stop();
    for (const ahead of [3, 0, 1.5, Number.NaN])
      await expect(cam.start({ mode: 'pool', buffers: 2, ahead })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('faults a pool in at start, not a slot at a time while frames come (up to 64 MiB)', async () => {
    // Triggered and never fired: start takes the pool and no frame is ever written into it.
    // Before, only the slots' state words were touched, and a slot's first frame paid for its
    // pages (about 3 ms per MiB on a virtual machine, seen as a late frame and a slow stop).
    // Each on a camera of its own, both acquiring till the end: no pool is freed meanwhile.
    const cams: Camera[] = [];
    try {
      for (const [slots, least, most] of [
        [24, 22, 40],
        [96, 60, 80],
      ]) {
        const cam = await emulator({ width: 1024, height: 1024, pixelFormat: 'Mono8', fps: 0 });
        await cam.setTrigger('software');
        cams.push(cam);
        const before = process.memoryUsage.rss();
        await cam.start({ mode: 'pool', buffers: slots });
        const grew = (process.memoryUsage.rss() - before) / 2 ** 20;
        expect(grew, `${slots} slots of 1 MiB`).toBeGreaterThanOrEqual(least);
        expect(grew, `${slots} slots of 1 MiB`).toBeLessThan(most);
      }
    } finally {
      // Stopped whether the sizes held or not: a failed check leaves no camera acquiring.
      for (const cam of cams) await cam.stop();
    }
  });

  it('at fps 0 renders a frame only when there is room for it: a slow consumer costs no frames', async () => {
    for (const mode of ['owned', 'pool'] as const) {
      const cam = await emulator({ width: 64, height: 64, fps: 0 });
      await cam.start({ mode, buffers: 2 });
      const got: number[] = [];
      for (let i = 0; i < 12; i++) {
        const [f] = await take(cam, 1);
        got.push(f.frameId);
        if (mode === 'pool') cam.release(f);
        // Slower than the emulator renders: at a fixed rate this would drop.
        await new Promise((r) => setTimeout(r, 5));
      }
      await cam.stop();
      expect(cam.counters.dropped, mode).toBe(0);
      expect(got, mode).toEqual([...Array(12).keys()]);
    }
  });

  it('writes into a SharedArrayBuffer that a worker thread reads in place and releases', async () => {
    const cam = await emulator({ width: 128, height: 32, fps: 0, pixelFormat: 'Mono16' });
    const pool = createSharedFramePool({ width: 128, height: 32, pixelFormat: 'Mono16', slots: 2 });
    await cam.start({ shared: pool });
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', ({ pool, slot }) => {
         const view = new Uint16Array(pool.buffer, pool.slotOffset + slot * pool.slotStride, pool.frameBytes / 2);
         let sum = 0;
         for (const v of view) sum += v;
         Atomics.store(new Int32Array(pool.buffer, 0, pool.slots), slot, 0);
         parentPort.postMessage(sum);
       });`,
      { eval: true },
    );
    try {
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) {
        const [f] = await take(cam, 1);
        expect(f.data.buffer).toBe(pool.buffer);
        const own = new Uint16Array(f.data.buffer, f.data.byteOffset, f.data.byteLength / 2).reduce((x, y) => x + y, 0);
        const summed = new Promise<number>((resolve) => worker.once('message', resolve));
        worker.postMessage({ pool, slot: f.slot });
        expect(await summed).toBe(own);
        expect(sharedSlotView(pool, f.slot!).byteOffset).toBe(f.data.byteOffset);
        seen.push(f.seq);
      }
      // Six frames through two slots: the worker's releases are what let the camera go on.
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await worker.terminate();
      await cam.stop();
    }
  });

  it('does not block the event loop while it waits for a frame', async () => {
    const cam = await emulator({ width: 64, height: 64, fps: 2 });
    await cam.start();
    await take(cam, 1);
    // A blocking grab would resolve next() before any other callback could run.
    let immediate = false;
    setImmediate(() => (immediate = true));
    const f = await cam.next();
    expect(f).not.toBeNull();
    expect(immediate).toBe(true);
    await cam.stop();
  });

  it('next(signal) returns null when its signal aborts during the wait, a new signal after an old one too', async () => {
    const cam = await emulator({ width: 64, height: 64, fps: 1 });
    await cam.start();
    await take(cam, 1);
    for (let k = 0; k < 3; k++) {
      const stop = new AbortController();
      // Frames come once a second: the abort is what ends each wait.
      const waiting = cam.next(stop.signal);
      setImmediate(() => stop.abort());
      expect(await waiting).toBeNull();
    }
    // An earlier signal's abort wakes no one for good: a wait on a live signal still gets its frame.
    const live = new AbortController();
    const f = await cam.next(live.signal);
    expect(f).not.toBeNull();
    await cam.stop();
  });

  it('keeps the event loop responsive at full speed with megapixel frames', async () => {
    const cam = await emulator({ width: 1024, height: 1024, fps: 0 });
    const h = monitorEventLoopDelay({ resolution: 1 });
    await cam.start();
    h.enable();
    await take(cam, 300);
    h.disable();
    await cam.stop();
    // Generous: this is a liveness check, not a benchmark (bench/camera.ts measures).
    expect(h.percentile(99) / 1e6).toBeLessThan(200);
  });
});

describe('emulator shared pool checks', () => {
  it('refuses a shared pool made for another frame size', async () => {
    const cam = await openCamera({ backend: 'emulator' });
    try {
      await cam.set({ width: 64, height: 64, fps: 0 });
      const pool = createSharedFramePool({ width: 32, height: 32, pixelFormat: 'Mono8', slots: 2 });
      await expect(cam.start({ shared: pool })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', param: 'shared' });
    } finally {
      await cam.close();
    }
  });
});
