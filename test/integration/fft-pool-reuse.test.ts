/**
 * A process that runs graph after graph (the editor's server): the FFT's workers are reused
 * from one run to the next. A pool per run left two zombie esbuild processes per FFT node per
 * run (the threads load TypeScript through tsx, whose esbuild child nobody reaps once its thread
 * is gone): 31 after 15 runs of a Camera -> FFT graph in the server (issue 16, item 8).
 */
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { makePlan, runPlan } from '../helpers/run-harness.ts';

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
