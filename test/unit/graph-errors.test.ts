import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, loadGraph, validateGraph, type Graph, type GraphError } from '../../runtime/graph/index.ts';
import { everyMistake } from '../fixtures/graphs/every-mistake.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/graphs/${name}`, import.meta.url), 'utf8');
const brief = (errors: GraphError[]) =>
  errors.map((e) => ({ code: e.code, line: e.line, col: e.col, severity: e.severity }));
const codes = (errors: GraphError[]) => errors.map((e) => e.code);

/** A small valid graph to break one thing at a time. */
const base = `patchbay: 1
nodes:
  camera:
    type: Camera
    params:
      frames: 10
  rec:
    type: HDF5Sink
    params:
      file: out/a.h5
links:
  - camera.out -> rec.in
`;

describe('loadGraph errors', () => {
  it('reports every mistake of the fixture with its code, line and column', () => {
    const { errors, graph } = loadGraph(fixture('every-mistake.yaml'));
    expect(graph).toBeDefined();
    expect(brief(errors)).toEqual(everyMistake);
  });

  it('the fixture and the small cases below cover the whole closed set of codes', () => {
    const covered = new Set([
      ...everyMistake.map((e) => e.code),
      'YAML_SYNTAX',
      'MISSING_VERSION',
      'NO_SOURCE',
      'NO_SINK',
      'NO_BINDER',
    ]);
    expect([...covered].sort()).toEqual([...errorCodes].sort());
  });

  it('docs/graph-format.md explains every code', () => {
    const doc = readFileSync(new URL('../../docs/graph-format.md', import.meta.url), 'utf8');
    for (const code of errorCodes) expect(doc, code).toContain(`| \`${code}\` |`);
  });

  it('a valid graph has no errors', () => {
    expect(loadGraph(base).errors).toEqual([]);
  });

  it('YAML_SYNTAX: no graph, the position yaml gives', () => {
    const r = loadGraph(fixture('syntax-error.yaml'));
    expect(r.graph).toBeUndefined();
    expect(brief(r.errors)).toEqual([{ code: 'YAML_SYNTAX', line: 6, col: 1, severity: 'error' }]);
  });

  it('YAML_SYNTAX: a duplicate node id', () => {
    const r = loadGraph(base.replace('  rec:\n', '  camera:\n'));
    expect(codes(r.errors)).toEqual(['YAML_SYNTAX']);
    expect(r.errors[0]).toMatchObject({ line: 7, col: 3 });
  });

  it('MISSING_VERSION at 1:1, the graph still readable', () => {
    const r = loadGraph(base.replace('patchbay: 1\n', ''));
    expect(brief(r.errors)).toEqual([{ code: 'MISSING_VERSION', line: 1, col: 1, severity: 'error' }]);
    expect(Object.keys(r.graph!.nodes)).toEqual(['camera', 'rec']);
  });

  it('UNSUPPORTED_VERSION for a version that is not a number', () => {
    const r = loadGraph(base.replace('patchbay: 1', 'patchbay: one'));
    expect(brief(r.errors)).toEqual([{ code: 'UNSUPPORTED_VERSION', line: 1, col: 11, severity: 'error' }]);
  });

  // A Camera's trigger input works only with trigger: software; before, this passed validation and failed at start.
  describe('a linked trigger input with trigger other than software', () => {
    const triggered = (trigger: string) =>
      base
        .replace('      frames: 10\n', `      frames: 10\n${trigger}`)
        .replace(
          '  rec:\n',
          '  clock:\n    type: Subscribe\n    params: {endpoint: "tcp://127.0.0.1:5901"}\n  rec:\n',
        ) + '  - clock.out -> camera.trigger\n';

    it('PARAM_OUT_OF_RANGE at the trigger param when it is written', () => {
      const r = loadGraph(triggered('      trigger: Line1\n'));
      expect(brief(r.errors)).toEqual([{ code: 'PARAM_OUT_OF_RANGE', line: 7, col: 16, severity: 'error' }]);
      expect(r.errors[0].message).toBe(
        'node camera: its trigger input is linked (clock.out -> camera.trigger) but trigger is Line1: set trigger: software, or remove the link',
      );
    });

    it('at the link when trigger is left at its default (off)', () => {
      const r = loadGraph(triggered(''));
      expect(brief(r.errors)).toEqual([{ code: 'PARAM_OUT_OF_RANGE', line: 16, col: 5, severity: 'error' }]);
      expect(r.errors[0].message).toContain('but trigger is off: set trigger: software');
    });

    it('one error, not two, for a trigger that is no choice at all', () => {
      const r = loadGraph(triggered('      trigger: Line9\n'));
      expect(brief(r.errors)).toEqual([{ code: 'PARAM_OUT_OF_RANGE', line: 7, col: 16, severity: 'error' }]);
      expect(r.errors[0].message).toContain('param trigger must be one of off, software');
    });

    it('none with trigger: software', () => {
      expect(loadGraph(triggered('      trigger: software\n')).errors).toEqual([]);
    });
  });

  it('NO_SOURCE and NO_SINK point at the nodes key', () => {
    const noSource = loadGraph(
      `patchbay: 1\nnodes:\n  rec:\n    type: HDF5Sink\n    params: {file: a.h5}\nlinks: []\n`,
    );
    expect(brief(noSource.errors)).toEqual([{ code: 'NO_SOURCE', line: 2, col: 1, severity: 'error' }]);
    const noSink = loadGraph(
      `patchbay: 1\nnodes:\n  camera:\n    type: Camera\n  fft:\n    type: FFT\nlinks:\n  - camera.out -> fft.in\n`,
    );
    expect(codes(noSink.errors)).toEqual(['NO_SINK', 'UNCONNECTED_OUTPUT']);
    expect(noSink.errors[0]).toMatchObject({ line: 2, col: 1 });
  });

  it('an empty file: no version, no source, no sink', () => {
    expect(codes(loadGraph('').errors).sort()).toEqual(['MISSING_VERSION', 'NO_SINK', 'NO_SOURCE']);
  });

  it('BAD_DOCUMENT when the file is not a map; no graph', () => {
    const r = loadGraph('- a\n- b\n');
    expect(r.graph).toBeUndefined();
    expect(brief(r.errors)).toEqual([{ code: 'BAD_DOCUMENT', line: 1, col: 1, severity: 'error' }]);
  });

  it('UNKNOWN_TYPE suggests the closest type name', () => {
    const r = loadGraph(base.replace('type: HDF5Sink', 'type: hdf5sink'));
    expect(r.errors.map((e) => [e.code, e.line, e.col])).toEqual([['UNKNOWN_TYPE', 8, 11]]);
    expect(r.errors[0].message).toContain('HDF5Sink');
  });

  it('a misspelt type does not hide a fan-out or a second producer through the links to it', () => {
    const text = `patchbay: 1
nodes:
  cam: {type: Camera}
  cam2: {type: Camera}
  store: {type: HDF5Sink, params: {file: a.h5}}
  fft: {type: FTT}
links:
  - cam.out -> store.in
  - cam.out -> fft.in
  - fft.out -> store.in
`;
    const r = loadGraph(text);
    expect(brief(r.errors).filter((e) => e.severity === 'error')).toEqual([
      { code: 'UNKNOWN_TYPE', line: 6, col: 15, severity: 'error' },
      { code: 'FAN_OUT_WITHOUT_COPY', line: 9, col: 5, severity: 'error' },
      { code: 'TOO_MANY_PRODUCERS', line: 10, col: 16, severity: 'error' },
    ]);
  });

  it('a link with spaces of its own still points at the offending end', () => {
    const r = loadGraph(base.replace('camera.out -> rec.in', 'camera.out->rec.input'));
    expect(brief(r.errors)).toEqual([
      { code: 'NO_SINK', line: 2, col: 1, severity: 'error' },
      { code: 'UNCONNECTED_OUTPUT', line: 3, col: 3, severity: 'warning' },
      { code: 'UNREACHABLE_NODE', line: 7, col: 3, severity: 'warning' },
      { code: 'UNKNOWN_PORT', line: 12, col: 17, severity: 'error' },
    ]);
  });

  it('a port used the wrong way round is UNKNOWN_PORT', () => {
    const r = loadGraph(base.replace('camera.out -> rec.in', 'rec.in -> camera.out'));
    expect(codes(r.errors).filter((c) => c === 'UNKNOWN_PORT')).toHaveLength(2);
  });

  it('BAD_ENDPOINT when a connecting socket names a * host', () => {
    const text = `patchbay: 1
nodes:
  sub:
    type: Subscribe
    params:
      endpoint: tcp://*:5599
  rec:
    type: HDF5Sink
    params: {file: a.h5}
links:
  - sub.out -> rec.in
`;
    expect(brief(loadGraph(text).errors)).toEqual([{ code: 'BAD_ENDPOINT', line: 6, col: 17, severity: 'error' }]);
  });

  it('a bad param elsewhere does not hide a duplicate endpoint', () => {
    const text = `patchbay: 1
nodes:
  camera: {type: Camera}
  copy: {type: Copy}
  a: {type: Publish, params: {endpoint: "tcp://*:5589"}}
  b: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5589", hwm: 0}}
links:
  - camera.out -> copy.in
  - copy.out -> a.in
  - copy.out -> b.in
`;
    expect(brief(loadGraph(text).errors)).toEqual([
      { code: 'DUPLICATE_ENDPOINT', line: 6, col: 41, severity: 'error' },
      { code: 'PARAM_OUT_OF_RANGE', line: 6, col: 70, severity: 'error' },
    ]);
  });

  it('NO_BINDER when a link is carried by a socket that connects and nothing binds its endpoint', () => {
    const text = `patchbay: 1
nodes:
  camera: {type: Camera}
  push: {type: Push, params: {endpoint: "tcp://127.0.0.1:5593", bind: false}}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> push.in
  - push.out -> rec.in
`;
    expect(brief(loadGraph(text).errors)).toEqual([{ code: 'NO_BINDER', line: 8, col: 5, severity: 'error' }]);
    expect(loadGraph(text.replace(', bind: false', '')).errors).toEqual([]);
  });

  it('CROSS_HOST_LINK when sockets on two hosts meet at an endpoint that is not tcp', () => {
    const text = `patchbay: 1
nodes:
  camera: {type: Camera, host: lab1}
  reply: {type: Reply, host: lab1, params: {endpoint: "ipc:///tmp/frames"}}
  request: {type: Request, host: lab2, params: {endpoint: "ipc:///tmp/frames"}}
  rec: {type: HDF5Sink, host: lab2, params: {file: a.h5}}
links:
  - camera.out -> reply.in
  - request.out -> rec.in
`;
    expect(brief(loadGraph(text).errors)).toEqual([{ code: 'CROSS_HOST_LINK', line: 5, col: 59, severity: 'error' }]);
    expect(loadGraph(text.replaceAll('ipc:///tmp/frames', 'tcp://lab1:5592')).errors).toEqual([]);
  });

  it('PORT_TYPE_MISMATCH through pass-through socket nodes: spectra published into an FFT', () => {
    const text = `patchbay: 1
nodes:
  camera: {type: Camera}
  fft: {type: FFT}
  pub: {type: Publish}
  fft2: {type: FFT}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> fft.in
  - fft.out -> pub.in
  - pub.out -> fft2.in
  - fft2.out -> rec.in
`;
    expect(brief(loadGraph(text).errors)).toEqual([
      { code: 'PORT_TYPE_MISMATCH', line: 11, col: 16, severity: 'error' },
    ]);
  });

  it('CYCLE through sockets that meet by endpoint', () => {
    const text = `patchbay: 1
nodes:
  camera: {type: Camera}
  sub: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:5598"}}
  copy: {type: Copy}
  pub: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5598"}}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - sub.out -> copy.in
  - copy.out -> pub.in
  - pub.out -> rec.in
  - camera.out -> rec.in
`;
    const r = loadGraph(text);
    expect(codes(r.errors)).toContain('CYCLE');
    expect(r.errors.find((e) => e.code === 'CYCLE')).toMatchObject({ line: 9, col: 5 });
  });

  it('layout of a node that does not exist is a warning; a bad position too', () => {
    const r = loadGraph(base + 'layout:\n  ghost: [0, 0]\n  camera: [1]\n');
    expect(brief(r.errors)).toEqual([
      { code: 'UNKNOWN_NODE', line: 14, col: 3, severity: 'warning' },
      { code: 'BAD_DOCUMENT', line: 15, col: 11, severity: 'warning' },
    ]);
  });

  it('never trusts inherited Object keys as node ids, params or types', () => {
    const text = `patchbay: 1
nodes:
  constructor:
    type: toString
    params: {__proto__: 1}
  camera:
    type: Camera
    params: {constructor: 1, __proto__: {fps: 1}}
  rec: {type: HDF5Sink, params: {file: a.h5}}
links:
  - camera.out -> rec.in
  - hasOwnProperty.out -> rec.in
`;
    const r = loadGraph(text);
    expect(codes(r.errors)).toEqual(['UNKNOWN_TYPE', 'UNKNOWN_PARAM', 'UNKNOWN_PARAM', 'UNKNOWN_NODE']);
  });
});

describe('validateGraph on graphs built in memory', () => {
  const good = (): Graph => ({
    patchbay: 1,
    nodes: { camera: { type: 'Camera', params: {} }, rec: { type: 'HDF5Sink', params: { file: 'a.h5' } } },
    links: [{ from: { node: 'camera', port: 'out' }, to: { node: 'rec', port: 'in' } }],
  });

  it('no errors for a good graph', () => {
    expect(validateGraph(good())).toEqual([]);
  });

  it('errors name the node, param or link, without positions', () => {
    const g = good();
    g.nodes.camera.params.fps = -1;
    g.links.push({ from: { node: 'camera', port: 'out' }, to: { node: 'nowhere', port: 'in' } });
    const errors = validateGraph(g);
    expect(errors.map((e) => [e.code, e.node, e.param, e.link])).toEqual([
      ['PARAM_OUT_OF_RANGE', 'camera', 'fps', undefined],
      ['UNKNOWN_NODE', 'nowhere', undefined, 'camera.out -> nowhere.in'],
    ]);
    expect(errors.every((e) => e.line === undefined && e.col === undefined)).toBe(true);
  });

  it('a Pull fed from outside is a source; a Publish with no consumer in the graph is a sink', () => {
    const g: Graph = {
      patchbay: 1,
      nodes: { pull: { type: 'Pull', params: { endpoint: 'tcp://*:5597' } }, pub: { type: 'Publish', params: {} } },
      links: [{ from: { node: 'pull', port: 'out' }, to: { node: 'pub', port: 'in' } }],
    };
    expect(validateGraph(g)).toEqual([]);
  });

  it('a Copy may fan out, a Pull may fan in', () => {
    const g: Graph = {
      patchbay: 1,
      nodes: {
        camera: { type: 'Camera', params: {} },
        copy: { type: 'Copy', params: {} },
        a: { type: 'FFT', params: {} },
        b: { type: 'FFT', params: {} },
        pull: { type: 'Pull', params: {} },
        rec: { type: 'HDF5Sink', params: { file: 'a.h5' } },
      },
      links: [
        { from: { node: 'camera', port: 'out' }, to: { node: 'copy', port: 'in' } },
        { from: { node: 'copy', port: 'out' }, to: { node: 'a', port: 'in' } },
        { from: { node: 'copy', port: 'out' }, to: { node: 'b', port: 'in' } },
        { from: { node: 'a', port: 'out' }, to: { node: 'pull', port: 'in' } },
        { from: { node: 'b', port: 'out' }, to: { node: 'pull', port: 'in' } },
        { from: { node: 'pull', port: 'out' }, to: { node: 'rec', port: 'in' } },
      ],
    };
    expect(validateGraph(g)).toEqual([]);
  });
});

describe("handshake endpoints (the course's synchronised start)", () => {
  const graph = (pushHs: string, pullHs: string, pullEndpoint = 'tcp://127.0.0.1:5642') => `patchbay: 1
nodes:
  camera: {type: Camera, params: {frames: 10}}
  vent: {type: Push, params: {endpoint: "tcp://127.0.0.1:5643", handshake: "${pushHs}"}}
  sink: {type: Pull, params: {endpoint: "${pullEndpoint}", handshake: "${pullHs}"}}
  rec: {type: HDF5Sink, params: {file: out/a.h5}}
links:
  - camera.out -> vent.in
  - sink.out -> rec.in
`;
  const found = (text: string) =>
    loadGraph(text)
      .errors.filter((e) => e.severity === 'error')
      .map((e) => [e.code, e.node, e.param]);

  it('are checked like endpoints: a Push cannot connect its handshake to a * host', () => {
    expect(found(graph('tcp://*:5644', 'tcp://*:5644'))).toEqual([['BAD_ENDPOINT', 'vent', 'handshake']]);
  });

  it("a Pull's handshake cannot bind where another socket of the graph binds", () => {
    expect(found(graph('tcp://127.0.0.1:5642', 'tcp://127.0.0.1:5642'))).toEqual([
      ['DUPLICATE_ENDPOINT', 'sink', 'handshake'],
    ]);
  });

  it('a matching pair is valid', () => {
    expect(found(graph('tcp://127.0.0.1:5644', 'tcp://*:5644'))).toEqual([]);
  });
});

describe('required params left empty', () => {
  it('an HDF5Sink whose file is "" is as missing as one without a file: MISSING_PARAM at validate, not BAD_PARAM at run time', () => {
    const { errors } = loadGraph(base.replace('file: out/a.h5', 'file: ""'));
    expect(errors.map((e) => [e.code, e.node, e.param])).toEqual([['MISSING_PARAM', 'rec', 'file']]);
  });
});
