/**
 * Colour frames through the FFT node as it runs: a tiny graph (a source of (480, 640, 3)
 * uint8 frames → FFT with its Piscina pool → a capture sink) on the real executor. Every
 * output mode (both precisions and both shifts among them) equals numpy's
 * fft2(x, axes=(0, 1)), in order, with seq, t and meta; colour and grey frames may follow
 * each other in one stream.
 */
import { describe, expect, it } from 'vitest';
import { missing, pythonHas } from '../helpers/env.ts';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';
import { EXACT_BOUND, FAST_BOUND, numpyAnswers, randomFrame, relError, tempFiles } from '../fixtures/fft/numpy-axes.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import { typedView, type Frame } from '../../runtime/wire/index.ts';
import type { InputDType, OutputMode, Precision } from '../../nodes/fft/fft2.ts';
import { nativeSupports } from '../../nodes/fft/native-fft2.ts';

const skip = missing('python3 with numpy', () => pythonHas('numpy'));

const file = tempFiles('fft-colour-stage-');

function frame(seq: number, dtype: InputDType, shape: number[]): Frame {
  const x = randomFrame(dtype, shape, 100 + seq);
  return {
    kind: 'frame',
    seq,
    t: 1_732_380_000_123_456_789n + BigInt(seq),
    dtype,
    shape,
    meta: { exposureUs: 100 + seq },
    data: new Uint8Array(x.buffer),
  };
}

/** A source that sends the given frames, as a Camera or an HDF5Source would. */
const sourceOf =
  (frames: Frame[]): StageFactory =>
  (io) => ({
    async run() {
      for (const f of frames) await io.emit('out', f);
      return frames.length;
    },
  });

/** Runs frames → FFT (params) → capture; returns the spectra and the run's summary. */
async function throughFft(
  frames: Frame[],
  params: { threads: number; output: OutputMode; precision: Precision; shift: boolean },
) {
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'src', type: 'FrameList' },
      { id: 'fft', type: 'FFT', params },
      { id: 'sink', type: 'Capture' },
    ],
    ['src.out -> fft.in', 'fft.out -> sink.in'],
  );
  const summary = await runPlan(plan, { capture: cap, stages: { FrameList: sourceOf(frames) } }).done;
  return { summary, out: cap.of('sink').frames };
}

/** numpy's spectra of these frames in one mode, and checks ours against them. */
function expectNumpy(frames: Frame[], out: Frame[], output: OutputMode, precision: Precision, shift: boolean): void {
  const tag = `${output}-${precision}-${shift}`;
  const answer = numpyAnswers(
    frames.map((f, i) => ({
      input: file(`${tag}-${i}.raw`),
      dtype: f.dtype as InputDType,
      shape: f.shape,
      data: f.data,
    })),
    [output],
    [shift],
  );
  const complex = output === 'complex' || output === 'half';
  const bound = precision === 'exact' ? EXACT_BOUND : FAST_BOUND[output];
  out.forEach((f, i) =>
    expect(relError(typedView(f), answer(i, output, shift), complex), `${tag} frame ${i}`).toBeLessThan(bound),
  );
}

describe.skipIf(skip)('FFT node on (480, 640, 3) uint8 frames, in a graph', () => {
  // Every mode once, both precisions and both shifts among them (fft-colour.test.ts has every combination).
  const settings: { output: OutputMode; precision: Precision; shift: boolean }[] = [
    { output: 'complex', precision: 'exact', shift: true },
    { output: 'half', precision: 'fast', shift: true },
    { output: 'magnitude', precision: 'fast', shift: false },
    { output: 'log-magnitude', precision: 'exact', shift: false },
    { output: 'power', precision: 'exact', shift: true },
  ];

  it.each(settings)(
    '$output, $precision, shift $shift: 2 workers, spectra equal numpy, in order',
    async ({ output, precision, shift }) => {
      const frames = [0, 1, 2].map((i) => frame(i, 'uint8', [480, 640, 3]));
      const { summary, out } = await throughFft(frames, { threads: 2, output, precision, shift });
      expect(summary.exitCode).toBe(0);
      expect(summary.stats.nodes.fft.errors).toBe(0);
      const width = output === 'half' ? 321 : 640;
      const complex = output === 'complex' || output === 'half';
      expect(out.map((f) => [f.seq, f.t, f.meta, f.shape, f.dtype])).toEqual(
        frames.map((f) => [
          f.seq,
          f.t,
          f.meta,
          [480, width, 3],
          complex
            ? precision === 'exact'
              ? 'complex128'
              : 'complex64'
            : precision === 'exact'
              ? 'float64'
              : 'float32',
        ]),
      );
      expectNumpy(frames, out, output, precision, shift);
      // Copied: through WebAssembly each frame into the slab and the module's memory and each
      // spectrum out of it (as for (H, W)); the native transform, in either precision, reads the
      // frame where it lies and writes the spectrum in place: nothing.
      const native = nativeSupports(480, 640, 3);
      const copied = frames.reduce((a, f, i) => a + (native ? 0 : 2 * f.data.byteLength + out[i].data.byteLength), 0);
      expect(summary.stats.nodes.fft.bytesCopied).toBe(copied);
    },
  );

  it('colour and grey frames in one stream, and a size the JavaScript path takes', async () => {
    const frames = [
      frame(0, 'uint8', [480, 640, 3]),
      frame(1, 'uint8', [480, 640]),
      frame(2, 'uint8', [480, 640, 3]),
      frame(3, 'float32', [97, 131, 3]),
      frame(4, 'uint16', [480, 640, 1]),
    ];
    const { summary, out } = await throughFft(frames, {
      threads: 2,
      output: 'log-magnitude',
      precision: 'exact',
      shift: true,
    });
    expect(summary.exitCode).toBe(0);
    expect(out.map((f) => f.shape)).toEqual([
      [480, 640, 3],
      [480, 640],
      [480, 640, 3],
      [97, 131, 3],
      [480, 640, 1],
    ]);
    expectNumpy(frames, out, 'log-magnitude', 'exact', true);
  });

  it('counts and skips a 4-D frame and a colour frame without channels, and goes on', async () => {
    const good = frame(0, 'uint8', [48, 64, 3]);
    const frames = [
      good,
      { ...good, seq: 1, shape: [48, 64, 3, 1] },
      { ...good, seq: 2, shape: [48, 64, 0], data: new Uint8Array(0) },
      { ...good, seq: 3 },
    ];
    const { summary, out } = await throughFft(frames, { threads: 1, output: 'half', precision: 'fast', shift: false });
    expect(out.map((f) => [f.seq, f.shape])).toEqual([
      [0, [48, 33, 3]],
      [3, [48, 33, 3]],
    ]);
    expect(summary.stats.nodes.fft.errors).toBe(2);
  });
});
