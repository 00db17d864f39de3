/**
 * Disk full and permission denied, on small tmpfs mounts (we run as root, so file modes
 * would not stop us: a read-only mount does).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hdf5SinkError } from '../../nodes/hdf5-sink/errors.ts';
import { Hdf5SinkStage } from '../../nodes/hdf5-sink/stage.ts';
import { Hdf5Writer } from '../../nodes/hdf5-sink/writer.ts';
import { mountTmpfs, noTmpfs } from '../faults/tmpfs.ts';
import { LIBRARIES, writerOptions, makeFrame, noH5py, readH5, sha256, sinkIO } from './harness.ts';

const mounts: { unmount(): void }[] = [];
function mount(size: string): string {
  const m = mountTmpfs(size);
  mounts.push(m);
  return m.dir;
}

afterAll(() => {
  for (const m of mounts.reverse()) m.unmount();
});

describe.skipIf(noTmpfs || noH5py)('HDF5Sink when the disk says no', () => {
  let full: string;
  let readOnly: string;
  beforeAll(async () => {
    full = mount('1m');
    readOnly = mount('1m');
    // A file recorded while the mount was writable, then the mount goes read-only.
    const stage = new Hdf5SinkStage(sinkIO({ file: path.join(readOnly, 'old.h5'), group: 'g' }));
    await stage.open();
    await stage.receive('in', makeFrame('uint8', [8, 8], 0));
    await stage.end();
    await stage.close();
    const r = spawnSync('mount', ['-o', 'remount,ro', readOnly], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount -o remount,ro ${readOnly}: ${r.stderr}`);
  });

  it('disk full: receive and end reject with NO_SPACE naming the file; what was written stays readable', async () => {
    const file = path.join(full, 'big.h5');
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', flushEvery: 0.05 }));
    await stage.open();
    // 64 KiB frames into 1 MiB: the writer fails after about 14 of them. The stage only
    // learns of it once the slab (1024 slots here) is full, or at end().
    let refused: unknown;
    // One frame surely in the file first: a burst may reach the writer as one batch, and a
    // batch that does not fit is not written at all.
    const flushed = once(stage, 'flush');
    await stage.receive('in', makeFrame('uint8', [256, 256], 0));
    await flushed;
    let sent = 1;
    try {
      for (; sent < 5000; sent++) await stage.receive('in', makeFrame('uint8', [256, 256], sent));
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(Hdf5SinkError);
    expect(refused).toMatchObject({ code: 'NO_SPACE', file });
    await expect(stage.end()).rejects.toMatchObject({ code: 'NO_SPACE', file });
    await expect(stage.receive('in', makeFrame('uint8', [256, 256], sent))).rejects.toMatchObject({ code: 'NO_SPACE' });
    await stage.close();

    const stored = stage.framesStored;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(16);
    const g = readH5(file).groups.g;
    expect(g.seq).toEqual(Array.from({ length: stored }, (_, i) => i));
    expect(g.frameHashes).toEqual(
      Array.from({ length: stored }, (_, i) => sha256(makeFrame('uint8', [256, 256], i).data)),
    );
  });

  it.each(LIBRARIES)(
    'disk full in the middle of a batch (%s): the datasets go back to the last flush, all of one length',
    async (library) => {
      const dir = mount('1m');
      const file = path.join(dir, 'batch.h5');
      const w = await Hdf5Writer.open(writerOptions(file, { library }));
      const frame = (seq: number) => makeFrame('uint8', [64, 64], seq);
      w.append(Array.from({ length: 10 }, (_, i) => frame(i)));
      w.flush();
      // Nothing left: the batch's first chunk fails. With libhdf5 writing chunks directly,
      // shrinking the frames back then failed ("B-tree key not found") and left them longer.
      const { bavail, bsize } = statfsSync(dir);
      writeFileSync(path.join(dir, 'filler'), Buffer.alloc(bavail * bsize, 1));
      expect(() => w.append([10, 11, 12, 13].map(frame))).toThrow(expect.objectContaining({ code: 'NO_SPACE', file }));
      rmSync(path.join(dir, 'filler'));
      expect(w.salvage()).toEqual({ frames: 10 });
      const g = readH5(file).groups.g;
      expect(g.datasets.frames.shape).toEqual([10, 64, 64]);
      expect(g.datasets.timestamps.shape).toEqual([10]);
      expect(g.seq).toEqual(Array.from({ length: 10 }, (_, i) => i));
    },
  );

  it('read-only file system: open() rejects with PERMISSION_DENIED naming the file, before any frame', async () => {
    for (const file of [path.join(readOnly, 'new.h5'), path.join(readOnly, 'deeper', 'new.h5')]) {
      const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g' }));
      await expect(stage.open()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', file });
      await stage.close();
    }
  });

  it('read-only file system: appending to an existing file is refused and the file is still readable', async () => {
    const file = path.join(readOnly, 'old.h5');
    const stage = new Hdf5SinkStage(sinkIO({ file, group: 'h', ifExists: 'append' }));
    await expect(stage.open()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', file });
    await stage.close();
    const groups = readH5(file).groups;
    expect(Object.keys(groups)).toEqual(['g']);
    expect(groups.g.frameHashes).toEqual([sha256(makeFrame('uint8', [8, 8], 0).data)]);
  });
});
