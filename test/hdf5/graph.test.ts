/**
 * HDF5Sink inside a tiny graph run by the real executor: fed in-process and over a PUSH/PULL
 * socket, and refusing to start (before the source sends a frame) when the file exists.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';
import { noH5py, readH5, sha256, tempDir } from './harness.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(noH5py)('HDF5Sink in a graph', () => {
  it('records every frame of a source, in process', async () => {
    const file = path.join(dir, 'inproc.h5');
    const N = 500;
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 4096 } },
        { id: 'recorder', type: 'HDF5Sink', params: { file, group: 'g' } },
      ],
      ['src.out -> recorder.in'],
    );
    const summary = await runPlan(plan, { graphText: 'patchbay: 1\nname: inproc\n' }).done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(summary.stats.nodes.recorder.framesIn).toBe(N);
    const g = readH5(file).groups.g;
    expect(g.datasets.frames).toMatchObject({ shape: [N, 4096], dtype: 'uint8' });
    expect(g.seq).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(g.frameHashes).toEqual(Array.from({ length: N }, (_, i) => sha256(numberedFrame(i, 4096).data)));
    expect(g.attrs.graph).toBe('patchbay: 1\nname: inproc\n');
  });

  it('records every frame that comes over PUSH/PULL (tcp)', async () => {
    const file = path.join(dir, 'tcp.h5');
    const ep = await uniqAddress('tcp');
    const N = 300;
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 65536 } },
        { id: 'push', type: 'Push', params: { endpoint: ep } },
        { id: 'recorder', type: 'HDF5Sink', params: { file, group: 'g', compression: 'gzip', chunkFrames: 8 } },
      ],
      ['src.out -> push.in', 'push.out -> recorder.in'],
      [sock('push', 'PUSH', 'bind', ep), sock('recorder', 'PULL', 'connect', ep, { link: 'push.out -> recorder.in' })],
    );
    const summary = await runPlan(plan).done;
    expect(summary.failures).toEqual([]);
    expect(summary.lost).toBe(0);
    const g = readH5(file).groups.g;
    expect(g.seq).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(g.frameHashes).toEqual(Array.from({ length: N }, (_, i) => sha256(numberedFrame(i, 65536).data)));
    expect(g.datasets.frames).toMatchObject({ chunks: [8, 65536], compression: 'gzip' });
  });

  it('an existing file stops the run before the source sends anything', async () => {
    const file = path.join(dir, 'exists.h5');
    writeFileSync(file, 'not mine');
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 10, bytes: 16 } },
        { id: 'recorder', type: 'HDF5Sink', params: { file } },
      ],
      ['src.out -> recorder.in'],
    );
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).not.toBe(0);
    expect(summary.failures).toContainEqual(expect.objectContaining({ node: 'recorder', code: 'FILE_EXISTS' }));
    expect(summary.stats.nodes.src.framesOut).toBe(0);
  });
});
