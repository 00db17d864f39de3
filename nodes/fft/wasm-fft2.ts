/**
 * The 2D FFT in WebAssembly SIMD (nodes/fft/simd/fft2.c): the same algorithm and layouts
 * as fft2.ts's JavaScript path, in float64 (exact) and float32 (fast), for frames whose
 * sides have no prime factor above 5 (powers of two and most camera sizes). Other sizes use
 * the JavaScript path. The module is compiled once per thread, synchronously (53 kB).
 * An (H, W, C) frame is copied in whole and transformed channel by channel in place: the
 * module reads each channel's rows and writes its spectrum C values apart (fft2.c, `nc`).
 */
import { readFileSync } from 'node:fs';
import { factorize } from './fft1d.ts';
import type { Fft2Options, OutputMode } from './fft2.ts';

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  rfft2(
    x: number,
    dtype: number,
    h: number,
    w: number,
    planW: number,
    planH: number,
    half: number,
    a: number,
    b: number,
    out: number,
    mode: number,
    shift: number,
    nc: number,
  ): void;
  rfft2f(
    x: number,
    dtype: number,
    h: number,
    w: number,
    planW: number,
    planH: number,
    planH64: number,
    half: number,
    a: number,
    b: number,
    dc: number,
    dcb: number,
    out: number,
    mode: number,
    shift: number,
    nc: number,
  ): void;
}

export type InputArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

export const MODE: Record<OutputMode, number> = { complex: 0, half: 1, magnitude: 2, 'log-magnitude': 3, power: 4 };
/** Must match ROW_BLOCK and COL_BLOCK in fft2.c. */
export const ROW_BLOCK = 8;
export const COL_BLOCK = 16;
const WASM_RADICES = new Set([2, 3, 4, 5, 8]);

let instance: Exports | undefined;

function wasm(): Exports {
  if (!instance) {
    const bytes = readFileSync(new URL('./simd/fft2.wasm', import.meta.url));
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  }
  return instance;
}

/** Whether the WebAssembly path handles this length (prime factors 2, 3, 5 only). */
function supportedLength(n: number): boolean {
  return n >= 1 && factorize(n).every((r) => WASM_RADICES.has(r));
}

/** Whether the WebAssembly path handles frames of this size. */
export function wasmSupports(h: number, w: number): boolean {
  return supportedLength(h) && supportedLength(w);
}

export const align16 = (n: number): number => Math.ceil(n / 16) * 16;

interface Layout {
  x: number;
  planW: number;
  planH: number;
  planW32: number;
  planH32: number;
  half: number;
  a: number;
  b: number;
  dc: number;
  dcb: number;
  out: number;
}

/**
 * Whether the WebAssembly build splits its column pass (columnSplit): one complex number per
 * vector makes the split's extra twiddle pass dearer than natively. Measured against the
 * build before the split, in turns: 5 % slower at 480×640 and 1024², 10 % faster at 2048².
 */
const WASM_SPLIT = (h: number): boolean => h >= 2048;

/** Plans and buffers for one frame size (H, W, channels), laid out in the module's memory. */
export class WasmFft2 {
  private readonly ptr: Layout;

  constructor(
    readonly h: number,
    readonly w: number,
    readonly channels = 1,
  ) {
    const ex = wasm();
    const c = Math.floor(w / 2) + 1;
    let top = align16(ex.__heap_base.value as number);
    const alloc = (bytes: number): number => {
      const p = top;
      top = align16(top + bytes);
      return p;
    };
    // Both precisions share the buffers (one transform at a time); float64 sizes them.
    const scratch = 16 * Math.max(ROW_BLOCK * w, COL_BLOCK * h);
    this.ptr = {
      x: alloc(8 * h * w * channels),
      planW: alloc(planBytes(w)),
      planH: alloc(planBytes(h, WASM_SPLIT(h))),
      planW32: alloc(planBytes(w)),
      planH32: alloc(planBytes(h)),
      half: alloc(16 * h * (c + 1)),
      a: alloc(scratch),
      b: alloc(scratch),
      dc: alloc(16 * h),
      dcb: alloc(16 * h),
      out: alloc(16 * h * w * channels),
    };
    const have = ex.memory.buffer.byteLength;
    if (top > have) ex.memory.grow(Math.ceil((top - have) / 65536));
    writePlan(ex.memory.buffer, this.ptr.planW, w, 8);
    writePlan(ex.memory.buffer, this.ptr.planH, h, 8, WASM_SPLIT(h));
    writePlan(ex.memory.buffer, this.ptr.planW32, w, 4);
    writePlan(ex.memory.buffer, this.ptr.planH32, h, 4);
  }

  /**
   * Transforms one frame into `out`: in float64 when `out` is a Float64Array, in float32
   * (the fast precision) when it is a Float32Array. With `channels` > 1, `x` is an
   * interleaved (H, W, C) frame and `out` its interleaved (H, W', C) spectra.
   */
  transform(x: InputArray, out: Float64Array | Float32Array, opts: Fft2Options): void {
    const ex = wasm();
    const { h, w, channels: nc, ptr } = this;
    const mem = ex.memory.buffer;
    new Uint8Array(mem, ptr.x, x.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const dtype = x instanceof Uint8Array ? 0 : x instanceof Uint16Array ? 1 : x instanceof Float32Array ? 2 : 3;
    const mode = MODE[opts.output];
    const shift = opts.shift ? 1 : 0;
    // Channel c starts c values into the frame, and c values (complex: pairs) into the spectra.
    const outValue = (opts.output === 'complex' || opts.output === 'half' ? 2 : 1) * out.BYTES_PER_ELEMENT;
    for (let c = 0; c < nc; c++) {
      const xc = ptr.x + c * x.BYTES_PER_ELEMENT;
      const oc = ptr.out + c * outValue;
      if (out instanceof Float64Array)
        ex.rfft2(xc, dtype, h, w, ptr.planW, ptr.planH, ptr.half, ptr.a, ptr.b, oc, mode, shift, nc);
      else
        ex.rfft2f(
          xc,
          dtype,
          h,
          w,
          ptr.planW32,
          ptr.planH32,
          ptr.planH,
          ptr.half,
          ptr.a,
          ptr.b,
          ptr.dc,
          ptr.dcb,
          oc,
          mode,
          shift,
          nc,
        );
    }
    if (out instanceof Float64Array) out.set(new Float64Array(mem, ptr.out, out.length));
    else out.set(new Float32Array(mem, ptr.out, out.length));
  }
}

/**
 * The column split fft2.c's column pass takes for h rows: h = n1 * n2 with n1 the divisor of h
 * nearest √h (the smaller of two as near), both at least 8; none below 256 rows, where a
 * column block's two buffers (2 x 64 kB at 256 rows) sit in L2 anyway. Natively 12–15 % less
 * time at 480×640, 1024², 1200×1920 and 2048² (docs/performance-fft.md).
 */
export function columnSplit(h: number): [number, number] | undefined {
  if (h < 256) return undefined;
  // How far a divisor is from √h, by ratio.
  const far = (d: number): number => Math.abs(Math.log(d / Math.sqrt(h)));
  let best: number | undefined;
  for (let d = 8; d * 8 <= h; d++) if (h % d === 0 && (best === undefined || far(d) < far(best))) best = d;
  return best === undefined ? undefined : [best, h / best];
}

interface PlanLayout {
  stages: number[];
  /** Byte offset of each stage's twiddles from the plan's start. */
  twiddles: number[];
  split?: { at: number; n1: number; n2: number; plan1: number; plan2: number; table: number };
  bytes: number;
}

/** Where each part of a plan for n lies, in bytes from its start (fft2.c's plan format). */
function planLayout(n: number, split: boolean): PlanLayout {
  const stages = factorize(n);
  let off = align16(4 * (2 + 3 * stages.length));
  const twiddles: number[] = [];
  let len = n;
  for (const r of stages) {
    twiddles.push(off);
    off += 32 * (len / r) * (r - 1);
    len /= r;
  }
  const s = split ? columnSplit(n) : undefined;
  if (!s) return { stages, twiddles, bytes: off };
  const at = align16(off);
  const plan1 = align16(at + 20);
  const plan2 = align16(plan1 + planLayout(s[0], false).bytes);
  const table = align16(plan2 + planLayout(s[1], false).bytes);
  return { stages, twiddles, split: { at, n1: s[0], n2: s[1], plan1, plan2, table }, bytes: table + 32 * n };
}

/** Bytes of a plan: the header, then 32 bytes per twiddle (4 float64 or 8 float32), then its column split's if asked. */
export function planBytes(n: number, split = false): number {
  return planLayout(n, split).bytes;
}

/**
 * [stages, radix, m, twiddles... , split] then each stage's twiddles, addressed by their byte
 * offset from the plan's start (so a plan works at any address, in WebAssembly memory or the
 * native path's buffer): float64 (wr, wr, -wi, wi), or float32 (wr, wr, wr, wr, -wi, wi, -wi,
 * wi) for two complex numbers per vector. With `split` (float64 only: a column plan), the
 * column split of columnSplit(n) follows: [n1, n2, plan1, plan2, table], a plan for n1, one for
 * n2 and the twiddles w_n^(i2 * k1) between the two steps (fft2.c, plan_split). `at` must be a
 * multiple of 8.
 */
export function writePlan(mem: ArrayBufferLike, at: number, n: number, size: 4 | 8, split = false): void {
  if (split && size !== 8) throw new Error('a column split is float64 only');
  if (at % 8 !== 0) throw new Error(`a plan at ${at}: wants a multiple of 8`);
  const layout = planLayout(n, split);
  const { stages } = layout;
  const ints = new Int32Array(mem, at, 2 + 3 * stages.length);
  ints[0] = stages.length;
  ints[1 + 3 * stages.length] = layout.split?.at ?? 0;
  let len = n;
  stages.forEach((r, i) => {
    const m = len / r;
    ints[1 + 3 * i] = r;
    ints[2 + 3 * i] = m;
    ints[3 + 3 * i] = layout.twiddles[i];
    const count = m * (r - 1);
    const tw = at + layout.twiddles[i];
    const t = size === 8 ? new Float64Array(mem, tw, 4 * count) : new Float32Array(mem, tw, 8 * count);
    for (let p = 0; p < m; p++) for (let j = 1; j < r; j++) putTwiddle(t, p * (r - 1) + (j - 1), p * j, len);
    len = m;
  });
  const s = layout.split;
  if (!s) return;
  new Int32Array(mem, at + s.at, 5).set([s.n1, s.n2, s.plan1, s.plan2, s.table]);
  writePlan(mem, at + s.plan1, s.n1, 8);
  writePlan(mem, at + s.plan2, s.n2, 8);
  const t = new Float64Array(mem, at + s.table, 4 * n);
  for (let i2 = 0; i2 < s.n2; i2++) for (let k1 = 0; k1 < s.n1; k1++) putTwiddle(t, i2 * s.n1 + k1, i2 * k1, n);
}

/**
 * w_len^e into twiddle slot `idx` of `t`, as fft2.c loads it: float64 (wr, wr, -wi, wi), or
 * float32 (wr, wr, wr, wr, -wi, wi, -wi, wi) for two complex numbers per vector.
 */
function putTwiddle(t: Float64Array | Float32Array, idx: number, e: number, len: number): void {
  // Reduce e modulo len before scaling so long lengths keep full precision.
  const ang = (-2 * Math.PI * (e % len)) / len;
  const wr = Math.cos(ang),
    wi = Math.sin(ang);
  if (t instanceof Float64Array) t.set([wr, wr, -wi, wi], 4 * idx);
  else t.set([wr, wr, wr, wr, -wi, wi, -wi, wi], 8 * idx);
}

let current: WasmFft2 | undefined;

/**
 * The WebAssembly transform for a frame size (and channel count). One size at a time: buffers
 * are reused from the start of the heap, so a size change (rare in a stream) rebuilds the plans.
 */
export function wasmFft2For(h: number, w: number, channels = 1): WasmFft2 {
  if (!current || current.h !== h || current.w !== w || current.channels !== channels)
    current = new WasmFft2(h, w, channels);
  return current;
}
