/**
 * Issue 20, items 2 and 5: where outside programs send to a run. Hostile headers are counted
 * and the good frames stored; a Pull fed by several outside producers ends when all of them
 * have; frames that leave for students' workers and come back are accounted as a loop.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { missing, pythonHas } from '../helpers/env.ts';
import { freePort } from '../helpers/run-harness.ts';
import { readH5 } from '../hdf5/harness.ts';
import { figure, pythonPeer, runCli, scratch, type CliRun } from './harness.ts';
import { killRuns } from '../helpers/cli-run.ts';

// A test that failed half-way leaves its run going: end it.
afterAll(killRuns);

const skip = missing('Debian python3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));

/** Pull (bound on `port`) → HDF5Sink: a sink for outside producers. */
const pullToFile = (port: number) => `patchbay: 1
name: outside-producers
nodes:
  sink: {type: Pull, params: {endpoint: "tcp://127.0.0.1:${port}"}}
  recorder: {type: HDF5Sink, params: {file: out.h5, group: run}}
links:
  - sink.out -> recorder.in
`;

const started = (run: CliRun) => run.stats((s) => s.nodes.sink?.state === 'running');

describe.skipIf(skip)('outside peers at the edge of a run', () => {
  test('hostile headers (t ±1e400, t 1.5e300, t of 30 and 100 000 digits, 70 kB and 5000-deep meta, not JSON, meta {"": 1}) are counted; the good frames are stored', async () => {
    const dir = scratch();
    const port = await freePort();
    const run = runCli(dir, pullToFile(port));
    await started(run);
    const bad = ['t-inf', 't-neg-inf', 't-huge', 't-digits', 't-long', 'meta-70k', 'meta-deep', 'not-json'];
    // The good frames' meta has a key no HDF5 attribute can be named.
    const meta = JSON.stringify({ '': 1, exposureUs: 5000 });
    const peer = pythonPeer(
      'producer.py',
      `tcp://127.0.0.1:${port}`,
      '40',
      '--meta',
      meta,
      ...bad.flatMap((b) => ['--bad', b]),
    );
    expect((await peer.exit).code).toBe(0);
    const out = await run.exit;
    expect(out.code, out.stderr).toBe(0);
    const summary = out.summary!;
    expect(summary.stats.nodes.sink.refused).toEqual({
      BAD_TIME: 4,
      HEADER_TOO_LARGE: 2,
      META_TOO_DEEP: 1,
      BAD_JSON: 1,
    });
    expect(summary.stats.nodes.sink.errors).toBe(8);
    // meta {"": 1} reaches the recorder, which cannot name an attribute "": left out, once, and it goes on.
    expect(summary.stats.nodes.recorder.refused).toEqual({ META_NOT_STORED: 1 });
    expect(summary.stats.nodes.recorder.framesStored).toBe(40);
    const group = readH5(join(dir, 'out.h5')).groups.run;
    expect(group.seq).toEqual([...Array(40).keys()]);
    expect(group.attrs.exposureUs).toBe(5000);
    expect(Object.keys(group.attrs)).not.toContain('');
    figure(
      `hostile headers: ${summary.stats.nodes.sink.errors} refused (${JSON.stringify(summary.stats.nodes.sink.refused)}), 1 meta key left out, ${group.seq!.length} of 40 good frames stored, exit ${out.code}`,
    );
  });

  test("two outside producers on one bound Pull: the first one's end of stream does not end the node; every frame is stored", async () => {
    const dir = scratch();
    const port = await freePort();
    const run = runCli(dir, pullToFile(port));
    await started(run);
    const ep = `tcp://127.0.0.1:${port}`;
    // The slow one is connected and sending when the quick one starts, sends everything and ends.
    const slow = pythonPeer('producer.py', ep, '300', '--interval', '0.004', '--first', '1000');
    await slow.line((l) => l === 'sent 10');
    const quick = pythonPeer('producer.py', ep, '100');
    expect((await quick.exit).code).toBe(0);
    expect((await slow.exit).code).toBe(0);
    const out = await run.exit;
    expect(out.code, out.stderr).toBe(0);
    const seqs = readH5(join(dir, 'out.h5')).groups.run.seq!;
    expect(seqs).toHaveLength(400);
    expect(new Set(seqs)).toEqual(new Set([...Array(100).keys(), ...Array.from({ length: 300 }, (_, i) => 1000 + i)]));
    expect(out.summary!.stats.nodes.recorder.framesStored).toBe(400);
    figure(`two outside producers on one Pull: ${seqs.length} of 400 frames stored, exit ${out.code}`);
  });

  test("a student's worker that crashes between the graph's Push and its Pull: the frames it took are lost, and the run says so", async () => {
    const dir = scratch();
    const [vent, sink] = [await freePort(), await freePort()];
    const yaml = `patchbay: 1
name: loop-through-students
nodes:
  camera: {type: Camera, params: {width: 32, height: 32, fps: 400, frames: 200}}
  ventilator: {type: Push, params: {endpoint: "tcp://127.0.0.1:${vent}", waitFor: 2, hwm: 1}}
  sink: {type: Pull, params: {endpoint: "tcp://127.0.0.1:${sink}"}}
  recorder: {type: HDF5Sink, params: {file: out.h5, group: run}}
links:
  - camera.out -> ventilator.in
  - sink.out -> recorder.in
`;
    const run = runCli(dir, yaml);
    const steady = pythonPeer('relay.py', `tcp://127.0.0.1:${vent}`, `tcp://127.0.0.1:${sink}`);
    const crashing = pythonPeer(
      'relay.py',
      `tcp://127.0.0.1:${vent}`,
      `tcp://127.0.0.1:${sink}`,
      '--crash-after',
      '20',
    );
    expect((await crashing.exit).code).toBe(3);
    expect((await steady.exit).code).toBe(0);
    const out = await run.exit;
    const summary = out.summary!;
    const stored = readH5(join(dir, 'out.h5')).groups.run.seq!.length;
    expect(stored).toBe(summary.stats.nodes.recorder.framesStored);
    // The crashed worker took at least the frame in its hand with it; every missing frame is counted.
    expect(stored).toBeLessThan(200);
    expect(summary.lost).toBe(200 - stored);
    expect(summary.failures.map((f) => f.code)).toContain('FRAMES_LOST');
    expect(out.code).not.toBe(0);
    expect(summary.stats.nodes.sink.refused).toEqual({ PEER_LEFT: 1 });
    figure(
      `a student's worker crashed in the loop: 200 dealt, ${stored} stored, ${summary.lost} reported lost, exit ${out.code}`,
    );
  });
});
