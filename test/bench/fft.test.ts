// The FFT bench's stage measurement (bench/fft.ts --pool-child): the stage runs its frames, and
// the transform alone it is held against runs in the stage's own worker thread, where the
// stage's transforms ran (this machine's two CPUs are not alike: docs/performance-fft.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missing } from '../helpers/env.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const noAddon = missing('the native addon (npm run build:native)', () =>
  existsSync(join(ROOT, 'native/build/Release/patchbay_camera.node')),
);

describe('bench/fft.ts --pool-child', () => {
  it.skipIf(noAddon)(
    'times the transform alone in the stage’s own worker, in turns with the stage’s frames',
    () => {
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/fft.ts'), '--pool-child', '96,128,1,magnitude', '--quick'],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const run = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(run.aloneInStageWorkers).toBe(true);
      expect(run.transformMs).toBeGreaterThan(0);
      expect(run.workerMedianMs).toBeGreaterThan(0);
      expect(run.ratioInTurns).toBeGreaterThan(0);
      expect(run.outputs).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );
});
