/**
 * HDF5Source replays recordings into a pipeline: an (N, H, W) stack plain h5py wrote (no seq
 * beside it), and a patchbay recording (its seq and timestamps kept), each into an HDF5Sink
 * that h5py reads back pixel for pixel; the errors a wrong name or range gives.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { tempDir } from '../hdf5/harness.ts';
import { watchTurns } from '../helpers/event-loop.ts';
import { runSource } from '../native/harness.ts';
import createHdf5SourceStage from '../../nodes/hdf5-source/stage.ts';
import { hdf5Source } from '../../nodes/hdf5-source/index.ts';
import { withDefaults } from '../../runtime/graph/param-rules.ts';

const noH5py = missing('Python 3 with h5py and numpy', () => pythonHas('h5py', 'numpy'));

function py(code: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

async function run(yaml: string) {
  const { graph, errors } = loadGraph(yaml);
  expect(errors.filter((e) => e.severity === 'error')).toEqual([]);
  return runGraph(compileGraph(graph!), { graphText: yaml }).done;
}

const replay = (src: string, out: string, params = '') => `patchbay: 1
name: replay
nodes:
  source: {type: HDF5Source, params: {file: "${src}"${params}}}
  recorder: {type: HDF5Sink, params: {file: "${out}", group: replayed}}
links:
  - source.out -> recorder.in
`;

describe.skipIf(noH5py)('HDF5Source', () => {
  test('replays an (N, H, W) uint16 stack plain h5py wrote (no seq): pixels equal, seq from 0', async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 'stack.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('frames', data=(np.arange(12 * 48 * 64, dtype=np.uint32).reshape(12, 48, 64) * 7 % 65536).astype(np.uint16))`);
    const summary = await run(replay(src, out));
    expect(summary.failures).toEqual([]);
    expect(summary.stats.nodes.recorder.framesStored).toBe(12);
    expect(
      py(`import h5py, numpy as np
a = h5py.File('${src}', 'r')['frames'][:]
g = h5py.File('${out}', 'r')['replayed']
print(np.array_equal(a, g['frames'][:]), list(g['seq'][:]) == list(range(12)), g['frames'].dtype)`).trim(),
    ).toBe('True True uint16');
  });

  test('replays a patchbay recording: seq and timestamps kept; start and stop pick a range', async () => {
    const dir = tempDir();
    const [rec, out] = [join(dir, 'rec.h5'), join(dir, 'out.h5')];
    const first = await run(`patchbay: 1
name: record
nodes:
  camera: {type: Camera, params: {width: 32, height: 16, fps: 0, frames: 20}}
  recorder: {type: HDF5Sink, params: {file: "${rec}", group: run1}}
links:
  - camera.out -> recorder.in
`);
    expect(first.exitCode).toBe(0);
    const summary = await run(replay(rec, out, ', start: 5, stop: 15'));
    expect(summary.failures).toEqual([]);
    expect(
      py(`import h5py, numpy as np
a = h5py.File('${rec}', 'r')['run1']
b = h5py.File('${out}', 'r')['replayed']
print(np.array_equal(a['frames'][5:15], b['frames'][:]), np.array_equal(a['seq'][5:15], b['seq'][:]), np.array_equal(a['timestamps'][5:15], b['timestamps'][:]))`).trim(),
    ).toBe('True True True');
  });

  test("complex spectra (h5py's compound) replay as complex128 frames", async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 'c.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    g = f.create_group('2026-01-01 09:00:00'); g.create_dataset('frames', data=np.zeros((1, 2, 2), np.complex128))
    g = f.create_group('2026-01-02 09:00:00'); g.create_dataset('frames', data=(np.arange(24) + 1j * np.arange(24)[::-1]).reshape(3, 2, 4))`);
    const summary = await run(replay(src, out));
    expect(summary.failures).toEqual([]);
    // The last group by name that has the dataset: patchbay names a run's group by its start, so the latest run.
    expect(
      py(`import h5py, numpy as np
a, b = h5py.File('${src}', 'r')['2026-01-02 09:00:00/frames'][:], h5py.File('${out}', 'r')['replayed/frames'][:]
print(np.array_equal(a, b), b.dtype)`).trim(),
    ).toBe('True complex128');
  });

  test('a dataset the file lacks is refused before any frame, listing the datasets it has', async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 's.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('images', data=np.zeros((2, 4, 4), np.uint8)); f.create_group('g').create_dataset('other', data=np.zeros(3))`);
    const summary = await run(replay(src, out));
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]).toMatchObject({
      node: 'source',
      code: 'DATASET_NOT_FOUND',
      message: expect.stringContaining('the file has: /g/other, /images'),
    });
  });

  test('other refusals: no such file, a range outside the dataset, realtime without timestamps, an int64 dataset', async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 's.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('frames', data=np.zeros((4, 4, 4), np.uint8)); f.create_dataset('big', data=np.zeros((2, 2), np.int64))`);
    const cases: [string, string, string][] = [
      [join(dir, 'nope.h5'), '', 'FILE_NOT_FOUND'],
      [src, ', start: 2, stop: 9', 'BAD_DATASET'],
      [src, ', realtime: true', 'BAD_DATASET'],
      [src, ', dataset: big', 'BAD_DTYPE'],
    ];
    for (const [i, [file, params, code]] of cases.entries()) {
      const summary = await run(replay(file, `${out}.${i}`, params));
      expect(
        summary.failures.map((f) => f.code),
        params,
      ).toEqual([code]);
      expect(summary.stats.nodes.recorder.framesIn).toBe(0);
    }
  });

  test('without a rate, lets the event loop in after every frame: a socket event waits for one frame, not a batch', async () => {
    const src = join(tempDir(), 'small.h5');
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('frames', data=np.zeros((300, 8, 8), dtype=np.uint8))`);
    let emitted = 0;
    const turns = watchTurns(() => emitted);
    const r = await runSource(
      createHdf5SourceStage,
      { id: 'source', type: 'HDF5Source', params: withDefaults(hdf5Source, { file: src }) },
      () => {
        emitted++;
      },
    );
    const most = turns.stop();
    expect(r.error).toBeUndefined();
    expect(r.count).toBe(300);
    // Every 64 frames, as it was, this read 64.
    expect(most).toBeLessThanOrEqual(2);
  });

  test('loop: replays again from start until stopped, seq counting on', async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 's.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('frames', data=np.arange(3 * 4, dtype=np.uint8).reshape(3, 4))`);
    const yaml = replay(src, out, ', loop: true').replace('group: replayed}', 'group: replayed, maxFrames: 10}');
    const { graph } = loadGraph(yaml);
    const handle = runGraph(compileGraph(graph!), { graphText: yaml, statsIntervalMs: 20 });
    let stopped = false;
    handle.on('stats', (s) => {
      if (stopped || (s.nodes.recorder?.framesIn ?? 0) < 10) return;
      stopped = true;
      handle.stop();
    });
    const summary = await handle.done;
    expect(summary.failures, JSON.stringify(summary.failures)).toEqual([]);
    expect(
      py(`import h5py
g = h5py.File('${out}', 'r')['replayed']
print(list(g['seq'][:]), [int(x[0]) for x in g['frames'][:]])`).trim(),
    ).toBe('[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [0, 4, 8, 0, 4, 8, 0, 4, 8, 0]');
  });

  test('exported as Python (patchbay export --python), the replay writes the same frames with h5py', async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 'stack.h5'), join(dir, 'exported.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_dataset('frames', data=np.arange(5 * 6 * 7, dtype=np.uint16).reshape(5, 6, 7))`);
    writeFileSync(join(dir, 'g.yaml'), replay(src, out));
    const bin = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
    const exported = spawnSync(process.execPath, [bin, 'export', '--python', 'g.yaml', 'py'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(exported.status, exported.stderr).toBe(0);
    const scripts = readdirSync(join(dir, 'py')).filter((f) => f.endsWith('.py'));
    expect(scripts).toHaveLength(1);
    const ran = spawnSync(PYTHON, [join(dir, 'py', scripts[0])], { cwd: dir, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(0);
    expect(
      py(`import h5py, numpy as np
a = h5py.File('${src}', 'r')['frames'][:]
g = h5py.File('${out}', 'r')['replayed']
print(np.array_equal(a, g['frames'][:]), list(g['seq'][:]))`).trim(),
    ).toBe('True [0, 1, 2, 3, 4]');
  });

  test("a link back to the file's root (h5py SoftLink) does not make the search for the dataset endless", async () => {
    const dir = tempDir();
    const [src, out] = [join(dir, 'loop.h5'), join(dir, 'out.h5')];
    py(`import h5py, numpy as np
with h5py.File('${src}', 'w') as f:
    f.create_group('g')['up'] = h5py.SoftLink('/')
    f.create_dataset('frames', data=np.zeros((2, 3, 3), np.uint8))`);
    const missingOne = await run(replay(src, out, ', dataset: nope'));
    expect(missingOne.failures.map((f) => f.code)).toEqual(['DATASET_NOT_FOUND']);
    const summary = await run(replay(src, `${out}.2`));
    expect(summary.failures).toEqual([]);
    expect(summary.stats.nodes.recorder.framesStored).toBe(2);
  });
});
