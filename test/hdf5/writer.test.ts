/**
 * The writer called directly (no worker), with each HDF5 library: what a reader finds
 * between flushes, the guards that keep a wrong call from writing a wrong file, and the
 * same file from both libraries.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Hdf5Writer, expandFileName } from '../../nodes/hdf5-sink/writer.ts';
import { defaultLibrary, type H5LibraryName } from '../../nodes/hdf5-sink/library.ts';
import {
  LIBRARIES,
  h5dumpHeader,
  makeFrame,
  noH5dump,
  noH5py,
  readH5,
  sha256,
  tempDir,
  withHdf5Library,
  writerOptions as options,
} from './harness.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(noH5py).each(LIBRARIES)('Hdf5Writer with %s', (library) => {
  it('meta attributes follow the keys constant so far, flush by flush', async () => {
    const file = path.join(dir, `${library}-meta.h5`);
    const w = await Hdf5Writer.open(options(file, { library }));
    const meta = (gain: number) => ({ exposureUs: 5000, gain, node: 'camera-1', ratio: 0.5 });
    w.append([makeFrame('float32', [2, 3], 0, meta(1)), makeFrame('float32', [2, 3], 1, meta(1))]);
    w.flush();
    // `node` collides with the sink's own attribute: it is kept as meta_node.
    expect(readH5(file).groups.g.attrs).toMatchObject({
      exposureUs: 5000,
      gain: 1,
      meta_node: 'camera-1',
      ratio: 0.5,
      node: 'recorder',
    });
    w.append([makeFrame('float32', [2, 3], 2, meta(2))]);
    w.flush();
    const g = readH5(file).groups.g;
    expect(g.attrs).not.toHaveProperty('gain');
    expect(g.attrs).toMatchObject({ exposureUs: 5000, meta_node: 'camera-1' });
    expect(g.attrTypes).toMatchObject({ exposureUs: 'int64', ratio: 'float64' });
    expect(w.close()).toBe(3);
  });

  it('between flushes a reader sees the frames up to the last flush', async () => {
    const file = path.join(dir, `${library}-flushes.h5`);
    const w = await Hdf5Writer.open(options(file, { library }));
    const frames = [0, 1, 2, 3, 4].map((i) => makeFrame('uint16', [16, 16], i));
    w.append(frames.slice(0, 2));
    w.flush();
    expect(w.flushedFrames).toBe(2);
    w.append(frames.slice(2));
    expect(w.frames).toBe(5);
    expect(readH5(file).groups.g.seq!.length).toBeGreaterThanOrEqual(2);
    w.close();
    expect(readH5(file).groups.g.frameHashes).toEqual(frames.map((f) => sha256(f.data)));
  });

  it('refuses a frame that does not fit, and writes nothing of its batch', async () => {
    const file = path.join(dir, `${library}-mismatch.h5`);
    const w = await Hdf5Writer.open(options(file, { library }));
    w.append([makeFrame('int32', [4], 0)]);
    expect(() => w.append([makeFrame('int32', [4], 1), makeFrame('int32', [5], 2)])).toThrow(
      expect.objectContaining({ code: 'FRAME_MISMATCH', param: 'shape' }),
    );
    expect(() => w.append([{ ...makeFrame('int32', [4], 3), data: new Uint8Array(15) }])).toThrow(
      expect.objectContaining({ code: 'FRAME_MISMATCH', param: 'data', expected: '16 bytes', received: '15 bytes' }),
    );
    expect(w.close()).toBe(1);
    expect(readH5(file).groups.g.seq).toEqual([0]);
  });

  it('refuses params it cannot use, naming them', async () => {
    const file = path.join(dir, `${library}-params.h5`);
    await expect(Hdf5Writer.open(options(file, { library, dataset: 'seq' }))).rejects.toMatchObject({
      code: 'BAD_PARAM',
      param: 'dataset',
      received: '"seq"',
    });
    await expect(Hdf5Writer.open(options(file, { library, group: 'a/b' }))).rejects.toMatchObject({
      code: 'BAD_PARAM',
      param: 'group',
    });
    const w = await Hdf5Writer.open(options(file, { library, chunkFrames: 4096 }));
    // 4096 frames of 1 MiB make a 4 GiB chunk, more than HDF5 allows.
    expect(() => w.append([makeFrame('uint8', [1024, 1024], 0)])).toThrow(
      expect.objectContaining({ code: 'BAD_PARAM', param: 'chunkFrames' }),
    );
    w.close();
  });

  it('a file that is not HDF5 cannot be appended to', async () => {
    const file = path.join(dir, `${library}-text.h5`);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'just text\n');
    await expect(Hdf5Writer.open(options(file, { library, ifExists: 'append' }))).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      file,
    });
  });
});

it('PATCHBAY_HDF5 picks the library a writer opens with', async () => {
  for (const library of LIBRARIES)
    await withHdf5Library(library, async () => {
      expect(defaultLibrary()).toBe(library);
      const w = await Hdf5Writer.open(options(path.join(dir, `env-${library}.h5`)));
      expect(w.library).toBe(library);
      w.close();
    });
});

it('expands {date} and {time} in local time', () => {
  expect(expandFileName('out/{date}/cam-{time}.h5', new Date(2026, 10, 5, 7, 8, 9))).toBe(
    'out/2026-11-05/cam-07-08-09.h5',
  );
});

/** A group of every kind the writer makes: complex frames, meta of each attribute type. */
async function sample(file: string, library: H5LibraryName, compression: 'none' | 'gzip'): Promise<void> {
  const w = await Hdf5Writer.open(options(file, { library, compression, chunkFrames: compression === 'gzip' ? 2 : 1 }));
  const meta = { a: 1, b: 0.5, c: 'x', d: true, e: [1, 2], f: ['p', 'q'], g: { z: 1 }, h: [0.5, 1] };
  w.append([makeFrame('complex64', [2, 3], 0, meta), makeFrame('complex64', [2, 3], 1, meta)]);
  w.flush();
  w.append([makeFrame('complex64', [2, 3], 2, meta)]);
  w.close();
}

describe.skipIf(noH5py || noH5dump || LIBRARIES.length < 2)('libhdf5 and h5wasm', () => {
  it.each(['none', 'gzip'] as const)(
    'write the same file, as `h5dump -H -p` shows it (compression %s)',
    async (compression) => {
      const dumps = [];
      for (const library of LIBRARIES) {
        const file = path.join(dir, `same-${compression}-${library}.h5`);
        await sample(file, library, compression);
        dumps.push(h5dumpHeader(file).split('\n').slice(1).join('\n'));
        expect(readH5(file).groups.g.frameHashes).toEqual(
          [0, 1, 2].map((i) => sha256(makeFrame('complex64', [2, 3], i).data)),
        );
      }
      expect(dumps[0]).toContain('H5T_COMPOUND');
      expect(dumps[1]).toBe(dumps[0]);
    },
  );
});
