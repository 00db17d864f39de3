/**
 * The 2D FFT against numpy: Debian's python3 computes np.fft.fft2 / rfft2 of the same
 * frame and the two answers are compared, in every output mode, with and without shift.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, cpuHasAvx2Fma, missing, pythonHas } from '../helpers/env.ts';
import { wasmFft2For, wasmSupports } from '../../nodes/fft/wasm-fft2.ts';
import { nativeFft2For, nativeSupports } from '../../nodes/fft/native-fft2.ts';
import { addonIfBuilt } from '../../native/load-addon.ts';
import {
  checkInput,
  fft2,
  Fft2,
  FftError,
  outputSpec,
  OUTPUT_MODES,
  transformInto,
  type InputDType,
  type OutputMode,
  type Precision,
} from '../../nodes/fft/fft2.ts';

const skip = missing('python3 with numpy', () => pythonHas('numpy'));

const NUMPY = `
import sys, json, numpy as np
req = json.loads(sys.argv[1])
x = np.fromfile(req["input"], dtype=req["dtype"]).reshape(req["shape"])
for mode in req["modes"]:
    for shift in (0, 1):
        if mode == "half":
            X = np.fft.rfft2(x)
            if shift: X = np.fft.fftshift(X, axes=0)
        else:
            X = np.fft.fft2(x)
            if shift: X = np.fft.fftshift(X)
        if mode == "magnitude": X = np.abs(X)
        elif mode == "log-magnitude": X = np.log1p(np.abs(X))
        elif mode == "power": X = np.abs(X) ** 2
        X = X.astype(np.complex128 if mode in ("complex", "half") else np.float64)
        X.tofile(f"{req['out']}/{mode}-{shift}.bin")
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fft-numpy-'));
});

/** The fast precision's documented bound (docs/fft.md): of the largest value, per mode. */
const FAST_BOUND: Record<OutputMode, number> = {
  complex: 1e-5,
  half: 1e-5,
  magnitude: 1e-5,
  power: 1e-5,
  'log-magnitude': 1e-3,
};
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Pixels = Uint8Array | Uint16Array | Float32Array | Float64Array;

/** A frame with structure (a few sinusoids and a gradient) plus noise, deterministic per seed. */
function makeFrame(dtype: InputDType, h: number, w: number, seed = 1): Pixels {
  const n = h * w;
  const out = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array, float64: Float64Array }[dtype];
  const x = new out(n);
  const top = dtype === 'uint8' ? 255 : dtype === 'uint16' ? 65535 : 1;
  let s = seed >>> 0;
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v =
        0.5 +
        0.2 * Math.sin((2 * Math.PI * 3 * c) / w) +
        0.15 * Math.cos((2 * Math.PI * 5 * r) / h) +
        0.1 * (r / h) +
        0.05 * (s / 2 ** 32 - 0.5);
      x[r * w + c] = dtype.startsWith('uint') ? Math.round(v * top) : v * (dtype === 'float32' ? 1000 : -3.5);
    }
  return x;
}

/** numpy's answers for every mode and shift, keyed "mode-shift". */
function numpyAnswers(x: Pixels, dtype: InputDType, h: number, w: number): Map<string, Float64Array> {
  const tag = `${dtype}-${h}x${w}`;
  const input = join(dir, `${tag}.raw`);
  writeFileSync(input, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const out = join(dir, tag);
  spawnSync('mkdir', ['-p', out]);
  const r = spawnSync(
    PYTHON,
    ['-c', NUMPY, JSON.stringify({ input, dtype, shape: [h, w], modes: OUTPUT_MODES, out })],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  const res = new Map<string, Float64Array>();
  for (const mode of OUTPUT_MODES)
    for (const shift of [0, 1]) {
      const b = readFileSync(join(out, `${mode}-${shift}.bin`));
      res.set(`${mode}-${shift}`, new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8));
    }
  return res;
}

/** max |ours - numpy| / max |numpy|, per element (complex values compared as complex). */
function relError(ours: Float32Array | Float64Array, ref: Float64Array, complex: boolean): number {
  expect(ours.length).toBe(ref.length);
  let err = 0;
  let top = 0;
  const step = complex ? 2 : 1;
  for (let i = 0; i < ref.length; i += step) {
    const d = complex ? Math.hypot(ours[i] - ref[i], ours[i + 1] - ref[i + 1]) : Math.abs(ours[i] - ref[i]);
    const m = complex ? Math.hypot(ref[i], ref[i + 1]) : Math.abs(ref[i]);
    if (!(d <= err)) err = d; // NaN propagates as a failure
    if (m > top) top = m;
  }
  return err / top;
}

function ours(x: Pixels, h: number, w: number, output: OutputMode, shift: boolean, precision: Precision) {
  const { spec, data } = fft2(x, h, w, { output, shift, precision });
  const view =
    spec.dtype === 'complex128' || spec.dtype === 'float64'
      ? new Float64Array(data.buffer)
      : new Float32Array(data.buffer);
  return { spec, view };
}

const CASES: [InputDType, number, number][] = [
  ['float64', 4, 4],
  ['uint8', 64, 64],
  ['float32', 97, 131],
  ['uint8', 480, 640],
  ['uint16', 1200, 1920],
  // Edges: one row, one column, odd sizes, a long prime.
  ['float64', 1, 7],
  ['uint16', 5, 1],
  ['float64', 1, 1],
  ['uint8', 3, 1021],
];

describe.skipIf(skip)('fft2 equals numpy', () => {
  for (const [dtype, h, w] of CASES) {
    it(`exact and fast, ${dtype} ${h}x${w}, every mode, with and without shift`, () => {
      const x = makeFrame(dtype, h, w);
      const ref = numpyAnswers(x, dtype, h, w);
      for (const output of OUTPUT_MODES)
        for (const shift of [false, true]) {
          const { spec, view } = ours(x, h, w, output, shift, 'exact');
          const complex = output === 'complex' || output === 'half';
          expect(spec.dtype).toBe(complex ? 'complex128' : 'float64');
          expect(spec.shape).toEqual([h, output === 'half' ? Math.floor(w / 2) + 1 : w]);
          const e = relError(view, ref.get(`${output}-${shift ? 1 : 0}`)!, complex);
          expect(e, `${output} shift=${shift}`).toBeLessThan(1e-9);
          const fast = ours(x, h, w, output, shift, 'fast');
          expect(fast.spec.dtype).toBe(complex ? 'complex64' : 'float32');
          expect(fast.spec.shape).toEqual(spec.shape);
          const ef = relError(fast.view, ref.get(`${output}-${shift ? 1 : 0}`)!, complex);
          expect(ef, `fast ${output} shift=${shift}`).toBeLessThan(FAST_BOUND[output]);
        }
    });
  }
});

const noNative = missing('the camera addon (npm run build:native) on a CPU with AVX2 and FMA', () =>
  Boolean(addonIfBuilt() && cpuHasAvx2Fma()),
);

describe('the JavaScript, WebAssembly and native float64 paths', () => {
  // numpy checks whichever path a size takes; this keeps the others honest at the same sizes.
  const SIZES: [InputDType, number, number][] = [
    ['uint16', 64, 64],
    ['float32', 480, 640],
    ['uint8', 15, 1],
    ['float64', 1, 1],
    ['uint8', 6, 10],
    ['uint16', 5, 3],
    // Column splits (columnSplit): 16 x 16, 24 x 32, and 15 x 27 with radix-3 and -5 stages
    // natively; 32 x 64 in WebAssembly too (from 2048 rows there).
    ['uint8', 256, 24],
    ['uint16', 768, 10],
    ['float64', 405, 6],
    ['uint8', 2048, 6],
    // The native row pass's 16 x 16 tiles (fft2.c, gather_tiles): whole blocks of 16 rows
    // with tiles and a remainder of columns, then a last block of 13 rows without.
    ['uint8', 45, 50],
    ['uint16', 45, 40],
  ];
  for (const [dtype, h, w] of SIZES) {
    it(`agree within 1e-13 at ${h}x${w}, every mode, with and without shift`, () => {
      expect(wasmSupports(h, w)).toBe(true);
      const x = makeFrame(dtype, h, w, 3);
      for (const output of OUTPUT_MODES)
        for (const shift of [false, true]) {
          const opts = { output, shift, precision: 'exact' } as const;
          const n = outputSpec(h, w, opts).bytes / 8;
          const js = new Float64Array(n);
          const wa = new Float64Array(n);
          new Fft2(h, w).transform(x, js, opts);
          wasmFft2For(h, w).transform(x, wa, opts);
          const complex = output === 'complex' || output === 'half';
          expect(relError(wa, js, complex), `${output} shift=${shift}`).toBeLessThan(1e-13);
          if (!nativeSupports(h, w)) continue;
          const na = new Float64Array(n);
          nativeFft2For(h, w).transform(x, na, opts);
          if (output !== 'log-magnitude') {
            expect(relError(na, js, complex), `native ${output} shift=${shift}`).toBeLessThan(1e-13);
            continue;
          }
          // log(1 + |X|) moves by at most |X|'s own error, 1e-13 of the largest |X|: where |X| is 0
          // but for rounding, FMA gives 0 and a multiply and an add 1.7e-8, which relative to
          // the largest log(1 + |X|) would be 1e-9.
          const mag = new Float64Array(n);
          new Fft2(h, w).transform(x, mag, { ...opts, output: 'magnitude' });
          const bound = 1e-13 * mag.reduce((a, v) => Math.max(a, v), 0);
          const worst = na.reduce((a, v, i) => Math.max(a, Math.abs(v - js[i])), 0);
          expect(worst, `native log-magnitude shift=${shift}`).toBeLessThanOrEqual(bound);
        }
    });
  }
  it.skipIf(noNative)('run natively where the addon is built and the CPU has AVX2 and FMA', () => {
    expect(nativeSupports(480, 640)).toBe(true);
    expect(nativeSupports(97, 131)).toBe(false);
  });
  it('leave sizes with prime factors above 5 to JavaScript', () => {
    expect([wasmSupports(97, 131), wasmSupports(3, 1021), wasmSupports(480, 644)]).toEqual([false, false, false]);
  });
});

describe('the fast precision on each path', () => {
  // Natively the float64 spectrum, rounded value for value; in WebAssembly its own float32
  // transform, within the documented bound of the float64 one (which equals numpy's, above).
  const SIZES: [InputDType, number, number][] = [
    ['uint16', 64, 64],
    ['uint8', 480, 640],
    ['uint8', 45, 50],
    ['float32', 2048, 6],
  ];
  for (const [dtype, h, w] of SIZES)
    it(`${h}x${w}, every mode, with and without shift`, () => {
      const x = makeFrame(dtype, h, w, 5);
      for (const output of OUTPUT_MODES)
        for (const shift of [false, true]) {
          const exact = { output, shift, precision: 'exact' } as const;
          const fast = { ...exact, precision: 'fast' } as const;
          const n = outputSpec(h, w, exact).bytes / 8;
          const complex = output === 'complex' || output === 'half';
          const js = new Float64Array(n);
          new Fft2(h, w).transform(x, js, exact);
          const wa = new Float32Array(n);
          wasmFft2For(h, w).transform(x, wa, fast);
          expect(relError(wa, js, complex), `WebAssembly ${output} shift=${shift}`).toBeLessThan(FAST_BOUND[output]);
          if (!nativeSupports(h, w)) continue;
          const na = new Float64Array(n);
          nativeFft2For(h, w).transform(x, na, exact);
          const f = new Float32Array(n);
          // Natively: read and written in place, nothing copied on the way.
          expect(transformInto(x, h, w, f, fast), `native ${output} shift=${shift}`).toBe(0);
          const rounded = Float32Array.from(na);
          expect(Buffer.from(f.buffer).equals(Buffer.from(rounded.buffer)), `native ${output} shift=${shift}`).toBe(
            true,
          );
        }
    });
  it.skipIf(noNative)('runs natively where the exact precision does', () => {
    const x = makeFrame('uint8', 480, 640, 6);
    const opts = { output: 'half', shift: false, precision: 'fast' } as const;
    expect(transformInto(x, 480, 640, new Float32Array(outputSpec(480, 640, opts).bytes / 4), opts)).toBe(0);
  });
});

describe('fft2 refuses what it cannot transform', () => {
  it('names the dtype, the shape and an empty dimension', () => {
    const codes = [
      () => checkInput('complex64', [4, 4]),
      () => checkInput('int16', [4, 4]),
      () => checkInput('uint8', [4, 4, 3, 1]),
      () => checkInput('uint8', [0, 4]),
      () => checkInput('float32', [4, 0]),
      () => checkInput('uint16', [2, 3], 11),
    ].map((f) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FftError);
        const err = e as FftError;
        return [err.code, err.param, err.received];
      }
      return ['no error'];
    });
    expect(codes).toEqual([
      ['FFT_UNSUPPORTED_DTYPE', 'dtype', 'complex64'],
      ['FFT_UNSUPPORTED_DTYPE', 'dtype', 'int16'],
      ['FFT_BAD_SHAPE', 'shape', '[4,4,3,1]'],
      ['FFT_EMPTY_FRAME', 'shape', '[0,4]'],
      ['FFT_EMPTY_FRAME', 'shape', '[4,0]'],
      ['FFT_SIZE_MISMATCH', 'data', '11 bytes'],
    ]);
    expect(() => checkInput('uint16', [2, 3], 12)).not.toThrow();
  });
});
