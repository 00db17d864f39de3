import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { makeFrame, noH5py, readH5, sha256, tempDir } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.skipIf(noH5py).each([
  { compression: 'none', chunkFrames: 1 },
  // Uncompressed chunks are rewritten in place as they fill: the flushed part stays valid.
  { compression: 'none', chunkFrames: 5 },
  // A compressed chunk rewritten after a flush would not match the flushed index: these
  // wait for their chunk to be complete (this case once failed with "inflate() failed").
  { compression: 'gzip', chunkFrames: 7 },
])(
  'a recorder killed with SIGKILL leaves a file h5py reads up to the last flush (compression $compression, chunks of $chunkFrames)',
  async ({ compression, chunkFrames }) => {
    const file = path.join(dir, `killed-${compression}-${chunkFrames}.h5`);
    const child = spawn(
      process.execPath,
      ['bin/run-ts.js', 'test/hdf5/fixtures/record-forever.ts', file, '0.05', compression, String(chunkFrames)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    let lastFlush = 0;
    let flushes = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      const m = /^flushed (\d+)$/.exec(line);
      if (!m) continue;
      lastFlush = Number(m[1]);
      // A few flushes in, so frames keep being written past the one we kill after.
      if (++flushes === 4) break;
    }
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(lastFlush).toBeGreaterThan(0);

    const g = readH5(file).groups.g;
    const n = g.seq!.length;
    expect(n).toBeGreaterThanOrEqual(lastFlush);
    expect(g.datasets.frames.shape).toEqual([n, 64, 64]);
    expect(g.datasets.timestamps.shape).toEqual([n]);
    expect(g.seq).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(g.frameHashes).toEqual(Array.from({ length: n }, (_, i) => sha256(makeFrame('uint16', [64, 64], i).data)));
    expect(g.attrs.exposureUs).toBe(5000);
  },
);
