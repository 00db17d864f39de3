/**
 * Previews of colour frames (runtime/server/preview.ts): a webcam's (H, W, 3) uint8 BGR frame
 * is shown in colour, as RGB; the FFT's (H, W', 3) spectra of it grey, as the mean of the
 * channels. (The grey previews' own tests are in test/e2e/preview.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { previewImage } from '../../runtime/server/preview.ts';
import { fft2 } from '../../nodes/fft/fft2.ts';
import type { DType } from '../../runtime/wire/index.ts';

/** A (480, 640, 3) BGR frame: left half blue, right half red, the bottom 48 rows one dull orange. */
function webcamFrame(): Uint8Array {
  const [h, w] = [480, 640];
  const x = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let k = 0; k < w; k++) {
      const bgr = y >= 432 ? [40, 120, 200] : k < w / 2 ? [255, 0, 0] : [0, 0, 255];
      x.set(bgr, (y * w + k) * 3);
    }
  return x;
}

const rgbAt = (img: { width: number; pixels: Uint8Array }, y: number, x: number) =>
  Array.from(img.pixels.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));

describe('previewImage of colour frames', () => {
  it('shows a (480, 640, 3) uint8 BGR frame in colour, as 192×256 RGB, with its own levels', () => {
    const img = previewImage({ dtype: 'uint8', shape: [480, 640, 3], data: webcamFrame() }, { scale: 'linear' })!;
    expect([img.height, img.width, img.channels, img.pixels.length]).toEqual([192, 256, 3, 192 * 256 * 3]);
    expect(rgbAt(img, 0, 0)).toEqual([0, 0, 255]); // blue
    expect(rgbAt(img, 0, 255)).toEqual([255, 0, 0]); // red
    // Not stretched to 0..255: the orange keeps its values.
    expect(rgbAt(img, 191, 100)).toEqual([200, 120, 40]);
  });

  it("shows a Camera's RGB8 or debayered frame (R, G, B as its meta says) the right way round; BGR8 as BGR", () => {
    const bgr = webcamFrame();
    const rgb = new Uint8Array(bgr.length);
    for (let i = 0; i < bgr.length; i += 3) rgb.set([bgr[i + 2], bgr[i + 1], bgr[i]], i);
    for (const [data, pixelFormat] of [
      [rgb, 'RGB8'],
      [rgb, 'BayerGR8'],
      [bgr, 'BGR8'],
    ] as const) {
      const img = previewImage(
        { dtype: 'uint8', shape: [480, 640, 3], data, meta: { pixelFormat } },
        { scale: 'linear' },
      )!;
      expect([rgbAt(img, 0, 0), rgbAt(img, 0, 255), rgbAt(img, 191, 100)], pixelFormat).toEqual([
        [0, 0, 255],
        [255, 0, 0],
        [200, 120, 40],
      ]);
    }
  });

  it("shows the FFT's (H, W', 3) spectra grey, as the mean of the channels (a spectrum in the second channel only still shows)", () => {
    const [h, w] = [64, 64];
    const data = new Float64Array(h * w * 3 * 2);
    data[2 * 1] = 1e6; // channel 1's zero frequency, at [0, 0]
    const img = previewImage(
      { dtype: 'complex128', shape: [h, w, 3], data: new Uint8Array(data.buffer) },
      { scale: 'log', shift: true },
    )!;
    expect([img.height, img.width, img.channels]).toEqual([64, 64, 1]);
    expect(img.pixels[(h / 2) * w + w / 2]).toBe(255);
    expect(img.pixels[0]).toBe(0);
  });

  it('an FFT of a real webcam frame: a centred grey spectrum, brightest at the zero frequency', () => {
    const { spec, data } = fft2(webcamFrame(), 480, 640, { output: 'magnitude', shift: false, precision: 'fast' }, 3);
    expect(spec.shape).toEqual([480, 640, 3]);
    const img = previewImage({ dtype: spec.dtype, shape: spec.shape, data }, { scale: 'log', shift: true })!;
    expect([img.height, img.width, img.channels]).toEqual([192, 256, 1]);
    expect(img.pixels[96 * 256 + 128]).toBe(255);
  });

  it('shows other 3-D frames grey: (H, W, C ≤ 4) as the channel mean, (N, H, W) as its first plane', () => {
    const grey = (dtype: DType, shape: number[], values: number[]) => {
      const ctor = { uint8: Uint8Array, uint16: Uint16Array, float64: Float64Array }[dtype as 'uint8'];
      return previewImage({ dtype, shape, data: new Uint8Array(ctor.from(values).buffer) }, { scale: 'linear' })!;
    };
    // uint16 colour: the mean of the channels, 10 against 20, stretched to 0 and 255.
    const u16 = grey('uint16', [1, 2, 3], [0, 0, 30, 60, 0, 0]);
    expect([u16.width, u16.height, u16.channels, Array.from(u16.pixels)]).toEqual([2, 1, 1, [0, 255]]);
    // (H, W, 1) is (H, W).
    const one = grey('uint8', [2, 2, 1], [0, 50, 100, 200]);
    expect([one.channels, Array.from(one.pixels)]).toEqual([
      1,
      Array.from(grey('uint8', [2, 2], [0, 50, 100, 200]).pixels),
    ]);
    // 2 planes of 2×5 (5 is too many for channels): plane 0 is shown, plane 1 (all 1000) is not.
    const stack = grey('float64', [2, 2, 5], [...Array.from({ length: 10 }, (_, i) => i), ...new Array(10).fill(1000)]);
    expect([stack.width, stack.height, stack.channels, Array.from(stack.pixels)]).toEqual([
      5,
      2,
      1,
      Array.from({ length: 10 }, (_, i) => Math.round((i / 9) * 255)),
    ]);
  });

  it('gives nothing for a frame without a picture: 1-D, 4-D, no channels', () => {
    for (const shape of [[12], [1, 2, 2, 3], [2, 2, 0]])
      expect(
        previewImage({ dtype: 'uint8', shape, data: new Uint8Array(12) }, { scale: 'linear' }),
        JSON.stringify(shape),
      ).toBeUndefined();
  });
});
