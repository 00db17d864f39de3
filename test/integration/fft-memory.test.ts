/**
 * The FFT stage's memory stays bounded over a long stream: 600 frames of 512x512 through a
 * real stage and Piscina pool (test/fixtures/fft/memory.ts, in a process of its own so
 * that the figures are that run's only, with --expose-gc). Each spectrum is 2 MiB (float64
 * magnitude), so a stage that never gives spectra back grows by about 1.2 GB here: the
 * first version, a SharedArrayBuffer per spectrum that the worker kept a handle on, grew
 * by 1154 MiB (peak and after a full GC alike). Now: about 50 MiB at the peak, less than
 * the warm-up's level after a GC (docs/performance-fft.md).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { addonIfBuilt } from '../../native/load-addon.ts';
import { missing } from '../helpers/env.ts';

const noAddon = missing('the camera addon (npm run build:native), which sets the malloc thresholds', () =>
  Boolean(addonIfBuilt()),
);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FRAMES = 600;
const SPECTRUM_MIB = 2;

function runFixture(frames: number, size: number, threads: number, lent = false): Report {
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      'bin/run-ts.js',
      'test/fixtures/fft/memory.ts',
      String(frames),
      String(size),
      String(threads),
      ...(lent ? ['lent'] : []),
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Report;
}

interface Report {
  frames: number;
  emitted: number;
  gc: boolean;
  spectrumMiB: number;
  framesPerSecond: number;
  peakRssGrowthMiB: number;
  peakExternalGrowthMiB: number;
  afterGcRssGrowthMiB: number;
  afterGcExternalGrowthMiB: number;
  maxRssMiB: number;
  faultsPerFrame: number;
  fullGcs: number;
}

describe('FFT stage memory over a long stream', () => {
  it(`${FRAMES} frames of 512x512: spectra are freed as downstream lets them go`, () => {
    const report = runFixture(FRAMES, 512, 2);
    expect(report.emitted).toBe(FRAMES);
    expect(report.spectrumMiB).toBe(SPECTRUM_MIB);
    expect(report.gc).toBe(true);
    const all = FRAMES * SPECTRUM_MIB; // 1200 MiB: what a stage that keeps every spectrum adds
    const info = JSON.stringify(report);
    // At its peak, while frames stream (no forced GC): a bounded number of spectra alive,
    // not one per frame. Measured: 42-54 MiB; the first version: 1154-1169 MiB.
    expect(report.peakExternalGrowthMiB, info).toBeLessThan(all / 6);
    expect(report.peakRssGrowthMiB, info).toBeLessThan(all / 6);
    // After a full GC on the main thread, nothing of the stream is left: the main thread's
    // collector alone owns the spectra. Measured: -40 MiB; the first version: +1154 MiB.
    expect(report.afterGcExternalGrowthMiB, info).toBeLessThan(16 * SPECTRUM_MIB);
  });

  // The fixture sets a run's malloc thresholds through the addon; without them glibc's own apply.
  it.skipIf(noAddon)(
    'an 8 MiB spectrum (1024x1024 magnitude) reuses memory freed by earlier ones: few page faults per frame',
    () => {
      const report = runFixture(200, 1024, 1);
      expect(report.emitted).toBe(200);
      expect(report.spectrumMiB).toBe(8);
      // A spectrum is 2048 pages. Allocated by the worker, whose malloc arena gave freed heaps back
      // to the kernel: 206-235 faults per frame. Allocated on the main thread (stage.ts,
      // MAIN_ALLOC_BYTES): 8-16.
      expect(report.faultsPerFrame, JSON.stringify(report)).toBeLessThan(64);
    },
  );

  it(`${FRAMES} frames of 512x512 to a consumer that gives spectra back: reused, no full collection, a few spectra alive`, () => {
    const report = runFixture(FRAMES, 512, 2, true);
    const info = JSON.stringify(report);
    expect(report.emitted).toBe(FRAMES);
    // Fresh spectra (a consumer that may keep them): 17 full collections, 52 MiB at the peak.
    // Given back (docs/frame-lifetimes.md): 0, and 4 MiB.
    expect(report.fullGcs, info).toBeLessThanOrEqual(1);
    expect(report.peakExternalGrowthMiB, info).toBeLessThan(8 * SPECTRUM_MIB);
  });
});
