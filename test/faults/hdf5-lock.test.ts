/**
 * A recording file belongs to one writer: a second run, or an h5py writer holding the file,
 * is refused with FILE_IN_USE before anything touches the file (issue 20, item 1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON } from '../helpers/env.ts';
import { killRuns, noH5py, readH5, runCli, tempDir } from '../hdf5/harness.ts';

const dirs: string[] = [];
afterAll(() => {
  killRuns();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function recording(opts: { frames: number; fps: number; ifExists: string; group: string }): string {
  return `patchbay: 1
name: lock
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 64, height: 64, fps: ${opts.fps}, frames: ${opts.frames}}}
  recorder: {type: HDF5Sink, params: {file: rec.h5, group: ${opts.group}, ifExists: ${opts.ifExists}, flushEvery: 0.2}}
links:
  - camera.out -> recorder.in
`;
}

/** An h5py script holding `file` open in `mode` until released. */
async function holdWithH5py(file: string, mode: 'w' | 'a' | 'r') {
  const child = spawn(PYTHON, [fileURLToPath(new URL('../hdf5/fixtures/hold-h5.py', import.meta.url)), file, mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  for await (const line of createInterface({ input: child.stdout })) if (line === 'holding') break;
  return {
    pid: child.pid!,
    async release() {
      child.stdin.end();
      const [code] = await exited;
      expect(code).toBe(0);
    },
  };
}

describe.skipIf(noH5py)('a recording file belongs to one writer', () => {
  it('a second run on the file is refused with FILE_IN_USE naming the first; the first records every frame', async () => {
    const dir = scratch();
    const file = path.join(dir, 'rec.h5');
    // Until stopped, so it is surely still recording while the others try, however slowly they start.
    const first = runCli(dir, recording({ frames: 0, fps: 200, ifExists: 'overwrite', group: 'g' }), 'first.yaml');
    await first.stats((s) => (s.nodes.recorder?.framesStored ?? 0) > 0);

    // HDF5's own locks see the recorder's: h5py may read the file while it records, not write it.
    const reader = spawnSync(PYTHON, ['-c', 'import h5py, sys; h5py.File(sys.argv[1], "r").close()', file], {
      encoding: 'utf8',
    });
    expect(reader.stderr).toBe('');
    const writer = spawnSync(PYTHON, ['-c', 'import h5py, sys; h5py.File(sys.argv[1], "a")', file], {
      encoding: 'utf8',
    });
    expect(writer.status).not.toBe(0);
    expect(writer.stderr).toMatch(/unable to lock file/);

    // Neither replacing the file nor adding a group to it may touch it.
    for (const ifExists of ['overwrite', 'append']) {
      const second = await runCli(
        dir,
        recording({ frames: 100, fps: 0, ifExists, group: 'h' }),
        `second-${ifExists}.yaml`,
      ).exit;
      expect(second.code).not.toBe(0);
      const refusal = second.summary?.failures.find((f) => f.node === 'recorder');
      expect(refusal?.code).toBe('FILE_IN_USE');
      expect(refusal?.message).toContain(file);
      expect(refusal?.message).toContain(`pid ${first.pid} (`);
      expect(second.summary?.stats.nodes.camera.framesOut ?? 0).toBe(0);
    }

    // Ctrl-C: the camera stops, every frame it sent is recorded, and the run ends well.
    first.kill('SIGINT');
    const done = await first.exit;
    expect(done.code).toBe(0);
    expect(done.summary?.failures).toEqual([]);
    const sent = done.summary!.stats.nodes.camera.framesOut;
    expect(sent).toBeGreaterThan(0);
    expect(done.summary?.stats.nodes.recorder.framesStored).toBe(sent);
    const groups = readH5(file).groups;
    expect(Object.keys(groups)).toEqual(['g']);
    expect(groups.g.seq).toEqual(range(sent));
    expect(groups.g.frameHashes).toHaveLength(sent);
  });

  it.each(['overwrite', 'append'])(
    'a file an h5py writer holds is refused with FILE_IN_USE naming it, untouched (ifExists %s)',
    async (ifExists) => {
      const dir = scratch();
      const file = path.join(dir, 'rec.h5');
      const holder = await holdWithH5py(file, 'w');
      const before = readFileSync(file);
      const run = await runCli(dir, recording({ frames: 50, fps: 0, ifExists, group: 'g' })).exit;
      expect(run.code).not.toBe(0);
      const refusal = run.summary?.failures.find((f) => f.node === 'recorder');
      expect(refusal?.code).toBe('FILE_IN_USE');
      expect(refusal?.message).toContain(file);
      expect(refusal?.message).toContain(`pid ${holder.pid} (`);
      expect(refusal?.message).toContain('hold-h5.py');
      expect(readFileSync(file).equals(before)).toBe(true);
      await holder.release();
      const after = spawnSync(
        PYTHON,
        [
          '-c',
          'import h5py, sys; f = h5py.File(sys.argv[1], "r"); print(list(f), f["mine"][:].tolist() == list(range(100)))',
          file,
        ],
        { encoding: 'utf8' },
      );
      expect(after.stdout.trim()).toBe("['mine'] True");
    },
  );
});
