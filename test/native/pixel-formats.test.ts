/**
 * Pixel formats: the addon's conversions (Mono10p/Mono12p unpacking, bilinear debayering)
 * against bytes computed by hand, the emulator in every format (shape, dtype, value range,
 * colour, Bayer pattern), and the Camera stage's frames and meta.
 */
import { afterEach, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import {
  PIXEL_FORMATS,
  convertPixels,
  createSharedFramePool,
  frameFormat,
  openCamera,
  type Camera,
  type CameraFrame,
  type PixelFormat,
} from '../../native/index.ts';
import { cameraNode, runSource } from './harness.ts';

const u16 = (b: Uint8Array) => Array.from(new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2));
const samples = (f: { dtype: string; data: Uint8Array }) => (f.dtype === 'uint16' ? u16(f.data) : Array.from(f.data));

describe('unpacking GenICam packed formats (PFNC, LSB-first)', () => {
  it('Mono10p: 4 pixels in 5 bytes, and a tail of 1 pixel in 2 more', () => {
    // 0x3FF, 0x000, 0x2AA, 0x155, 0x201 as a bit stream, pixel i at bits 10i..10i+9:
    // byte 0 = p0[7:0]; 1 = p1[5:0] p0[9:8]; 2 = p2[3:0] p1[9:6]; 3 = p3[1:0] p2[9:4]; 4 = p3[9:2];
    // then p4: byte 5 = p4[7:0], byte 6 = p4[9:8].
    const bytes = Uint8Array.from([0xff, 0x03, 0xa0, 0x6a, 0x55, 0x01, 0x02]);
    expect(u16(convertPixels('Mono10p', bytes.subarray(0, 5), 4, 1))).toEqual([0x3ff, 0x000, 0x2aa, 0x155]);
    expect(u16(convertPixels('Mono10p', bytes, 5, 1))).toEqual([0x3ff, 0x000, 0x2aa, 0x155, 0x201]);
    // Lines are not padded: 5×2 pixels are 100 bits, 13 bytes.
    const two = Uint8Array.from([...bytes.subarray(0, 5), ...bytes.subarray(0, 5), 0x01, 0x02, 0x00]);
    expect(u16(convertPixels('Mono10p', two, 5, 2)).slice(4, 9)).toEqual([0x3ff, 0x000, 0x2aa, 0x155, 0x201]);
  });

  it('Mono12p: 2 pixels in 3 bytes, and an odd last pixel in 2', () => {
    // 0x123, 0xABC: byte 0 = p0[7:0]; 1 = p1[3:0] p0[11:8]; 2 = p1[11:4]; then 0xFFF in FF 0F.
    const bytes = Uint8Array.from([0x23, 0xc1, 0xab, 0xff, 0x0f]);
    expect(u16(convertPixels('Mono12p', bytes.subarray(0, 3), 2, 1))).toEqual([0x123, 0xabc]);
    expect(u16(convertPixels('Mono12p', bytes, 3, 1))).toEqual([0x123, 0xabc, 0xfff]);
  });

  it('refuses fewer bytes than the frame needs', () => {
    expect(() => convertPixels('Mono10p', new Uint8Array(4), 4, 1)).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT', min: 5 }),
    );
  });

  it('leaves unpacked formats as they are', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(convertPixels('RGB8', bytes, 2, 1))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(u16(convertPixels('Mono12', bytes, 3, 1))).toEqual([0x0201, 0x0403, 0x0605]);
  });
});

describe('debayering (bilinear, edges mirrored)', () => {
  const colourAt = (pattern: string, y: number, x: number) => 'RGB'.indexOf(pattern[(y % 2) * 2 + (x % 2)]);

  it.each([
    ['BayerRG8', 'RGGB'],
    ['BayerGR8', 'GRBG'],
    ['BayerGB8', 'GBRG'],
    ['BayerBG8', 'BGGR'],
  ] as const)('%s: a flat colour comes back as that colour everywhere', (format, pattern) => {
    const rgb = [200, 100, 40];
    const mosaic = new Uint8Array(6 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) mosaic[y * 6 + x] = rgb[colourAt(pattern, y, x)];
    const out = convertPixels(format, mosaic, 6, 4, true);
    expect(out.byteLength).toBe(6 * 4 * 3);
    for (let i = 0; i < 24; i++) expect(Array.from(out.subarray(3 * i, 3 * i + 3))).toEqual(rgb);
  });

  it('BayerRG8: interpolates from the right neighbours (values worked out by hand)', () => {
    // 4×4 mosaic, RGGB, value = 10·y + x + 1 (rows 1..4, 11..14, 21..24, 31..34): a plane, which
    // bilinear interpolation gives back exactly, so a wrong neighbour shows.
    const m = Uint8Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4) + 1);
    const out = convertPixels('BayerRG8', m, 4, 4, true);
    const px = (y: number, x: number) => Array.from(out.subarray(3 * (4 * y + x), 3 * (4 * y + x) + 3));
    // (1,1) is blue (12): G = (2 + 22 + 11 + 13) / 4 = 12, R = (1 + 3 + 21 + 23) / 4 = 12.
    expect(px(1, 1)).toEqual([12, 12, 12]);
    // (2,2) is red (23): G = (13 + 33 + 22 + 24) / 4 = 23, B = (12 + 14 + 32 + 34) / 4 = 23.
    expect(px(2, 2)).toEqual([23, 23, 23]);
    // (1,2) is green in a blue row (13): B = (12 + 14) / 2 = 13, R = (3 + 23) / 2 = 13.
    expect(px(1, 2)).toEqual([13, 13, 13]);
    // (2,1) is green in a red row (22): R = (21 + 23) / 2 = 22, B = (12 + 32) / 2 = 22.
    expect(px(2, 1)).toEqual([22, 22, 22]);
    // (0,0) red at the corner (1): mirrored, the neighbours are (0,1)=2 and (1,0)=11 twice each,
    // G = (11 + 11 + 2 + 2) / 4 = 6.5 → 7 rounded; B = (1,1) four times = 12.
    expect(px(0, 0)).toEqual([1, 7, 12]);
  });
});

describe('the emulator in every pixel format', () => {
  const open: Camera[] = [];
  afterEach(async () => {
    for (const cam of open.splice(0)) await cam.close();
  });

  async function grab(pixelFormat: PixelFormat, debayer = false, n = 1): Promise<CameraFrame[]> {
    const cam = await openCamera({ seed: 7, particles: 40 });
    open.push(cam);
    // A long exposure makes the particles saturate: the formats' full scale shows.
    await cam.set({ width: 96, height: 64, pixelFormat, fps: 0, exposureUs: 25_000 });
    await cam.start({ debayer });
    const frames: CameraFrame[] = [];
    while (frames.length < n) frames.push((await cam.next())!);
    await cam.stop();
    return frames;
  }

  it.each(PIXEL_FORMATS.map((f) => [f]))(
    "%s: shape, dtype and values within the format's bits",
    async (pixelFormat) => {
      const [f] = await grab(pixelFormat);
      const want = frameFormat(pixelFormat);
      expect([f.pixelFormat, f.dtype, f.shape]).toEqual([
        pixelFormat,
        want.dtype,
        want.channels === 3 ? [64, 96, 3] : [64, 96],
      ]);
      expect(f.data.byteLength).toBe(96 * 64 * want.channels * (want.dtype === 'uint16' ? 2 : 1));
      const v = samples(f);
      const max = Math.max(...v);
      // Saturated particles reach the full scale exactly, and nothing goes past it.
      expect(max).toBe(2 ** want.bits - 1);
      expect(new Set(v).size).toBeGreaterThan(20);
      expect(f.bayerPattern).toBe(want.bayerPattern);
    },
  );

  it.each(PIXEL_FORMATS.map((f) => [f]))(
    "%s: a shared pool sized by the TypeScript table holds the addon's frames (debayered too)",
    async (pixelFormat) => {
      for (const debayer of pixelFormat.startsWith('Bayer') ? [false, true] : [false]) {
        const cam = await openCamera({ seed: 7 });
        open.push(cam);
        await cam.set({ width: 30, height: 10, pixelFormat, fps: 0 });
        const shared = createSharedFramePool({ width: 30, height: 10, pixelFormat, debayer, slots: 2 });
        // start() refuses a pool whose frame size differs from the addon's.
        await cam.start({ shared, debayer });
        const f = (await cam.next())!;
        expect([f.shape, f.data.byteLength]).toEqual([
          frameFormat(pixelFormat, debayer).channels === 3 ? [10, 30, 3] : [10, 30],
          shared.frameBytes,
        ]);
        cam.release(f);
        await cam.stop();
      }
    },
  );

  it('Mono10p and Mono12p are Mono10 and Mono12 packed by the camera and unpacked by the addon: the same frames', async () => {
    expect(samples((await grab('Mono10p', false, 2))[1])).toEqual(samples((await grab('Mono10', false, 2))[1]));
    expect(samples((await grab('Mono12p', false, 2))[1])).toEqual(samples((await grab('Mono12', false, 2))[1]));
  });

  it('RGB8 has colour particles: channels differ; BGR8 is the same scene with the channels reversed', async () => {
    const [rgb] = await grab('RGB8');
    const [bgr] = await grab('BGR8');
    const sum = [0, 0, 0];
    let coloured = 0;
    for (let i = 0; i < 96 * 64; i++) {
      const [r, g, b] = rgb.data.subarray(3 * i, 3 * i + 3);
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      expect([bgr.data[3 * i + 2], bgr.data[3 * i + 1], bgr.data[3 * i]]).toEqual([r, g, b]);
    }
    expect(coloured).toBeGreaterThan(50);
    expect(new Set(sum).size).toBe(3);
  });

  it.each([
    ['BayerRG8', 'RGGB'],
    ['BayerGR8', 'GRBG'],
    ['BayerGB8', 'GBRG'],
    ['BayerBG8', 'BGGR'],
  ] as const)(
    '%s: the RGB8 scene seen through a %s filter; debayered, (H, W, 3) close to the scene',
    async (pixelFormat, pattern) => {
      const [rgb] = await grab('RGB8');
      const [raw] = await grab(pixelFormat);
      const [debayered] = await grab(pixelFormat, true);
      expect(raw.bayerPattern).toBe(pattern);
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 96; x++)
          expect(raw.data[y * 96 + x]).toBe(rgb.data[3 * (y * 96 + x) + 'RGB'.indexOf(pattern[(y % 2) * 2 + (x % 2)])]);
      expect([debayered.shape, debayered.dtype, debayered.bayerPattern]).toEqual([[64, 96, 3], 'uint8', undefined]);
      // Each pixel keeps the colour its filter saw; the others are interpolated, so near the scene on average.
      let err = 0;
      for (let i = 0; i < rgb.data.length; i++) err += Math.abs(debayered.data[i] - rgb.data[i]);
      expect(err / rgb.data.length).toBeLessThan(6);
      // Pixel (0, 0) is the first three bytes.
      expect(debayered.data['RGB'.indexOf(pattern[0])]).toBe(raw.data[0]);
    },
  );
});

describe('the Camera stage', () => {
  it('sends (H, W, 3) uint8 frames for RGB8, and a Bayer frame carries its pattern in meta', async () => {
    const rgb = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, pixelFormat: 'RGB8', fps: 0, frames: 2 }),
    );
    expect(rgb.error).toBeUndefined();
    expect(rgb.frames.map((f) => [f.dtype, f.shape, f.data.byteLength])).toEqual([
      ['uint8', [16, 32, 3], 32 * 16 * 3],
      ['uint8', [16, 32, 3], 32 * 16 * 3],
    ]);
    const bayer = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, pixelFormat: 'BayerGB8', fps: 0, frames: 1 }),
    );
    expect([bayer.frames[0].dtype, bayer.frames[0].shape]).toEqual(['uint8', [16, 32]]);
    expect(bayer.frames[0].meta).toMatchObject({ pixelFormat: 'BayerGB8', bayerPattern: 'GBRG' });
  });

  it('debayer: true sends RGB (H, W, 3) uint8, in loop mode too', async () => {
    for (const loop of [0, 3]) {
      const r = await runSource(
        createCameraStage,
        cameraNode({ width: 32, height: 16, pixelFormat: 'BayerRG8', debayer: true, fps: 0, frames: 4, loop }),
      );
      expect(r.error).toBeUndefined();
      expect(r.frames.map((f) => f.shape)).toEqual(Array(4).fill([16, 32, 3]));
      expect(r.frames[0].meta).toMatchObject({ pixelFormat: 'BayerRG8', debayer: 'bilinear' });
      expect(r.frames[0].meta).not.toHaveProperty('bayerPattern');
    }
  });

  it('Mono12p frames are uint16 of at most 4095', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 40, height: 10, pixelFormat: 'Mono12p', exposureUs: 25_000, fps: 0, frames: 1 }),
    );
    expect([r.frames[0].dtype, r.frames[0].shape]).toEqual(['uint16', [10, 40]]);
    expect(Math.max(...samples(r.frames[0]))).toBe(4095);
  });
});
