/**
 * The FFT stage with a real Piscina pool: frames in, spectra out in order, equal to
 * numpy's, through a StageIO built by hand (our own interface: the executor's side of
 * the contract in runtime/exec/stage.ts).
 */
import { describe, expect, it, afterEach, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { emptyStats, type Stage, type StageIO } from '../../runtime/exec/stage.ts';
import { decode, encode, typedView, type DType, type Frame, type Message } from '../../runtime/wire/index.ts';
import { Pull, Push } from 'zeromq';
import createFftStage from '../../nodes/fft/stage.ts';
import { fft } from '../../nodes/fft/index.ts';
import { FftError } from '../../nodes/fft/fft2.ts';
import { wasmSupports } from '../../nodes/fft/wasm-fft2.ts';
import { nativeSupports } from '../../nodes/fft/native-fft2.ts';

const skip = missing('python3 with numpy', () => pythonHas('numpy'));

const NUMPY = `
import sys, json, numpy as np
req = json.loads(sys.argv[1])
for i, f in enumerate(req["frames"]):
    x = np.fromfile(f["input"], dtype=f["dtype"]).reshape(f["shape"])
    if req["output"] == "half":
        X = np.fft.rfft2(x)
        if req["shift"]: X = np.fft.fftshift(X, axes=0)
    else:
        X = np.fft.fft2(x)
        if req["shift"]: X = np.fft.fftshift(X)
    if req["output"] == "magnitude": X = np.abs(X)
    elif req["output"] == "log-magnitude": X = np.log1p(np.abs(X))
    elif req["output"] == "power": X = np.abs(X) ** 2
    X.astype(np.complex128 if req["output"] in ("complex", "half") else np.float64).tofile(f["input"] + ".out")
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fft-stage-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  io: StageIO;
  out: Frame[];
  warnings: Error[];
  stage: Stage;
}

const stages: Stage[] = [];
afterEach(async () => {
  for (const s of stages.splice(0)) await s.close?.();
});

/** A tiny executor for one node: params with the declaration's defaults, a capture sink. */
async function harness(params: Record<string, unknown>, slowSink = false): Promise<Harness> {
  const defaults = Object.fromEntries(Object.entries(fft.params).map(([k, d]) => [k, d.default]));
  const out: Frame[] = [];
  const warnings: Error[] = [];
  const stats = emptyStats();
  const io: StageIO = {
    node: { id: 'fft', type: 'FFT', params: { ...defaults, ...params } as never },
    graphText: '',
    startedAt: new Date(),
    stats,
    async emit(port: string, msg: Message) {
      expect(port).toBe('out');
      if (msg.kind === 'frame') out.push(msg);
      // A sink that yields to the event loop before taking the next frame: backpressure is exercised.
      if (slowSink) await new Promise<void>((r) => setImmediate(r));
    },
    warn(e: Error) {
      stats.errors++;
      warnings.push(e);
    },
    signal: new AbortController().signal,
  };
  const stage = await createFftStage(io);
  stages.push(stage);
  await stage.open?.();
  return { io, out, warnings, stage };
}

function frame(seq: number, dtype: DType, h: number, w: number): Frame {
  const n = h * w;
  const ctor = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array, float64: Float64Array }[
    dtype as 'uint8'
  ];
  const x = new ctor(n);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / w),
      c = i % w;
    const v =
      0.5 +
      0.3 * Math.sin((2 * Math.PI * (seq + 2) * c) / w) * Math.cos((2 * Math.PI * 3 * r) / h) +
      0.1 * Math.sin(i * 0.7 + seq);
    x[i] = dtype === 'uint8' ? Math.round(v * 255) : dtype === 'uint16' ? Math.round(v * 4000) : v;
  }
  return {
    kind: 'frame',
    seq,
    t: 1_732_380_000_123_456_789n + BigInt(seq),
    dtype,
    shape: [h, w],
    meta: { exposureUs: 100 + seq },
    data: new Uint8Array(x.buffer),
  };
}

/** numpy's answer for each frame, in the stage's output mode. */
function numpyAnswers(frames: Frame[], output: string, shift: boolean): Float64Array[] {
  const list = frames.map((f, i) => {
    const input = join(dir, `${output}-${shift}-${i}.raw`);
    writeFileSync(input, f.data);
    return { input, dtype: f.dtype, shape: f.shape };
  });
  const r = spawnSync(PYTHON, ['-c', NUMPY, JSON.stringify({ frames: list, output, shift })], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return list.map((f) => {
    const b = readFileSync(`${f.input}.out`);
    return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  });
}

function relError(ours: ArrayLike<number>, ref: Float64Array): number {
  expect(ours.length).toBe(ref.length);
  let err = 0,
    top = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    if (!(d <= err)) err = d;
    top = Math.max(top, Math.abs(ref[i]));
  }
  return err / top;
}

describe.skipIf(skip)('FFT stage with a Piscina pool', () => {
  it('2 workers: spectra equal numpy, in input order, with seq, t and meta, through a size change', async () => {
    const { stage, out, io, warnings } = await harness(
      { threads: 2, output: 'complex', shift: true, precision: 'exact' },
      true,
    );
    const frames: Frame[] = [];
    for (let i = 0; i < 8; i++) frames.push(frame(i, 'uint8', 480, 640));
    // The size changes mid-stream, and back.
    for (let i = 8; i < 11; i++) frames.push(frame(i, 'float64', 97, 131));
    frames.push(frame(11, 'uint16', 480, 640));
    for (const f of frames) await stage.receive!('in', f);
    await stage.end!();
    expect(warnings).toEqual([]);
    expect(out.map((f) => f.seq)).toEqual(frames.map((f) => f.seq));
    expect(out.map((f) => f.t)).toEqual(frames.map((f) => f.t));
    expect(out.map((f) => f.meta)).toEqual(frames.map((f) => f.meta));
    expect(out.map((f) => f.shape)).toEqual(frames.map((f) => f.shape));
    expect(new Set(out.map((f) => f.dtype))).toEqual(new Set(['complex128']));
    // Every output owns its buffer (never reused for a later frame), whole.
    expect(new Set(out.map((f) => f.data.buffer)).size).toBe(out.length);
    expect(out.every((f) => f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength)).toBe(true);
    const ref = numpyAnswers(frames, 'complex', true);
    out.forEach((f, i) => expect(relError(typedView(f), ref[i]), `frame ${i}`).toBeLessThan(1e-9));
    // The native transform, where the CPU has it, reads each frame where it lies; other frames
    // are copied into the slab, and the WebAssembly path also copies them into and the
    // spectrum out of its memory; spectra are never copied on the way out of the stage.
    const throughWasm = (h: number, w: number) => wasmSupports(h, w) && !nativeSupports(h, w);
    const copied = frames.reduce(
      (a, f, i) =>
        a +
        (nativeSupports(f.shape[0], f.shape[1]) ? 0 : f.data.byteLength) +
        (throughWasm(f.shape[0], f.shape[1]) ? f.data.byteLength + out[i].data.byteLength : 0),
      0,
    );
    expect(io.stats.bytesCopied).toBe(copied);
    expect(io.stats.busyNs).toBeGreaterThan(0);
    expect(io.stats.queueDepth).toBe(0);
  });

  it('frames whose values are not aligned in memory (a message payload at any offset): the same spectra as aligned ones', async () => {
    const { stage, out, warnings } = await harness({ threads: 2, output: 'half', precision: 'exact' });
    const aligned = [frame(0, 'uint16', 64, 64), frame(1, 'float64', 64, 64), frame(2, 'float32', 48, 60)];
    // The same bytes 1 byte into a buffer, as a socket's message may hand them over.
    const shifted = aligned.map((f, i) => {
      const buf = new Uint8Array(f.data.byteLength + 1);
      buf.set(f.data, 1);
      return { ...f, seq: 3 + i, data: buf.subarray(1) };
    });
    for (const f of [...aligned, ...shifted]) await stage.receive!('in', f);
    await stage.end!();
    expect(warnings).toEqual([]);
    expect(out.slice(3).map((f) => Buffer.from(f.data))).toEqual(out.slice(0, 3).map((f) => Buffer.from(f.data)));
  });

  it('1 worker, magnitude in fast precision: float32 within the documented bound, frames read where they lie', async () => {
    const { stage, out, io } = await harness({ threads: 1, output: 'magnitude', precision: 'fast' });
    const frames = [0, 1, 2].map((i) => frame(i, 'uint16', 64, 64));
    for (const f of frames) await stage.receive!('in', f);
    await stage.end!();
    expect(out.map((f) => [f.seq, f.dtype])).toEqual([
      [0, 'float32'],
      [1, 'float32'],
      [2, 'float32'],
    ]);
    const ref = numpyAnswers(frames, 'magnitude', false);
    out.forEach((f, i) => expect(relError(typedView(f), ref[i])).toBeLessThan(1e-5));
    // Natively, as the exact precision: no copy into the slab, nor through WebAssembly.
    const each = frames[0].data.byteLength;
    expect(io.stats.bytesCopied).toBe(nativeSupports(64, 64) ? 0 : 3 * (2 * each + out[0].data.byteLength));
  });

  it('warns about frames it cannot transform, counts them, and goes on', async () => {
    const { stage, out, warnings, io } = await harness({ threads: 1, output: 'half' });
    const bad: Frame[] = [
      { ...frame(1, 'uint8', 4, 4), dtype: 'complex64', data: new Uint8Array(4 * 4 * 8) },
      { ...frame(2, 'uint8', 4, 4), shape: [0, 4], data: new Uint8Array(0) },
      { ...frame(3, 'uint8', 4, 4), shape: [2, 2, 2, 2] },
      { ...frame(3, 'uint8', 4, 4), data: new Uint8Array(15) },
    ];
    await stage.receive!('in', frame(0, 'uint8', 4, 4));
    for (const f of bad) await stage.receive!('in', f);
    await stage.receive!('in', frame(4, 'uint8', 4, 4));
    await stage.end!();
    expect(out.map((f) => [f.seq, f.dtype, f.shape])).toEqual([
      [0, 'complex128', [4, 3]],
      [4, 'complex128', [4, 3]],
    ]);
    expect(warnings.map((e) => (e as FftError).code)).toEqual([
      'FFT_UNSUPPORTED_DTYPE',
      'FFT_EMPTY_FRAME',
      'FFT_BAD_SHAPE',
      'FFT_SIZE_MISMATCH',
    ]);
    expect(warnings.map((e) => (e as FftError).param)).toEqual(['dtype', 'shape', 'shape', 'data']);
    expect(io.stats.errors).toBe(4);
  });

  it('spectra (payloads over shared memory) cross a real ZeroMQ PUSH/PULL socket intact', async () => {
    const { stage, out } = await harness({ threads: 1, output: 'half', precision: 'fast' });
    await stage.receive!('in', frame(0, 'uint16', 48, 64));
    await stage.end!();
    const push = new Push({ linger: 1000 });
    const pull = new Pull();
    try {
      await pull.bind('tcp://127.0.0.1:*');
      push.connect(pull.lastEndpoint as string);
      await push.send(encode(out[0]));
      const { msg } = decode(await pull.receive());
      expect(msg.kind).toBe('frame');
      const got = msg as Frame;
      expect([got.seq, got.dtype, got.shape]).toEqual([0, 'complex64', [48, 33]]);
      expect(Buffer.from(got.data).equals(Buffer.from(out[0].data))).toBe(true);
    } finally {
      push.close();
      pull.close();
    }
  });
});
