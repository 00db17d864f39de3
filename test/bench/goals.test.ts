/**
 * bench/lib/goals.ts: issue 18's goals computed from the topic benches' results and main's
 * rows, each as patchbay over its anchor, and whether the target is met; a goal whose
 * figures are missing says n/a rather than a number.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goals, goalsTable } from '../../bench/lib/goals.ts';
import type { Limits } from '../../bench/lib/limits.ts';
import type { Row } from '../../bench/lib/report.ts';

const limits: Limits = {
  memcpyGBps: 10,
  ddPageCacheGBps: 1.5,
  ddBlocks: 1500,
  ddFdatasyncGBps: 0.9,
  fftw1024Ms: { threads1: 4, threads2: 2.5 },
  pyzmqGBps: 3.3,
  zeromqJsGBps: 2.2,
  missing: [],
};

const row = (side: Row['side'], fps: number, vsFast?: number): Row => ({
  pattern: 'pushpull',
  consumer: 'sink',
  side,
  runs: 3,
  failed: 0,
  fps,
  mbps: fps * 2,
  lostMax: 0,
  sent: 200,
  wallS: 1,
  vsFast,
  problems: [],
});

/** A results directory as the topic benches write it; `instead`: a bench's results replaced. */
function results(instead: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-goals-'));
  const json = (name: string, v: unknown) => writeFileSync(join(dir, `${name}.json`), JSON.stringify(v));
  json('hdf5', {
    results: [
      { variant: 'h5py (resize + write per frame)', frames: 500, medianMBps: 1000, medianCpuMs: 2, lost: [0] },
      {
        variant: 'HDF5Sink stage (worker, slab)',
        frames: 500,
        medianMBps: 800,
        ratioToAnchor: 0.8,
        medianCpuMs: 2.4,
        cpuRatioToAnchor: 1.2,
        lost: [0, 0],
      },
      { variant: 'HDF5Sink stage gzip-1', medianMBps: 30, ratioToAnchor: 0.9, lost: [0] },
    ],
  });
  json('fft', {
    transforms: [
      { size: '1024x1024', fftwRfft2Ms: 4, exactHalfMs: 5, exactComplexMs: 6 },
      { size: '2048x2048', fftwRfft2Ms: 20, exactHalfMs: 25, exactComplexMs: 30 },
    ],
    pool: [{ size: '1024x1024', one: { fps: 100, workerMs: 6.3 }, two: { fps: 190, workerMs: 6.5 } }],
    half1024Two: { fps: 300 },
    parallel1024Fps: 340,
  });
  json('camera', {
    rows: [
      { source: 'emulator', format: 'Mono16', mode: 'pool', fps: 4000 },
      { source: 'emulator via Camera stage', format: 'Mono16', mode: 'owned', fps: 1000 },
      { source: 'emulator via Camera stage', format: 'Mono16', mode: 'lent', fps: 2000 },
    ],
  });
  for (const [name, v] of Object.entries(instead)) json(name, v);
  return dir;
}

describe('bench/lib/goals.ts', () => {
  it('gives each goal its ratio to the anchor and whether the target is met', () => {
    const gs = goals([row('patchbay', 60, 1.6), row('fast', 37.5)], limits, results());
    const by = (name: string) => gs.find((g) => g.goal.startsWith(name))!;
    expect(by('Camera → disk vs h5py')).toMatchObject({ ratio: 0.8, target: 1, met: false });
    expect(by('Camera → disk vs h5py').goal).toContain('(500 of 2 MiB)');
    expect(by('Camera → disk vs dd into').ratio).toBeCloseTo(800 / 1500);
    expect(by('Camera → disk vs dd into').anchor).toBe('dd 1500 MB/s (1500 × 2 MiB)');
    // 800 MB/s against the disk's 900 with fdatasync.
    expect(by('Camera → disk vs dd with fdatasync')).toMatchObject({ met: true });
    expect(by('Camera → disk vs dd with fdatasync').ratio).toBeCloseTo(800 / 900);
    expect(by('Camera → disk: CPU per frame')).toMatchObject({ ratio: 1.2, lowerIsBetter: true, met: false });
    expect(by('FFT 1024x1024 vs FFTW')).toMatchObject({ ratio: 0.8, met: true });
    // The stage's CPU against its transform: lower is better, 6.3 / 6 is within 10 %.
    expect(by('FFT stage 1024x1024')).toMatchObject({ lowerIsBetter: true, met: true });
    expect(by('FFT stage 1024x1024').ratio).toBeCloseTo(1.05);
    // 340 and 300 frames/s against FFTW's 2.5 ms on 2 threads (400 frames/s).
    expect(by('FFT 1024², half spectrum, on 2 cores')).toMatchObject({ ratio: 0.85, met: true });
    expect(by('FFT stage 1024², half spectrum, 2 workers')).toMatchObject({ ratio: 0.75, met: false });
    // 25 ms at 2048² against 5 ms at 1024² times 4.4: super-linear, past the 10 % allowed.
    expect(by('FFT 2048²').ratio).toBeCloseTo(25 / 22);
    expect(by('FFT 2048²')).toMatchObject({ lowerIsBetter: true, met: false });
    // FFTW's own step in the same run, for scale: 20 ms against 4 ms times 4.4.
    expect(by('FFT 2048²').anchor).toBe(
      "22.00 ms (1024²: 5.00 ms, the medians, not in turns; FFTW's own step ×1.14, its 2048² 20.00 ms)",
    );
    expect(by('pushpull (sink) vs the fast Python')).toMatchObject({ ratio: 1.6, target: 1.5, met: true });
    expect(by('Camera stage Mono16')).toMatchObject({ ratio: 0.5, met: false });
  });

  it('reads the 2048² step from both sizes in turns where the FFT bench timed them so, against the warm 1024²', () => {
    const fft = {
      transforms: [
        { size: '1024x1024', fftwRfft2Ms: 4, exactHalfMs: 5, exactComplexMs: 6 },
        { size: '2048x2048', fftwRfft2Ms: 20, exactHalfMs: 25, exactComplexMs: 30 },
      ],
      pool: [],
      stepInTurns: { warm: 1.08, cold: 0.97, warmMs: 5.5, coldMs: 6.1, ms2048: 26 },
    };
    const g = goals([], limits, results({ fft })).find((x) => x.goal.startsWith('FFT 2048²'))!;
    expect(g).toMatchObject({ ratio: 1.08, met: true, patchbay: '26.00 ms' });
    expect(g.anchor).toBe(
      "24.20 ms (1024² warm 5.50 ms; against a cold 1024² ×0.97; the medians' ×1.14; FFTW's own step ×1.14, its 2048² 20.00 ms)",
    );
  });

  it("holds the FFT stage's CPU against the transform timed in turns with it, where the pool timed one", () => {
    const fft = {
      transforms: [{ size: '1024x1024', fftwRfft2Ms: 4, exactHalfMs: 5, exactComplexMs: 6 }],
      pool: [{ size: '1024x1024', one: { fps: 100, workerMs: 6.3, transformMs: 7 }, two: { fps: 190, workerMs: 6.5 } }],
    };
    const g = goals([], limits, results({ fft })).find((x) => x.goal.startsWith('FFT stage 1024x1024'))!;
    expect(g).toMatchObject({ anchor: 'transform 7.00 ms, in turns', met: true });
    expect(g.ratio).toBeCloseTo(0.9);
  });

  it('compares the stage with the dd of the same HDF5 bench run by run, where it ran one', () => {
    const dir = results({
      hdf5: {
        results: [
          {
            variant: 'HDF5Sink stage (libhdf5, frames written where they lie)',
            frames: 500,
            medianMBps: 800,
            mbps: [1000, 600, 800],
            lost: [0],
          },
          {
            variant: 'dd of the same bytes into the same directory',
            frames: 500,
            medianMBps: 1000,
            mbps: [500, 1000, 2000],
            lost: [0],
          },
        ],
      },
    });
    const gs = goals([], limits, dir);
    const cache = gs.filter((g) => g.goal.startsWith('Camera → disk vs dd in turns'));
    expect(cache).toHaveLength(1);
    // The limits' dd, three runs in a row minutes apart, still has its own row.
    expect(gs.find((g) => g.goal.startsWith('Camera → disk vs dd into the page cache'))!.ratio).toBeCloseTo(800 / 1500);
    // Per run 2.0, 0.6 and 0.4: the median of the ratios (0.6), not the ratio of the medians (0.8).
    expect(cache[0]).toMatchObject({ ratio: 0.6, met: false, anchor: "dd 1000 MB/s (the limits' dd: 1500)" });
    expect(gs.find((g) => g.goal.startsWith('Camera → disk vs dd with fdatasync'))!.ratio).toBeCloseTo(800 / 900);
  });

  it('takes the Camera stage against the pool mode run by run in turns, where the camera bench did so', () => {
    const dir = results({
      camera: {
        rows: [
          { source: 'emulator', format: 'Mono8', mode: 'pool', fps: 8000 },
          { source: 'emulator via Camera stage', format: 'Mono8', mode: 'lent', fps: 6800, vsPoolInTurns: 0.95 },
        ],
      },
    });
    const g = goals([], limits, dir).find((x) => x.goal.startsWith('Camera stage Mono8'))!;
    // The ratio of the medians would be 0.85; the repetitions in turns say 0.95.
    expect(g).toMatchObject({ ratio: 0.95, met: true, anchor: 'pool 8000 frames/s, in turns' });
  });

  it('says n/a for a goal whose figures are missing, and prints every goal as a table row', () => {
    const gs = goals([], undefined, mkdtempSync(join(tmpdir(), 'patchbay-goals-none-')));
    const dd = gs.find((g) => g.goal.startsWith('Camera → disk vs dd'))!;
    expect(dd).toMatchObject({ ratio: undefined, met: undefined, anchor: 'n/a (--limits)' });
    const table = goalsTable(gs).split('\n');
    expect(table).toHaveLength(gs.length + 2);
    expect(table[2]).toContain('| n/a | ≥ 1 | ? |');
  });
});
