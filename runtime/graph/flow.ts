/**
 * The graph as a flow of frames: cycles, the order frames reach nodes, and which bound endpoint a
 * socket meets. Pure, linear in the size of the graph.
 */
import type { NodeInfo } from './node-rules.ts';
import { tcpHostClass, type Endpoint } from './endpoint.ts';

/**
 * The nodes sources first (Kahn's order). Nodes in or after a cycle follow in the order frames
 * reach them (breadth first from where they enter), so that a round carries a type all the way
 * round a cycle, however its nodes are written in the document.
 */
export function flowOrder(nodes: Map<string, NodeInfo>, next: Map<string, string[]>): NodeInfo[] {
  const indegree = new Map<string, number>();
  for (const list of next.values()) for (const b of list) indegree.set(b, (indegree.get(b) ?? 0) + 1);
  const ready = [...nodes.keys()].filter((id) => !indegree.get(id));
  const out: NodeInfo[] = [];
  const placed = new Set<string>();
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    placed.add(id);
    const info = nodes.get(id);
    if (info) out.push(info);
    for (const b of next.get(id) ?? []) {
      const d = indegree.get(b)! - 1;
      indegree.set(b, d);
      if (d === 0) ready.push(b);
    }
  }
  if (placed.size === nodes.size) return out;
  const queue: string[] = [];
  const reach = (id: string) => {
    if (placed.has(id) || !nodes.has(id)) return;
    placed.add(id);
    queue.push(id);
  };
  for (const info of out) for (const b of next.get(info.id) ?? []) reach(b);
  const rest = nodes.keys();
  for (let i = 0; ; i++) {
    // A cycle nothing outside feeds starts from its first node in the document.
    if (i === queue.length) {
      let r = rest.next();
      while (!r.done && placed.has(r.value)) r = rest.next();
      if (r.done) break;
      reach(r.value);
    }
    const id = queue[i];
    out.push(nodes.get(id)!);
    for (const b of next.get(id) ?? []) reach(b);
  }
  return out;
}

/**
 * Bound endpoints by where they meet, so each lookup finds in constant time what
 * `binders.find((b) => sameEndpoint(b, e))` finds: the first one bound that meets `e`.
 */
export class BoundEndpoints {
  private readonly rank = new Map<NodeInfo, number>();
  private readonly other = new Map<string, NodeInfo>();
  private readonly tcp = new Map<number, { any?: NodeInfo; wildcard?: NodeInfo; hosts: Map<string, NodeInfo> }>();

  add(info: NodeInfo): void {
    const e = info.parsedEndpoint!;
    this.rank.set(info, this.rank.size);
    if (e.transport !== 'tcp') {
      const key = `${e.transport}://${e.address}`;
      if (!this.other.has(key)) this.other.set(key, info);
      return;
    }
    // An ephemeral port ('*') meets nothing.
    if (e.port === '*' || e.port === undefined) return;
    let slot = this.tcp.get(e.port);
    if (!slot) this.tcp.set(e.port, (slot = { hosts: new Map() }));
    slot.any ??= info;
    const cls = tcpHostClass(e.host ?? '');
    if (cls === '*') slot.wildcard ??= info;
    else if (!slot.hosts.has(cls)) slot.hosts.set(cls, info);
  }

  find(e: Endpoint): NodeInfo | undefined {
    if (e.transport !== 'tcp') return this.other.get(`${e.transport}://${e.address}`);
    if (e.port === '*' || e.port === undefined) return undefined;
    const slot = this.tcp.get(e.port);
    if (!slot) return undefined;
    const cls = tcpHostClass(e.host ?? '');
    if (cls === '*') return slot.any;
    const a = slot.wildcard;
    const b = slot.hosts.get(cls);
    if (!a || !b) return a ?? b;
    return this.rank.get(a)! < this.rank.get(b)! ? a : b;
  }
}

/** Strongly connected components of more than one node (Tarjan's, iterative so no graph overflows the stack). */
export function cycles(nodes: Map<string, NodeInfo>, next: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of nodes.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      if (i === 0) {
        index.set(v, counter);
        low.set(v, counter);
        counter++;
        stack.push(v);
        onStack.add(v);
      }
      const succ = next.get(v) ?? [];
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!index.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) out.push(scc);
      }
    }
  }
  return out;
}
