/**
 * Frame lifetimes (runtime/exec/loans.ts, docs/frame-lifetimes.md): a producer lends a frame's
 * buffer and gets it back once every consumer is done with it; ports that feed a consumer who
 * may keep frames do not lend, and a lent frame sent there anyway is copied.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Plan, PlanSocket } from '../../runtime/compile/plan.ts';
import type { StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { captures, makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';
import { noH5py, noLibhdf5, readH5, sha256, tempDir } from '../hdf5/harness.ts';
import createHdf5Sink, { type Hdf5SinkStage } from '../../nodes/hdf5-sink/stage.ts';
import { fft2 } from '../../nodes/fft/fft2.ts';
import { nativeFft2Available } from '../../nodes/fft/native-fft2.ts';
import type { Frame } from '../../runtime/wire/index.ts';

/** What a lending source saw: how many buffers it ever made, and frames given back. */
interface Lender {
  made: number;
  released: number;
  lends: number;
}

/**
 * A source that lends its buffers when the port lends (params frames, bytes), making a new one
 * only when none has come back, and overwriting each returned buffer with the next frame: a
 * buffer given back too early shows up as a consumer reading the wrong seq.
 */
function lendingSource(seen: Lender): StageFactory {
  return (io: StageIO) => ({
    async run() {
      const n = Number(io.node.params.frames);
      const bytes = Number(io.node.params.bytes ?? 64);
      // `side`: (side, side) frames an FFT takes, else `bytes` numbered ones.
      const side = io.node.params.side === undefined ? 0 : Number(io.node.params.side);
      seen.lends = io.lends?.('out') ?? 0;
      const free: Uint8Array[] = [];
      let i = 0;
      for (; i < n && !io.signal.aborted; i++) {
        const frame = side > 0 ? patternFrame(i, side) : numberedFrame(i, bytes);
        let data = free.pop();
        if (data) data.set(frame.data);
        else {
          data = frame.data;
          seen.made++;
        }
        const buf = data;
        await io.emit('out', { ...frame, data: buf }, undefined, () => {
          seen.released++;
          free.push(buf);
        });
        // Interleave with the consumers' timers, as a camera does.
        await new Promise((r) => setImmediate(r));
      }
      return i;
    },
  });
}

/** The seq a numbered frame's bytes say. */
const seqOf = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);

/**
 * A sink that checks each frame's bytes when it gets it and again when it is done with it
 * (params delayMs, keepUntilNext: hold each frame with io.keep until the next one arrives).
 * `lifetime` says it honours loans; without it, it is a consumer that may keep frames.
 */
function checkingSink(found: { seqs: number[]; wrong: string[] }, lifetime?: 'done-on-receive'): StageFactory {
  return (io) => {
    let kept: { seq: number; data: Uint8Array; release: () => void } | undefined;
    const check = (seq: number, data: Uint8Array, when: string) => {
      if (seqOf(data) !== seq) found.wrong.push(`${io.node.id}: frame ${seq} read ${seqOf(data)} ${when}`);
    };
    return {
      lifetime,
      async receive(_port, frame) {
        check(frame.seq, frame.data, 'on arrival');
        if (kept) {
          check(kept.seq, kept.data, 'while kept');
          kept.release();
          kept = undefined;
        }
        found.seqs.push(frame.seq);
        const delayMs = Number(io.node.params.delayMs ?? 0);
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        check(frame.seq, frame.data, 'at the end of receive()');
        if (io.node.params.keepUntilNext && io.keep)
          kept = { seq: frame.seq, data: frame.data, release: io.keep(frame) };
      },
      async end() {
        kept?.release();
      },
    };
  };
}

/**
 * The sockets of a link from `from` into a Pull node `pull` bound at `ep`: a link PUSH over
 * inproc, so frames go by reference (high-water marks 2).
 */
function intoPull(from: string, ep: string): PlanSocket[] {
  const alias = 'inproc://in-graph/pull';
  return [
    sock('pull', 'PULL', 'bind', ep, { inproc: alias, hwm: 2 }),
    sock(from, 'PUSH', 'connect', ep, {
      link: `${from}.out -> pull.in`,
      inproc: alias,
      hwm: 2,
      route: { role: 'link' },
    }),
  ];
}

const found = () => ({ seqs: [] as number[], wrong: [] as string[] });
const range = (n: number) => [...Array(n).keys()];

/** A (side, side) uint8 frame whose pixels depend on its seq. */
function patternFrame(seq: number, side: number): Frame {
  const data = new Uint8Array(side * side);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seq * 13 + ((i * seq) >> 5)) & 0xff;
  return { kind: 'frame', seq, t: 0n, dtype: 'uint8', shape: [side, side], data };
}

/**
 * Runs `plan` (a `Lender` node src of `n` frames, a `Checker` node that gives frames back)
 * and checks what every such run must show: each frame read intact, in order, and given back.
 */
async function lendToChecker(plan: Plan, n: number): Promise<Lender> {
  const lender: Lender = { made: 0, released: 0, lends: 0 };
  const sink = found();
  const summary = await runPlan(plan, {
    stages: { Lender: lendingSource(lender), Checker: checkingSink(sink, 'done-on-receive') },
  }).done;
  expect(summary.failures).toEqual([]);
  expect(sink.wrong).toEqual([]);
  expect(sink.seqs).toEqual(range(n));
  expect(lender.released).toBe(n);
  return lender;
}

describe('frame lifetimes', () => {
  test('a buffer lent to a slow consumer comes back only when it is done, and is reused', async () => {
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 60 } },
        { id: 'sink', type: 'Checker', params: { delayMs: 2 } },
      ],
      ['src.out -> sink.in'],
    );
    const lender = await lendToChecker(plan, 60);
    // The inbox (4), the frame in receive() and the one waiting for room: what may be out at once.
    expect(lender.lends).toBe(6);
    // Without loans every frame is a fresh buffer; with them, no more than may be out at once (and the one being filled).
    expect(lender.made).toBeLessThanOrEqual(7);
  });

  test('a shallow Copy forwards the loan: the buffer comes back once both branches are done', async () => {
    const lender: Lender = { made: 0, released: 0, lends: 0 };
    const fast = found();
    const slow = found();
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 40 } },
        { id: 'copy', type: 'Copy', params: { mode: 'shallow' } },
        { id: 'fast', type: 'Fast' },
        { id: 'slow', type: 'Slow', params: { delayMs: 3 } },
      ],
      ['src.out -> copy.in', 'copy.out -> fast.in', 'copy.out -> slow.in'],
    );
    const summary = await runPlan(plan, {
      stages: {
        Lender: lendingSource(lender),
        Fast: checkingSink(fast, 'done-on-receive'),
        Slow: checkingSink(slow, 'done-on-receive'),
      },
    }).done;
    expect(summary.exitCode).toBe(0);
    expect([...fast.wrong, ...slow.wrong]).toEqual([]);
    expect(fast.seqs).toEqual(range(40));
    expect(slow.seqs).toEqual(range(40));
    expect(lender.lends).toBeGreaterThan(0);
    expect(lender.released).toBe(40);
    expect(lender.made).toBeLessThan(40);
  });

  test('a link into a Pull node by reference lends too: the Pull forwards, its consumer gives back', async () => {
    const ep = await uniqAddress('tcp');
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 60 } },
        { id: 'pull', type: 'Pull', params: { endpoint: ep } },
        { id: 'sink', type: 'Checker', params: { delayMs: 2 } },
      ],
      ['src.out -> pull.in', 'pull.out -> sink.in'],
      intoPull('src', ep),
    );
    const lender = await lendToChecker(plan, 60);
    // Both ends' queues (2 + 2) and the receive loop's hand, the Pull's inbox and receive() (5),
    // the checker's (5), the frame waiting to be sent.
    expect(lender.lends).toBe(16);
    expect(lender.made).toBeLessThan(60);
  });

  test('lends() asked in open() is not yet known for a socket opened after the stages; asked per frame, it is', async () => {
    const asked: { open?: number; receive?: number } = {};
    const relay: StageFactory = (io) => ({
      async open() {
        asked.open = io.lends?.('out');
      },
      async receive(_port, frame) {
        asked.receive = io.lends?.('out');
        await io.emit('out', frame);
      },
    });
    const ep = await uniqAddress('tcp');
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 3 } },
        { id: 'relay', type: 'Relay' },
        { id: 'pull', type: 'Pull', params: { endpoint: ep } },
        { id: 'sink', type: 'Checker' },
      ],
      ['src.out -> relay.in', 'relay.out -> pull.in', 'pull.out -> sink.in'],
      intoPull('relay', ep),
    );
    const summary = await runPlan(plan, { stages: { Relay: relay, Checker: checkingSink(found(), 'done-on-receive') } })
      .done;
    expect(summary.failures).toEqual([]);
    expect(asked.open).toBe(0);
    expect(asked.receive).toBe(16);
  });

  test('a port feeding a consumer that may keep frames does not lend; a lent frame sent there is copied', async () => {
    const lender: Lender = { made: 0, released: 0, lends: -1 };
    const keeper = found();
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 30 } },
        { id: 'keeper', type: 'Keeper', params: { delayMs: 1, keepUntilNext: true } },
      ],
      ['src.out -> keeper.in'],
    );
    const summary = await runPlan(plan, {
      stages: { Lender: lendingSource(lender), Keeper: checkingSink(keeper) },
    }).done;
    expect(summary.exitCode).toBe(0);
    expect(lender.lends).toBe(0);
    // Given back at once, the buffers are overwritten while the keeper still reads its copies.
    expect(lender.made).toBe(1);
    expect(keeper.wrong).toEqual([]);
    expect(keeper.seqs).toEqual(range(30));
    expect(summary.stats.nodes.src.bytesCopied).toBe(30 * 64);
  });

  test('io.keep holds a buffer past receive() until its release is called', async () => {
    const lender: Lender = { made: 0, released: 0, lends: 0 };
    const keeper = found();
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 30 } },
        { id: 'keeper', type: 'Keeper', params: { keepUntilNext: true } },
      ],
      ['src.out -> keeper.in'],
    );
    const summary = await runPlan(plan, {
      stages: { Lender: lendingSource(lender), Keeper: checkingSink(keeper, 'done-on-receive') },
    }).done;
    expect(summary.exitCode).toBe(0);
    expect(keeper.wrong).toEqual([]);
    expect(keeper.seqs).toEqual(range(30));
    expect(lender.released).toBe(30);
  });

  test('frames a failed consumer still takes go back too: the source is not starved', async () => {
    const lender: Lender = { made: 0, released: 0, lends: 0 };
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: 50 } },
        { id: 'breaks', type: 'Breaks' },
      ],
      ['src.out -> breaks.in'],
    );
    const breaks: StageFactory = () => ({
      lifetime: 'done-on-receive',
      async receive(_port, frame) {
        if (frame.seq === 5) throw Object.assign(new Error('cannot take frame 5'), { code: 'TEST_BROKEN' });
      },
    });
    const summary = await runPlan(plan, { stages: { Lender: lendingSource(lender), Breaks: breaks } }).done;
    expect(summary.failures).toContainEqual(expect.objectContaining({ node: 'breaks', code: 'TEST_BROKEN' }));
    // Every frame the source emitted came back (the stop may end it before its 50).
    expect(lender.released).toBe(summary.stats.nodes.src.framesOut);
    expect(lender.made).toBeLessThanOrEqual(7);
  });
});

describe.skipIf(noH5py)('the Camera lends its pool to consumers that give frames back', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const camera = { width: 64, height: 48, pixelFormat: 'Mono16', fps: 0, frames: 40, seed: 3, buffers: 2 };

  test('Camera -> HDF5Sink and a slow checker: frames come from a few pool slots, every one stored intact', async () => {
    const file = path.join(dir, 'pool.h5');
    const hashes: string[] = [];
    const buffers = new Set<Uint8Array>();
    const checker: StageFactory = () => ({
      lifetime: 'done-on-receive',
      async receive(_port, frame) {
        buffers.add(frame.data);
        await new Promise((r) => setTimeout(r, 1));
        hashes.push(sha256(frame.data));
      },
    });
    const plan = makePlan(
      [
        { id: 'camera', type: 'Camera', params: camera },
        { id: 'copy', type: 'Copy', params: { mode: 'shallow' } },
        { id: 'recorder', type: 'HDF5Sink', params: { file } },
        { id: 'checker', type: 'Checker' },
      ],
      ['camera.out -> copy.in', 'copy.out -> recorder.in', 'copy.out -> checker.in'],
    );
    const summary = await runPlan(plan, { stages: { Checker: checker } }).done;
    expect(summary.failures).toEqual([]);
    expect(summary.stats.nodes.camera.dropped).toBe(0);

    // The same camera into a consumer that keeps what it gets: fresh buffers, the reference frames.
    const cap = captures();
    const owned = makePlan(
      [
        { id: 'camera', type: 'Camera', params: camera },
        { id: 'sink', type: 'Capture' },
      ],
      ['camera.out -> sink.in'],
    );
    expect((await runPlan(owned, { capture: cap }).done).exitCode).toBe(0);
    const reference = cap.of('sink').frames;
    expect(new Set(reference.map((f) => f.data)).size).toBe(40);
    const want = reference.map((f) => sha256(f.data));
    expect(new Set(want).size).toBe(40);

    expect(hashes).toEqual(want);
    const g = Object.values(readH5(file).groups)[0];
    expect(g.frameHashes).toEqual(want);
    // buffers 2, plus what Copy and its two consumers may hold; the other frames reused them.
    expect(buffers.size).toBeLessThan(40);
    expect(buffers.size).toBeLessThanOrEqual(2 + 16);
  });
});

describe.skipIf(noH5py || noLibhdf5)('HDF5Sink with libhdf5 writes lent frames from where they lie', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const n = 60;
  const bytes = 4096;

  /** A lending source of n frames into a recorder; `copy`: through the slab (PATCHBAY_HDF5_COPY=1). */
  async function record(copy: boolean) {
    const file = path.join(dir, copy ? 'copied.h5' : 'kept.h5');
    const lender: Lender = { made: 0, released: 0, lends: 0 };
    let sink: Hdf5SinkStage | undefined;
    const plan = makePlan(
      [
        { id: 'src', type: 'Lender', params: { frames: n, bytes } },
        { id: 'recorder', type: 'HDF5Sink', params: { file } },
      ],
      ['src.out -> recorder.in'],
    );
    const before = process.env.PATCHBAY_HDF5_COPY;
    process.env.PATCHBAY_HDF5_COPY = copy ? '1' : '0';
    try {
      const summary = await runPlan(plan, {
        stages: { Lender: lendingSource(lender), HDF5Sink: (io) => (sink = createHdf5Sink(io) as Hdf5SinkStage) },
      }).done;
      expect(summary.failures).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.PATCHBAY_HDF5_COPY;
      else process.env.PATCHBAY_HDF5_COPY = before;
    }
    // Each buffer went back to the source, which wrote the next frame into it at once: a
    // frame given back before it was written would be in the file with another frame's bytes.
    expect(lender.released).toBe(n);
    expect(Object.values(readH5(file).groups)[0].frameHashes).toEqual(
      range(n).map((i) => sha256(numberedFrame(i, bytes).data)),
    );
    return { lender, sink: sink! };
  }

  test('kept until written, given back after: every frame in the file intact, none through the slab; the keeps counted in lends()', async () => {
    const kept = await record(false);
    const copied = await record(true);
    expect(kept.sink.library).toBe('libhdf5');
    // With every keep in use, a frame waits for a writer that keeps up, or goes to the slab.
    expect(kept.sink.framesKept).toBeGreaterThan(0);
    expect(kept.sink.framesKept + kept.sink.slotsTouched).toBeLessThanOrEqual(n);
    expect(copied.sink.framesKept).toBe(0);
    expect(copied.sink.slotsTouched).toBeGreaterThan(0);
    // The source's pool is sized by lends(): the recorder's 8 kept frames are in it.
    expect(kept.lender.lends - copied.lender.lends).toBe(8);
    expect(kept.lender.made).toBeLessThanOrEqual(kept.lender.lends);
  });
});

describe.skipIf(!nativeFft2Available())('the FFT stage reads frames where they lie (native transform)', () => {
  test.each([1, 2])(
    'a lending source into FFT (%i threads): each frame kept until transformed, none copied; the keeps counted in lends()',
    async (threads) => {
      const n = 40;
      const side = 64;
      const opts = { output: 'half', shift: false, precision: 'exact' } as const;
      async function run(copy: boolean) {
        const lender: Lender = { made: 0, released: 0, lends: 0 };
        const cap = captures();
        const plan = makePlan(
          [
            { id: 'src', type: 'Lender', params: { frames: n, side } },
            { id: 'fft', type: 'FFT', params: { threads, ...opts } },
            { id: 'sink', type: 'Capture' },
          ],
          ['src.out -> fft.in', 'fft.out -> sink.in'],
        );
        const before = process.env.PATCHBAY_FFT_COPY;
        process.env.PATCHBAY_FFT_COPY = copy ? '1' : '0';
        try {
          const summary = await runPlan(plan, { stages: { Lender: lendingSource(lender) }, capture: cap }).done;
          expect(summary.failures).toEqual([]);
          expect(lender.released).toBe(n);
          // The source overwrote each buffer as soon as it came back: a frame given back before
          // its worker read it would give another frame's spectrum.
          expect(cap.of('sink').frames.map((f) => sha256(f.data))).toEqual(
            range(n).map((i) => sha256(fft2(patternFrame(i, side).data, side, side, opts).data)),
          );
          return { lender, copied: summary.stats.nodes.fft.bytesCopied };
        } finally {
          if (before === undefined) delete process.env.PATCHBAY_FFT_COPY;
          else process.env.PATCHBAY_FFT_COPY = before;
        }
      }
      const inPlace = await run(false);
      const copied = await run(true);
      expect(inPlace.copied).toBe(0);
      expect(copied.copied).toBe(n * side * side);
      // In flight: 2 frames per worker, kept for it; the source's pool counts them.
      expect(inPlace.lender.lends - copied.lender.lends).toBe(2 * threads);
    },
  );
});

describe('the FFT stage reuses the spectra its consumers give back', () => {
  const camera = { width: 96, height: 64, pixelFormat: 'Mono16', fps: 0, frames: 40, seed: 5 };

  test.each([1, 2])(
    'Camera -> FFT (%i threads) -> a slow checker: each spectrum intact until the checker is done, the same as fresh ones',
    async (threads) => {
      const hashes: string[] = [];
      const checker: StageFactory = () => ({
        lifetime: 'done-on-receive',
        async receive(_port, frame) {
          const before = sha256(frame.data);
          await new Promise((r) => setTimeout(r, 1));
          // Given back too early, a spectrum would be overwritten by a later transform meanwhile.
          expect(sha256(frame.data)).toBe(before);
          hashes.push(before);
        },
      });
      const fft = { threads, output: 'complex', precision: 'exact' };
      const plan = makePlan(
        [
          { id: 'camera', type: 'Camera', params: camera },
          { id: 'fft', type: 'FFT', params: fft },
          { id: 'checker', type: 'Checker' },
        ],
        ['camera.out -> fft.in', 'fft.out -> checker.in'],
      );
      const summary = await runPlan(plan, { stages: { Checker: checker } }).done;
      expect(summary.failures).toEqual([]);

      const cap = captures();
      const kept = makePlan(
        [
          { id: 'camera', type: 'Camera', params: camera },
          { id: 'fft', type: 'FFT', params: fft },
          { id: 'sink', type: 'Capture' },
        ],
        ['camera.out -> fft.in', 'fft.out -> sink.in'],
      );
      expect((await runPlan(kept, { capture: cap }).done).exitCode).toBe(0);
      const want = cap.of('sink').frames.map((f) => sha256(f.data));

      // That they are reused (no full collection, a few alive) is fft-memory.test.ts's to show.
      expect(hashes).toEqual(want);
    },
  );
});
