/**
 * The 2D FFT in native code: nodes/fft/simd/fft2.c built into the addon for x86-64 with AVX2
 * and FMA (native/src/fft2.cc), two complex numbers per 256-bit vector, in float64. It reads
 * the frame where it lies and writes the spectrum straight into the output, where the
 * WebAssembly build copies both through its memory. Used where the addon is built and the
 * CPU has AVX2 and FMA, for both precisions: the fast one's float32 output is the float64
 * spectrum rounded, which here takes less time than WebAssembly's float32 transform and is
 * closer to numpy. Elsewhere the WebAssembly path (wasm-fft2.ts) does the same work. Plans
 * are wasm-fft2.ts's, in a buffer of their own.
 */
import { addonIfBuilt } from '../../native/load-addon.ts';
import type { RawAddon } from '../../native/native.ts';
// Values of fft2.ts are read at call time only (fft2.ts imports this module).
import { INPUT_DTYPES, INPUT_ITEM, type Fft2Options, type InputDType } from './fft2.ts';
import {
  align16,
  COL_BLOCK,
  MODE,
  planBytes,
  ROW_BLOCK,
  wasmSupports,
  writePlan,
  type InputArray,
} from './wasm-fft2.ts';

let addon: RawAddon | null | undefined;

function native(): RawAddon | null {
  if (addon === undefined) {
    const a = addonIfBuilt();
    addon = a && typeof a.fft2Native === 'function' && a.fft2Native() ? a : null;
  }
  return addon;
}

/**
 * Whether the addon's native transform runs here at all (built, AVX2 and FMA), whatever the
 * size, and reads frames by address (an addon built before that has no address()).
 */
export function nativeFft2Available(): boolean {
  return typeof native()?.address === 'function';
}

/** Which build of the native transform runs here: "avx512", "avx2", or "" (none; native/src/fft2.cc). */
export function nativeIsa(): '' | 'avx2' | 'avx512' {
  const ex = native();
  return ex && typeof ex.fft2Isa === 'function' ? ex.fft2Isa() : ex ? 'avx2' : '';
}

/** What native/src/fft2.cc takes (the int arithmetic of fft2.c); larger frames go through WebAssembly. */
const MAX_SIDE = 2 ** 20;
const MAX_CHANNELS = 64;

/**
 * Whether the native transform takes frames of this size here: the addon built, AVX2 and FMA,
 * sides with prime factors 2, 3 and 5 only, and within fft2.cc's limits.
 */
export function nativeSupports(h: number, w: number, channels = 1): boolean {
  return h <= MAX_SIDE && w <= MAX_SIDE && channels <= MAX_CHANNELS && wasmSupports(h, w) && native() !== null;
}

/** Where `x`'s bytes are in this process's memory, for transformAt on another thread; keep `x` meanwhile. */
export function nativeAddress(x: ArrayBufferView): number {
  const ex = native();
  if (!ex) throw new Error('the native FFT is not available here (nativeSupports)');
  return ex.address(x);
}

/** Plans and scratch for one frame size (H, W, channels). */
export class NativeFft2 {
  private readonly planW: Int32Array;
  private readonly planH: Int32Array;
  private readonly work: Float64Array;
  /** The float64 spectrum a float32 output is rounded from (the fast precision), made at first use. */
  private wide?: Float64Array;

  constructor(
    readonly h: number,
    readonly w: number,
    readonly channels = 1,
  ) {
    const wBytes = align16(planBytes(w));
    const plans = new ArrayBuffer(wBytes + align16(planBytes(h, true)));
    writePlan(plans, 0, w, 8);
    writePlan(plans, wBytes, h, 8, true);
    this.planW = new Int32Array(plans, 0, wBytes / 4);
    this.planH = new Int32Array(plans, wBytes);
    // fft2.c: the half spectrum [h][cp] complex (cp: w/2+1 rounded up to a multiple of 4, the
    // AVX-512 build's vector), then two scratch buffers, from the buffer's first 64-byte
    // boundary (fft2.cc): 8 doubles more to get there.
    const cp = 4 * Math.ceil((Math.floor(w / 2) + 1) / 4);
    this.work = new Float64Array(2 * h * cp + 4 * Math.max(ROW_BLOCK * w, COL_BLOCK * h) + 8);
  }

  /**
   * Transforms one frame into `out`, in float64, rounded to float32 where `out` is a
   * Float32Array (the fast precision). With `channels` > 1, `x` is an interleaved (H, W, C)
   * frame and `out` its interleaved (H, W', C) spectra.
   */
  transform(x: InputArray, out: Float64Array | Float32Array, opts: Fft2Options): void {
    const dtype = x instanceof Uint8Array ? 0 : x instanceof Uint16Array ? 1 : x instanceof Float32Array ? 2 : 3;
    this.run(x, x.BYTES_PER_ELEMENT, dtype, out, opts);
  }

  /**
   * The same for a frame at `address` (nativeAddress()) of `bytes` bytes of `dtype` values,
   * which another thread of this process holds until this returns.
   */
  transformAt(
    address: number,
    bytes: number,
    dtype: InputDType,
    out: Float64Array | Float32Array,
    opts: Fft2Options,
  ): void {
    // INPUT_DTYPES is in fft2.cc's order of dtype codes.
    this.run(address, INPUT_ITEM[dtype], INPUT_DTYPES.indexOf(dtype), out, opts, bytes);
  }

  private run(
    x: InputArray | number,
    item: number,
    dtype: number,
    out: Float64Array | Float32Array,
    opts: Fft2Options,
    bytes?: number,
  ): void {
    const ex = native();
    if (!ex) throw new Error('the native FFT is not available here (nativeSupports)');
    const { h, w, channels: nc } = this;
    const wide = out instanceof Float64Array ? out : this.wideFor(out.length);
    const mode = MODE[opts.output];
    const outValue = (opts.output === 'complex' || opts.output === 'half' ? 2 : 1) * 8;
    for (let c = 0; c < nc; c++)
      ex.fft2(
        x,
        c * item,
        dtype,
        h,
        w,
        nc,
        this.planW,
        this.planH,
        this.work,
        wide,
        c * outValue,
        mode,
        opts.shift,
        bytes,
      );
    if (wide !== out) out.set(wide);
  }

  private wideFor(n: number): Float64Array {
    if (this.wide?.length !== n) this.wide = new Float64Array(n);
    return this.wide;
  }
}

let current: NativeFft2 | undefined;

/** The native transform for a frame size (and channel count); one size at a time, as wasmFft2For. */
export function nativeFft2For(h: number, w: number, channels = 1): NativeFft2 {
  if (!current || current.h !== h || current.w !== w || current.channels !== channels)
    current = new NativeFft2(h, w, channels);
  return current;
}
