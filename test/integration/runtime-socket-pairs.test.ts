/**
 * Every pair of socket nodes linked directly, compiled from YAML and run on real sockets:
 * Camera (emulator) -> A -> B -> sink. Each run must end by itself at end of stream (no
 * Ctrl-C), with exit code 0 and every frame the camera sent either received exactly once or
 * counted as dropped (only a Publish may drop). The sink is the test Capture stage in place
 * of an HDF5Sink, so every seq can be checked.
 */
import * as zmq from 'zeromq';
import { afterEach, describe, expect, test } from 'vitest';
import { compileGraph } from '../../runtime/compile/index.ts';
import type { Plan } from '../../runtime/compile/plan.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import type { RunHandle, RunSummary } from '../../runtime/exec/types.ts';
import { encode } from '../../runtime/wire/index.ts';
import { captures, numberedFrame, runPlan, uniqAddress, type Transport } from '../helpers/run-harness.ts';

const FRAMES = 50;
/** Far longer than any of these runs takes; past it the run is stopped and the test fails as hung. */
const HANG_MS = 15_000;

const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

/** Compiles the graph and puts the Capture stage in place of the HDF5Sink `rec`. */
function planOf(yaml: string): Plan {
  const loaded = loadGraph(yaml);
  expect(loaded.errors.filter((e) => e.severity === 'error')).toEqual([]);
  const plan = compileGraph(loaded.graph!);
  plan.nodes.find((n) => n.id === 'rec')!.type = 'Capture';
  plan.pools = plan.pools.filter((p) => p.node !== 'rec');
  return plan;
}

/** The summary, and whether the run had to be stopped because it did not end by itself. */
async function endsByItself(run: RunHandle): Promise<{ summary: RunSummary; hung: boolean }> {
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    run.stop();
    setTimeout(() => run.stop(), 2000).unref();
  }, HANG_MS);
  try {
    return { summary: await run.done, hung };
  } finally {
    clearTimeout(timer);
  }
}

const endpoint = (proto: Transport) => (proto === 'inproc' ? Promise.resolve('') : uniqAddress(proto));

const TYPES = ['Publish', 'Push', 'Pull'] as const;
const pairs = TYPES.flatMap((a) => TYPES.map((b) => [a, b] as const));

describe.each<Transport>(['tcp', 'inproc'])(
  'socket node pairs over %s: Camera -> A -> B -> sink ends by itself',
  (proto) => {
    test.each(pairs)('%s -> %s', async (a, b) => {
      const [epA, epB] = [await endpoint(proto), await endpoint(proto)];
      const plan = planOf(`patchbay: 1
name: pair
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 32, height: 16, fps: 0, frames: ${FRAMES}}}
  a: {type: ${a}, params: {endpoint: "${epA}"}}
  b: {type: ${b}, params: {endpoint: "${epB}"}}
  rec: {type: HDF5Sink, params: {file: unused.h5}}
links:
  - camera.out -> a.in
  - a.out -> b.in
  - b.out -> rec.in
`);
      const sent: number[] = [];
      const cap = captures();
      const run = runPlan(plan, { capture: cap, tap: (node, frame) => node === 'camera' && sent.push(frame.seq) });
      const { summary, hung } = await endsByItself(run);

      expect(hung).toBe(false);
      expect(summary.failures).toEqual([]);
      expect(summary.exitCode).toBe(0);
      expect(summary.lost).toBe(0);
      expect(summary.stats.nodes.camera.framesOut).toBe(FRAMES);
      expect(sent.length).toBe(FRAMES);

      const got = cap.of('rec').frames.map((f) => f.seq);
      expect(cap.of('rec').ended).toBe(true);
      expect(new Set(got).size).toBe(got.length);
      const known = new Set(sent);
      expect(got.every((s) => known.has(s))).toBe(true);
      const dropped = Object.values(summary.stats.links).reduce((n, l) => n + l.dropped, 0);
      expect(got.length + dropped).toBe(FRAMES);
      if (a !== 'Publish' && b !== 'Publish') {
        expect(dropped).toBe(0);
        expect([...got].sort((x, y) => x - y)).toEqual([...sent].sort((x, y) => x - y));
      }
      // What B took is what reached the sink, plus what B's publisher dropped on the way.
      expect(summary.stats.nodes.b.framesIn).toBe(got.length + summary.stats.links['b.out -> rec.in'].dropped);
    });
  },
);

describe('a Pull fed in the graph keeps its bound endpoint open to outside producers', () => {
  test('outside frames are taken, an outside end of stream does not end it, the in-graph producer does', async () => {
    const [epPush, epPull] = [await uniqAddress('tcp'), await uniqAddress('tcp')];
    const plan = planOf(`patchbay: 1
name: pull-outside
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 32, height: 16, fps: 25, frames: ${FRAMES}}}
  push: {type: Push, params: {endpoint: "${epPush}"}}
  pull: {type: Pull, params: {endpoint: "${epPull}"}}
  rec: {type: HDF5Sink, params: {file: unused.h5}}
links:
  - camera.out -> push.in
  - push.out -> pull.in
  - pull.out -> rec.in
`);
    const OUTSIDE = 5;
    let outsideSeen = 0;
    let allOutside!: () => void;
    const outsideArrived = new Promise<void>((r) => (allOutside = r));
    const cap = captures();
    const run = runPlan(plan, {
      capture: cap,
      tap: (node, frame) => {
        if (node === 'pull' && frame.seq >= 1000 && ++outsideSeen === OUTSIDE) allOutside();
      },
    });
    // A student's PUSH script joins the sink's endpoint while the camera runs (2 s at 25 fps).
    await cap.of('rec').reached(1);
    const student = new zmq.Push({ linger: 1000 });
    opened.push(student);
    student.connect(epPull);
    for (let i = 0; i < OUTSIDE; i++) await student.send(encode(numberedFrame(1000 + i, 512)));
    await student.send(encode({ kind: 'eos', seq: OUTSIDE }));
    await outsideArrived;

    const { summary, hung } = await endsByItself(run);
    expect(hung).toBe(false);
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    const got = cap.of('rec').frames.map((f) => f.seq);
    expect(got.filter((s) => s >= 1000).sort((x, y) => x - y)).toEqual([1000, 1001, 1002, 1003, 1004]);
    // The outside end of stream came first; every camera frame still arrived after it.
    expect(got.filter((s) => s < 1000).length).toBe(FRAMES);
    expect(summary.stats.nodes.pull.framesIn).toBe(FRAMES + OUTSIDE);
  });
});

describe('Push nodes that connect to a Pull of the graph (bind: false)', () => {
  test('two of them: the Pull waits for the end of stream of each, every frame arrives', async () => {
    const ep = await uniqAddress('tcp');
    const plan = planOf(`patchbay: 1
name: two-pushes
nodes:
  camera: {type: Camera, params: {backend: emulator, width: 32, height: 16, fps: 0, frames: ${FRAMES}}}
  copy: {type: Copy}
  push1: {type: Push, params: {endpoint: "${ep}", bind: false}}
  push2: {type: Push, params: {endpoint: "${ep}", bind: false}}
  pull: {type: Pull, params: {endpoint: "${ep}"}}
  rec: {type: HDF5Sink, params: {file: unused.h5}}
links:
  - camera.out -> copy.in
  - copy.out -> push1.in
  - copy.out -> push2.in
  - pull.out -> rec.in
`);
    const cap = captures();
    const { summary, hung } = await endsByItself(runPlan(plan, { capture: cap }));
    expect(hung).toBe(false);
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(summary.lost).toBe(0);
    expect(cap.of('rec').frames.length).toBe(2 * FRAMES);
    expect(summary.stats.nodes.pull.framesIn).toBe(2 * FRAMES);
  });
});
