import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Hdf5SinkError } from '../../nodes/hdf5-sink/errors.ts';
import createHdf5Sink, { Hdf5SinkStage, type Hdf5SinkStats } from '../../nodes/hdf5-sink/stage.ts';
import { defaultGroupName, patchbayVersion } from '../../nodes/hdf5-sink/writer.ts';
import type { DType, Frame } from '../../runtime/wire/index.ts';
import {
  GRAPH_TEXT,
  LIBRARIES,
  h5dumpHeader,
  makeFrame,
  noH5dump,
  noH5py,
  readH5,
  sha256,
  sinkIO,
  tempDir,
  withHdf5Library,
} from './harness.ts';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Opens a sink, feeds it the frames, ends and closes it. */
async function record(
  params: Record<string, string | number>,
  frames: Frame[],
  startedAt?: Date,
): Promise<{ stage: Hdf5SinkStage; io: ReturnType<typeof sinkIO> }> {
  const io = sinkIO(params, startedAt);
  const stage = (await createHdf5Sink(io)) as Hdf5SinkStage;
  try {
    await stage.open();
    for (const f of frames) await stage.receive('in', f);
    await stage.end();
  } finally {
    await stage.close();
  }
  return { stage, io };
}

const ALL_DTYPES: DType[] = ['uint8', 'uint16', 'int16', 'int32', 'float32', 'float64', 'complex64', 'complex128'];

describe.skipIf(noH5py)('HDF5Sink files read back by h5py', () => {
  const cases: { dtype: DType; compression: 'none' | 'gzip'; chunkFrames: number }[] = [
    ...ALL_DTYPES.map((dtype) => ({ dtype, compression: 'none' as const, chunkFrames: 1 })),
    { dtype: 'uint16', compression: 'gzip', chunkFrames: 3 },
    { dtype: 'float32', compression: 'gzip', chunkFrames: 1 },
    { dtype: 'complex128', compression: 'gzip', chunkFrames: 4 },
  ];

  it.each(cases)(
    '$dtype, compression $compression, $chunkFrames frames per chunk',
    async ({ dtype, compression, chunkFrames }) => {
      const file = path.join(dir(), 'run.h5');
      const frames = Array.from({ length: 7 }, (_, i) =>
        makeFrame(dtype, [3, 5], i, {
          exposureUs: 5000,
          gain: i < 3 ? 1 : 2,
          label: 'cam 1',
          binned: false,
          roi: [0, 0, 5, 3],
        }),
      );
      const startedAt = new Date();
      const { stage, io } = await record(
        { file, compression, chunkFrames, group: 'run1', level: 6 },
        frames,
        startedAt,
      );
      expect(stage.framesStored).toBe(7);
      // libhdf5 where its addon is built (always under CI), h5wasm elsewhere.
      expect(stage.library).toBe(LIBRARIES.at(-1));
      expect(io.warnings).toEqual([]);
      const stats = io.stats as Hdf5SinkStats;
      expect(stats).toMatchObject({
        framesIn: 7,
        bytesIn: 7 * frames[0].data.byteLength,
        queueDepth: 0,
        framesStored: 7,
        framesFlushed: 7,
      });
      expect(stats.busyNs).toBeGreaterThan(0);

      const g = readH5(file).groups.run1;
      expect(g.datasets.frames).toEqual({
        shape: [7, 3, 5],
        maxshape: [null, 3, 5],
        dtype,
        chunks: [chunkFrames, 3, 5],
        compression: compression === 'gzip' ? 'gzip' : null,
        compression_opts: compression === 'gzip' ? 6 : null,
      });
      expect(g.datasets.seq).toMatchObject({ shape: [7], maxshape: [null], dtype: 'uint64' });
      expect(g.datasets.timestamps).toMatchObject({ shape: [7], maxshape: [null], dtype: 'int64' });
      expect(g.frameHashes).toEqual(frames.map((f) => sha256(f.data)));
      expect(g.seq).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(g.timestamps).toEqual(frames.map((f) => f.t.toString()));
      // `gain` changed at frame 3, so it is not a constant of the run.
      expect(g.attrs).toEqual({
        graph: GRAPH_TEXT,
        node: 'recorder',
        patchbay_version: patchbayVersion(),
        started: startedAt.toISOString(),
        exposureUs: 5000,
        label: 'cam 1',
        binned: 0,
        roi: [0, 0, 5, 3],
      });
      expect(g.attrTypes).toMatchObject({ exposureUs: 'int64', binned: 'int8', roi: 'int64', graph: 'str' });
    },
  );

  it('names the group after the run start like str(datetime.now()) when group is left out', async () => {
    const file = path.join(dir(), 'run.h5');
    const startedAt = new Date(2026, 10, 25, 9, 5, 7, 42);
    await record({ file }, [makeFrame('uint8', [2, 2], 0)], startedAt);
    expect(Object.keys(readH5(file).groups)).toEqual(['2026-11-25 09:05:07.042000']);
    expect(defaultGroupName(startedAt)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('expands {date} and {time} and creates missing parent directories', async () => {
    const root = dir();
    const startedAt = new Date(2026, 0, 2, 3, 4, 5);
    const { stage } = await record(
      { file: path.join(root, 'a', '{date}', 'cam-{time}.h5'), group: 'g' },
      [makeFrame('uint8', [2, 2], 0)],
      startedAt,
    );
    const want = path.join(root, 'a', '2026-01-02', 'cam-03-04-05.h5');
    expect(stage.file).toBe(want);
    expect(readH5(want).groups.g.seq).toEqual([0]);
  });

  it('ifExists append adds a group and keeps the first', async () => {
    const file = path.join(dir(), 'run.h5');
    const a = [0, 1, 2].map((i) => makeFrame('uint16', [4, 4], i));
    const b = [0, 1].map((i) => makeFrame('uint16', [2, 8], i + 10));
    await record({ file, group: 'first' }, a);
    await record({ file, group: 'second', ifExists: 'append' }, b);
    const groups = readH5(file).groups;
    expect(Object.keys(groups).sort()).toEqual(['first', 'second']);
    expect(groups.first.frameHashes).toEqual(a.map((f) => sha256(f.data)));
    expect(groups.second.frameHashes).toEqual(b.map((f) => sha256(f.data)));
    expect(groups.second.datasets.frames.shape).toEqual([2, 2, 8]);
  });

  it('ifExists append refuses a group that is already there, leaving the file as it was', async () => {
    const file = path.join(dir(), 'run.h5');
    await record({ file, group: 'g' }, [makeFrame('uint8', [2, 2], 0)]);
    const before = sha256(readFileSync(file));
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', ifExists: 'append' }));
    await expect(stage.open()).rejects.toMatchObject({ code: 'GROUP_EXISTS', file, param: 'group', received: 'g' });
    await stage.close();
    expect(sha256(readFileSync(file))).toBe(before);
  });

  it('ifExists error (the default) refuses an existing file and does not touch it', async () => {
    const file = path.join(dir(), 'run.h5');
    await record({ file, group: 'g' }, [makeFrame('uint8', [2, 2], 0)]);
    const before = sha256(readFileSync(file));
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'h' }));
    const err = await stage.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    await stage.close();
    expect(err).toBeInstanceOf(Hdf5SinkError);
    expect(err).toMatchObject({ code: 'FILE_EXISTS', file, param: 'ifExists' });
    expect(sha256(readFileSync(file))).toBe(before);
    expect(Object.keys(readH5(file).groups)).toEqual(['g']);
  });

  it('a second sink on a file another sink is writing is refused with FILE_IN_USE, even with append', async () => {
    const file = path.join(dir(), 'run.h5');
    const first = new Hdf5SinkStage(sinkIO({ file, group: 'a' }));
    await first.open();
    const second = new Hdf5SinkStage(
      sinkIO({ file: path.relative(process.cwd(), file), group: 'b', ifExists: 'append' }),
    );
    await expect(second.open()).rejects.toMatchObject({ code: 'FILE_IN_USE', file, param: 'file' });
    await second.close();
    await first.receive('in', makeFrame('uint8', [2, 2], 0));
    await first.end();
    await first.close();
    // Free again once the first has closed it.
    await record({ file, group: 'c', ifExists: 'append' }, [makeFrame('uint8', [2, 2], 1)]);
    expect(Object.keys(readH5(file).groups).sort()).toEqual(['a', 'c']);
  });

  it('ifExists overwrite replaces the file', async () => {
    const file = path.join(dir(), 'run.h5');
    await record({ file, group: 'old' }, [makeFrame('uint8', [2, 2], 0)]);
    await record({ file, group: 'new', ifExists: 'overwrite' }, [makeFrame('uint8', [2, 2], 5)]);
    const groups = readH5(file).groups;
    expect(Object.keys(groups)).toEqual(['new']);
    expect(groups.new.seq).toEqual([5]);
  });

  it('refuses frames whose shape or dtype differ from the first, counts them and goes on', async () => {
    const file = path.join(dir(), 'run.h5');
    const good = [0, 1, 2].map((i) => makeFrame('uint16', [4, 4], i));
    const empty = makeFrame('uint16', [0, 4], 99);
    const frames = [
      empty,
      good[0],
      makeFrame('uint16', [4, 5], 100),
      good[1],
      makeFrame('float32', [4, 4], 101),
      good[2],
    ];
    const { stage, io } = await record({ file, group: 'g' }, frames);
    expect(
      io.warnings.map((w) => [
        (w as Hdf5SinkError).code,
        (w as Hdf5SinkError).param,
        (w as Hdf5SinkError).expected,
        (w as Hdf5SinkError).received,
      ]),
    ).toEqual([
      ['FRAME_MISMATCH', 'shape', 'a frame with at least one element', '[0,4]'],
      ['FRAME_MISMATCH', 'shape', '[4,4]', '[4,5]'],
      ['FRAME_MISMATCH', 'dtype', 'uint16', 'float32'],
    ]);
    expect(stage.framesStored).toBe(3);
    const g = readH5(file).groups.g;
    expect(g.seq).toEqual([0, 1, 2]);
    expect(g.frameHashes).toEqual(good.map((f) => sha256(f.data)));
  });

  it('stops recording at maxFrames', async () => {
    const file = path.join(dir(), 'run.h5');
    const { stage, io } = await record(
      { file, group: 'g', maxFrames: 4 },
      [0, 1, 2, 3, 4, 5].map((i) => makeFrame('uint8', [2, 2], i)),
    );
    expect(stage.framesStored).toBe(4);
    expect((io.stats as Hdf5SinkStats).framesIgnored).toBe(2);
    expect(readH5(file).groups.g.seq).toEqual([0, 1, 2, 3]);
  });

  it('waits (backpressure) rather than drops when frames come faster than the disk takes them', async () => {
    const file = path.join(dir(), 'run.h5');
    const io = sinkIO({ file, group: 'g' });
    const stage = new Hdf5SinkStage(io);
    await stage.open();
    // 4 MiB frames: the slab holds 16 of them, so 120 frames must wait for the writer.
    const frames = [0, 1, 2].map((i) => makeFrame('uint16', [1024, 2048], i));
    let deepest = 0;
    for (let i = 0; i < 120; i++) {
      await stage.receive('in', { ...frames[i % 3], seq: i });
      deepest = Math.max(deepest, io.stats.queueDepth);
    }
    await stage.end();
    await stage.close();
    expect(deepest).toBeLessThanOrEqual(16);
    expect(deepest).toBeGreaterThan(1);
    expect(stage.framesStored).toBe(120);
    const g = readH5(file).groups.g;
    expect(g.seq).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(g.frameHashes).toEqual(Array.from({ length: 120 }, (_, i) => sha256(frames[i % 3].data)));
  });

  it('two recorders in one process write at once, each file whole (one HDF5 library, two writers)', async () => {
    const files = [path.join(dir(), 'a.h5'), path.join(dir(), 'b.h5')];
    const stages = files.map((file) => new Hdf5SinkStage(sinkIO({ file, group: 'g' })));
    await Promise.all(stages.map((s) => s.open()));
    const frames = Array.from({ length: 40 }, (_, i) => makeFrame('uint16', [256, 512], i));
    await Promise.all(
      stages.map(async (s) => {
        for (const f of frames) await s.receive('in', f);
        await s.end();
        await s.close();
      }),
    );
    for (const file of files) expect(readH5(file).groups.g.frameHashes).toEqual(frames.map((f) => sha256(f.data)));
  });

  it.each(LIBRARIES)(
    'with %s, the recorder starts a worker thread only where HDF5’s calls would hold up the pipeline (h5wasm)',
    async (library) => {
      const threads: unknown[] = [];
      const started = (w: unknown) => threads.push(w);
      process.on('worker', started);
      try {
        await withHdf5Library(library, async () => {
          const frames = Array.from({ length: 12 }, (_, i) => makeFrame('uint16', [64, 128], i));
          const file = path.join(dir(), 'run.h5');
          const { stage } = await record({ file, group: 'g' }, frames);
          expect(stage.library).toBe(library);
          expect(readH5(file).groups.g.frameHashes).toEqual(frames.map((f) => sha256(f.data)));
        });
      } finally {
        process.off('worker', started);
      }
      // libhdf5 writes on a thread of libuv's pool: a worker thread's heap (about 10 MB) saved.
      expect(threads.length).toBe(library === 'h5wasm' ? 1 : 0);
    },
  );

  it('a writer that keeps up uses a couple of its slab’s slots, not all of them (the rest never becomes memory)', async () => {
    const file = path.join(dir(), 'run.h5');
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', flushEvery: 0.02 }));
    await stage.open();
    // 256 KiB frames: the slab has 256 slots. Each frame is in the file before the next comes.
    for (let i = 0; i < 16; i++) {
      const flushed = new Promise<void>((resolve) => {
        const on = (n: number) => {
          if (n < i + 1) return;
          stage.off('flush', on);
          resolve();
        };
        stage.on('flush', on);
      });
      await stage.receive('in', makeFrame('uint16', [256, 512], i));
      await flushed;
    }
    await stage.end();
    await stage.close();
    expect(stage.framesStored).toBe(16);
    // A ring of slots took a new one for every frame: 16 here, 64 MiB in a long run.
    expect(stage.slotsTouched).toBeLessThanOrEqual(2);
    expect(readH5(file).groups.g.seq).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('with the writer the bottleneck (gzip 9 on noise), every frame taken is flushed within about 1.25 × flushEvery', async () => {
    const file = path.join(dir(), 'run.h5');
    const flushEvery = 0.4;
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', compression: 'gzip', level: 9, flushEvery }));
    await stage.open();
    const flushes: { at: number; frames: number }[] = [];
    stage.on('flush', (frames: number) => flushes.push({ at: performance.now(), frames }));
    const noise = Array.from({ length: 8 }, (_, i) => ({
      ...makeFrame('uint16', [256, 256], i),
      data: new Uint8Array(randomBytes(256 * 256 * 2)),
    }));
    const taken: number[] = [];
    const until = performance.now() + 3000;
    for (let i = 0; performance.now() < until; i++) {
      taken.push(performance.now());
      await stage.receive('in', { ...noise[i % 8], seq: i });
    }
    await stage.end();
    await stage.close();
    // A frame's lag: from receive() taking it to the first flush that holds it.
    let worst = 0;
    for (let i = 0; i < taken.length; i++) {
      const flushed = flushes.find((f) => f.frames > i);
      if (flushed) worst = Math.max(worst, flushed.at - taken[i]);
    }
    expect(flushes.at(-1)!.frames).toBeGreaterThan(20);
    // 1.25 × flushEvery by design; the rest is room for a busy machine. The 64 MiB slab of before: seconds.
    expect(worst).toBeLessThan(2 * flushEvery * 1000);
    expect(stage.framesStored).toBe(taken.length);
  });

  it('frames written are counted (and their slots freed) batch by batch while more keep coming, not at the next flush', async () => {
    const file = path.join(dir(), 'run.h5');
    // No flush during the run: what framesStored says before end() comes from the batches alone.
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', compression: 'gzip', level: 9, flushEvery: 60 }));
    await stage.open();
    const noise = Array.from({ length: 8 }, (_, i) => ({
      ...makeFrame('uint16', [256, 256], i),
      data: new Uint8Array(randomBytes(256 * 256 * 2)),
    }));
    // A frame every 2 ms for 0.6 s, faster than gzip 9 writes them: the writer has more waiting
    // after every batch, and the stage may queue hundreds (a quarter of flushEvery at its pace).
    let n = 0;
    for (const until = performance.now() + 600; performance.now() < until; n++) {
      await stage.receive('in', { ...noise[n % 8], seq: n });
      await delay(2);
    }
    const during = stage.framesStored;
    await stage.end();
    await stage.close();
    expect(stage.framesStored).toBe(n);
    // Counted only when the queue ran empty, they stayed at the first frame's 1 until the end.
    expect(during).toBeGreaterThan(10);
  });

  it('a run without frames leaves a readable group with empty seq and timestamps', async () => {
    const file = path.join(dir(), 'run.h5');
    await record({ file, group: 'g' }, []);
    const g = readH5(file).groups.g;
    expect(g.datasets.seq.shape).toEqual([0]);
    expect(g.datasets.frames).toBeUndefined();
    expect(g.attrs.node).toBe('recorder');
  });

  it('close() without end() (another node failed) still writes what was received and closes the file', async () => {
    const file = path.join(dir(), 'run.h5');
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', compression: 'gzip', chunkFrames: 4 }));
    await stage.open();
    const frames = [0, 1, 2, 3, 4, 5].map((i) => makeFrame('int16', [8, 8], i));
    for (const f of frames) await stage.receive('in', f);
    await stage.close();
    expect(stage.framesStored).toBe(6);
    const g = readH5(file).groups.g;
    expect(g.frameHashes).toEqual(frames.map((f) => sha256(f.data)));
  });

  it('the file is created by open(), before any frame', async () => {
    const file = path.join(dir(), 'sub', 'run.h5');
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g' }));
    await stage.open();
    expect(existsSync(file)).toBe(true);
    expect(readH5(file).groups.g.datasets.seq.shape).toEqual([0]);
    await stage.end();
    await stage.close();
  });
});

describe.skipIf(noH5dump)('HDF5Sink files read back by h5dump', () => {
  it('shows the layout of DESIGN.md: types, extendable dataspaces, chunks, deflate', async () => {
    const file = path.join(dir(), 'run.h5');
    await record(
      { file, group: 'g', compression: 'gzip', level: 2, chunkFrames: 2 },
      [0, 1, 2].map((i) => makeFrame('uint16', [4, 6], i)),
    );
    await record(
      { file, group: 'c', ifExists: 'append' },
      [0, 1].map((i) => makeFrame('complex64', [2, 3], i)),
    );
    const h = h5dumpHeader(file).replace(/\s+/g, ' ');
    expect(h).toContain('GROUP "g" {');
    expect(h).toContain(
      'DATASET "frames" { DATATYPE H5T_STD_U16LE DATASPACE SIMPLE { ( 3, 4, 6 ) / ( H5S_UNLIMITED, 4, 6 ) }',
    );
    expect(h).toMatch(/CHUNKED \( 2, 4, 6 \).*FILTERS \{ COMPRESSION DEFLATE \{ LEVEL 2 \} \}/);
    expect(h).toContain('DATASET "seq" { DATATYPE H5T_STD_U64LE DATASPACE SIMPLE { ( 3 ) / ( H5S_UNLIMITED ) }');
    expect(h).toContain('DATASET "timestamps" { DATATYPE H5T_STD_I64LE DATASPACE SIMPLE { ( 3 ) / ( H5S_UNLIMITED ) }');
    expect(h).toContain(
      'DATATYPE H5T_COMPOUND { H5T_IEEE_F32LE "r"; H5T_IEEE_F32LE "i"; } DATASPACE SIMPLE { ( 2, 2, 3 ) / ( H5S_UNLIMITED, 2, 3 ) }',
    );
    for (const a of ['graph', 'node', 'patchbay_version', 'started']) expect(h).toContain(`ATTRIBUTE "${a}"`);
  });
});
