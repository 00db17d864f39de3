/**
 * The flush promise holds under load (issue 20, item 4): with the writer the bottleneck
 * (gzip level 9 on camera noise), SIGKILL loses at most about `flushEvery` of the frames the
 * recorder had received. What it had received when comes from the run's own --json stats
 * lines, timed as they arrive.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killRuns, noH5py, readH5, runCli, tempDir } from '../hdf5/harness.ts';

const dir = tempDir();
afterAll(() => {
  killRuns();
  rmSync(dir, { recursive: true, force: true });
});

const GRAPH = `patchbay: 1
name: gzip-bound
nodes:
  # Mono16 noise at 24 dB gain barely compresses: gzip 9 makes the writer the slowest stage by far.
  camera: {type: Camera, params: {backend: emulator, width: 256, height: 256, pixelFormat: Mono16, fps: 0, gain: 24}}
  recorder: {type: HDF5Sink, params: {file: rec.h5, group: g, ifExists: overwrite, compression: gzip, level: 9, flushEvery: 1}}
links:
  - camera.out -> recorder.in
`;

describe.skipIf(noH5py)('SIGKILL of a writer-bound recording', () => {
  it('every frame received 2 s before the kill is in the file, 3 trials of 3', async () => {
    const figures: string[] = [];
    for (let trial = 1; trial <= 3; trial++) {
      const run = runCli(dir, GRAPH);
      // Long enough for the camera to outrun the writer many times over.
      await run.stats((s) => s.elapsedMs >= 6000);
      const killedAt = Date.now();
      run.kill('SIGKILL');
      const { signal } = await run.exit;
      expect(signal).toBe('SIGKILL');

      const stats = run.lines.filter((l) => l.json.type === 'stats');
      const before = stats.filter((l) => l.at <= killedAt - 2000).at(-1)!;
      const last = stats.at(-1)!;
      const receivedBefore = before.json.type === 'stats' ? before.json.nodes.recorder.framesIn : NaN;
      const receivedLast = last.json.type === 'stats' ? last.json.nodes.recorder.framesIn : NaN;
      const fps = last.json.type === 'stats' ? last.json.nodes.recorder.fps : NaN;
      const g = readH5(path.join(dir, 'rec.h5')).groups.g;
      const stored = g.seq!.length;
      expect(g.seq).toEqual(Array.from({ length: stored }, (_, i) => i));
      expect(g.frameHashes).toHaveLength(stored);
      // What the recorder had at the kill itself, from the last line and its pace since.
      const atKill = receivedLast + (fps * (killedAt - last.at)) / 1000;
      figures.push(
        `trial ${trial}: ${receivedBefore} received 2 s before the kill, about ${Math.round(atKill)} at the kill, ${stored} in the file ` +
          `(${fps.toFixed(1)} frames/s: ${((atKill - stored) / fps).toFixed(2)} s of frames lost)`,
      );
      expect(receivedBefore).toBeGreaterThan(0);
      expect(stored).toBeGreaterThanOrEqual(receivedBefore);
    }
    process.stdout.write(`SIGKILL, gzip 9: ${figures.join('; ')}\n`);
  });
});
