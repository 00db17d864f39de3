/**
 * Issue 20, item 1 (the executor's half): a run whose endpoint is taken fails before any of
 * its stages opens a file, so a graph started twice never truncates the first run's recording.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { freePort } from '../helpers/run-harness.ts';
import { runCli, scratch } from './harness.ts';

describe('a second run of a graph', () => {
  test('whose endpoint another run holds fails with SOCKET_ERROR and leaves the recording as it was', async () => {
    const dir = scratch();
    const port = await freePort();
    // Another run (here: a socket of the test) holds the endpoint.
    const holder = new zmq.Pull({ linger: 0 });
    await holder.bind(`tcp://127.0.0.1:${port}`);
    try {
      const recording = join(dir, 'out.h5');
      const before = Buffer.from("the first run's recording, whatever its bytes");
      writeFileSync(recording, before);
      const run = runCli(
        dir,
        `patchbay: 1
name: twice
nodes:
  camera: {type: Camera, params: {width: 32, height: 32, fps: 0, frames: 10}}
  copy: {type: Copy}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}"}}
  recorder: {type: HDF5Sink, params: {file: out.h5, ifExists: overwrite}}
links:
  - camera.out -> copy.in
  - copy.out -> publish.in
  - copy.out -> recorder.in
`,
      );
      const out = await run.exit;
      expect(out.code).not.toBe(0);
      expect(out.summary!.failures.map((f) => [f.node, f.code])).toEqual([['publish', 'SOCKET_ERROR']]);
      expect(readFileSync(recording)).toEqual(before);
    } finally {
      holder.close();
    }
  });
});
