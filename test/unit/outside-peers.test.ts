import { describe, expect, it } from 'vitest';
import { loadGraph } from '../../runtime/graph/index.ts';
import { checkGraph } from '../../runtime/graph/graph-rules.ts';
import { outsidePeers } from '../../runtime/graph/outside-peers.ts';
import { nodeTypes } from '../../nodes/registry.ts';

/** The outside peers of a graph written as YAML node lines and links. */
function outside(nodes: string[], links: string[] = []): [string, string, boolean][] {
  const text = ['patchbay: 1', 'nodes:', ...nodes.map((n) => `  ${n}`), 'links:', ...links.map((l) => `  - ${l}`)];
  const { graph } = loadGraph(text.join('\n') + '\n');
  return outsidePeers(checkGraph(graph!, nodeTypes)).map((o) => [o.node, o.own, o.sends]);
}

const CAMERA = 'camera: {type: Camera}';
const REC = 'rec: {type: HDF5Sink, params: {file: a.h5}}';

describe('socket nodes whose peers are outside the graph', () => {
  it('a Publish or Push with no consumer in the graph sends to outside peers; with one, only when it waits for outside ones', () => {
    expect(
      outside([CAMERA, 'pub: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5600"}}'], ['camera.out -> pub.in']),
    ).toEqual([['pub', 'PUB', true]]);
    const pushed = [CAMERA, REC, 'push: {type: Push, params: {endpoint: "tcp://127.0.0.1:5601"}}'];
    expect(outside(pushed, ['camera.out -> push.in', 'push.out -> rec.in'])).toEqual([]);
    const waiting = [CAMERA, REC, 'push: {type: Push, params: {endpoint: "tcp://127.0.0.1:5601", waitFor: 2}}'];
    expect(outside(waiting, ['camera.out -> push.in', 'push.out -> rec.in'])).toEqual([['push', 'PUSH', true]]);
  });

  it('a Pull fed by nothing in the graph, and a Subscribe or a Request that nothing in the graph binds for, receive from outside', () => {
    expect(
      outside(
        [
          REC,
          'rec2: {type: HDF5Sink, params: {file: b.h5}}',
          'rec3: {type: HDF5Sink, params: {file: c.h5}}',
          'pull: {type: Pull, params: {endpoint: "ipc:///tmp/pb-outside"}}',
          'sub: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:5602"}}',
          'req: {type: Request, params: {endpoint: "tcp://127.0.0.1:5603"}}',
        ],
        ['pull.out -> rec.in', 'sub.out -> rec2.in', 'req.out -> rec3.in'],
      ),
    ).toEqual([
      ['pull', 'PULL', false],
      ['sub', 'SUB', false],
      ['req', 'REQ', false],
    ]);
  });

  it('sockets that meet in the graph, and inproc endpoints no other program reaches, have none', () => {
    const met = [
      CAMERA,
      REC,
      'rep: {type: Reply, params: {endpoint: "tcp://127.0.0.1:5604"}}',
      'req: {type: Request, params: {endpoint: "tcp://127.0.0.1:5604"}}',
    ];
    expect(outside(met, ['camera.out -> rep.in', 'req.out -> rec.in'])).toEqual([]);
    expect(outside([CAMERA, 'pub: {type: Publish}'], ['camera.out -> pub.in'])).toEqual([]);
  });
});
