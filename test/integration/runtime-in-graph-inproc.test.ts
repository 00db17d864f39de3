/**
 * Socket nodes of one graph meet in process (inproc) while their tcp endpoint stays open to
 * outside programs: a Push node deals frames round robin to an in-graph recorder (inproc) and
 * a student's pyzmq worker (tcp), and every seq arrives exactly once across the two; a
 * Publish node serves an in-graph recorder and a student's subscriber, both every frame.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { compileGraph } from '../../runtime/compile/index.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import * as zmq from 'zeromq';
import { captures, freePort, makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';
import { decode, encode, type Frame } from '../../runtime/wire/index.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import { start } from '../helpers/child.ts';
import { readH5 } from '../hdf5/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../../examples/python/worker.py', import.meta.url));
const SUBSCRIBER = fileURLToPath(new URL('../../examples/python/subscriber.py', import.meta.url));
const skip = missing('python3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));
const work = mkdtempSync(path.join(tmpdir(), 'patchbay-inproc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the graph `text` through the real CLI with a Python peer started once the run is up;
 * both must exit 0. Returns the peer's last (JSON) line and the seqs h5py finds in `h5`.
 */
async function runBeside(
  name: string,
  text: string,
  peer: string[],
  h5: string,
): Promise<{ peer: Record<string, unknown>; recorded: number[] }> {
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, text);
  const run = start(process.execPath, [BIN, 'run', file, '--json']);
  await run.line((l) => l.startsWith('{'));
  const [rp, rr] = await Promise.all([start(PYTHON, peer).exit, run.exit]);
  expect(rr.code, rr.stderr).toBe(0);
  expect(rp.code, rp.stderr).toBe(0);
  const groups = Object.values(readH5(h5).groups);
  expect(groups).toHaveLength(1);
  return { peer: JSON.parse(rp.stdout.trim().split('\n').at(-1)!), recorded: groups[0].seq ?? [] };
}

describe.skipIf(skip)('in-graph peers over inproc, outside peers over tcp', () => {
  test('a Push node feeds an in-graph recorder and an outside worker: every seq exactly once', async () => {
    const N = 60;
    const ep = `tcp://127.0.0.1:${await freePort()}`;
    const h5 = path.join(work, 'mixed.h5');
    const text = [
      'patchbay: 1',
      'nodes:',
      `  camera: {type: Camera, params: {width: 32, height: 32, fps: 200, frames: ${N}}}`,
      // waitFor counts outside workers only: the in-graph recorder meets it over inproc, with no handshake.
      `  ventilator: {type: Push, params: {endpoint: "${ep}", waitFor: 1}}`,
      `  recorder: {type: HDF5Sink, params: {file: "${h5}"}}`,
      'links:',
      '  - camera.out -> ventilator.in',
      '  - ventilator.out -> recorder.in',
      '',
    ].join('\n');

    const plan = compileGraph(loadGraph(text).graph!);
    const pull = plan.sockets.find((s) => s.node === 'recorder' && s.type === 'PULL')!;
    expect(pull).toMatchObject({ side: 'connect', endpoint: ep, inproc: 'inproc://in-graph/ventilator' });
    expect(plan.sockets.find((s) => s.node === 'ventilator')).toMatchObject({
      side: 'bind',
      endpoint: ep,
      inproc: 'inproc://in-graph/ventilator',
    });

    const { peer, recorded: inside } = await runBeside('mixed', text, [WORKER, ep], h5);
    const outside = peer.seqs as number[];

    expect(outside.length).toBeGreaterThan(0);
    expect(inside.length).toBeGreaterThan(0);
    expect([...outside, ...inside].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  test('a Publish node serves an in-graph recorder (inproc) and an outside subscriber (tcp): both get every frame and end', async () => {
    const N = 40;
    const ep = `tcp://127.0.0.1:${await freePort()}`;
    const h5 = path.join(work, 'pub.h5');
    const text = [
      'patchbay: 1',
      'nodes:',
      `  camera: {type: Camera, params: {width: 32, height: 32, fps: 100, frames: ${N}}}`,
      `  publisher: {type: Publish, params: {endpoint: "${ep}", topic: cam, hwm: 100, waitFor: 1}}`,
      `  recorder: {type: HDF5Sink, params: {file: "${h5}"}}`,
      'links:',
      '  - camera.out -> publisher.in',
      '  - publisher.out -> recorder.in',
      '',
    ].join('\n');
    const plan = compileGraph(loadGraph(text).graph!);
    expect(plan.sockets.find((s) => s.node === 'recorder')).toMatchObject({
      type: 'SUB',
      side: 'connect',
      inproc: 'inproc://in-graph/publisher',
    });

    const { peer, recorded: inside } = await runBeside('pub', text, [SUBSCRIBER, ep, 'cam', '--quiet'], h5);
    const outside = peer as { seqs: number[]; sent: number };
    const all = Array.from({ length: N }, (_, i) => i);
    expect(outside.sent).toBe(N);
    expect(outside.seqs).toEqual(all);
    expect(inside).toEqual(all);
  });
});

/**
 * Between sockets of the graph that meet over inproc, frames go by reference: the message
 * carries "#<id>" and the receiver takes the Frame object itself (no payload through ZeroMQ).
 */
describe("frames handed over by reference between the graph's own sockets", () => {
  const seqOf = (f: Frame) => new DataView(f.data.buffer, f.data.byteOffset).getUint32(0, true);

  test('PUB to a fast and a stalling subscriber: each gets its frames (content intact), drops equal what is missing', async () => {
    const ep = await uniqAddress('tcp');
    const alias = 'inproc://in-graph/pub';
    const N = 600;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 64 * 1024 } },
        { id: 'pub', type: 'Publish', params: { endpoint: ep, topic: 'cam', hwm: 2 } },
        { id: 'fast', type: 'Capture' },
        // Falls more than the window of kept references behind now and then.
        { id: 'slow', type: 'Capture', params: { delayMs: 40, delayEvery: 50 } },
      ],
      ['src.out -> pub.in', 'pub.out -> fast.in', 'pub.out -> slow.in'],
      [
        sock('pub', 'PUB', 'bind', ep, { hwm: 2, inproc: alias }),
        sock('fast', 'SUB', 'connect', ep, { link: 'pub.out -> fast.in', topics: ['cam'], hwm: 2, inproc: alias }),
        sock('slow', 'SUB', 'connect', ep, { link: 'pub.out -> slow.in', topics: ['cam'], hwm: 2, inproc: alias }),
      ],
    );
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    const links = summary.stats.links;
    for (const id of ['fast', 'slow']) {
      const got = cap.of(id).frames;
      expect(got.length).toBeGreaterThan(0);
      expect(links[`pub.out -> ${id}.in`].dropped).toBe(N - got.length);
      expect(got.map((f) => f.seq)).toEqual([...new Set(got.map((f) => f.seq))].sort((a, b) => a - b));
      expect(got.every((f) => seqOf(f) === f.seq && f.data.byteLength === 64 * 1024)).toBe(true);
      expect(summary.stats.nodes[id].errors).toBe(0);
    }
    expect(cap.of('slow').frames.length).toBeLessThan(N);
    expect(cap.of('slow').ended && cap.of('fast').ended).toBe(true);
  });

  test("a Request dialling the graph's Reply takes its frames themselves; an outside REQ on the tcp endpoint still gets bytes", async () => {
    const ep = await uniqAddress('tcp');
    const alias = 'inproc://in-graph/reply';
    const emitted = new Set<Uint8Array>();
    const source: StageFactory = (io) => ({
      async run() {
        let i = 0;
        for (; !io.signal.aborted; i++) {
          const f = numberedFrame(i, 256 * 1024);
          emitted.add(f.data);
          await io.emit('out', f);
          await new Promise((r) => setImmediate(r));
        }
        return i;
      },
    });
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'Numbered' },
        { id: 'reply', type: 'Reply', params: { endpoint: ep } },
        { id: 'request', type: 'Request', params: { endpoint: ep, rate: 100000, frames: 20 } },
        { id: 'sink', type: 'Capture' },
      ],
      ['src.out -> reply.in', 'request.out -> sink.in'],
      [
        sock('reply', 'REP', 'bind', ep, { hwm: 1, inproc: alias }),
        sock('request', 'REQ', 'connect', ep, { hwm: 1, inproc: alias }),
      ],
    );
    const run = runPlan(plan, { capture: cap, stages: { Numbered: source } });
    // A student's client on the tcp endpoint, while the graph's own asks in process.
    const outside = new zmq.Request({ receiveTimeout: 5000 });
    outside.connect(ep);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      await outside.send('read');
      const { msg } = decode(await outside.receive());
      if (msg.kind === 'frame') seen.push(seqOf(msg));
    }
    // Asking the way the graph's Request does, without the run's token: bytes all the same.
    await outside.send('{"v":1,"kind":"request","byRef":true}');
    const asked = await outside.receive();
    expect(asked[0].toString('latin1').startsWith('#')).toBe(false);
    outside.close();
    await cap.of('sink').reached(20);
    run.stop();
    const summary = await run.done;
    expect(summary.failures).toEqual([]);
    const got = cap.of('sink').frames;
    expect(got).toHaveLength(20);
    // By reference: the very buffers the source emitted, each with its own seq.
    expect(got.every((f) => emitted.has(f.data) && seqOf(f) === f.seq)).toBe(true);
    // By bytes: frames in the wire format, decoded by the student's side.
    expect(seen).toHaveLength(5);
  });

  test('producers into a bound Pull (a link PUSH and a Push node that connects): every frame exactly once', async () => {
    const ep = await uniqAddress('tcp');
    const alias = 'inproc://in-graph/sink';
    const N = 2000;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'a', type: 'TestSource', params: { frames: N, bytes: 4096 } },
        { id: 'b', type: 'TestSource', params: { frames: N, bytes: 8192 } },
        { id: 'vent', type: 'Push', params: { endpoint: ep, bind: false } },
        { id: 'sink', type: 'Pull', params: { endpoint: ep } },
        { id: 'cap', type: 'Capture', params: { delayMs: 1, delayEvery: 100 } },
      ],
      ['a.out -> sink.in', 'b.out -> vent.in', 'sink.out -> cap.in'],
      [
        sock('sink', 'PULL', 'bind', ep, { inproc: alias }),
        sock('a', 'PUSH', 'connect', ep, { link: 'a.out -> sink.in', inproc: alias }),
        sock('vent', 'PUSH', 'connect', ep, { inproc: alias }),
      ],
    );
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(summary.lost).toBe(0);
    const got = cap.of('cap').frames;
    expect(got.every((f) => seqOf(f) === f.seq)).toBe(true);
    for (const bytes of [4096, 8192]) {
      const seqs = got
        .filter((f) => f.data.byteLength === bytes)
        .map((f) => f.seq)
        .sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i));
    }
    expect(summary.stats.nodes.sink.errors).toBe(0);
  });
});

describe('a bound Pull fed by the graph (over inproc) and by an outside producer (over tcp)', () => {
  test("the outside producer's end of stream does not end the Pull: every in-graph frame arrives, nothing reported lost", async () => {
    const ep = await uniqAddress('tcp');
    const alias = 'inproc://in-graph/sink';
    const N = 60;
    const M = 10;
    const cap = captures();
    const plan = makePlan(
      [
        // Slow enough that the outside producer's end of stream comes while it still sends.
        { id: 'a', type: 'TestSource', params: { frames: N, bytes: 1024, intervalMs: 5 } },
        { id: 'sink', type: 'Pull', params: { endpoint: ep } },
        { id: 'cap', type: 'Capture' },
      ],
      ['a.out -> sink.in', 'sink.out -> cap.in'],
      [
        sock('sink', 'PULL', 'bind', ep, { inproc: alias }),
        sock('a', 'PUSH', 'connect', ep, { link: 'a.out -> sink.in', inproc: alias }),
      ],
    );
    const run = runPlan(plan, { capture: cap });
    await cap.of('cap').reached(5);
    const push = new zmq.Push({ linger: 1000 });
    push.connect(ep);
    try {
      for (let i = 0; i < M; i++) await push.send(encode(numberedFrame(1000 + i, 2048)));
      await push.send(encode({ kind: 'eos', seq: M }));
      const summary = await run.done;
      expect(summary.failures).toEqual([]);
      expect(summary.exitCode).toBe(0);
      expect(summary.lost).toBe(0);
      const got = cap.of('cap').frames;
      expect(got.filter((f) => f.data.byteLength === 1024).map((f) => f.seq)).toEqual(
        Array.from({ length: N }, (_, i) => i),
      );
      expect(got.filter((f) => f.data.byteLength === 2048).map((f) => f.seq)).toEqual(
        Array.from({ length: M }, (_, i) => 1000 + i),
      );
    } finally {
      push.close();
    }
  });
});

describe('a subscriber with a deep queue behind a Publish node, frames by reference', () => {
  test('every frame its queue can hold reaches it, however far behind it reads', async () => {
    const ep = await uniqAddress('tcp');
    const alias = 'inproc://in-graph/pub';
    // The queue (publisher and subscriber high-water marks, 100 each) holds all 150 frames.
    const N = 150;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 4096 } },
        { id: 'pub', type: 'Publish', params: { endpoint: ep, topic: 'cam', hwm: 100 } },
        { id: 'rec', type: 'Capture', params: { delayMs: 2 } },
      ],
      ['src.out -> pub.in', 'pub.out -> rec.in'],
      [
        sock('pub', 'PUB', 'bind', ep, { hwm: 100, inproc: alias }),
        sock('rec', 'SUB', 'connect', ep, { link: 'pub.out -> rec.in', topics: ['cam'], hwm: 100, inproc: alias }),
      ],
    );
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.failures).toEqual([]);
    expect(summary.stats.links['pub.out -> rec.in'].dropped).toBe(0);
    expect(cap.of('rec').frames.map((f) => f.seq)).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});
