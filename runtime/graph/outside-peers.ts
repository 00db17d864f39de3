/**
 * Socket nodes whose peers are outside the graph: a Publish bound for students' subscribers, a
 * Pull fed by their PUSH scripts, a Subscribe or a Request to a server elsewhere. The editor draws
 * a dashed stub from each; the run counts the peers that joined (NodeRates.peers). Pure, on the
 * validator's analysis, so it says what the run will do.
 */
import { SENDS, type Analysis } from './graph-rules.ts';

export interface OutsidePeer {
  /** The socket node's id. */
  node: string;
  /** Its socket (PUB, SUB, PUSH, PULL, REQ, REP). */
  own: string;
  /** True when frames go from the node out to its outside peers. */
  sends: boolean;
  endpoint: string;
}

/**
 * The socket nodes on a tcp or ipc endpoint (another process can reach it) that nothing in the
 * graph meets there and whose socket carries none of the graph's links, or that wait for outside
 * peers (`waitFor`): their only peers are outside.
 */
export function outsidePeers(analysis: Pick<Analysis, 'nodes' | 'edges' | 'pairings'>): OutsidePeer[] {
  const met = new Set(analysis.pairings.flatMap((p) => [p.binder.id, p.connecter.id]));
  const carried = new Set<string>();
  for (const e of analysis.edges) {
    if (e.from.decl.socket?.peerOut) carried.add(e.from.id);
    if (e.to.decl.socket?.peerIn) carried.add(e.to.id);
  }
  const out: OutsidePeer[] = [];
  for (const info of analysis.nodes.values()) {
    const own = info.decl.socket?.own;
    if (!own || !info.endpoint || !info.parsedEndpoint || info.parsedEndpoint.transport === 'inproc') continue;
    const waits = typeof info.params.waitFor === 'number' && info.params.waitFor > 0;
    if (!waits && (met.has(info.id) || carried.has(info.id))) continue;
    out.push({ node: info.id, own, sends: SENDS.has(own), endpoint: info.endpoint });
  }
  return out;
}
