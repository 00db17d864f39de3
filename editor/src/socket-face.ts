/**
 * What a socket node says on its face: whether it binds or connects, and where, and while a
 * graph runs how many outside peers have joined it, in the course's words.
 */
import type { NodeDecl } from '../../nodes/types.ts';
// The runtime's rules, not a copy: the side shown is the side the executor takes.
import { socketSide } from '../../runtime/graph/node-rules.ts';
import { withDefaults } from '../../runtime/graph/param-rules.ts';

/** "binds" tcp://*:5556 or "connects" tcp://127.0.0.1:5556; undefined for a node without a socket of its own. */
export function socketFace(
  decl: NodeDecl,
  params: Readonly<Record<string, unknown>>,
): { side: 'binds' | 'connects'; endpoint: string } | undefined {
  if (!decl.socket) return undefined;
  const values = withDefaults(decl, { ...params });
  const side = socketSide(decl, values) === 'bind' ? 'binds' : 'connects';
  const endpoint =
    typeof values.endpoint === 'string' && values.endpoint !== '' ? values.endpoint : 'inproc:// (patchbay picks)';
  return { side, endpoint };
}

/** Who joins a socket of each kind from outside the graph, one and many, and how many it expects. */
const PEERS: Record<string, [string, string, 'one' | 'many']> = {
  PUB: ['subscriber', 'subscribers', 'many'],
  PUSH: ['worker', 'workers', 'many'],
  PULL: ['worker', 'workers', 'many'],
  SUB: ['publisher', 'publishers', 'one'],
  REQ: ['server', 'servers', 'one'],
  REP: ['client', 'clients', 'many'],
};

/** "outside subscribers", "outside publisher": the peers a socket node serves or uses outside the graph. */
export function outsideText(decl: NodeDecl): string {
  const [one, many, expects] = PEERS[decl.socket?.own ?? ''] ?? ['peer', 'peers', 'many'];
  return `outside ${expects === 'one' ? one : many}`;
}

/** "2 subscribers joined": the outside peers connected to a socket node now (NodeRates.peers). */
export function peersText(decl: NodeDecl, peers: number): string {
  const [one, many] = PEERS[decl.socket?.own ?? ''] ?? ['peer', 'peers'];
  return `${peers} ${peers === 1 ? one : many} joined`;
}
