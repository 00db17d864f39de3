/**
 * On ext4 (a lab PC's usual disk): the end of a recording does not start writing the whole
 * file back. ext4 does so at the first close after a file was truncated to zero
 * (auto_da_alloc, a guard for programs that rewrite a file in place without fsync), and
 * HDF5 creates a file with O_TRUNC, over the empty file the sink's lock has just made: a
 * recording's end waited for it (0.4–0.5 s per 3 GB, docs/performance-hdf5.md).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hdf5SinkStage } from '../../nodes/hdf5-sink/stage.ts';
import { hasDelayedBlocks, mountExt4, noExt4 } from '../faults/ext4.ts';
import type { H5LibraryName } from '../../nodes/hdf5-sink/library.ts';
import { LIBRARIES, makeFrame, noH5py, readH5, sha256, sinkIO, withHdf5Library } from './harness.ts';

describe.skipIf(noExt4 || noH5py)('HDF5Sink on ext4', () => {
  let m: { dir: string; unmount(): void };
  beforeAll(() => {
    m = mountExt4(128);
  });
  afterAll(() => m?.unmount());

  async function record(file: string, library: H5LibraryName, ifExists = 'error'): Promise<string[]> {
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', ifExists }));
    await withHdf5Library(library, () => stage.open());
    const hashes: string[] = [];
    for (let seq = 0; seq < 16; seq++) {
      const f = makeFrame('uint8', [1024, 1024], seq);
      hashes.push(sha256(f.data));
      await stage.receive('in', f);
    }
    await stage.end();
    await stage.close();
    expect(stage.library).toBe(library);
    return hashes;
  }

  for (const library of LIBRARIES) {
    it(`${library}: a new recording's 16 MiB are still in the page cache when it ends, and h5py reads every frame`, async () => {
      const file = path.join(m.dir, `new-${library}.h5`);
      const hashes = await record(file, library);
      expect(hasDelayedBlocks(file)).toBe(true);
      expect(readH5(file).groups.g.frameHashes).toEqual(hashes);
    });

    it(`${library}: so are those of a recording that replaced a file (ifExists: overwrite)`, async () => {
      const file = path.join(m.dir, `old-${library}.h5`);
      writeFileSync(file, Buffer.alloc(4 * 2 ** 20, 1));
      const hashes = await record(file, library, 'overwrite');
      expect(hasDelayedBlocks(file)).toBe(true);
      expect(readH5(file).groups.g.frameHashes).toEqual(hashes);
    });
  }
});
