/** Server-side previews: ≤ 256 px, 8 bits, spectra centred, at most one per node per interval. */
import { describe, expect, it } from 'vitest';
import { previewImage, PreviewThrottle } from '../../runtime/server/preview.ts';

describe('previewImage', () => {
  it('reduces a 480×640 uint16 frame to 192×256 and spans 0..255', () => {
    const data = new Uint16Array(480 * 640);
    for (let y = 0; y < 480; y++) for (let x = 0; x < 640; x++) data[y * 640 + x] = x * 10;
    const img = previewImage(
      { dtype: 'uint16', shape: [480, 640], data: new Uint8Array(data.buffer) },
      { scale: 'linear' },
    )!;
    expect([img.height, img.width]).toEqual([192, 256]);
    expect(img.pixels.length).toBe(192 * 256);
    expect(img.pixels[0]).toBe(0);
    expect(img.pixels[255]).toBe(255);
    expect(img.pixels[128]).toBeGreaterThan(img.pixels[64]);
  });

  it('shows a complex spectrum with its zero frequency in the centre', () => {
    const h = 64;
    const w = 64;
    const data = new Float64Array(h * w * 2);
    data[0] = 1e6; // DC term at [0, 0]
    const img = previewImage(
      { dtype: 'complex128', shape: [h, w], data: new Uint8Array(data.buffer) },
      { scale: 'log', shift: true },
    )!;
    expect(img.pixels[(h / 2) * w + w / 2]).toBe(255);
    expect(img.pixels[0]).toBe(0);
  });

  it('gives nothing for a 1D frame', () => {
    expect(
      previewImage({ dtype: 'uint8', shape: [10], data: new Uint8Array(10) }, { scale: 'linear' }),
    ).toBeUndefined();
  });
});

describe('PreviewThrottle', () => {
  it('lets through one preview per node per 200 ms', () => {
    const t = new PreviewThrottle(200);
    expect(t.take('camera', 0)).toBe(true);
    expect(t.take('camera', 150)).toBe(false);
    expect(t.take('fft', 150)).toBe(true);
    expect(t.take('camera', 200)).toBe(true);
  });
});
