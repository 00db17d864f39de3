/**
 * A full disk leaves a readable file and a true summary (issue 20, item 3): the recorder
 * stops with NO_SPACE naming the file, the file holds whole frames that h5py and h5dump
 * read, `framesStored` is what h5py counts, and every frame received and not stored is lost.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killRuns, noH5dump, noH5py, readH5, runCli } from '../hdf5/harness.ts';
import { mountTmpfs, noTmpfs } from './tmpfs.ts';

const mounts: { unmount(): void }[] = [];
afterAll(() => {
  killRuns();
  for (const m of mounts) m.unmount();
});

describe.skipIf(noTmpfs || noH5py || noH5dump)('HDF5Sink on a disk that fills', () => {
  it('2 MiB tmpfs, Camera 64² at fps 0: NO_SPACE, a file h5py and h5dump read, framesStored == what h5py counts, the rest lost', async () => {
    const disk = mountTmpfs('2m');
    mounts.push(disk);
    const file = path.join(disk.dir, 'rec.h5');
    const run = await runCli(
      disk.dir,
      `patchbay: 1
name: full-disk
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 64, height: 64, fps: 0}}
  recorder: {type: HDF5Sink, params: {file: rec.h5, group: g}}
links:
  - camera.out -> recorder.in
`,
    ).exit;

    expect(run.code).not.toBe(0);
    const summary = run.summary!;
    const failure = summary.failures.find((f) => f.node === 'recorder');
    expect(failure?.code).toBe('NO_SPACE');
    expect(failure?.message).toContain(file);

    const recorder = summary.stats.nodes.recorder;
    const g = readH5(file).groups.g;
    const stored = g.seq!.length;
    expect(stored).toBeGreaterThan(0);
    expect(recorder.framesStored).toBe(stored);
    expect(g.datasets.frames.shape).toEqual([stored, 64, 64]);
    expect(g.datasets.timestamps.shape).toEqual([stored]);
    expect(g.seq).toEqual(Array.from({ length: stored }, (_, i) => i));
    expect(g.frameHashes).toHaveLength(stored);
    expect(new Set(g.frameHashes).size).toBe(stored);
    // Every frame the recorder took and could not store is lost, and only those.
    expect(recorder.framesIn).toBeGreaterThan(stored);
    expect(summary.lost).toBe(recorder.framesIn - stored);
    execFileSync('h5dump', ['-d', '/g/seq', file], { stdio: 'ignore' });
    execFileSync('h5dump', ['-d', '/g/frames', file], { stdio: 'ignore' });
    process.stdout.write(
      `full disk: ${recorder.framesIn} frames received, ${stored} stored and read back, ${summary.lost} lost\n`,
    );
  });
});
