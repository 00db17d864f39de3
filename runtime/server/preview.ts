/**
 * Frame previews for the editor: a frame reduced to at most 256 px on its long side and
 * 8 bits per pixel, so a browser can draw it without knowing dtypes.
 */
import { typedView, type Frame } from '../wire/index.ts';

/** How a preview maps values to grey levels. */
export type PreviewScale = 'linear' | 'log';

export interface PreviewOptions {
  /** linear: camera frames; log: spectra (log(1 + |x|)). */
  scale: PreviewScale;
  /** Move the zero frequency to the centre (a spectrum not already shifted). */
  shift?: boolean;
  /** Longest side of the preview, px; default 256. */
  maxSide?: number;
}

export interface PreviewImage {
  width: number;
  height: number;
  /** width × height grey levels, row-major. */
  pixels: Uint8Array;
}

/**
 * Reduces a 2D (or 3D: first plane) frame to an 8-bit preview. Complex frames show their
 * magnitude. Each preview pixel is the mean of the block it covers (of every pixel up to
 * twice the preview size, of every n-th row and column beyond), so a speckle of particles
 * stays visible where picking one pixel per block would miss it.
 */
export function previewImage(frame: Pick<Frame, 'dtype' | 'shape' | 'data'>, options: PreviewOptions): PreviewImage | undefined {
  const shape = frame.shape;
  if (shape.length < 2 || shape.length > 3) return undefined;
  const [h, w] = shape;
  if (h === 0 || w === 0) return undefined;
  const complex = frame.dtype === 'complex64' || frame.dtype === 'complex128';
  const view = typedView(frame);
  const maxSide = options.maxSide ?? 256;
  // A fractional step keeps the long side at exactly maxSide (640 px gives 256, not 214).
  const step = Math.max(1, Math.max(h, w) / maxSide);
  const ow = Math.min(Math.ceil(w / step), w);
  const oh = Math.min(Math.ceil(h / step), h);
  const sums = new Float64Array(ow * oh);
  const counts = new Uint32Array(ow * oh);
  const log = options.scale === 'log';
  // Big frames are sampled, not read whole: the preview runs on the event loop that moves the frames.
  const stride = Math.max(1, Math.floor(step / 2));
  for (let y = 0; y < h; y += stride) {
    const sy = options.shift ? (y + (h >> 1)) % h : y;
    const orow = Math.min(Math.floor(sy / step), oh - 1) * ow;
    const irow = y * w;
    for (let x = 0; x < w; x += stride) {
      const sx = options.shift ? (x + (w >> 1)) % w : x;
      let v: number;
      if (complex) {
        const re = view[2 * (irow + x)];
        const im = view[2 * (irow + x) + 1];
        v = Math.sqrt(re * re + im * im);
      } else {
        v = view[irow + x];
      }
      if (log) v = Math.log1p(Math.abs(v));
      const o = orow + Math.min(Math.floor(sx / step), ow - 1);
      sums[o] += v;
      counts[o]++;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < sums.length; i++) {
    const m = sums[i] / counts[i];
    sums[i] = m;
    if (Number.isFinite(m)) {
      if (m < lo) lo = m;
      if (m > hi) hi = m;
    }
  }
  const pixels = new Uint8Array(ow * oh);
  const range = hi > lo ? hi - lo : 1;
  for (let i = 0; i < sums.length; i++) {
    const m = sums[i];
    pixels[i] = Number.isFinite(m) ? Math.round(((m - lo) / range) * 255) : 0;
  }
  return { width: ow, height: oh, pixels };
}

/** Lets through at most one preview per node per interval (the server's ≤ 5 per second). */
export class PreviewThrottle {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs = 200) {}

  /** True when `node` may send a preview now (and records that it did). */
  take(node: string, now = performance.now()): boolean {
    const t = this.last.get(node);
    if (t !== undefined && now - t < this.intervalMs) return false;
    this.last.set(node, now);
    return true;
  }
}
