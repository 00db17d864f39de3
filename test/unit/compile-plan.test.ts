import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGraph, type Graph } from '../../runtime/graph/index.ts';
import { compileGraph, formatPlan, GraphValidationError } from '../../runtime/compile/index.ts';

const example = (name: string): Graph => {
  const r = loadGraph(readFileSync(new URL(`../../graphs/${name}.yaml`, import.meta.url), 'utf8'));
  expect(r.errors).toEqual([]);
  return r.graph!;
};
const fromText = (text: string): Graph => {
  const r = loadGraph(text);
  expect(r.errors.filter((e) => e.severity === 'error')).toEqual([]);
  return r.graph!;
};
const sock = (s: { node: string; type: string; side: string; endpoint: string }) =>
  `${s.node} ${s.type} ${s.side} ${s.endpoint}`;

describe('compileGraph', () => {
  it('push-pull: a PUSH bound by the ventilator, a PULL bound by the sink, each worker connects one of each', () => {
    const plan = compileGraph(example('push-pull'));
    expect(plan.sockets.map(sock).sort()).toEqual(
      [
        'ventilator PUSH bind tcp://127.0.0.1:5557',
        'sink PULL bind tcp://127.0.0.1:5558',
        'worker1 PULL connect tcp://127.0.0.1:5557',
        'worker2 PULL connect tcp://127.0.0.1:5557',
        'worker1 PUSH connect tcp://127.0.0.1:5558',
        'worker2 PUSH connect tcp://127.0.0.1:5558',
      ].sort(),
    );
    expect(plan.sockets.every((s) => s.hwm === 4)).toBe(true);
    expect(plan.sockets.find((s) => s.node === 'worker1' && s.type === 'PULL')).toMatchObject({
      link: 'ventilator.out -> worker1.in',
      peer: '(from ventilator)',
    });
    expect(plan.pools).toEqual([
      { node: 'worker1', threads: 1 },
      { node: 'worker2', threads: 1 },
      { node: 'recorder', threads: 1 },
    ]);
    expect(plan.links.map((l) => [l.text, l.via, l.lossless])).toEqual([
      ['camera.out -> ventilator.in', 'inproc', true],
      ['ventilator.out -> worker1.in', 'socket', true],
      ['ventilator.out -> worker2.in', 'socket', true],
      ['worker1.out -> sink.in', 'socket', true],
      ['worker2.out -> sink.in', 'socket', true],
      ['sink.out -> recorder.in', 'inproc', true],
    ]);
    expect(plan.links[0].endpoint).toMatch(/^inproc:\/\//);
    expect(plan.startOrder).toEqual(['recorder', 'sink', 'worker1', 'worker2', 'ventilator', 'camera']);
    expect(plan.nodes.find((n) => n.id === 'camera')!.params).toMatchObject({
      width: 256,
      height: 256,
      fps: 100,
      frames: 200,
      backend: 'emulator',
      pixelFormat: 'Mono8',
    });
  });

  it('pubsub: each consumer of the publisher gets a SUB on the topic; PUB/SUB links may drop', () => {
    const plan = compileGraph(example('pubsub-fft-hdf5'));
    const subs = plan.sockets.filter((s) => s.type === 'SUB');
    expect(subs.map((s) => [s.node, s.side, s.endpoint, s.topics, s.hwm])).toEqual([
      ['fft', 'connect', 'tcp://127.0.0.1:5555', ['camera_frame'], 8],
      ['raw', 'connect', 'tcp://127.0.0.1:5555', ['camera_frame'], 8],
    ]);
    expect(plan.links.filter((l) => !l.lossless).map((l) => l.text)).toEqual([
      'publish.out -> fft.in',
      'publish.out -> raw.in',
    ]);
    expect(plan.pools).toContainEqual({ node: 'fft', threads: 2 });
    expect(plan.startOrder.at(-1)).toBe('camera');
    expect(plan.startOrder.indexOf('spectra')).toBeLessThan(plan.startOrder.indexOf('fft'));
    expect(plan.startOrder.indexOf('fft')).toBeLessThan(plan.startOrder.indexOf('publish'));
  });

  it('req-rep: the bound Reply starts before the Request that connects to it; the camera last', () => {
    const plan = compileGraph(example('req-rep'));
    expect(plan.sockets.map(sock)).toEqual([
      'reply REP bind tcp://127.0.0.1:5556',
      'request REQ connect tcp://127.0.0.1:5556',
    ]);
    expect(plan.startOrder.indexOf('reply')).toBeLessThan(plan.startOrder.indexOf('request'));
    expect(plan.startOrder.indexOf('recorder')).toBeLessThan(plan.startOrder.indexOf('request'));
    expect(plan.startOrder.at(-1)).toBe('camera');
  });

  it('copy: no sockets at all, every link in-process and lossless', () => {
    const plan = compileGraph(example('copy-shallow-deep'));
    expect(plan.sockets).toEqual([]);
    expect(plan.links.every((l) => l.via === 'inproc' && l.lossless && l.endpoint.startsWith('inproc://'))).toBe(true);
    expect(new Set(plan.links.map((l) => l.endpoint)).size).toBe(plan.links.length);
  });

  it('a socket node with an empty endpoint binds inproc://<id>; a Subscribe meeting it starts after it', () => {
    const plan = compileGraph(
      fromText(`patchbay: 1
nodes:
  camera: {type: Camera}
  pub: {type: Publish, params: {topic: t}}
  sub: {type: Subscribe, params: {endpoint: "inproc://pub", topics: [t, u]}}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> pub.in
  - sub.out -> rec.in
`),
    );
    expect(plan.sockets.map((s) => [sock(s), s.topics])).toEqual([
      ['pub PUB bind inproc://pub', undefined],
      ['sub SUB connect inproc://pub', ['t', 'u']],
    ]);
    expect(plan.startOrder).toEqual(['pub', 'rec', 'sub', 'camera']);
  });

  it('a Pull fed from outside binds with no producers in the graph; a Push with no consumer serves outside workers', () => {
    const plan = compileGraph(
      fromText(`patchbay: 1
nodes:
  pull: {type: Pull, params: {endpoint: "tcp://*:5596"}}
  push: {type: Push, params: {endpoint: "tcp://lab-server:5595", bind: false}}
links:
  - pull.out -> push.in
`),
    );
    expect(plan.sockets.map((s) => [sock(s), s.peer])).toEqual([
      ['pull PULL bind tcp://*:5596', '(from outside producers)'],
      ['push PUSH connect tcp://lab-server:5595', '(to outside workers)'],
    ]);
  });

  it('a publisher may connect to a subscriber that binds: frames still flow publisher -> subscriber', () => {
    const plan = compileGraph(
      fromText(`patchbay: 1
nodes:
  camera: {type: Camera}
  pub: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5593", bind: false}}
  sub: {type: Subscribe, params: {endpoint: "tcp://*:5593", bind: true}}
  fft: {type: FFT}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> pub.in
  - sub.out -> fft.in
  - fft.out -> rec.in
`),
    );
    expect(plan.sockets.map((s) => [sock(s), s.peer])).toEqual([
      ['pub PUB connect tcp://127.0.0.1:5593', '(to sub)'],
      ['sub SUB bind tcp://*:5593', '(from pub)'],
    ]);
    expect(plan.startOrder).toEqual(['rec', 'fft', 'sub', 'pub', 'camera']);
  });

  it('carries host placement to the plan nodes', () => {
    const plan = compileGraph(
      fromText(`patchbay: 1
nodes:
  camera: {type: Camera, host: lab1}
  pub: {type: Publish, host: lab1, params: {endpoint: "tcp://0.0.0.0:5594"}}
  rec: {type: HDF5Sink, host: lab2, params: {file: a.h5}}
links:
  - camera.out -> pub.in
  - pub.out -> rec.in
`),
    );
    expect(plan.nodes.map((n) => [n.id, n.host])).toEqual([
      ['camera', 'lab1'],
      ['pub', 'lab1'],
      ['rec', 'lab2'],
    ]);
  });

  it('leaves unreachable nodes out of the plan (they would wait forever for an end of stream)', () => {
    const plan = compileGraph(
      fromText(`patchbay: 1
nodes:
  camera: {type: Camera}
  rec: {type: HDF5Sink, params: {file: a.h5}}
  idle: {type: HDF5Sink, params: {file: b.h5}}
links:
  - camera.out -> rec.in
`),
    );
    expect(plan.nodes.map((n) => n.id)).toEqual(['camera', 'rec']);
    expect(plan.startOrder).toEqual(['rec', 'camera']);
    expect(plan.skipped).toEqual(['idle']);
    expect(formatPlan(plan)).toMatch(/not run \(no source feeds them\): idle/);
  });

  it('throws GraphValidationError carrying every error', () => {
    const { graph } = loadGraph(
      readFileSync(new URL('../fixtures/graphs/every-mistake.yaml', import.meta.url), 'utf8'),
    );
    let thrown: unknown;
    try {
      compileGraph(graph!);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GraphValidationError);
    expect(thrown).toBeInstanceOf(Error);
    const errors = (thrown as GraphValidationError).errors;
    expect(errors.length).toBeGreaterThan(10);
    expect(errors.every((e) => e.severity === 'error')).toBe(true);
    expect(errors.map((e) => e.code)).toContain('CYCLE');
  });
});

describe('in-graph peers meet in process', () => {
  it('every socket that connects to a socket the graph binds dials its inproc name; the bound one keeps its tcp endpoint', () => {
    const plan = compileGraph(example('push-pull'));
    for (const s of plan.sockets) {
      const binder =
        s.side === 'connect' ? plan.sockets.find((b) => b.side === 'bind' && b.endpoint === s.endpoint)! : s;
      expect(s.inproc, `${s.node} ${s.type}`).toBe(`inproc://in-graph/${binder.node}`);
    }
    expect(
      plan.sockets
        .filter((s) => s.side === 'bind')
        .map((s) => s.endpoint)
        .sort(),
    ).toEqual(['tcp://127.0.0.1:5557', 'tcp://127.0.0.1:5558']);
    const rr = compileGraph(example('req-rep'));
    expect(rr.sockets.find((s) => s.type === 'REQ')?.inproc).toBe('inproc://in-graph/reply');
  });

  it('peers placed on different hosts keep tcp', () => {
    const plan = compileGraph(example('two-hosts'));
    expect(plan.sockets.every((s) => s.inproc === undefined)).toBe(true);
    expect(formatPlan(plan)).not.toMatch(/in-graph/);
  });

  it('peers on the same host meet in process; an inproc endpoint needs no second name', () => {
    const graph = (a: string, b: string, ep: string, bound = ep) =>
      fromText(
        [
          'patchbay: 1',
          'nodes:',
          '  camera: {type: Camera}',
          `  pub: {type: Publish, ${a} params: {endpoint: "${bound}"}}`,
          `  sub: {type: Subscribe, ${b} params: {endpoint: "${ep}"}}`,
          '  rec: {type: HDF5Sink, params: {file: out/x.h5}}',
          'links:',
          '  - camera.out -> pub.in',
          '  - sub.out -> rec.in',
          '',
        ].join('\n'),
      );
    // A wildcard bind and a loopback connect are one place on one host.
    const same = compileGraph(graph('host: a,', 'host: a,', 'tcp://127.0.0.1:5999', 'tcp://*:5999'));
    expect(same.sockets.find((s) => s.node === 'sub')).toMatchObject({
      side: 'connect',
      endpoint: 'tcp://127.0.0.1:5999',
      inproc: 'inproc://in-graph/pub',
    });
    expect(same.sockets.find((s) => s.node === 'pub')).toMatchObject({
      side: 'bind',
      endpoint: 'tcp://*:5999',
      inproc: 'inproc://in-graph/pub',
    });
    const apart = compileGraph(graph('host: a,', 'host: b,', 'tcp://127.0.0.1:5999'));
    expect(apart.sockets.some((s) => s.inproc)).toBe(false);
    const inproc = compileGraph(graph('', '', 'inproc://frames'));
    expect(inproc.sockets.some((s) => s.inproc)).toBe(false);
  });
});

describe('formatPlan', () => {
  it('lists every socket with its side and endpoint, the pools and the start order', () => {
    const text = formatPlan(compileGraph(example('push-pull')));
    expect(text).toMatch(/^\s+worker1:\s+PULL connect inproc:\/\/in-graph\/ventilator\s+hwm 4 \(from ventilator\)$/m);
    expect(text).toMatch(
      /^\s+ventilator:\s+PUSH bind\s+tcp:\/\/127\.0\.0\.1:5557 \+ inproc:\/\/in-graph\/ventilator hwm 4 \(to worker1, worker2\)$/m,
    );
    expect(text).toMatch(/outside programs use the tcp:\/\/ and ipc:\/\/ endpoints/);
    expect(text).toMatch(/^\s+worker1: 1 thread$/m);
    expect(text).toMatch(/^\s+recorder: 1 writer$/m);
    expect(text).toMatch(/1\. recorder .* 6\. camera/);
  });
});
