/**
 * The plan's routing (runtime/compile/route.ts), without a socket: for every example graph,
 * for placement across hosts and for the outside-peer cases, which producers each receiving
 * socket waits for, what else ends it, where drops are counted, which hops go by reference,
 * whom each publisher and ventilator serves, and which links are lossless.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../runtime/compile/index.ts';
import type { Plan, PlanSocket, SocketRoute } from '../../runtime/compile/plan.ts';
import { loadGraph } from '../../runtime/graph/index.ts';

const compile = (text: string): Plan => {
  const r = loadGraph(text);
  expect(r.errors.filter((e) => e.severity === 'error')).toEqual([]);
  return compileGraph(r.graph!);
};
const example = (name: string) => compile(readFileSync(new URL(`../../graphs/${name}.yaml`, import.meta.url), 'utf8'));

/** Every socket as "node TYPE side" with its route. */
const routes = (plan: Plan): Record<string, SocketRoute> =>
  Object.fromEntries(
    plan.sockets.map((s: PlanSocket) => [`${s.node} ${s.type}${s.link ? ` ${s.link}` : ''}`, s.route]),
  );
const lossless = (plan: Plan) => Object.fromEntries(plan.links.map((l) => [l.text, l.lossless]));

/** A graph's YAML from its nodes and links (ports of their own, none from graphs/). */
const graph = (nodes: string, links: string[]) =>
  `patchbay: 1\nname: t\nnodes:\n${nodes}\nlinks:\n${links.map((l) => `  - ${l}`).join('\n')}\n`;

describe('routing of the example graphs', () => {
  it('push-pull: workers meet the ventilator and the sink in process, frames by reference; the sink waits for both workers', () => {
    const plan = example('push-pull');
    expect(routes(plan)).toEqual({
      'ventilator PUSH': {
        role: 'own',
        byRef: false,
        consumers: [
          { node: 'worker1', inproc: true, hwm: 4, subscriptions: 0 },
          { node: 'worker2', inproc: true, hwm: 4, subscriptions: 0 },
        ],
      },
      'sink PULL': {
        role: 'own',
        producers: [
          { node: 'worker1', link: 'worker1.out -> sink.in' },
          { node: 'worker2', link: 'worker2.out -> sink.in' },
        ],
        ends: 'producers',
        // The workers reach it in process: outside producers get the tcp endpoint's own socket.
        outsideDoor: true,
      },
      'worker1 PULL ventilator.out -> worker1.in': {
        role: 'link',
        producers: [{ node: 'ventilator', link: 'ventilator.out -> worker1.in' }],
        ends: 'producers',
      },
      'worker2 PULL ventilator.out -> worker2.in': {
        role: 'link',
        producers: [{ node: 'ventilator', link: 'ventilator.out -> worker2.in' }],
        ends: 'producers',
      },
      'worker1 PUSH worker1.out -> sink.in': { role: 'link', byRef: true },
      'worker2 PUSH worker2.out -> sink.in': { role: 'link', byRef: true },
    });
    expect(Object.values(lossless(plan)).every(Boolean)).toBe(true);
  });

  it('pubsub-fft-hdf5: the publisher serves two in-process subscribers by reference and counts their drops', () => {
    const plan = example('pubsub-fft-hdf5');
    const r = routes(plan);
    expect(r['publish PUB']).toEqual({
      role: 'own',
      byRef: true,
      consumers: [
        { node: 'fft', inproc: true, hwm: 8, subscriptions: 1 },
        { node: 'raw', inproc: true, hwm: 8, subscriptions: 1 },
      ],
    });
    expect(r['fft SUB publish.out -> fft.in']).toEqual({
      role: 'link',
      producers: [{ node: 'publish', link: 'publish.out -> fft.in' }],
      ends: 'producers',
      dropsAt: 'publish',
    });
    expect(r['raw SUB publish.out -> raw.in']).toMatchObject({ dropsAt: 'publish', ends: 'producers' });
    expect(lossless(plan)).toMatchObject({
      'publish.out -> fft.in': false,
      'publish.out -> raw.in': false,
      'fft.out -> spectra.in': true,
    });
  });

  it('req-rep: the Request and Reply sockets are their own, driven by their stages; nothing to route', () => {
    expect(routes(example('req-rep'))).toEqual({ 'reply REP': { role: 'own' }, 'request REQ': { role: 'own' } });
  });

  it('copy-shallow-deep: no socket; every link in process and lossless', () => {
    const plan = example('copy-shallow-deep');
    expect(plan.sockets).toEqual([]);
    expect(Object.values(lossless(plan))).toEqual([true, true, true, true]);
  });

  it('two-hosts (placement): the worker on the other host gets bytes over tcp, not references', () => {
    const plan = example('two-hosts');
    expect(routes(plan)).toEqual({
      'ventilator PUSH': {
        role: 'own',
        byRef: false,
        consumers: [{ node: 'worker', inproc: false, hwm: 4, subscriptions: 0 }],
      },
      'worker PULL ventilator.out -> worker.in': {
        role: 'link',
        producers: [{ node: 'ventilator', link: 'ventilator.out -> worker.in' }],
        ends: 'producers',
      },
    });
    expect(plan.sockets.some((s) => s.inproc)).toBe(false);
  });
});

describe('routing with peers outside the graph', () => {
  it('a Pull fed from outside only ends at the end of stream of each producer that connected', () => {
    const plan = compile(
      graph(
        `  sink: { type: Pull, params: { endpoint: "tcp://127.0.0.1:5631" } }\n  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }`,
        ['sink.out -> rec.in'],
      ),
    );
    expect(routes(plan)['sink PULL']).toEqual({ role: 'own', producers: [], ends: 'outside' });
  });

  it('a Pull the graph feeds from a Push node: its own endpoint is a side door for outside producers that ends with the node', () => {
    const plan = compile(
      graph(
        [
          '  cam: { type: Camera, params: { frames: 4 } }',
          '  vent: { type: Push, params: { endpoint: "tcp://127.0.0.1:5632" } }',
          '  sink: { type: Pull, params: { endpoint: "tcp://127.0.0.1:5633" } }',
          '  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }',
        ].join('\n'),
        ['cam.out -> vent.in', 'vent.out -> sink.in', 'sink.out -> rec.in'],
      ),
    );
    const r = routes(plan);
    expect(r['sink PULL']).toEqual({ role: 'own', producers: [], ends: 'with-node' });
    expect(r['sink PULL vent.out -> sink.in']).toEqual({
      role: 'link',
      producers: [{ node: 'vent', link: 'vent.out -> sink.in' }],
      ends: 'producers',
    });
  });

  it("a Push that connects to the graph's Pull (bind: false) is one of its producers, by reference", () => {
    const plan = compile(
      graph(
        [
          '  cam: { type: Camera, params: { frames: 4 } }',
          '  vent: { type: Push, params: { endpoint: "tcp://127.0.0.1:5634", bind: false } }',
          '  sink: { type: Pull, params: { endpoint: "tcp://127.0.0.1:5634" } }',
          '  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }',
        ].join('\n'),
        ['cam.out -> vent.in', 'sink.out -> rec.in'],
      ),
    );
    const r = routes(plan);
    expect(r['sink PULL']).toEqual({
      role: 'own',
      producers: [{ node: 'vent' }],
      ends: 'producers',
      outsideDoor: true,
    });
    expect(r['vent PUSH']).toMatchObject({ role: 'own', byRef: true, consumers: [{ node: 'sink', inproc: true }] });
  });

  it('a Publish with no subscriber in the graph serves outside ones only; a Subscribe of an outside publisher ends on its end of stream', () => {
    const pub = compile(
      graph(
        [
          '  cam: { type: Camera, params: { frames: 4 } }',
          '  pub: { type: Publish, params: { endpoint: "tcp://127.0.0.1:5635", waitFor: 2 } }',
        ].join('\n'),
        ['cam.out -> pub.in'],
      ),
    );
    expect(routes(pub)['pub PUB']).toEqual({ role: 'own', byRef: false, consumers: [] });
    expect(pub.sockets[0].waitFor).toBe(2);
    const sub = compile(
      graph(
        [
          '  sub: { type: Subscribe, params: { endpoint: "tcp://127.0.0.1:5636", topics: [a, b] } }',
          '  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }',
        ].join('\n'),
        ['sub.out -> rec.in'],
      ),
    );
    expect(routes(sub)['sub SUB']).toEqual({ role: 'own', producers: [], ends: 'outside' });
  });

  it("a Subscribe meeting the graph's Publish by endpoint: drops counted at the publisher, two topics two subscriptions", () => {
    const plan = compile(
      graph(
        [
          '  cam: { type: Camera, params: { frames: 4 } }',
          '  pub: { type: Publish, params: { endpoint: "tcp://127.0.0.1:5637" } }',
          '  sub: { type: Subscribe, params: { endpoint: "tcp://127.0.0.1:5637", topics: [a, b] } }',
          '  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }',
        ].join('\n'),
        ['cam.out -> pub.in', 'sub.out -> rec.in'],
      ),
    );
    const r = routes(plan);
    expect(r['sub SUB']).toMatchObject({ role: 'own', ends: 'outside', dropsAt: 'pub' });
    expect(r['pub PUB']).toEqual({
      role: 'own',
      byRef: true,
      consumers: [{ node: 'sub', inproc: true, hwm: 4, subscriptions: 2 }],
    });
  });

  it('placement: a subscriber on another host is served over tcp, counted apart from the in-process ones', () => {
    const plan = compile(
      graph(
        [
          '  cam: { type: Camera, host: a, params: { frames: 4 } }',
          '  pub: { type: Publish, host: a, params: { endpoint: "tcp://127.0.0.1:5638" } }',
          '  here: { type: HDF5Sink, host: a, params: { file: /tmp/a.h5 } }',
          '  there: { type: HDF5Sink, host: b, params: { file: /tmp/b.h5 } }',
        ].join('\n'),
        ['cam.out -> pub.in', 'pub.out -> here.in', 'pub.out -> there.in'],
      ),
    );
    const r = routes(plan);
    expect(r['pub PUB'].consumers).toEqual([
      { node: 'here', inproc: true, hwm: 4, subscriptions: 1 },
      { node: 'there', inproc: false, hwm: 4, subscriptions: 1 },
    ]);
    expect(r['there SUB pub.out -> there.in']).toMatchObject({ producers: [{ node: 'pub' }], dropsAt: 'pub' });
  });
});

describe('handshake sockets', () => {
  it("a Push asking the graph's own Pull meets its handshake REP in process, at a name apart from the PULL's", () => {
    const plan = compile(
      graph(
        [
          '  cam: { type: Camera, params: { frames: 4 } }',
          '  vent: { type: Push, params: { endpoint: "tcp://127.0.0.1:5639", handshake: "tcp://127.0.0.1:5640" } }',
          '  fft: { type: FFT }',
          '  sink: { type: Pull, params: { endpoint: "tcp://127.0.0.1:5641", handshake: "tcp://127.0.0.1:5640" } }',
          '  rec: { type: HDF5Sink, params: { file: /tmp/r.h5 } }',
        ].join('\n'),
        ['cam.out -> vent.in', 'vent.out -> fft.in', 'fft.out -> sink.in', 'sink.out -> rec.in'],
      ),
    );
    const rep = plan.sockets.find((s) => s.node === 'sink' && s.type === 'REP')!;
    const req = plan.sockets.find((s) => s.node === 'vent' && s.type === 'REQ')!;
    const pull = plan.sockets.find((s) => s.node === 'sink' && s.type === 'PULL' && s.link === undefined)!;
    expect(rep.route).toEqual({ role: 'own', handshake: true });
    expect(req.inproc).toBe(rep.inproc);
    expect(rep.inproc).not.toBe(pull.inproc);
  });
});
