/**
 * The recorder's libhdf5 addon called directly (native/src/hdf5-file.cc): what the writer
 * relies on at its edges. The writer itself is tested with it in test/hdf5/.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHdf5Addon, type RawStep } from '../../native/hdf5-addon.ts';
import { noLibhdf5, readH5, sha256, tempDir } from '../hdf5/harness.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(noLibhdf5)('patchbay_hdf5', () => {
  const h5 = () => loadHdf5Addon().addon!;

  it('a refused call throws with HDF5’s error stack, the operating system’s words in it', () => {
    let thrown: unknown;
    try {
      h5().open(path.join(dir, 'no-such-dir', 'x.h5'), 'x');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as { h5stack: string }).h5stack).toMatch(/#\d+: .* in H5Fcreate\(\): unable to create file/);
    expect((thrown as { h5stack: string }).h5stack).toContain("error message = 'No such file or directory'");
  });

  it('refuses sizes that are not whole numbers from 0, before HDF5 sees them', () => {
    const f = h5().open(path.join(dir, 'sizes.h5'), 'w');
    try {
      for (const bad of [-2, 1.5, NaN, 2 ** 60])
        expect(() => h5().createDataset(f, '/d', 'u1', [bad], [-1], [1], 0)).toThrow(/whole numbers/);
    } finally {
      h5().close(f);
    }
  });

  it('writes whole chunks from a SharedArrayBuffer as they lie, and a chunk that is not whole is refused', () => {
    const file = path.join(dir, 'chunks.h5');
    const f = h5().open(file, 'w');
    const slab = new Uint8Array(new SharedArrayBuffer(3 * 64));
    for (let i = 0; i < slab.length; i++) slab[i] = (i * 7) & 0xff;
    h5().createGroup(f, '/g');
    h5().createDataset(f, '/g/frames', 'u1', [0, 8, 8], [-1, 8, 8], [1, 8, 8], 0);
    h5().resize(f, '/g/frames', [2, 8, 8]);
    // Slots 2 and 0 of the slab, in that order.
    h5().writeChunk(f, '/g/frames', [0, 0, 0], slab.subarray(128, 192));
    h5().writeChunk(f, '/g/frames', [1, 0, 0], slab.subarray(0, 64));
    expect(() => h5().write(f, '/g/frames', [0, 0, 0], [1, 8, 8], slab.subarray(0, 63))).toThrow(/size and rank/);
    for (const name of ['seq', 'timestamps']) {
      h5().createDataset(f, `/g/${name}`, name === 'seq' ? 'u8' : 'i8', [2], [-1], [16], 0);
      h5().write(f, `/g/${name}`, [0], [2], new Uint8Array(new BigUint64Array([0n, 1n]).buffer));
    }
    h5().close(f);
    expect(readH5(file).groups.g.frameHashes).toEqual([sha256(slab.subarray(128, 192)), sha256(slab.subarray(0, 64))]);
  });

  it('writes a chunk from the address of memory this process holds (a frame kept for the writer thread)', () => {
    const file = path.join(dir, 'at.h5');
    const f = h5().open(file, 'w');
    const frames = [new Uint16Array(32).map((_, i) => i * 1000), new Uint16Array(32).map((_, i) => 65535 - i)];
    h5().createGroup(f, '/g');
    h5().createDataset(f, '/g/frames', 'u2', [2, 4, 8], [-1, 4, 8], [1, 4, 8], 0);
    frames.forEach((x, i) => h5().writeChunkAt(f, '/g/frames', [i, 0, 0], h5().address(x), x.byteLength));
    // An offset into its buffer is part of the address.
    const view = new Uint8Array(frames[1].buffer, 2, 8);
    expect(h5().address(view) - h5().address(frames[1])).toBe(2);
    for (const name of ['seq', 'timestamps']) {
      h5().createDataset(f, `/g/${name}`, name === 'seq' ? 'u8' : 'i8', [2], [-1], [16], 0);
      h5().write(f, `/g/${name}`, [0], [2], new Uint8Array(new BigUint64Array([0n, 1n]).buffer));
    }
    h5().close(f);
    expect(readH5(file).groups.g.frameHashes).toEqual(frames.map((x) => sha256(new Uint8Array(x.buffer))));
  });

  it('refuses a chunk or a size of another rank or size than the dataset’s, and an address that is not one', () => {
    const f = h5().open(path.join(dir, 'ranks.h5'), 'w');
    try {
      h5().createDataset(f, '/d', 'u2', [1, 4, 8], [-1, 4, 8], [1, 4, 8], 0);
      const x = new Uint16Array(32);
      // HDF5 reads one size per dimension: a shorter array would be read past its end.
      expect(() => h5().resize(f, '/d', [2, 4])).toThrow(/rank/);
      expect(() => h5().writeChunk(f, '/d', [0, 0], new Uint8Array(x.buffer))).toThrow(/size and rank/);
      expect(() => h5().writeChunk(f, '/d', [0, 0, 0], new Uint8Array(x.buffer, 0, 62))).toThrow(/size and rank/);
      expect(() => h5().writeChunkAt(f, '/d', [0, 0, 0], h5().address(x), 128)).toThrow(/size and rank/);
      for (const [at, bytes] of [
        [0, 64],
        [-8, 64],
        [1.5, 64],
        [h5().address(x), -1],
      ])
        expect(() => h5().writeChunkAt(f, '/d', [0, 0, 0], at, bytes)).toThrow(/whole numbers/);
      expect(h5().shape(f, '/d')).toEqual([1, 4, 8]);
    } finally {
      h5().close(f);
    }
  });

  it('a dataset HDF5 cannot open or create throws with HDF5’s stack (it was cleared by closing the access list)', () => {
    const f = h5().open(path.join(dir, 'no-dataset.h5'), 'w');
    const stackOf = (fn: () => void): string => {
      try {
        fn();
      } catch (e) {
        return (e as { h5stack: string }).h5stack;
      }
      return 'no error';
    };
    try {
      expect(stackOf(() => h5().resize(f, '/no/such', [1]))).toMatch(
        /#000: .* in H5Dopen2\(\): unable to open dataset/,
      );
      expect(stackOf(() => h5().createDataset(f, '/no/such', 'u1', [1], [-1], [1], 0))).toMatch(
        /#000: .* in H5Dcreate2\(\): unable to create dataset/,
      );
    } finally {
      h5().close(f);
    }
  });

  it('run() does a batch on another thread: the event loop turns meanwhile, and the file is as the calls would make it', async () => {
    const file = path.join(dir, 'run.h5');
    const f = h5().open(file, 'w');
    const n = 64;
    // 1 MiB frames, each its own buffer, given by address as the recorder gives kept frames.
    const frames = Array.from({ length: n }, (_, i) => new Uint8Array(2 ** 20).fill(i));
    h5().createGroup(f, '/g');
    h5().createDataset(f, '/g/frames', 'u1', [0, 1024, 1024], [-1, 1024, 1024], [1, 1024, 1024], 0);
    const index = new Uint8Array(new BigUint64Array(Array.from({ length: n }, (_, i) => BigInt(i))).buffer);
    for (const name of ['seq', 'timestamps'])
      h5().createDataset(f, `/g/${name}`, name === 'seq' ? 'u8' : 'i8', [0], [-1], [16], 0);
    let turns = 0;
    let settled = false;
    const batch = h5()
      .run(f, [
        ['resize', '/g/frames', [n, 1024, 1024]],
        ...frames.map((x, i): RawStep => ['chunk', '/g/frames', [i, 0, 0], h5().address(x), x.byteLength]),
        ...['seq', 'timestamps'].flatMap((name): RawStep[] => [
          ['resize', `/g/${name}`, [n]],
          ['write', `/g/${name}`, [0], [n], h5().address(index), index.byteLength],
        ]),
        ['flush'],
      ])
      .finally(() => (settled = true));
    while (!settled) await new Promise((resolve) => setImmediate(() => resolve(turns++)));
    const ns = await batch;
    expect(ns).toBeGreaterThan(0);
    // 64 MiB to the page cache take milliseconds: the loop turned while they were written.
    expect(turns).toBeGreaterThan(1);
    h5().close(f);
    const g = readH5(file).groups.g;
    expect(g.seq).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(g.frameHashes).toEqual(frames.map((x) => sha256(x)));
  });

  it('run() stops at the first step refused and rejects as the call would have thrown; the steps before it are done', async () => {
    const f = h5().open(path.join(dir, 'run-refused.h5'), 'w');
    try {
      h5().createDataset(f, '/d', 'u2', [1, 4, 8], [-1, 4, 8], [1, 4, 8], 0);
      const x = new Uint16Array(32);
      await expect(
        h5().run(f, [
          ['resize', '/d', [3, 4, 8]],
          ['chunk', '/d', [0, 0, 0], h5().address(x), 62],
          ['resize', '/d', [5, 4, 8]],
        ]),
      ).rejects.toThrow(/size and rank/);
      expect(h5().shape(f, '/d')).toEqual([3, 4, 8]);
      const refused = await h5()
        .run(f, [['resize', '/no/such', [1]]])
        .catch((e: unknown) => e);
      expect((refused as { h5stack: string }).h5stack).toMatch(/#\d+: .* in H5Dopen2\(\)/);
      // Arguments are read before the batch goes: bad ones throw at once.
      expect(() => h5().run(f, [['chunk', '/d', [0, 0, 0], -8, 64]])).toThrow(/whole numbers/);
      expect(() => h5().run(f, [['unlink' as 'flush']])).toThrow(/resize, write, chunk or flush/);
    } finally {
      h5().close(f);
    }
    expect(() => h5().run(f, [['flush']])).toThrow(/closed/);
  });
});
