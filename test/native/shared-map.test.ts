/**
 * The addon's file mapping (native/src/shared-map.cc, runtime/util/shared-map.ts), on which the
 * Python node's slots rest: what is written through a mapping is in the file, and what another
 * writer puts in the file is seen through it, with no copy between.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { canMapFiles, mapWhole } from '../../runtime/util/shared-map.ts';
import { tempDir } from '../hdf5/harness.ts';

describe('mapping a file', () => {
  test('the addon is built here, so files can be mapped', () => {
    expect(canMapFiles()).toBe(true);
  });

  test('writes through the mapping are in the file, and writes to the file are seen through the mapping', () => {
    const file = path.join(tempDir(), 'slot');
    const fd = openSync(file, 'w+');
    ftruncateSync(fd, 8192);
    const map = mapWhole(fd, 100);
    // The whole file is mapped, not only the bytes asked for.
    expect(map.byteLength).toBe(8192);
    map.set([1, 2, 3], 8000);
    expect([...readFileSync(file).subarray(8000, 8003)]).toEqual([1, 2, 3]);
    writeSync(fd, Buffer.from([9, 8, 7]), 0, 3, 10);
    expect([...map.subarray(10, 13)]).toEqual([9, 8, 7]);
    closeSync(fd);
    // The mapping outlives the descriptor.
    expect(map[8001]).toBe(2);
  });

  test('a file shorter than asked is refused, not mapped (touching past its end would be SIGBUS)', () => {
    const fd = openSync(path.join(tempDir(), 'short'), 'w+');
    ftruncateSync(fd, 10);
    expect(() => mapWhole(fd, 11)).toThrow(/holds 10 bytes, fewer than the 11/);
    closeSync(fd);
  });
});
