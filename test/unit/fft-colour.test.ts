/**
 * Colour frames through the 2D FFT against numpy: an (H, W, C) frame is transformed per
 * channel over H × W, as np.fft.fft2(x, axes=(0, 1)) does it, in every output mode, both
 * precisions, with and without shift; (H, W) frames keep their (H, W') spectra.
 */
import { describe, expect, it } from 'vitest';
import { missing, pythonHas } from '../helpers/env.ts';
import { EXACT_BOUND, FAST_BOUND, numpyAnswers, randomFrame, relError, tempFiles } from '../fixtures/fft/numpy-axes.ts';
import { wasmSupports } from '../../nodes/fft/wasm-fft2.ts';
import { nativeSupports } from '../../nodes/fft/native-fft2.ts';
import { checkInput, fft2, FftError, OUTPUT_MODES, type InputDType, type Precision } from '../../nodes/fft/fft2.ts';

const skip = missing('python3 with numpy', () => pythonHas('numpy'));

const file = tempFiles('fft-colour-');

function view(spec: { dtype: string }, data: Uint8Array): Float32Array | Float64Array {
  return spec.dtype === 'complex128' || spec.dtype === 'float64'
    ? new Float64Array(data.buffer)
    : new Float32Array(data.buffer);
}

const CASES: { dtype: InputDType; shape: number[]; seed: number }[] = [
  // The course's webcam frames, two of them.
  { dtype: 'uint8', shape: [480, 640, 3], seed: 1 },
  { dtype: 'uint8', shape: [480, 640, 3], seed: 2 },
  // Sizes the JavaScript path takes (prime factors above 5), one channel, four, edges.
  { dtype: 'float32', shape: [97, 131, 3], seed: 3 },
  { dtype: 'uint16', shape: [64, 64, 1], seed: 4 },
  { dtype: 'float64', shape: [6, 10, 4], seed: 5 },
  { dtype: 'uint8', shape: [1, 7, 2], seed: 6 },
  { dtype: 'float64', shape: [5, 1, 3], seed: 7 },
];

describe.skipIf(skip)('fft2 of (H, W, C) frames equals numpy fft2(x, axes=(0, 1))', () => {
  for (const { dtype, shape, seed } of CASES) {
    const [h, w, ch] = shape;
    const path = nativeSupports(h, w, ch) ? 'native' : wasmSupports(h, w) ? 'WebAssembly' : 'JavaScript';
    it(`${dtype} ${shape.join('×')} (${path}): every mode, exact and fast, with and without shift`, () => {
      const x = randomFrame(dtype, shape, seed);
      checkInput(dtype, shape, x.byteLength);
      const input = file(`${dtype}-${shape.join('x')}-${seed}.raw`);
      const answer = numpyAnswers([{ input, dtype, shape, data: new Uint8Array(x.buffer) }], OUTPUT_MODES, [
        false,
        true,
      ]);
      for (const output of OUTPUT_MODES)
        for (const shift of [false, true]) {
          const ref = answer(0, output, shift);
          const complex = output === 'complex' || output === 'half';
          const width = output === 'half' ? Math.floor(w / 2) + 1 : w;
          for (const precision of ['exact', 'fast'] as Precision[]) {
            const { spec, data } = fft2(x, h, w, { output, shift, precision }, ch);
            expect(spec.shape).toEqual([h, width, ch]);
            expect(spec.dtype).toBe(
              complex
                ? precision === 'exact'
                  ? 'complex128'
                  : 'complex64'
                : precision === 'exact'
                  ? 'float64'
                  : 'float32',
            );
            const bound = precision === 'exact' ? EXACT_BOUND : FAST_BOUND[output];
            expect(relError(view(spec, data), ref, complex), `${precision} ${output} shift=${shift}`).toBeLessThan(
              bound,
            );
          }
        }
    });
  }
});

describe('fft2 of (H, W, C) frames, channel by channel', () => {
  it('gives each channel exactly the (H, W) spectrum of that channel alone, on both paths', () => {
    for (const [h, w] of [
      [48, 64],
      [15, 14],
    ]) {
      const ch = 3;
      const x = randomFrame('uint8', [h, w, ch], 11);
      for (const output of OUTPUT_MODES)
        for (const precision of ['exact', 'fast'] as Precision[]) {
          const opts = { output, shift: true, precision };
          const colour = fft2(x, h, w, opts, ch);
          const all = view(colour.spec, colour.data);
          const vpe = output === 'complex' || output === 'half' ? 2 : 1;
          for (let c = 0; c < ch; c++) {
            const plane = x.filter((_, i) => i % ch === c);
            const one = fft2(plane, h, w, opts);
            expect(one.spec.shape).toEqual(colour.spec.shape.slice(0, 2));
            const mine = view(one.spec, one.data);
            const got = new Float64Array(mine.length);
            for (let i = 0; i < mine.length; i += vpe)
              for (let k = 0; k < vpe; k++) got[i + k] = all[(i / vpe) * ch * vpe + c * vpe + k];
            expect(Array.from(got), `${h}×${w} ${output} ${precision} channel ${c}`).toEqual(Array.from(mine));
          }
        }
    }
  });

  it("keeps an (H, W) frame (H, W'), and an (H, W, 1) frame (H, W', 1)", () => {
    const x = randomFrame('uint8', [8, 6, 1], 12);
    const flat = fft2(x, 8, 6, { output: 'half', shift: false, precision: 'exact' });
    const one = fft2(x, 8, 6, { output: 'half', shift: false, precision: 'exact' }, 1);
    expect([flat.spec.shape, one.spec.shape]).toEqual([
      [8, 4],
      [8, 4, 1],
    ]);
    expect(Buffer.from(one.data).equals(Buffer.from(flat.data))).toBe(true);
  });
});

describe('checkInput for colour frames', () => {
  const failure = (f: () => void): [string, string, string, string] | 'no error' => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FftError);
      const err = e as FftError;
      return [err.code, err.param, err.expected, err.received];
    }
    return 'no error';
  };

  it('takes (H, W, C) of any C ≥ 1 with a payload of H × W × C items', () => {
    expect(failure(() => checkInput('uint8', [480, 640, 3], 480 * 640 * 3))).toBe('no error');
    expect(failure(() => checkInput('float32', [2, 3, 1], 2 * 3 * 4))).toBe('no error');
    expect(failure(() => checkInput('uint16', [2, 3, 4], 2 * 3 * 4 * 2))).toBe('no error');
    expect(failure(() => checkInput('uint8', [2, 3, 3], 18 + 1))).toEqual([
      'FFT_SIZE_MISMATCH',
      'data',
      '18 bytes',
      '19 bytes',
    ]);
    // An (H, W) payload where a colour one was announced.
    expect(failure(() => checkInput('uint8', [2, 3, 3], 6))?.[0]).toBe('FFT_SIZE_MISMATCH');
  });

  it('refuses zero channels and other ranks as FFT_BAD_SHAPE, naming both shapes it takes', () => {
    const bad = [[4, 4, 0], [2, 2, 2, 2], [16], []].map((shape) => failure(() => checkInput('uint8', shape)));
    expect(bad.map((b) => b !== 'no error' && [b[0], b[1], b[3]])).toEqual([
      ['FFT_BAD_SHAPE', 'shape', '[4,4,0]'],
      ['FFT_BAD_SHAPE', 'shape', '[2,2,2,2]'],
      ['FFT_BAD_SHAPE', 'shape', '[16]'],
      ['FFT_BAD_SHAPE', 'shape', '[]'],
    ]);
    for (const b of bad) expect(b !== 'no error' && b[2]).toContain('[height, width] or [height, width, channels]');
    // A zero height or width stays an empty frame, with or without channels.
    expect(failure(() => checkInput('uint8', [0, 4, 3]))?.[0]).toBe('FFT_EMPTY_FRAME');
    expect(failure(() => checkInput('uint8', [4, 0, 3]))?.[0]).toBe('FFT_EMPTY_FRAME');
  });
});
