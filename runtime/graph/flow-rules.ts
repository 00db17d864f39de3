/**
 * The rules that follow the data flow of a checked graph: cycles, the message type each `any`
 * port adopts, and which nodes frames from a source reach (NO_SOURCE, NO_SINK, UNREACHABLE_NODE,
 * UNCONNECTED_OUTPUT). checkGraph (graph-rules.ts) calls them once nodes, links and endpoint
 * pairings are known; `next` is the flow between node ids.
 */
import type { MessageType, PortDecl } from '../../nodes/types.ts';
import type { GraphLink } from './types.ts';
import { cycles, flowOrder } from './flow.ts';
import type { AddIssue as Add, NodeInfo, Where } from './node-rules.ts';

/** A link whose both ends exist. */
export interface Edge {
  /** Index in graph.links. */
  index: number;
  link: GraphLink;
  text: string;
  from: NodeInfo;
  to: NodeInfo;
  fromPort: PortDecl;
  toPort: PortDecl;
}

/** A connecting socket node (Request, Subscribe) whose endpoint is bound by a node of the same graph. */
export interface Pairing {
  binder: NodeInfo;
  connecter: NodeInfo;
  /** Where frames come from and go to, whichever side binds (PUB, PUSH, REP send; SUB, PULL, REQ receive). */
  sender: NodeInfo;
  receiver: NodeInfo;
}

/** Says CYCLE once per cycle, at its first link. */
export function cycleIssues(nodes: Map<string, NodeInfo>, edges: Edge[], next: Map<string, string[]>, add: Add): void {
  const sccs = cycles(nodes, next);
  // The first link inside each cycle, in one pass over the links rather than one per cycle.
  const sccOf = new Map<string, number>();
  sccs.forEach((scc, i) => scc.forEach((id) => sccOf.set(id, i)));
  const firstInside: (Edge | undefined)[] = [];
  for (const x of edges) {
    const i = sccOf.get(x.from.id);
    if (i !== undefined && sccOf.get(x.to.id) === i) firstInside[i] ??= x;
  }
  for (const [i, scc] of sccs.entries()) {
    const e = firstInside[i];
    const ids = [...scc].sort((a, b) => nodes.get(a)!.order - nodes.get(b)!.order);
    const where: Where = e ? { at: 'link', index: e.index, text: e.text } : { at: 'node', node: ids[0] };
    add(
      'CYCLE',
      `frames go round in a cycle through ${ids.join(', ')}; a pipeline must flow one way`,
      where,
      e ? { link: e.text, node: ids[0] } : { node: ids[0] },
    );
  }
}

/** Says PARAM_OUT_OF_RANGE, at the param, for a linked input whose node's params rule it out (PortDecl.onlyWhen). */
export function inputConditions(edges: Edge[], add: Add): void {
  for (const x of edges) {
    const need = x.toPort.onlyWhen;
    if (!need) continue;
    const value = x.to.params[need.param];
    if (value === need.value) continue;
    // A value the param's own rules refuse is reported there, once.
    const decl = x.to.decl.params[need.param];
    if (decl?.kind === 'enum' && !decl.choices.includes(String(value))) continue;
    const written = x.to.node.params?.[need.param] !== undefined;
    add(
      'PARAM_OUT_OF_RANGE',
      `node ${x.to.id}: its ${x.toPort.name} input is linked (${x.text}) but ${need.param} is ${String(value)}: set ${need.param}: ${need.value}, or remove the link`,
      written ? { at: 'param', node: x.to.id, param: need.param } : { at: 'link', index: x.index, text: x.text },
      { node: x.to.id, param: need.param, link: x.text },
    );
  }
}

/** The message type each node's outputs carry once `any` ports have adopted their producers' type; says PORT_TYPE_MISMATCH. */
export function settleTypes(
  nodes: Map<string, NodeInfo>,
  edges: Edge[],
  pairings: Pairing[],
  next: Map<string, string[]>,
  add: Add,
): Map<string, MessageType> {
  // Message types: `any` ports adopt what feeds them.
  const outType = new Map<string, MessageType>();
  const inputsOf = groupBy(edges, (e) => e.to.id);
  const pairedFrom = new Map(pairings.map((p) => [p.receiver.id, p.sender.id]));
  const declaredOut = (info: NodeInfo): MessageType => info.decl.outputs[0]?.type ?? 'any';
  for (const info of nodes.values()) outType.set(info.id, declaredOut(info));
  // Rounds over the nodes in flow order: a graph without cycles settles in the first round (the
  // second only confirms it), where document order could take a round per node of a long chain.
  const typeOrder = flowOrder(nodes, next);
  for (let round = 0; round <= nodes.size; round++) {
    let changed = false;
    for (const info of typeOrder) {
      if (declaredOut(info) !== 'any') continue;
      const feeds = (inputsOf.get(info.id) ?? []).map((e) => outType.get(e.from.id)!);
      const sender = pairedFrom.get(info.id);
      if (sender) feeds.push(outType.get(sender)!);
      const concrete = feeds.find((t) => t !== 'any') ?? 'any';
      if (outType.get(info.id) !== concrete) {
        outType.set(info.id, concrete);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const [, list] of inputsOf) {
    let first: MessageType = 'any';
    for (const e of list) {
      const got = outType.get(e.from.id)!;
      const want: MessageType = e.toPort.type !== 'any' ? e.toPort.type : first;
      if (got !== 'any' && want !== 'any' && got !== want) {
        // The names in brackets are those the canvas prints on the ports, so the refusal points at them.
        add(
          'PORT_TYPE_MISMATCH',
          `link ${e.text}: ${e.link.from.node}.${e.link.from.port} carries ${plural(got)} (${got}) but ${e.link.to.node}.${e.link.to.port} takes ${plural(want)} (${want})`,
          { at: 'link', index: e.index, text: `${e.link.to.node}.${e.link.to.port}` },
          { link: e.text, node: e.link.to.node, port: e.link.to.port },
        );
      }
      if (first === 'any') first = got;
    }
  }

  return outType;
}

/** Sources, sinks and what frames reach; `allIds`: every id the links name, known or not. */
export function reachFromSources(
  nodes: Map<string, NodeInfo>,
  edges: Edge[],
  looseLinks: GraphLink[],
  allIds: Set<string>,
  next: Map<string, string[]>,
  add: Add,
): { sources: Set<string>; reachable: Set<string> } {
  // Sources, sinks, reachability.
  const hasProducer = new Set([...edges.map((e) => e.to.id), ...looseLinks.map((l) => l.to.node)]);
  const hasConsumer = new Set([
    ...edges.map((e) => `${e.from.id}.${e.fromPort.name}`),
    ...looseLinks.map((l) => `${l.from.node}.${l.from.port}`),
  ]);
  const unknown = [...allIds].filter((id) => !nodes.has(id));
  const sources = new Set<string>();
  const sinks = new Set<string>();
  for (const info of nodes.values()) {
    // A Pull with no producer in the graph is fed from outside (students' PUSH scripts).
    // A node fed by nothing whose inputs are all optional (a Camera's trigger) is a source too.
    const unfed = !hasProducer.has(info.id);
    if ((unfed && info.decl.inputs.every((p) => p.optional)) || (info.decl.socket?.peerIn && unfed))
      sources.add(info.id);
    const servesOutside = info.decl.socket?.peerOut && !hasConsumer.has(`${info.id}.out`);
    if (info.decl.outputs.length === 0 || servesOutside) sinks.add(info.id);
    for (const port of info.decl.outputs) {
      if (!hasConsumer.has(`${info.id}.${port.name}`) && !info.decl.socket?.peerOut) {
        add(
          'UNCONNECTED_OUTPUT',
          `node ${info.id}: nothing takes ${info.id}.${port.name}; its ${plural(port.type)} are thrown away`,
          { at: 'node', node: info.id },
          { node: info.id, port: port.name },
          'warning',
        );
      }
    }
  }
  const reachable = new Set<string>();
  const stack = [...sources, ...unknown];
  while (stack.length) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const n of next.get(id) ?? []) stack.push(n);
  }
  // A node of unknown type might be the source or the sink: only a graph of known types can lack one.
  // A sink counts only when some source feeds it: frames must end somewhere.
  if (unknown.length === 0) {
    if (sources.size === 0)
      add('NO_SOURCE', 'the graph has no source: add a Camera, a Subscribe, a Request or a Pull fed from outside', {
        at: 'nodes',
      });
    else if (![...sinks].some((id) => reachable.has(id)))
      add('NO_SINK', 'no source feeds a sink: link to an HDF5Sink or a Reply, or publish/push to outside peers', {
        at: 'nodes',
      });
    if (sources.size === 0 && sinks.size === 0)
      add('NO_SINK', 'the graph has no sink: add an HDF5Sink or a Reply, or publish/push to outside peers', {
        at: 'nodes',
      });
  }
  for (const info of nodes.values()) {
    if (!reachable.has(info.id) && sources.size + unknown.length > 0) {
      add(
        'UNREACHABLE_NODE',
        `node ${info.id}: no frames reach it from any source; it will not run`,
        { at: 'node', node: info.id },
        { node: info.id },
        'warning',
      );
    }
  }

  return { sources, reachable };
}

export function plural(t: MessageType): string {
  return t === 'frame' ? 'frames' : t === 'spectrum' ? 'spectra' : 'messages';
}

export function groupBy<T>(list: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    const l = out.get(k);
    if (l) l.push(x);
    else out.set(k, [x]);
  }
  return out;
}
