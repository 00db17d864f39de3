import { expect, test } from 'vitest';
import type { Frame } from '../../runtime/wire/index.ts';
import type { StatsSnapshot } from '../../runtime/exec/types.ts';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';

test('stats: snapshots while running with rates and progress; tap sees every frame each node emits', async () => {
  const N = 300;
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'src', type: 'TestSource', params: { frames: N, bytes: 1000, intervalMs: 1 } },
      { id: 'copy', type: 'Copy' },
      { id: 'sink', type: 'Capture' },
    ],
    ['src.out -> copy.in', 'copy.out -> sink.in'],
  );
  const tapped: Record<string, number[]> = {};
  const run = runPlan(plan, {
    capture: cap,
    statsIntervalMs: 50,
    tap: (node: string, frame: Frame) => (tapped[node] ??= []).push(frame.seq),
  });
  const snaps: StatsSnapshot[] = [];
  run.on('stats', (s) => snaps.push(s));
  const summary = await run.done;
  expect(summary.exitCode).toBe(0);
  expect(snaps.length).toBeGreaterThanOrEqual(2);
  const progress = snaps.map((s) => s.progress!);
  expect(progress.every((p) => p.total === N)).toBe(true);
  for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
  expect(summary.stats.progress).toEqual({ done: N, total: N });
  expect(snaps.some((s) => s.nodes.src.fps > 0 && s.nodes.src.mbps > 0)).toBe(true);
  expect(snaps.some((s) => s.nodes.sink.state === 'running')).toBe(true);
  expect(summary.stats.nodes.sink.state).toBe('done');
  expect(summary.stats.nodes.sink.framesIn).toBe(N);
  expect(summary.stats.nodes.sink.bytesIn).toBe(N * 1000);
  expect(summary.stats.links['copy.out -> sink.in']).toMatchObject({
    frames: N,
    bytes: N * 1000,
    dropped: 0,
    lossless: true,
  });
  expect(tapped.src).toEqual([...Array(N).keys()]);
  expect(tapped.copy).toEqual([...Array(N).keys()]);
  expect(tapped.sink).toBeUndefined();
});

test('rates are never negative: an FFT whose output nobody takes (its frames out counted as they go)', async () => {
  const plan = makePlan(
    [
      { id: 'src', type: 'Camera', params: { width: 1024, height: 1024, fps: 0, frames: 40 } },
      { id: 'fft', type: 'FFT', params: { threads: 1 } },
    ],
    ['src.out -> fft.in'],
  );
  const run = runPlan(plan, { statsIntervalMs: 5 });
  const rates: number[] = [];
  run.on('stats', (s) => rates.push(s.nodes.fft?.fps ?? 0));
  const summary = await run.done;
  expect(summary.exitCode).toBe(0);
  expect(rates.length).toBeGreaterThan(3);
  expect(Math.min(...rates)).toBeGreaterThanOrEqual(0);
});
