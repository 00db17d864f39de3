/**
 * The `fast` precision: float32 transforms in SIMD WebAssembly (PFFFT, through
 * @echogarden/pffft-wasm), for frames whose width is a multiple of 32 and height a
 * multiple of 16, both of the form 2^a 3^b 5^c (PFFFT's limits). Other sizes use the
 * float64 path and round its result to float32.
 *
 * float32 loses the small frequencies under a large mean: each row is offset by a value
 * near its mean before its transform, the exact row sums are kept in float64, and the
 * zero-frequency column, which carries them, is transformed in float64. Error bound:
 * docs/fft.md.
 */
import PFFFT from '@echogarden/pffft-wasm/simd';
import { fftPlan } from './fft1d.ts';
import type { Fft2Options } from './fft2.ts';

type InputArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

interface PffftModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _pffft_new_setup(n: number, kind: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_COMPLEX = 1;
const PFFFT_FORWARD = 0;
/** Rows transformed before their spectra are scattered into columns (PFFFT heights are multiples of 16). */
const ROW_BLOCK = 16;

let module: PffftModule | undefined;
let loading: Promise<PffftModule> | undefined;

/** Loads the WebAssembly module once per thread. */
export async function loadFast(): Promise<void> {
  if (module) return;
  loading ??= (PFFFT as unknown as () => Promise<PffftModule>)();
  module = await loading;
}

function smooth235(n: number): boolean {
  for (const p of [2, 3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/** Whether PFFFT can transform frames of this size. */
export function fastSupports(h: number, w: number): boolean {
  return w % 32 === 0 && h % 16 === 0 && smooth235(w / 4) && smooth235(h / 4);
}

/** Plans and wasm buffers for one frame size in fast precision. */
export class FastFft2 {
  private readonly c: number;
  private readonly rowSetup: number;
  private readonly colSetup: number;
  private readonly rowIn: number;
  private readonly rowOut: number;
  private readonly cols: number;
  private readonly work: number;
  /** Row sums (the zero-frequency column before its transform), float64. */
  private readonly dc: Float64Array;
  private readonly dcScratch: Float64Array;

  constructor(readonly h: number, readonly w: number) {
    const m = module;
    if (!m) throw new Error('FastFft2: call loadFast() first');
    this.c = w / 2 + 1;
    this.rowSetup = m._pffft_new_setup(w, PFFFT_REAL);
    this.colSetup = m._pffft_new_setup(h, PFFFT_COMPLEX);
    if (!this.rowSetup || !this.colSetup) throw new RangeError(`PFFFT cannot transform ${h}x${w}`);
    // 16-byte alignment: malloc gives 8 at least, so over-allocate and round up.
    const alloc = (floats: number): number => (m._malloc(floats * 4 + 16) + 15) & ~15;
    this.rowIn = alloc(w);
    this.rowOut = alloc(w * ROW_BLOCK);
    this.cols = alloc(2 * h * this.c);
    this.work = alloc(2 * Math.max(w, h));
    this.dc = new Float64Array(2 * h);
    this.dcScratch = new Float64Array(2 * h);
  }

  /** Transforms one frame into `out` (float32 or complex64, laid out as fft2.ts's outputSpec says). */
  transform(x: InputArray, out: Float32Array, opts: Fft2Options): void {
    const m = module as PffftModule;
    const { h, w, c, dc } = this;
    const half = w / 2;
    const rowIn = this.rowIn >> 2, rowOut = this.rowOut >> 2, cols = this.cols >> 2;
    const F = m.HEAPF32;
    let offset = 0;
    for (let r0 = 0; r0 < h; r0 += ROW_BLOCK) {
      for (let i = 0; i < ROW_BLOCK; i++) {
        const r = r0 + i;
        const e = r * w;
        // One pass: subtract an offset near the row's mean (the previous row's mean; rows of
        // an image are alike) and take the exact sum for the zero-frequency column. Four
        // sums, because one accumulator is bound by the latency of floating-point adds.
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < w; k += 4) {
          const v0 = x[e + k], v1 = x[e + k + 1], v2 = x[e + k + 2], v3 = x[e + k + 3];
          s0 += v0;
          s1 += v1;
          s2 += v2;
          s3 += v3;
          F[rowIn + k] = v0 - offset;
          F[rowIn + k + 1] = v1 - offset;
          F[rowIn + k + 2] = v2 - offset;
          F[rowIn + k + 3] = v3 - offset;
        }
        const sum = s0 + s1 + s2 + s3;
        if (r === 0) {
          // The first row has no predecessor: take its own mean and redo it.
          offset = sum / w;
          for (let k = 0; k < w; k++) F[rowIn + k] = x[e + k] - offset;
        }
        m._pffft_transform_ordered(this.rowSetup, this.rowIn, this.rowOut + 4 * i * w, this.work, PFFFT_FORWARD);
        dc[2 * r] = sum;
        dc[2 * r + 1] = 0;
        offset = sum / w;
      }
      // Column-major half spectrum: bin k of row r at cols + 2*(k*h + r), written a block
      // of rows at a time so each column gets one contiguous run. pffft puts the Nyquist
      // bin (real) in the imaginary slot of bin 0.
      for (let k = 1; k < half; k++) {
        for (let i = 0, o = cols + 2 * (k * h + r0), src = rowOut + 2 * k; i < ROW_BLOCK; i++, o += 2, src += w) {
          F[o] = F[src];
          F[o + 1] = F[src + 1];
        }
      }
      for (let i = 0, o = cols + 2 * (half * h + r0), src = rowOut + 1; i < ROW_BLOCK; i++, o += 2, src += w) {
        F[o] = F[src];
        F[o + 1] = 0;
      }
    }
    for (let k = 1; k < c; k++) {
      const p = this.cols + 8 * k * h;
      m._pffft_transform_ordered(this.colSetup, p, p, this.work, PFFFT_FORWARD);
    }
    const dcSpec = fftPlan(h).run(dc, this.dcScratch, 1);
    this.format(m.HEAPF32, cols, dcSpec, out, opts);
  }

  private format(F: Float32Array, cols: number, dcSpec: Float64Array, out: Float32Array, opts: Fft2Options): void {
    const { h, w, c } = this;
    const sh = opts.shift ? Math.floor(h / 2) : 0;
    const mode = opts.output;
    const at = (k: number, r: number): number => cols + 2 * (k * h + r);
    if (mode === 'half') {
      for (let r = 0; r < h; r++) {
        const o = 2 * ((r + sh) % h) * c;
        out[o] = dcSpec[2 * r];
        out[o + 1] = dcSpec[2 * r + 1];
        for (let k = 1, i = at(1, r); k < c; k++, i += 2 * h) {
          out[o + 2 * k] = F[i];
          out[o + 2 * k + 1] = F[i + 1];
        }
      }
      return;
    }
    const sw = opts.shift ? w / 2 : 0;
    const complex = mode === 'complex';
    for (let r = 0; r < h; r++) {
      const dr = (r + sh) % h;
      const mr = (h - r) % h;
      const row = complex ? 2 * dr * w : dr * w;
      for (let k = 0; k < w; k++) {
        let re: number, im: number;
        if (k === 0) {
          re = dcSpec[2 * r];
          im = dcSpec[2 * r + 1];
        } else if (k < c) {
          const i = at(k, r);
          re = F[i];
          im = F[i + 1];
        } else {
          const i = at(w - k, mr);
          re = F[i];
          im = -F[i + 1];
        }
        let dk = k + sw;
        if (dk >= w) dk -= w;
        if (complex) {
          out[row + 2 * dk] = re;
          out[row + 2 * dk + 1] = im;
        } else {
          const pw = re * re + im * im;
          out[row + dk] = mode === 'power' ? pw : mode === 'magnitude' ? Math.sqrt(pw) : Math.log1p(Math.sqrt(pw));
        }
      }
    }
  }
}

const cache = new Map<string, FastFft2>();

/** The cached fast transform for a frame size; undefined when PFFFT cannot do it or is not loaded. */
export function fastFor(h: number, w: number): FastFft2 | undefined {
  if (!module || !fastSupports(h, w)) return undefined;
  const key = `${h}x${w}`;
  let f = cache.get(key);
  if (!f) {
    // wasm memory is not given back, so keep the sizes seen; a stream changes size rarely.
    f = new FastFft2(h, w);
    cache.set(key, f);
  }
  return f;
}
