/**
 * The 2D FFT of a real frame, with numpy's layouts (docs/fft.md): fft2 / rfft2 of an (H, W)
 * frame, and of each channel of an (H, W, C) frame, as fft2(x, axes=(0, 1)) gives it.
 *
 * Real input is exploited twice: two rows are packed in one complex FFT (the real row
 * and the imaginary row are separated afterwards by Hermitian symmetry), and only the
 * W/2+1 non-redundant columns are transformed. The full `complex` layout is then filled
 * in from X[h, w] = conj(X[(H-h) % H, (W-w) % W]).
 */
import { fftPlan } from './fft1d.ts';
import { wasmFft2For, wasmSupports } from './wasm-fft2.ts';
import { nativeFft2For, nativeSupports } from './native-fft2.ts';
import { deinterleave, interleave } from './channels.ts';
import type { DType } from '../../runtime/wire/index.ts';
import { PatchbayError } from '../../runtime/util/patchbay-error.ts';

export type OutputMode = 'complex' | 'half' | 'magnitude' | 'log-magnitude' | 'power';
export type Precision = 'exact' | 'fast';
export const OUTPUT_MODES: readonly OutputMode[] = ['complex', 'half', 'magnitude', 'log-magnitude', 'power'];
export const INPUT_DTYPES = ['uint8', 'uint16', 'float32', 'float64'] as const;
export type InputDType = (typeof INPUT_DTYPES)[number];

export type FftErrorCode = 'FFT_UNSUPPORTED_DTYPE' | 'FFT_BAD_SHAPE' | 'FFT_EMPTY_FRAME' | 'FFT_SIZE_MISMATCH';

/** A frame the FFT node cannot transform; the stage counts it and goes on. */
export class FftError extends PatchbayError<FftErrorCode> {
  constructor(
    code: FftErrorCode,
    /** What is wrong: the frame's `dtype`, `shape` or payload (`data`). */
    readonly param: 'dtype' | 'shape' | 'data',
    readonly expected: string,
    readonly received: string,
  ) {
    super(code, `FFT input ${param}: expected ${expected}, received ${received}`);
  }
}

export interface Fft2Options {
  output: OutputMode;
  shift: boolean;
  precision: Precision;
}

export interface OutputSpec {
  dtype: DType;
  /** [H, W'] for an (H, W) frame, [H, W', C] for an (H, W, C) one. */
  shape: [number, number] | [number, number, number];
  bytes: number;
}

/** Bytes per value of each input dtype. */
export const INPUT_ITEM: Record<InputDType, number> = { uint8: 1, uint16: 2, float32: 4, float64: 8 };

/** The shapes the node transforms, as FFT_BAD_SHAPE names them. */
const SHAPES = '[height, width] or [height, width, channels]';

/** Checks an input frame's dtype, shape and (when given) payload size; throws FftError. */
export function checkInput(dtype: string, shape: readonly number[], byteLength?: number): asserts dtype is InputDType {
  if (!(INPUT_DTYPES as readonly string[]).includes(dtype))
    throw new FftError('FFT_UNSUPPORTED_DTYPE', 'dtype', INPUT_DTYPES.join(', '), dtype);
  if (shape.length !== 2 && shape.length !== 3)
    throw new FftError('FFT_BAD_SHAPE', 'shape', SHAPES, JSON.stringify(shape));
  // Zero channels is no colour frame at all (a zero height or width is an empty one, below).
  if (shape.length === 3 && shape[2] === 0)
    throw new FftError('FFT_BAD_SHAPE', 'shape', `${SHAPES}, channels ≥ 1`, JSON.stringify(shape));
  if (shape[0] === 0 || shape[1] === 0)
    throw new FftError('FFT_EMPTY_FRAME', 'shape', 'height and width > 0', JSON.stringify(shape));
  const want = shape[0] * shape[1] * channelsOf(shape) * INPUT_ITEM[dtype as InputDType];
  if (byteLength !== undefined && byteLength !== want)
    throw new FftError('FFT_SIZE_MISMATCH', 'data', `${want} bytes`, `${byteLength} bytes`);
}

/** Channels of a frame shape: C of (H, W, C), 1 of (H, W). */
function channelsOf(shape: readonly number[]): number {
  return shape.length === 3 ? shape[2] : 1;
}

/**
 * What a frame of height h and width w becomes, with `channels` when it is an (H, W, C)
 * frame (undefined for (H, W): the output keeps the input's rank, as numpy's does).
 * exact: complex128 / float64 (numpy parity in every mode); fast: complex64 / float32.
 */
export function outputSpec(
  h: number,
  w: number,
  opts: Pick<Fft2Options, 'output' | 'precision'>,
  channels?: number,
): OutputSpec {
  const width = opts.output === 'half' ? Math.floor(w / 2) + 1 : w;
  const complex = opts.output === 'complex' || opts.output === 'half';
  const item = (complex ? 2 : 1) * (opts.precision === 'exact' ? 8 : 4);
  const dtype: DType = complex
    ? opts.precision === 'exact'
      ? 'complex128'
      : 'complex64'
    : opts.precision === 'exact'
      ? 'float64'
      : 'float32';
  if (channels === undefined) return { dtype, shape: [h, width], bytes: h * width * item };
  return { dtype, shape: [h, width, channels], bytes: h * width * channels * item };
}

type InputArray = Uint8Array | Uint16Array | Float32Array | Float64Array;
type OutputArray = Float32Array | Float64Array;

/** Row pairs transformed at a time (the batch of fft1d). */
const ROW_BLOCK = 8;
/** Columns transformed at a time: 16 halves the passes over the frame of 8 and still fits L2. */
const COL_BLOCK = 16;

/**
 * The JavaScript path, for sizes the WebAssembly path does not take (a prime factor above
 * 5) and as the reference that path is tested against. Plans and scratch for one frame
 * size; reuse it for every frame of that size.
 */
export class Fft2 {
  /** Columns of the half spectrum: W/2 + 1. */
  readonly c: number;
  /** The half spectrum, [H][C] complex, interleaved. */
  private readonly half: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;

  constructor(
    readonly h: number,
    readonly w: number,
  ) {
    this.c = Math.floor(w / 2) + 1;
    this.half = new Float64Array(2 * h * this.c);
    const scratch = 2 * Math.max(ROW_BLOCK * w, COL_BLOCK * h);
    this.a = new Float64Array(scratch);
    this.b = new Float64Array(scratch);
  }

  /** Transforms one frame into `out` (sized by outputSpec). */
  transform(input: InputArray, out: OutputArray, opts: Fft2Options): void {
    this.rows(input);
    this.columns(out, opts);
  }

  /** Transforms each channel of an interleaved (H, W, channels) frame into the interleaved `out`. */
  transformChannels(input: InputArray, out: OutputArray, opts: Fft2Options, channels: number): void {
    const n = this.h * this.w;
    const m = out.length / channels;
    // Per frame, not kept: this path serves the rarer sizes, and four cached sizes of C planes would stay allocated.
    const planes = new Float64Array(n * channels);
    const spectra = out instanceof Float64Array ? new Float64Array(out.length) : new Float32Array(out.length);
    deinterleave(input, channels, planes, n, n);
    for (let c = 0; c < channels; c++)
      this.transform(planes.subarray(c * n, (c + 1) * n), spectra.subarray(c * m, (c + 1) * m), opts);
    interleave(spectra, m, m, out, channels, opts.output === 'complex' || opts.output === 'half');
  }

  /** FFT of every row, two rows per complex transform, into the half spectrum. */
  private rows(x: InputArray): void {
    const { h, w, c, half } = this;
    const plan = fftPlan(w);
    const pairs = Math.ceil(h / 2);
    for (let p0 = 0; p0 < pairs; p0 += ROW_BLOCK) {
      const nb = Math.min(ROW_BLOCK, pairs - p0);
      const a = this.a;
      // Gather: row 2p in the real part, row 2p+1 in the imaginary part, laid out [w][nb].
      for (let i = 0; i < nb; i++) {
        const r0 = 2 * (p0 + i);
        const e = r0 * w;
        let o = 2 * i;
        const step = 2 * nb;
        if (r0 + 1 < h) {
          const odd = e + w;
          for (let k = 0; k < w; k++, o += step) {
            a[o] = x[e + k];
            a[o + 1] = x[odd + k];
          }
        } else {
          for (let k = 0; k < w; k++, o += step) {
            a[o] = x[e + k];
            a[o + 1] = 0;
          }
        }
      }
      const z = plan.run(a, this.b, nb);
      // Separate the two rows: Xa = (Z_k + conj Z_{-k}) / 2, Xb = (Z_k - conj Z_{-k}) / 2i.
      for (let i = 0; i < nb; i++) {
        const r0 = 2 * (p0 + i);
        const ea = 2 * r0 * c;
        const eb = ea + 2 * c;
        const hasB = r0 + 1 < h;
        // zm walks down from bin w-1 as k walks up from 1; bin 0 is its own mirror.
        for (let k = 0, zk = 2 * i, zm = 2 * i; k < c; k++, zk += 2 * nb, zm = 2 * ((w - k) * nb + i)) {
          const ar = z[zk],
            ai = z[zk + 1],
            br = z[zm],
            bi = z[zm + 1];
          half[ea + 2 * k] = 0.5 * (ar + br);
          half[ea + 2 * k + 1] = 0.5 * (ai - bi);
          if (hasB) {
            half[eb + 2 * k] = 0.5 * (ai + bi);
            half[eb + 2 * k + 1] = 0.5 * (br - ar);
          }
        }
      }
    }
  }

  /**
   * FFT of each of the W/2+1 columns, in blocks, each block written straight into the
   * requested layout (and, for the full layouts, into its Hermitian mirror).
   */
  private columns(out: OutputArray, opts: Fft2Options): void {
    const { h, w, c, half } = this;
    const plan = fftPlan(h);
    const a = this.a;
    const mode = opts.output;
    // fftshift moves index i to (i + floor(n/2)) % n; rfft2's last axis is not periodic
    // around zero, so `half` shifts axis 0 only.
    const sh = opts.shift ? Math.floor(h / 2) : 0;
    const sw = opts.shift && mode !== 'half' ? Math.floor(w / 2) : 0;
    const complex = mode === 'complex' || mode === 'half';
    const width = mode === 'half' ? c : w;
    const rowStride = complex ? 2 * width : width;
    // Columns k in 1..lastMirrored have a mirror column w-k that the half spectrum lacks.
    const lastMirrored = mode === 'half' ? 0 : w - c;
    for (let k0 = 0; k0 < c; k0 += COL_BLOCK) {
      const nb = Math.min(COL_BLOCK, c - k0);
      const len = 2 * nb;
      for (let r = 0; r < h; r++) {
        const src = 2 * (r * c + k0);
        const dst = r * len;
        for (let j = 0; j < len; j++) a[dst + j] = half[src + j];
      }
      const z = plan.run(a, this.b, nb);
      for (let r = 0; r < h; r++) {
        let dr = r + sh;
        if (dr >= h) dr -= h;
        // X[h-r, w-k] = conj X[r, k]; after the shift, row (h-r)%h lands at ((h-r)%h + sh) % h.
        let mr = ((h - r) % h) + sh;
        if (mr >= h) mr -= h;
        const row = dr * rowStride;
        const mrow = mr * rowStride;
        for (let j = 0, zi = r * len; j < nb; j++, zi += 2) {
          const k = k0 + j;
          const re = z[zi],
            im = z[zi + 1];
          let dk = k + sw;
          if (dk >= width) dk -= width;
          const mirrored = k >= 1 && k <= lastMirrored;
          let mk = w - k + sw;
          if (mk >= w) mk -= w;
          if (complex) {
            out[row + 2 * dk] = re;
            out[row + 2 * dk + 1] = im;
            if (mirrored) {
              out[mrow + 2 * mk] = re;
              out[mrow + 2 * mk + 1] = -im;
            }
          } else {
            const pw = re * re + im * im;
            const v = mode === 'power' ? pw : mode === 'magnitude' ? Math.sqrt(pw) : Math.log1p(Math.sqrt(pw));
            out[row + dk] = v;
            if (mirrored) out[mrow + mk] = v;
          }
        }
      }
    }
  }
}

const cache = new Map<string, Fft2>();

/** The cached transform for a frame size (one per thread: it owns scratch memory). */
export function fft2For(h: number, w: number): Fft2 {
  const key = `${h}x${w}`;
  let f = cache.get(key);
  if (!f) {
    // A size change mid-stream builds a new plan; keep a few sizes, not every size ever seen.
    if (cache.size >= 4) cache.delete(cache.keys().next().value as string);
    f = new Fft2(h, w);
    cache.set(key, f);
  }
  return f;
}

/** A typed view of an input payload. */
export function inputView(dtype: InputDType, buf: ArrayBufferLike, offset: number, count: number): InputArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buf, offset, count);
    case 'uint16':
      return new Uint16Array(buf, offset, count);
    case 'float32':
      return new Float32Array(buf, offset, count);
    case 'float64':
      return new Float64Array(buf, offset, count);
  }
}

/** A typed view of an output buffer for the given spec. */
export function outputView(spec: OutputSpec, buf: ArrayBufferLike, offset: number): OutputArray {
  const n = spec.dtype === 'complex128' || spec.dtype === 'float64' ? spec.bytes / 8 : spec.bytes / 4;
  return spec.dtype === 'complex128' || spec.dtype === 'float64'
    ? new Float64Array(buf, offset, n)
    : new Float32Array(buf, offset, n);
}

/**
 * Transforms one frame into `out` (sized by outputSpec): an (H, W) frame, or with `channels`
 * > 1 each channel of an interleaved (H, W, channels) one. Sizes with prime factors up to 5
 * run in SIMD: natively where the addon and the CPU allow (native-fft2.ts, AVX2; in float64,
 * rounded to float32 for the fast precision), else in WebAssembly (wasm-fft2.ts, float32 for
 * the fast precision); the rest in JavaScript (Fft2) in float64, rounded to float32 for the
 * fast precision. Returns the payload bytes copied on the way: none natively; into and out
 * of WebAssembly memory; or on the JavaScript path for several channels, into planes and back
 * (channels.ts).
 */
export function transformInto(
  input: InputArray,
  h: number,
  w: number,
  out: OutputArray,
  opts: Fft2Options,
  channels = 1,
): number {
  if (nativeSupports(h, w, channels)) {
    nativeFft2For(h, w, channels).transform(input, out, opts);
    return 0;
  }
  if (wasmSupports(h, w)) {
    wasmFft2For(h, w, channels).transform(
      input,
      opts.precision === 'exact' ? (out as Float64Array) : (out as Float32Array),
      opts,
    );
    return input.byteLength + out.byteLength;
  }
  if (channels === 1) {
    fft2For(h, w).transform(input, out, opts);
    return 0;
  }
  fft2For(h, w).transformChannels(input, out, opts, channels);
  return input.byteLength + out.byteLength;
}

/**
 * Convenience: the whole transform of one frame into a fresh buffer; `channels` for an
 * (H, W, C) frame (the output is then (H, W', C)).
 */
export function fft2(
  input: InputArray,
  h: number,
  w: number,
  opts: Fft2Options,
  channels?: number,
): { spec: OutputSpec; data: Uint8Array } {
  const spec = outputSpec(h, w, opts, channels);
  const buf = new ArrayBuffer(spec.bytes);
  transformInto(input, h, w, outputView(spec, buf, 0), opts, channels ?? 1);
  return { spec, data: new Uint8Array(buf) };
}
