/**
 * A process that runs graph after graph (the editor's server): the FFT's and the Script's
 * workers are reused from one run to the next (a Script's only while its module is unchanged). A pool per run left two zombie esbuild processes per FFT node per
 * run (the threads load TypeScript through tsx, whose esbuild child nobody reaps once its thread
 * is gone): 31 after 15 runs of a Camera -> FFT graph in the server (issue 16, item 8).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';

/** Child processes of this process that have ended and were never reaped. */
function zombies(): number {
  const out = execFileSync('ps', ['-o', 'stat=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((s) => s.startsWith('Z')).length;
}

test('six runs of Camera -> FFT (2 threads) in one process leave no zombie process behind, and each run is whole', async () => {
  const plan = makePlan(
    [
      { id: 'camera', type: 'Camera', params: { width: 64, height: 64, fps: 0, frames: 20 } },
      { id: 'fft', type: 'FFT', params: { threads: 2 } },
      { id: 'sink', type: 'Capture' },
    ],
    ['camera.out -> fft.in', 'fft.out -> sink.in'],
  );
  const before = zombies();
  for (let i = 0; i < 6; i++) {
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).toBe(0);
    expect(summary.stats.nodes.sink.framesIn).toBe(20);
  }
  expect(zombies() - before).toBe(0);
});

test('six runs of a Script leave no zombie either; a module changed between runs is loaded again', async () => {
  const module = join(mkdtempSync(join(tmpdir(), 'patchbay-pool-')), 'add.js');
  const write = (n: number) =>
    writeFileSync(
      module,
      `export default (frame) => ({ data: frame.data.map((x) => x + ${n}), shape: frame.shape, dtype: 'uint8' });\n`,
    );
  const run = async () => {
    const plan = makePlan(
      [
        { id: 'camera', type: 'Camera', params: { width: 8, height: 8, fps: 0, frames: 5, particles: 0 } },
        { id: 'script', type: 'Script', params: { module, threads: 2 } },
        { id: 'sink', type: 'Capture' },
      ],
      ['camera.out -> script.in', 'script.out -> sink.in'],
    );
    const cap = captures();
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.exitCode).toBe(0);
    return cap.of('sink').frames[0];
  };
  write(0);
  const before = zombies();
  const plain = await run();
  for (let i = 0; i < 5; i++) await run();
  expect(zombies() - before).toBe(0);
  // The same file edited: the next run adds 1 (a new mtime and content make a new pool).
  write(1);
  const edited = await run();
  expect(edited.seq).toBe(plain.seq);
  expect([...edited.data.slice(0, 8)]).toEqual([...plain.data.slice(0, 8)].map((x) => (x + 1) & 255));
});
