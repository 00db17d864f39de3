/**
 * The addon's FFT entry (native/src/fft2.cc): it writes into memory JavaScript owns, so every
 * size it is given is checked first; a wrong one is an error, never a write past a buffer's end.
 * (What it computes is checked against numpy and the other paths: test/unit/fft-numpy.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { loadAddon } from '../../native/load-addon.ts';
import { cpuHasAvx2Fma } from '../helpers/env.ts';
import { NativeFft2, nativeSupports } from '../../nodes/fft/native-fft2.ts';
import { fft2 } from '../../nodes/fft/fft2.ts';
import { planBytes, writePlan, align16 } from '../../nodes/fft/wasm-fft2.ts';

const addon = loadAddon();

// Where the CPU has AVX2 and FMA, the addon must have the transform (test/unit/fft-numpy.test.ts asks the same).
describe.skipIf(!cpuHasAvx2Fma())('the native FFT entry', () => {
  test('is in the addon built here', () => {
    expect(addon.fft2Native()).toBe(true);
  });

  const [h, w] = [6, 10];
  const wBytes = align16(planBytes(w));
  const plans = new ArrayBuffer(wBytes + align16(planBytes(h)));
  writePlan(plans, 0, w, 8);
  writePlan(plans, wBytes, h, 8);
  const planW = new Int32Array(plans, 0, wBytes / 4);
  const planH = new Int32Array(plans, wBytes);
  // half [h][8] complex (w/2+1 rounded up to 4), then two scratch buffers of 2 * max(8w, 16h) doubles, from the first
  // 64-byte boundary (8 doubles more reach it from anywhere)
  const doubles = 2 * h * 8 + 4 * Math.max(8 * w, 16 * h);
  const work = () => new Float64Array(doubles + 8);
  const call = (
    x: ArrayBufferView,
    out: ArrayBufferView,
    opts: { mode?: number; outOffset?: number; work?: Float64Array } = {},
  ) => addon.fft2(x, 0, 0, h, w, 1, planW, planH, opts.work ?? work(), out, opts.outOffset ?? 0, opts.mode ?? 1, false);

  test('transforms a frame into an output of the right size, and refuses one a value too short', () => {
    const x = new Uint8Array(h * w).fill(1);
    const out = new Float64Array(2 * h * 6);
    call(x, out);
    // The spectrum of a constant frame: all of it at frequency 0.
    expect(out[0]).toBe(h * w);
    expect(out.slice(1).every((v) => v === 0)).toBe(true);
    const short = new Float64Array(2 * h * 6 - 1).fill(7);
    expect(() => call(x, short)).toThrow(/wants an output of the mode's size/);
    expect(short.every((v) => v === 7)).toBe(true);
    expect(() => call(x, new Float64Array(2 * h * 6), { outOffset: 8 })).toThrow(/output/);
    expect(() => call(x, new Float64Array(h * w * 2 - 1), { mode: 0 })).toThrow(/output/);
  });

  test('reads a frame at its address as from the array, and refuses a length too short or an address that is not one', () => {
    const x = new Uint8Array(h * w).map((_, i) => (i * 37) & 0xff);
    const fromArray = new Float64Array(2 * h * 6);
    call(x, fromArray);
    const at = addon.address(x);
    const fromAddress = new Float64Array(2 * h * 6);
    addon.fft2(at, 0, 0, h, w, 1, planW, planH, work(), fromAddress, 0, 1, false, x.byteLength);
    expect(fromAddress).toEqual(fromArray);
    const fft = (addr: number, bytes?: number) =>
      addon.fft2(addr, 0, 0, h, w, 1, planW, planH, work(), new Float64Array(2 * h * 6), 0, 1, false, bytes);
    expect(() => fft(at, x.byteLength - 1)).toThrow(/wants a frame/);
    expect(() => fft(at)).toThrow(/wants an address and a byte length/);
    expect(() => fft(0.5, x.byteLength)).toThrow(/wants an address and a byte length/);
  });

  test("takes its scratch from the work buffer's first 64-byte boundary, wherever the buffer starts", () => {
    const x = Uint8Array.from({ length: h * w }, (_, i) => (i * 53) & 0xff);
    const big = new Float64Array(doubles + 16);
    const boundary = ((64 - (addon.address(big) % 64)) % 64) / 8;
    const from = (start: number, length: number) => {
      const out = new Float64Array(2 * h * 6);
      call(x, out, { work: big.subarray(start, start + length) });
      return out;
    };
    const atBoundary = from(boundary, doubles);
    // 16 bytes past a boundary, as V8 gives buffers: 48 bytes go to reach the next one.
    const past = boundary + 2;
    expect(() => from(past, doubles + 5)).toThrow(/wants a work buffer of .* from its first 64-byte boundary/);
    expect(from(past, doubles + 6)).toEqual(atBoundary);
  });

  test('refuses a frame too short, a work buffer too small and a bad mode', () => {
    const out = new Float64Array(2 * h * 6);
    expect(() => call(new Uint8Array(h * w - 1), out)).toThrow(/wants a frame/);
    expect(() => call(new Uint8Array(h * w), out, { work: new Float64Array(10) })).toThrow(/wants a work buffer/);
    expect(() => call(new Uint8Array(h * w), out, { mode: 5 })).toThrow(/wants a dtype 0-3 and a mode 0-4/);
    expect(() => call(new Uint8Array(h * w), {} as ArrayBufferView)).toThrow(/wants a typed array/);
  });

  test('checks the last channel and the real-valued modes against the output, plans against the sizes, and alignment', () => {
    const x3 = new Uint8Array(h * w * 3);
    // Channel 2 of a 3-channel frame: its last half-spectrum value ends one complex number before
    // the output's end when the output is sized for 3 channels.
    const out3 = new Float64Array(2 * h * 6 * 3);
    const ch2 = (out: ArrayBufferView) => addon.fft2(x3, 2, 0, h, w, 3, planW, planH, work(), out, 2 * 16, 1, false);
    ch2(out3);
    expect(() => ch2(new Float64Array(2 * h * 6 * 3 - 1))).toThrow(/output/);
    expect(() => addon.fft2(x3, 3 * h * w, 0, h, w, 3, planW, planH, work(), out3, 0, 1, false)).toThrow(/frame/);
    // power: one float64 per pixel.
    expect(() => call(new Uint8Array(h * w), new Float64Array(h * w - 1), { mode: 4 })).toThrow(/output/);
    call(new Uint8Array(h * w), new Float64Array(h * w), { mode: 4 });
    // The plans swapped: each is a plan, but not for its length.
    expect(() =>
      addon.fft2(new Uint8Array(h * w), 0, 0, h, w, 1, planH, planW, work(), new Float64Array(2 * h * 6), 0, 1, false),
    ).toThrow(/plans for w and h/);
    // A plan whose twiddles would lie past its end.
    const cut = new Int32Array(planW.buffer, 0, 8);
    expect(() =>
      addon.fft2(new Uint8Array(h * w), 0, 0, h, w, 1, cut, planH, work(), new Float64Array(2 * h * 6), 0, 1, false),
    ).toThrow(/plans for w and h/);
    // Doubles written at an odd address.
    const odd = new Uint8Array(new ArrayBuffer(2 * h * 6 * 8 + 8), 1, 2 * h * 6 * 8);
    expect(() => call(new Uint8Array(h * w), odd)).toThrow(/aligned/);
  });

  test('runs a column plan with its split as without, and refuses a split whose parts do not make h or lie past the plan', () => {
    const [H, W] = [256, 4];
    const wB = align16(planBytes(W));
    const buf = new ArrayBuffer(wB + align16(planBytes(H, true)));
    writePlan(buf, 0, W, 8);
    writePlan(buf, wB, H, 8, true);
    const pw = new Int32Array(buf, 0, wB / 4);
    const split = new Int32Array(buf, wB);
    const plain = new Int32Array(align16(planBytes(H)) / 4);
    writePlan(plain.buffer, 0, H, 8);
    const x = Uint8Array.from({ length: H * W }, (_, i) => (i * 29 + (i >> 3)) & 0xff);
    // half [H][4] complex (c = 3, cp = 4), then two scratch buffers of 2 * max(8W, 16H) doubles, and 8 to align
    const run = (plan: Int32Array) => {
      const out = new Float64Array(2 * H * 3);
      addon.fft2(x, 0, 0, H, W, 1, pw, plan, new Float64Array(2 * H * 4 + 4 * 16 * H + 8), out, 0, 1, false);
      return out;
    };
    const a = run(split),
      b = run(plain);
    const top = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)).toBeLessThan(1e-13 * top);
    expect(a).not.toEqual(b); // two ways to the same spectrum: not the same rounding

    const at = split[1 + 3 * split[0]] / 4; // [n1, n2, plan1, plan2, table]
    expect([...split.slice(at, at + 2)]).toEqual([16, 16]);
    const broken = (word: number, value: number) => {
      const p = new Int32Array(split);
      p[at + word] = value;
      return () => run(p);
    };
    expect(broken(0, 8)).toThrow(/plans for w and h/); // 8 x 16 is not 256
    expect(broken(4, split.byteLength - 16)).toThrow(/plans for w and h/); // the twiddles past the end
    expect(broken(2, split.byteLength)).toThrow(/plans for w and h/); // a part past the end
    expect(broken(3, 0)).toThrow(/plans for w and h/); // the whole plan (for 256) as the part for 16
  });

  test('a colour frame is each of its channels, transformed apart', () => {
    const planes = [0, 1, 2].map((c) => Uint16Array.from({ length: h * w }, (_, i) => (i * (7 + c) + c * 13) % 97));
    const x = new Uint16Array(h * w * 3);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) x[3 * i + c] = planes[c][i];
    for (const output of ['complex', 'half', 'log-magnitude'] as const) {
      const per = output === 'complex' ? 2 * h * w : output === 'half' ? 2 * h * 6 : h * w;
      const step = output === 'log-magnitude' ? 1 : 2;
      const all = new Float64Array(per * 3);
      new NativeFft2(h, w, 3).transform(x, all, { output, shift: true, precision: 'exact' });
      planes.forEach((plane, c) => {
        const one = new Float64Array(per);
        new NativeFft2(h, w).transform(plane, one, { output, shift: true, precision: 'exact' });
        const fromAll = new Float64Array(per);
        for (let i = 0; i < per / step; i++)
          for (let k = 0; k < step; k++) fromAll[step * i + k] = all[step * (3 * i + c) + k];
        expect(fromAll, `${output}, channel ${c}`).toEqual(one);
      });
    }
  });

  test('NativeFft2 transforms each channel of a colour frame in place, from its own offsets', () => {
    expect(nativeSupports(h, w)).toBe(true);
    const x = new Uint16Array(h * w * 3);
    for (let i = 0; i < h * w; i++) x.set([1, 2, 3], 3 * i);
    const out = new Float64Array(h * w * 3);
    new NativeFft2(h, w, 3).transform(x, out, { output: 'power', shift: false, precision: 'exact' });
    expect([...out.slice(0, 3)]).toEqual([1, 2, 3].map((c) => (c * h * w) ** 2));
    expect(out.slice(3).every((v) => v === 0)).toBe(true);
  });
});

describe('frames past the native limits', () => {
  test('65 channels in exact precision go through WebAssembly, as before the native path', () => {
    const [h, w, c] = [4, 6, 65];
    expect(nativeSupports(h, w, c)).toBe(false);
    const x = Uint8Array.from({ length: h * w * c }, (_, i) => (i * 31) % 251);
    const { data } = fft2(x, h, w, { output: 'power', shift: false, precision: 'exact' }, c);
    const out = new Float64Array(data.buffer);
    // Channel 64's zero frequency: the square of its pixel sum.
    let sum = 0;
    for (let i = 0; i < h * w; i++) sum += x[c * i + 64];
    expect(out[64]).toBeCloseTo(sum * sum, 6);
  });
});
