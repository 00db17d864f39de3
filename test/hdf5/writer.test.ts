/**
 * The h5wasm writer called directly (no worker): what a reader finds between flushes, and
 * the guards that keep a wrong call from writing a wrong file.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Hdf5Writer, expandFileName, patchbayVersion, type WriterOptions } from '../../nodes/hdf5-sink/writer.ts';
import { makeFrame, noH5py, readH5, sha256, tempDir } from './harness.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(file: string, more: Partial<WriterOptions> = {}): WriterOptions {
  return {
    file,
    group: 'g',
    dataset: 'frames',
    compression: 'none',
    level: 4,
    chunkFrames: 1,
    ifExists: 'error',
    attrs: {
      graph: 'patchbay: 1\n',
      node: 'recorder',
      started: '2026-11-25T09:05:07.042Z',
      patchbay_version: patchbayVersion(),
    },
    ...more,
  };
}

describe.skipIf(noH5py)('Hdf5Writer', () => {
  it('meta attributes follow the keys constant so far, flush by flush', async () => {
    const file = path.join(dir, 'meta.h5');
    const w = await Hdf5Writer.open(options(file));
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
    const file = path.join(dir, 'flushes.h5');
    const w = await Hdf5Writer.open(options(file));
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
    const file = path.join(dir, 'mismatch.h5');
    const w = await Hdf5Writer.open(options(file));
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
    const file = path.join(dir, 'params.h5');
    await expect(Hdf5Writer.open(options(file, { dataset: 'seq' }))).rejects.toMatchObject({
      code: 'BAD_PARAM',
      param: 'dataset',
      received: '"seq"',
    });
    await expect(Hdf5Writer.open(options(file, { group: 'a/b' }))).rejects.toMatchObject({
      code: 'BAD_PARAM',
      param: 'group',
    });
    const w = await Hdf5Writer.open(options(file, { chunkFrames: 4096 }));
    // 4096 frames of 1 MiB make a 4 GiB chunk, more than HDF5 allows.
    expect(() => w.append([makeFrame('uint8', [1024, 1024], 0)])).toThrow(
      expect.objectContaining({ code: 'BAD_PARAM', param: 'chunkFrames' }),
    );
    w.close();
  });

  it('a file that is not HDF5 cannot be appended to', async () => {
    const file = path.join(dir, 'text.h5');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'just text\n');
    await expect(Hdf5Writer.open(options(file, { ifExists: 'append' }))).rejects.toMatchObject({
      code: 'OPEN_FAILED',
      file,
    });
  });

  it('expands {date} and {time} in local time', () => {
    expect(expandFileName('out/{date}/cam-{time}.h5', new Date(2026, 10, 5, 7, 8, 9))).toBe(
      'out/2026-11-05/cam-07-08-09.h5',
    );
  });
});
