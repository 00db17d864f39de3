/**
 * Issue 20, items 6 and 7: two graphs meeting over tcp, and a placed half run alone. The
 * subscriber's graph starts first; the publisher's must not report success while frames
 * vanish, and the subscriber must end and know what it missed.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { missing, pythonHas } from '../helpers/env.ts';
import { freePort } from '../helpers/run-harness.ts';
import { readH5 } from '../hdf5/harness.ts';
import { figure, patchbayPlan, pythonPeer, runCli, scratch } from './harness.ts';
import { collectorGraph, killRuns, within } from '../helpers/cli-run.ts';

// A test that failed half-way leaves its run going: end it.
afterAll(killRuns);

const skip = missing('Debian python3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));

/** A graph that records what it hears at tcp://127.0.0.1:PORT. */
const listener = (port: number, hwm: number) => `patchbay: 1
name: listener
nodes:
  listen: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:${port}", hwm: ${hwm}}}
  recorder: {type: HDF5Sink, params: {file: sub.h5, group: run}}
links:
  - listen.out -> recorder.in
`;

/** A graph that publishes Mono16 camera frames at tcp://127.0.0.1:PORT. */
const camera = (port: number, params: string, publish: string) => `patchbay: 1
name: camera
nodes:
  camera: {type: Camera, params: {pixelFormat: Mono16, ${params}}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}", ${publish}}}
links:
  - camera.out -> publish.in
`;

describe.skipIf(skip)('graph to graph, and halves alone', () => {
  // 64²: the publisher is done before the subscriber's reconnect (ZeroMQ retries every 100 ms)
  // reaches it; 1024² Mono16: it joins part way.
  test.each([64, 1024])(
    'subscriber first, then a publisher of 300 %i² frames at full speed: stored + counted drops = frames sent, and the subscriber ends',
    async (size) => {
      const dir = scratch();
      const port = await freePort();
      const subscriber = runCli(dir, listener(port, 4), 'sub.yaml');
      await subscriber.stats((s) => s.nodes.listen?.state === 'running');
      const publisher = runCli(
        dir,
        camera(port, `width: ${size}, height: ${size}, fps: 0, frames: 300`, 'topic: camera_frame'),
        'pub.yaml',
      );
      const pub = await publisher.exit;
      const sub = await subscriber.exit;
      const pubSummary = pub.summary!;
      const subSummary = sub.summary!;
      const stored = readH5(join(dir, 'sub.h5')).groups.run?.seq?.length ?? 0;
      expect(subSummary.stats.nodes.recorder.framesStored).toBe(stored);
      // Every frame is either in the subscriber's file or counted as dropped on its side.
      expect(stored + subSummary.stats.nodes.listen.dropped).toBe(300);
      expect(pubSummary.stats.nodes.publish.framesOut).toBe(300);
      // What the publisher sent before the subscriber's subscription arrived, it says it sent to nobody.
      expect(pubSummary.stats.nodes.publish.unheard ?? 0).toBe(pubSummary.stats.nodes.publish.dropped);
      expect(sub.code, sub.stderr).toBe(0);
      expect(pub.code, pub.stderr).toBe(0);
      figure(
        `graph to graph, subscriber first, 300 frames of ${size}²: ${stored} stored + ${subSummary.stats.nodes.listen.dropped} counted dropped by the subscriber; ` +
          `the publisher sent ${pubSummary.stats.nodes.publish.unheard ?? 0} to nobody`,
      );
    },
  );

  test('a subscriber stalled (SIGSTOP) while the publisher ends: resumed, it still gets end of stream, ends, and every frame is stored or counted', async () => {
    const dir = scratch();
    const port = await freePort();
    const subscriber = runCli(dir, listener(port, 2), 'sub.yaml');
    await subscriber.stats((s) => s.nodes.listen?.state === 'running');
    const publisher = runCli(
      dir,
      camera(port, 'width: 1024, height: 1024, fps: 100, frames: 200', 'hwm: 2'),
      'pub.yaml',
    );
    // The subscriber stalls once frames flow (its queues fill: the publisher drops for it)...
    await subscriber.stats((s) => (s.nodes.recorder?.framesIn ?? 0) > 0);
    process.kill(subscriber.pid, 'SIGSTOP');
    try {
      // ...and stays stalled through the publisher's last frame and one more stats line (1 s),
      // longer than the few end-of-stream messages sent to a subscriber that cannot confirm.
      let seen = 0;
      await Promise.race([
        publisher.exit,
        // (a publisher that ends first rejects this wait: its exit is the other branch)
        publisher.stats((s) => s.nodes.publish?.framesOut === 200 && ++seen === 2).catch(() => undefined),
      ]);
    } finally {
      process.kill(subscriber.pid, 'SIGCONT');
    }
    // Without its end of stream the subscriber would wait for the publisher for ever.
    const sub = await within(subscriber.exit, 20_000, 'the subscriber did not end after resuming');
    const pub = await publisher.exit;
    expect(pub.code, pub.stderr).toBe(0);
    expect(sub.code, sub.stderr).toBe(0);
    const stored = readH5(join(dir, 'sub.h5')).groups.run?.seq?.length ?? 0;
    expect(stored + sub.summary!.stats.nodes.listen.dropped).toBe(200);
    figure(
      `graph to graph, subscriber stalled through the publisher's end: ${stored} stored + ${sub.summary!.stats.nodes.listen.dropped} counted dropped = 200`,
    );
  });

  test('two publishing graphs into one bound Subscribe: it ends after both, every frame stored, and the first publisher ends without waiting for the second', async () => {
    const dir = scratch();
    const port = await freePort();
    const subscriber = runCli(dir, collectorGraph(port, 'sub.h5'), 'sub.yaml');
    await subscriber.stats((s) => s.nodes.listen?.state === 'running');
    const connect = `topic: camera_frame, bind: false, waitFor: 1, hwm: 1000`;
    // The long one first, and the short one once the subscriber counts it: a publisher not yet
    // connected cannot be waited for (the subscriber ends at the end of stream of every publisher
    // that connected; docs/wire-format.md), and a run's start can outlast 20 frames on a busy machine.
    const second = runCli(dir, camera(port, 'width: 64, height: 64, fps: 100, frames: 400', connect), 'second.yaml');
    await subscriber.stats((s) => s.nodes.listen?.peers === 1);
    const first = runCli(dir, camera(port, 'width: 64, height: 64, fps: 100, frames: 20', connect), 'first.yaml');
    let secondEnded = false;
    void second.exit.then(() => (secondEnded = true));
    // The second still has most of its 4 s of frames to send when the first has sent its 20.
    const a = await within(first.exit, 20_000, 'the first publisher did not end');
    expect(secondEnded, 'the first publisher waited for the second to end').toBe(false);
    const b = await within(second.exit, 20_000, 'the second publisher did not end');
    const sub = await within(subscriber.exit, 20_000, 'the subscriber did not end after both publishers');
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(sub.code, sub.stderr).toBe(0);
    const stored = readH5(join(dir, 'sub.h5')).groups.run?.seq?.length ?? 0;
    expect(stored).toBe(420);
    expect(sub.summary!.stats.nodes.listen.dropped).toBe(0);
    figure(
      `two publishing graphs into one bound Subscribe: ${stored} of 420 stored, the first ended while the second ran`,
    );
  });

  test('a publisher with no subscriber says so: "300 frames published, no subscriber"', async () => {
    const dir = scratch();
    const port = await freePort();
    const run = runCli(
      dir,
      `patchbay: 1
name: alone
nodes:
  camera: {type: Camera, params: {width: 64, height: 64, fps: 0, frames: 300}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}"}}
links:
  - camera.out -> publish.in
`,
    );
    const out = await run.exit;
    expect(out.summary!.stats.nodes.publish).toMatchObject({ framesOut: 300, dropped: 300, unheard: 300 });
  });

  test('waitFor is visible: the plan says it, and a run waiting for 3 subscribers with 2 joined says "waiting for 3 subscribers (2 joined)"', async () => {
    const dir = scratch();
    const port = await freePort();
    const yaml = `patchbay: 1
name: lesson
nodes:
  camera: {type: Camera, params: {width: 64, height: 64, fps: 50, frames: 10}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}", topic: camera, waitFor: 3}}
links:
  - camera.out -> publish.in
`;
    const plan = await patchbayPlan(dir, yaml);
    expect(plan.stdout).toContain('waits for 3 outside subscribers before the sources start');
    const run = runCli(dir, yaml);
    const students = [1, 2].map(() =>
      pythonPeer('../../../examples/python/subscriber.py', `tcp://127.0.0.1:${port}`, 'camera', '--quiet'),
    );
    const waiting = await run.stats((s) => s.nodes.publish?.waiting?.joined === 2);
    expect(waiting.nodes.publish.waiting).toEqual({ what: 'subscribers', want: 3, joined: 2 });
    run.kill('SIGINT');
    await run.exit;
    for (const s of students) s.kill('SIGTERM');
  });

  test('the analysis half of a two-host graph, alone, whose camera never came: one Ctrl-C stops it within 2 s', async () => {
    const dir = scratch();
    const port = await freePort();
    const yaml = `patchbay: 1
name: halves
nodes:
  camera: {type: Camera, host: camera-pc, params: {width: 64, height: 64, fps: 100, frames: 200}}
  ventilator: {type: Push, host: camera-pc, params: {endpoint: "tcp://127.0.0.1:${port}"}}
  worker: {type: FFT, host: analysis-pc}
  recorder: {type: HDF5Sink, host: analysis-pc, params: {file: out.h5, group: run}}
links:
  - camera.out -> ventilator.in
  - ventilator.out -> worker.in
  - worker.out -> recorder.in
`;
    const run = runCli(dir, yaml, 'graph.yaml', '--host', 'analysis-pc');
    await run.stats((s) => s.nodes.worker !== undefined);
    const t0 = Date.now();
    run.kill('SIGINT');
    const out = await run.exit;
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(2000);
    figure(`a lone half whose peers never came: stopped ${ms} ms after one Ctrl-C`);
    expect(out.stderr).not.toContain('FORCED_STOP');
    expect(out.summary!.stats.nodes.recorder.framesStored).toBe(0);
  });
});
