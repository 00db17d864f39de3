import { expect, test } from 'vitest';
import { formatStats, formatStatsLine, formatSummary, progressBar } from '../../runtime/exec/format.ts';
import type { NodeRates, RunSummary, StatsSnapshot } from '../../runtime/exec/types.ts';

const node = (type: string, n: Partial<NodeRates>): NodeRates => ({
  type,
  framesIn: 0,
  framesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  bytesCopied: 0,
  dropped: 0,
  errors: 0,
  queueDepth: 0,
  busyNs: 0,
  fps: 0,
  mbps: 0,
  msPerFrame: 0,
  state: 'running',
  ...n,
});

const snap: StatsSnapshot = {
  elapsedMs: 2500,
  nodes: {
    camera: node('Camera', { framesOut: 100, fps: 40 }),
    publish: node('Publish', { framesIn: 100, framesOut: 100, dropped: 7 }),
  },
  links: {
    'publish.out -> fft.in': {
      link: 'publish.out -> fft.in',
      frames: 93,
      bytes: 0,
      dropped: 7,
      queueDepth: 0,
      fps: 37,
      mbps: 0,
      lossless: false,
    },
  },
  progress: { done: 100, total: 400 },
};

test('the progress bar shows the fraction and the counts', () => {
  expect(progressBar(100, 400, 20)).toBe('[#####---------------] 25% 100/400 frames');
  expect(progressBar(0, 0, 4)).toBe('[----] 0% 0/0 frames');
});

test('the live table has a row per node and per link, and the progress bar', () => {
  const text = formatStats(snap);
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/^node\s+type\s+state\s+in\s+out/);
  expect(lines.find((l) => l.startsWith('camera'))).toMatch(/Camera\s+running\s+0\s+100\s+40\.0/);
  expect(text).toContain('publish.out -> fft.in (may drop)');
  expect(text).toContain('25% 100/400 frames');
});

test('the log line names every node with its count; the summary gives exit code, drops and failures', () => {
  expect(formatStatsLine(snap)).toBe('[2.5 s 25%] camera 100 (40/s), publish 100 (0/s, 7 dropped)\n');
  const summary: RunSummary = {
    ok: false,
    exitCode: 1,
    lost: 3,
    durationMs: 2000,
    stats: snap,
    failures: [{ node: 'fft', code: 'STAGE_FAILED', message: 'boom' }],
  };
  const text = formatSummary(summary);
  expect(text.split('\n')[0]).toBe('run FAILED in 2.0 s (exit code 1)');
  expect(text).toMatch(/camera\s+Camera\s+0\s+100\s+0\s+0\s+50\.0/);
  expect(text).toContain('dropped at the high-water mark on publish.out -> fft.in: 7');
  expect(text).toContain('LOST on lossless links: 3 frames');
  expect(text).toContain('failed: fft: STAGE_FAILED: boom');
});
