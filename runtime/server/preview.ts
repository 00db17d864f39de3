/**
 * Frame previews for the editor: a frame reduced to at most 256 px on its long side and
 * 8 bits per value, so a browser can draw it without knowing dtypes: grey levels, or RGB for
 * a colour camera frame.
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
  /** 1: `pixels` are grey levels; 3: R, G, B per pixel. */
  channels: 1 | 3;
  /** width × height × channels bytes, row-major, a pixel's channels together. */
  pixels: Uint8Array;
}

/** A preview's pixels as the WebSocket messages carry them. */
export function pixelsBase64(img: PreviewImage): string {
  return Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength).toString('base64');
}

/** Where a frame's values are: H × W pixels of `channels` values each (channels last, as numpy's (H, W, C)). */
interface Layout {
  h: number;
  w: number;
  channels: number;
}

/** Channels beyond this are not colour but a stack of planes, (N, H, W): the first plane is shown. */
const MAX_CHANNELS = 4;

function layoutOf(shape: readonly number[]): Layout | undefined {
  if (shape.length === 2) return { h: shape[0], w: shape[1], channels: 1 };
  if (shape.length !== 3) return undefined;
  if (shape[2] >= 1 && shape[2] <= MAX_CHANNELS) return { h: shape[0], w: shape[1], channels: shape[2] };
  return { h: shape[1], w: shape[2], channels: 1 };
}

/**
 * Channel order of an (H, W, 3) uint8 frame: R, G, B when a Camera node says so in its meta
 * (pixelFormat RGB8, or a Bayer format it debayered); else B, G, R, OpenCV's order (a webcam
 * frame from a course script, BGR8).
 */
function isRgb(meta: Frame['meta']): boolean {
  const format = meta?.pixelFormat;
  return format === 'RGB8' || (typeof format === 'string' && format.startsWith('Bayer'));
}

/**
 * Reduces a frame to an 8-bit preview. (H, W, 3) uint8 frames are colour camera frames, in
 * OpenCV's order B, G, R unless their meta says R, G, B (isRgb): they are shown in colour, with
 * their own levels, not stretched (they are meant to be looked at as they are). Any other frame is shown grey,
 * scaled from its min to its max: (H, W); (H, W, C) with C ≤ 4 as the mean of its channels
 * (an FFT of a colour frame, (H, W', 3), shows the spectrum of the image's brightness, all
 * three channels' detail, where the first channel alone would show the blue one's); (N, H,
 * W) stacks their first plane. Complex frames show their magnitude (of each channel, then
 * the mean). Each preview pixel is the mean of the block it covers (of every pixel up to
 * twice the preview size, of every n-th row and column beyond), so a speckle of particles
 * stays visible where picking one pixel per block would miss it.
 */
export function previewImage(
  frame: Pick<Frame, 'dtype' | 'shape' | 'data'> & Partial<Pick<Frame, 'meta'>>,
  options: PreviewOptions,
): PreviewImage | undefined {
  const layout = layoutOf(frame.shape);
  if (!layout) return undefined;
  const { h, w, channels } = layout;
  if (h === 0 || w === 0) return undefined;
  const complex = frame.dtype === 'complex64' || frame.dtype === 'complex128';
  const colour = frame.dtype === 'uint8' && channels === 3 && options.scale === 'linear';
  const out = colour ? 3 : 1;
  // Where red and blue are within a frame's pixel.
  const [red, blue] = colour && isRgb(frame.meta) ? [0, 2] : [2, 0];
  const view = typedView(frame);
  const maxSide = options.maxSide ?? 256;
  // A fractional step keeps the long side at exactly maxSide (640 px gives 256, not 214).
  const step = Math.max(1, Math.max(h, w) / maxSide);
  const ow = Math.min(Math.ceil(w / step), w);
  const oh = Math.min(Math.ceil(h / step), h);
  const sums = new Float64Array(ow * oh * out);
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
      const o = orow + Math.min(Math.floor(sx / step), ow - 1);
      const at = (irow + x) * channels;
      counts[o]++;
      if (colour) {
        // R, G, B in the preview.
        sums[3 * o] += view[at + red];
        sums[3 * o + 1] += view[at + 1];
        sums[3 * o + 2] += view[at + blue];
        continue;
      }
      let v = 0;
      for (let c = 0; c < channels; c++) {
        if (complex) {
          const re = view[2 * (at + c)];
          const im = view[2 * (at + c) + 1];
          v += Math.sqrt(re * re + im * im);
        } else {
          v += view[at + c];
        }
      }
      v /= channels;
      if (log) v = Math.log1p(Math.abs(v));
      sums[o] += v;
    }
  }
  const pixels = new Uint8Array(ow * oh * out);
  if (colour) {
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(sums[i] / counts[Math.floor(i / 3)]);
    return { width: ow, height: oh, channels: 3, pixels };
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
  const range = hi > lo ? hi - lo : 1;
  for (let i = 0; i < sums.length; i++) {
    const m = sums[i];
    pixels[i] = Number.isFinite(m) ? Math.round(((m - lo) / range) * 255) : 0;
  }
  return { width: ow, height: oh, channels: 1, pixels };
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
