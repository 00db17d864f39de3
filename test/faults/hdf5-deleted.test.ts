/**
 * A recording deleted or replaced under a running recorder is noticed at the next flush
 * (issue 20, item 7): WRITE_FAILED naming the file, a non-zero exit, and a summary that says
 * what is really there (nothing of this run's), every frame received counted lost.
 */
import { existsSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { killRuns, runCli, tempDir } from '../hdf5/harness.ts';
import { freePort } from '../helpers/run-harness.ts';

const dirs: string[] = [];
afterAll(() => {
  killRuns();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const GRAPH = `patchbay: 1
name: deleted
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 64, height: 64, fps: 100}}
  recorder: {type: HDF5Sink, params: {file: rec.h5, group: g, flushEvery: 0.2}}
links:
  - camera.out -> recorder.in
`;

describe('a recording deleted or replaced while it records', () => {
  it.each([
    { what: 'deleted', act: (file: string) => unlinkSync(file), after: undefined },
    {
      what: 'replaced',
      act: (file: string) => {
        writeFileSync(`${file}.other`, 'not this run\n');
        renameSync(`${file}.other`, file);
      },
      after: 'not this run\n',
    },
  ])(
    '$what: the run fails by itself with WRITE_FAILED naming the file, framesStored 0, the frames lost',
    async ({ act, after }) => {
      const dir = tempDir();
      dirs.push(dir);
      const file = path.join(dir, 'rec.h5');
      const run = runCli(dir, GRAPH);
      await run.stats((s) => (s.nodes.recorder?.framesStored ?? 0) > 0);
      act(file);
      // No stop from here: the recorder notices at its next flush and the failure ends the run.
      const { code, summary } = await run.exit;
      expect(code).not.toBe(0);
      const failure = summary!.failures.find((f) => f.node === 'recorder');
      expect(failure?.code).toBe('WRITE_FAILED');
      expect(failure?.message).toContain(file);
      const recorder = summary!.stats.nodes.recorder;
      expect(recorder.framesStored).toBe(0);
      expect(recorder.framesIn).toBeGreaterThan(0);
      expect(summary!.lost).toBe(recorder.framesIn);
      // Whatever took the file's place is left as it is.
      expect(existsSync(file) ? readFileSync(file, 'utf8') : undefined).toBe(after);
    },
  );
});

describe('a recording deleted while no frame comes', () => {
  it('the recorder says so at its next flush, without waiting for a frame (io.fail): the run fails though its producer is quiet', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'rec.h5');
    const port = await freePort();
    const run = runCli(
      dir,
      `patchbay: 1
name: quiet
nodes:
  sink: {type: Pull, params: {endpoint: "tcp://127.0.0.1:${port}"}}
  recorder: {type: HDF5Sink, params: {file: rec.h5, group: g, flushEvery: 0.2}}
links:
  - sink.out -> recorder.in
`,
    );
    await run.stats((s) => s.nodes.sink?.state === 'running');
    // An outside producer sends 5 frames, then stays connected and silent.
    const producer = new zmq.Push({ linger: 0 });
    producer.connect(`tcp://127.0.0.1:${port}`);
    for (let seq = 0; seq < 5; seq++)
      await producer.send([
        `{"v":1,"kind":"frame","seq":${seq},"t":${Date.now()}000000,"dtype":"uint8","shape":[16]}`,
        new Uint8Array(16),
      ]);
    try {
      await run.stats((s) => s.nodes.recorder?.framesStored === 5);
      unlinkSync(file);
      const { code, summary } = await run.exit;
      expect(code).not.toBe(0);
      expect(summary!.failures.find((f) => f.node === 'recorder')?.code).toBe('WRITE_FAILED');
      expect(summary!.lost).toBe(5);
    } finally {
      producer.close();
    }
  });
});
