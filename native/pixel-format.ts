/**
 * The pixel formats the Camera node knows (GenICam PFNC names) and the frames they give:
 * Mono8 and raw Bayer (H, W) uint8; Mono10, Mono12, Mono16 and the packed Mono10p/Mono12p
 * (H, W) uint16; RGB8, BGR8 and debayered Bayer (H, W, 3) uint8. Pure data, no addon: the
 * node declaration, the Camera stage, the shared frame pool and the Python export all read it.
 * native/src/pixel-format.cc is its C++ twin (the addon computes the same frame sizes).
 */

export const PIXEL_FORMATS = [
  'Mono8',
  'Mono10',
  'Mono12',
  'Mono10p',
  'Mono12p',
  'Mono16',
  'BayerRG8',
  'BayerGR8',
  'BayerGB8',
  'BayerBG8',
  'RGB8',
  'BGR8',
] as const;
export type PixelFormat = (typeof PIXEL_FORMATS)[number];

/** The colours at (0,0), (0,1), (1,0), (1,1) of each Bayer format's mosaic. */
export const BAYER_PATTERNS = { BayerRG8: 'RGGB', BayerGR8: 'GRBG', BayerGB8: 'GBRG', BayerBG8: 'BGGR' } as const;
export type BayerPattern = (typeof BAYER_PATTERNS)[keyof typeof BAYER_PATTERNS];

export interface FrameFormat {
  dtype: 'uint8' | 'uint16';
  /** 1: frames are (H, W); 3: (H, W, 3). */
  channels: 1 | 3;
  /** Significant bits of a sample: 8, 10, 12 or 16 (values never exceed 2^bits - 1). */
  bits: number;
  /** Raw Bayer frames only (not debayered). */
  bayerPattern?: BayerPattern;
}

/** What a frame of `pixelFormat` looks like; `debayer` turns Bayer formats into RGB. */
export function frameFormat(pixelFormat: PixelFormat, debayer = false): FrameFormat {
  const bits = Number(/\d+/.exec(pixelFormat)![0]);
  const dtype = bits > 8 ? 'uint16' : 'uint8';
  if (pixelFormat in BAYER_PATTERNS) {
    return debayer
      ? { dtype, channels: 3, bits }
      : { dtype, channels: 1, bits, bayerPattern: BAYER_PATTERNS[pixelFormat as keyof typeof BAYER_PATTERNS] };
  }
  return { dtype, channels: pixelFormat === 'RGB8' || pixelFormat === 'BGR8' ? 3 : 1, bits };
}

/** A frame's shape: [H, W] or [H, W, 3]. */
export function frameShape(width: number, height: number, f: FrameFormat): number[] {
  return f.channels === 1 ? [height, width] : [height, width, f.channels];
}

/** Bytes of one frame as delivered (after unpacking and debayering). */
export function frameBytes(width: number, height: number, f: FrameFormat): number {
  return width * height * f.channels * (f.dtype === 'uint16' ? 2 : 1);
}
