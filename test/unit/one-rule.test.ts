/**
 * Every rule the editor applies as the user types or drags is the runtime's: each row goes
 * through the function the editor calls and through `patchbay validate` on a file, and both
 * must give the row's code. The rows marked "drifted" are where the editor's former copies of
 * the rules disagreed with validate; validate's verdict is the one kept.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getNodeType, nodeTypes } from '../../nodes/registry.ts';
import { parseEndpoint } from '../../runtime/graph/endpoint.ts';
import { parseLink } from '../../runtime/graph/link.ts';
import { freshId, nodeIdProblem } from '../../runtime/graph/node-id.ts';
import { limitsText } from '../../runtime/graph/param-rules.ts';
import { refuseLink } from '../../runtime/graph/refuse-link.ts';
import type { Graph, GraphError, GraphErrorCode } from '../../runtime/graph/types.ts';
import { paramError, parseParam } from '../../editor/src/params.ts';
import { validatingCli } from './validate-cli.ts';

const cli = await validatingCli();
afterAll(() => cli.close());
const validate = (graph: Graph) => cli.validate(graph);

const link = (text: string) => parseLink(text)!;

// A publisher fed by a camera and a recorder fed by a subscriber: a graph validate takes, with
// one socket node whose param a row sets.
function socketGraph(type: string, params: Record<string, unknown>): Graph {
  return {
    patchbay: 1,
    nodes: {
      camera: { type: 'Camera', params: { frames: 1 } },
      sock: { type, params },
      rec: { type: 'HDF5Sink', params: { file: 'out/x.h5' } },
    },
    links: [link('camera.out -> sock.in'), link('sock.out -> rec.in')],
  };
}

describe('endpoint syntax: the inspector, parseEndpoint and validate agree', () => {
  const rows: [string, GraphErrorCode | undefined, string?][] = [
    ['tcp://h@st:5555', 'BAD_ENDPOINT', 'drifted: the editor took it'],
    ['tcp://[::ffff:1.2.3.4]:5555', undefined, 'drifted: the editor refused it'],
    ['tcp://my host:5555', 'BAD_ENDPOINT', 'drifted: the editor took a space in a host'],
    ['tcp://h;st:5555', 'BAD_ENDPOINT', 'drifted'],
    ['tcp://é:5555', 'BAD_ENDPOINT', 'drifted'],
    ['tcp://[]:5555', 'BAD_ENDPOINT', 'drifted'],
    ['tcp://host:000005555', 'BAD_ENDPOINT', 'drifted: the editor took any number of digits'],
    ['ipc:///tmp/a b', 'BAD_ENDPOINT', 'drifted: the editor took a space in a path'],
    ['inproc://a b', 'BAD_ENDPOINT', 'drifted'],
    ['tcp://127.0.0.1:5555', undefined],
    ['tcp://*:5555', undefined],
    ['tcp://[::1]:5555', undefined],
    ['tcp://camera-pc:5560', undefined],
    ['tcp://127.0.0.1:*', undefined],
    ['ipc:///tmp/patchbay-x', undefined],
    ['inproc://frames', undefined],
    ['tcp://127.0.0.1:0', 'BAD_ENDPOINT'],
    ['tcp://127.0.0.1:65536', 'BAD_ENDPOINT'],
    ['tcp://127.0.0.1:notaport', 'BAD_ENDPOINT'],
    ['tcp://:5555', 'BAD_ENDPOINT'],
    ['inproc://', 'BAD_ENDPOINT'],
    ['udp://127.0.0.1:5555', 'BAD_ENDPOINT'],
  ];
  const publish = getNodeType('Publish')!;
  it.each(rows)('%s -> %s %s', async (endpoint, code) => {
    expect(parseEndpoint(endpoint) === undefined).toBe(code !== undefined);
    expect(paramError('sock', publish, {}, 'endpoint', parseParam(publish.params.endpoint, endpoint))?.code).toBe(code);
    const byValidate = (await validate(socketGraph('Publish', { endpoint }))).filter(
      (e) => e.param === 'endpoint' && e.severity === 'error',
    );
    expect(byValidate.map((e) => e.code)).toEqual(code ? [code] : []);
  });

  it('a * host or port where the socket connects: the inspector says what validate says', async () => {
    const subscribe = getNodeType('Subscribe')!;
    const error = paramError('sock', subscribe, {}, 'endpoint', 'tcp://*:5555');
    expect(error?.code).toBe('BAD_ENDPOINT');
    const graph: Graph = {
      patchbay: 1,
      nodes: {
        sock: { type: 'Subscribe', params: { endpoint: 'tcp://*:5555' } },
        rec: { type: 'HDF5Sink', params: { file: 'out/y.h5' } },
      },
      links: [link('sock.out -> rec.in')],
    };
    expect((await validate(graph)).filter((e) => e.param === 'endpoint')).toEqual([
      expect.objectContaining({ code: error!.code, message: error!.message }),
    ]);
  });
});

describe('params typed in the inspector: the same code as validate', () => {
  // [type, param, what the user types, the code]
  const rows: [string, string, string, GraphErrorCode | undefined][] = [
    ['Camera', 'fps', '-5', 'PARAM_OUT_OF_RANGE'],
    ['Camera', 'fps', 'fast', 'BAD_PARAM_TYPE'],
    ['Camera', 'fps', 'Infinity', 'BAD_PARAM_TYPE'],
    ['Camera', 'fps', '50', undefined],
    ['Camera', 'width', '2.5', 'BAD_PARAM_TYPE'],
    ['Camera', 'width', '0', 'PARAM_OUT_OF_RANGE'],
    ['Camera', 'pixelFormat', 'Mono7', 'PARAM_OUT_OF_RANGE'],
    ['Camera', 'pixelFormat', 'Mono16', undefined],
    ['FFT', 'threads', '0', 'PARAM_OUT_OF_RANGE'],
    ['FFT', 'threads', '2', undefined],
    ['HDF5Sink', 'file', 'out/a.h5', undefined],
    ['Publish', 'hwm', '-1', 'PARAM_OUT_OF_RANGE'],
    ['Publish', 'topic', 'camera_frame', undefined],
  ];
  it.each(rows)('%s.%s = %j -> %s', async (type, key, typed, code) => {
    const decl = getNodeType(type)!;
    const value = parseParam(decl.params[key], typed);
    const inspector = paramError('n', decl, {}, key, value);
    expect(inspector?.code).toBe(code);
    const params = value === undefined ? {} : { [key]: value };
    const graph: Graph = { patchbay: 1, nodes: { n: { type, params } }, links: [] };
    const byValidate = (await validate(graph)).filter((e) => e.param === key && e.severity === 'error');
    expect(byValidate.map((e) => e.code)).toEqual(code ? [code] : []);
    if (inspector) expect(byValidate[0].message).toBe(inspector.message);
  });

  it("the limits the inspector prints are the words of validate's range errors", () => {
    for (const d of nodeTypes) {
      for (const [key, decl] of Object.entries(d.params)) {
        if (decl.kind !== 'number' || decl.min === undefined) continue;
        const below = paramError('n', d, {}, key, decl.min - 1);
        expect(below?.message, `${d.type}.${key}`).toContain(`must be ${limitsText(decl)},`);
      }
    }
  });

  it('a required param put back to no value is MISSING_PARAM in both', async () => {
    const sink = getNodeType('HDF5Sink')!;
    expect(paramError('rec', sink, { file: 'out/c.h5' }, 'file', undefined)?.code).toBe('MISSING_PARAM');
    const byValidate = await validate({ patchbay: 1, nodes: { rec: { type: 'HDF5Sink', params: {} } }, links: [] });
    expect(byValidate.filter((e) => e.param === 'file').map((e) => e.code)).toEqual(['MISSING_PARAM']);
  });
});

describe('node ids: rename, new nodes and validate share one rule', () => {
  const rows: [string, boolean][] = [
    ['camera', true],
    ['cam-2_b', true],
    ['Camera', false],
    ['2cam', false],
    ['_cam', false],
    ['cam era', false],
    ['kamera\u00e9', false],
  ];
  it.each(rows)('%j valid: %s', async (id, ok) => {
    expect(nodeIdProblem(id) === undefined).toBe(ok);
    const errors = await validate({ patchbay: 1, nodes: { [id]: { type: 'Copy', params: {} } }, links: [] });
    expect(errors.some((e) => e.code === 'BAD_NODE_ID')).toBe(!ok);
  });

  it('a fresh id for every node type is one validate takes', () => {
    for (const d of nodeTypes) {
      expect(nodeIdProblem(freshId(d.type, () => false)), d.type).toBeUndefined();
      expect(nodeIdProblem(freshId(d.type, (x) => !/\d$/.test(x))), d.type).toBeUndefined();
    }
    expect(freshId('HDF5Sink', (x) => x === 'hdf5sink')).toBe('hdf5sink2');
  });
});

describe('links dropped on the canvas: refused with the code validate gives', () => {
  const ep = { endpoint: 'tcp://127.0.0.1:5555' };
  // [nodes (id: type and params), links already there, the link dropped, the code]
  const rows: [
    string,
    Record<string, [string, Record<string, unknown>?]>,
    string[],
    string,
    GraphErrorCode | undefined,
  ][] = [
    ['spectra into frames', { fft: ['FFT'], fft2: ['FFT'] }, [], 'fft.out -> fft2.in', 'PORT_TYPE_MISMATCH'],
    [
      'spectra through a Publish',
      { fft: ['FFT'], pub: ['Publish'], fft2: ['FFT'] },
      ['fft.out -> pub.in'],
      'pub.out -> fft2.in',
      'PORT_TYPE_MISMATCH',
    ],
    [
      'spectra sent on to a consumer of frames',
      { fft: ['FFT'], pub: ['Publish'], fft2: ['FFT'] },
      ['pub.out -> fft2.in'],
      'fft.out -> pub.in',
      'PORT_TYPE_MISMATCH',
    ],
    // drifted: the editor did not follow a subscriber to the publisher it meets at an endpoint.
    [
      'spectra through a publisher and its subscriber',
      { fft: ['FFT'], pub: ['Publish', ep], sub: ['Subscribe', ep], fft2: ['FFT'] },
      ['fft.out -> pub.in'],
      'sub.out -> fft2.in',
      'PORT_TYPE_MISMATCH',
    ],
    [
      '... where localhost is 127.0.0.1',
      {
        cam: ['Camera'],
        fft: ['FFT'],
        pub: ['Publish', ep],
        sub: ['Subscribe', { endpoint: 'tcp://localhost:5555' }],
        fft2: ['FFT'],
      },
      ['cam.out -> fft.in', 'sub.out -> fft2.in'],
      'fft.out -> pub.in',
      'PORT_TYPE_MISMATCH',
    ],
    [
      'a cycle through a publisher and its subscriber',
      { cam: ['Camera'], pull: ['Pull'], pub: ['Publish', ep], sub: ['Subscribe', ep] },
      ['cam.out -> pull.in', 'pull.out -> pub.in'],
      'sub.out -> pull.in',
      'CYCLE',
    ],
    // drifted: the editor called these BAD_LINK, and a node feeding itself a type mismatch.
    [
      'the same link twice',
      { cam: ['Camera'], rec: ['HDF5Sink', { file: 'r.h5' }] },
      ['cam.out -> rec.in'],
      'cam.out -> rec.in',
      'DUPLICATE_LINK',
    ],
    ['a node feeding itself', { fft: ['FFT'] }, [], 'fft.out -> fft.in', 'CYCLE'],
    [
      'an input port that is not there',
      { cam: ['Camera'], rec: ['HDF5Sink', { file: 'r.h5' }] },
      [],
      'cam.out -> rec.out',
      'UNKNOWN_PORT',
    ],
    [
      'a second producer',
      { a: ['Camera'], b: ['Camera'], fft: ['FFT'] },
      ['a.out -> fft.in'],
      'b.out -> fft.in',
      'TOO_MANY_PRODUCERS',
    ],
    [
      'a second consumer',
      { a: ['Camera'], fft: ['FFT'], rec: ['HDF5Sink', { file: 'r.h5' }] },
      ['a.out -> fft.in'],
      'a.out -> rec.in',
      'FAN_OUT_WITHOUT_COPY',
    ],
    ['a cycle', { copy: ['Copy'], push: ['Push'] }, ['copy.out -> push.in'], 'push.out -> copy.in', 'CYCLE'],
    [
      'fan-in through Pull',
      { a: ['Camera'], b: ['Camera'], pull: ['Pull'] },
      ['a.out -> pull.in'],
      'b.out -> pull.in',
      undefined,
    ],
    [
      'fan-out through Copy',
      { a: ['Camera'], copy: ['Copy'], r: ['HDF5Sink', { file: 'r.h5' }], s: ['HDF5Sink', { file: 's.h5' }] },
      ['a.out -> copy.in', 'copy.out -> r.in'],
      'copy.out -> s.in',
      undefined,
    ],
    [
      'a good link into a graph that already has a mistake',
      { fft: ['FFT'], fft2: ['FFT'], cam: ['Camera'], rec: ['HDF5Sink', { file: 'r.h5' }] },
      ['fft.out -> fft2.in'],
      'cam.out -> rec.in',
      undefined,
    ],
  ];
  it.each(rows)('%s', async (_what, spec, existing, dropped, code) => {
    const graph: Graph = {
      patchbay: 1,
      nodes: Object.fromEntries(
        Object.entries(spec).map(([id, [type, params]]) => [id, { type, params: params ?? {} }]),
      ),
      links: existing.map(link),
    };
    const refused = refuseLink(graph, link(dropped), nodeTypes);
    expect(refused?.code).toBe(code);
    // validate on the graph with the link: the refusal is an error it reports, and only the link's
    // arrival brings it (a mistake already there is not held against the new link).
    const before = (await validate(graph)).filter((e) => e.severity === 'error');
    const after = (await validate({ ...graph, links: [...graph.links, link(dropped)] })).filter(
      (e) => e.severity === 'error',
    );
    const strip = (e: GraphError) => ({ ...e, line: undefined, col: undefined });
    const fresh = after.filter((e) => !before.some((b) => b.code === e.code && b.message === e.message));
    if (refused) expect(fresh.map(strip)).toContainEqual({ ...refused, line: undefined, col: undefined });
    else
      expect(
        fresh
          .map((e) => e.code)
          .filter((c) =>
            [
              'PORT_TYPE_MISMATCH',
              'TOO_MANY_PRODUCERS',
              'FAN_OUT_WITHOUT_COPY',
              'CYCLE',
              'DUPLICATE_LINK',
              'UNKNOWN_PORT',
            ].includes(c),
          ),
      ).toEqual([]);
  });

  it('agrees with validate on every pair of node types linked out -> in', async () => {
    for (const a of nodeTypes) {
      for (const b of nodeTypes) {
        if (a.outputs.length === 0 || b.inputs.length === 0) continue;
        const graph: Graph = {
          patchbay: 1,
          nodes: { x: { type: a.type, params: {} }, y: { type: b.type, params: {} } },
          links: [],
        };
        const l = link(`x.${a.outputs[0].name} -> y.${b.inputs[0].name}`);
        const refused = refuseLink(graph, l, nodeTypes)?.code === 'PORT_TYPE_MISMATCH';
        const flagged = (await validate({ ...graph, links: [l] })).some((e) => e.code === 'PORT_TYPE_MISMATCH');
        expect(refused, `${a.type} -> ${b.type}`).toBe(flagged);
      }
    }
  });
});
