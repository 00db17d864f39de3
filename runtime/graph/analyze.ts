/**
 * The checks behind validateGraph and the facts the compiler builds on: which nodes and
 * links are usable, which sockets meet by endpoint, what type flows on each output.
 */
import type { NodeDecl, ParamValues, PortDecl, MessageType } from '../../nodes/types.ts';
import { getNodeType, nodeTypes } from '../../nodes/registry.ts';
import type { Graph, GraphError, GraphErrorCode, GraphLink, GraphNode } from './types.ts';
import { formatLink } from './link.ts';
import { checkParam, describe, ownDecl, resolveParams } from './params.ts';
import { connectable, parseEndpoint, tcpHostClass, type Endpoint } from './endpoint.ts';
import { didYouMean } from './suggest.ts';

/** Where in the document a problem lives; loadGraph turns it into a line and column. */
export type Where =
  | { at: 'doc' }
  | { at: 'version' }
  | { at: 'nodes' }
  | { at: 'node'; node: string; key?: 'type' | 'host' | 'params' }
  | { at: 'param'; node: string; param: string; key?: boolean }
  | { at: 'link'; index: number; text?: string };

export interface Issue {
  error: GraphError;
  where: Where;
}

/** A node whose type is known, with its params resolved. */
export interface NodeInfo {
  id: string;
  node: GraphNode;
  decl: NodeDecl;
  params: ParamValues;
  /** Socket nodes: the endpoint in use (an empty endpoint param becomes inproc://<id>). */
  endpoint?: string;
  parsedEndpoint?: Endpoint;
  side?: 'bind' | 'connect';
  /** Position in document order. */
  order: number;
}

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

const SENDS = new Set(['PUB', 'PUSH', 'REP']);

export interface Analysis {
  issues: Issue[];
  nodes: Map<string, NodeInfo>;
  edges: Edge[];
  pairings: Pairing[];
  sources: Set<string>;
  reachable: Set<string>;
  /** The message type each node's outputs carry once `any` ports have adopted their producers' type. */
  outType: Map<string, MessageType>;
}

const NODE_ID = /^[a-z][a-z0-9_-]*$/;
/** Which socket a connecting socket may meet at an endpoint bound in the same graph. */
const MEETS: Record<string, string> = { SUB: 'PUB', REQ: 'REP', PULL: 'PUSH', PUSH: 'PULL', PUB: 'SUB', REP: 'REQ' };

/** The node ids the graph declares, in document order, never inherited Object keys. */
function nodeEntries(graph: Graph): [string, GraphNode][] {
  const nodes = graph.nodes;
  if (nodes === null || typeof nodes !== 'object' || Array.isArray(nodes)) return [];
  return Object.entries(nodes);
}

/** Every problem with a graph, errors and warnings, in a stable order. */
export function analyzeGraph(graph: Graph): Analysis {
  const issues: Issue[] = [];
  const add = (
    code: GraphErrorCode,
    message: string,
    where: Where,
    fields: Partial<GraphError> = {},
    severity: 'error' | 'warning' = 'error',
  ) => issues.push({ error: { code, severity, message, ...fields }, where });

  if (graph === null || typeof graph !== 'object') {
    add('BAD_DOCUMENT', 'a graph must be a map with patchbay, nodes and links', { at: 'doc' });
    return { issues, nodes: new Map(), edges: [], pairings: [], sources: new Set(), reachable: new Set(), outType: new Map() };
  }
  // Suggesting a node id costs an edit distance per id of the graph; a document with thousands of
  // links to missing nodes would make that quadratic, so past a budget the suggestions stop.
  let suggestionBudget = 5_000_000;
  const suggestNode = (wrong: string): string => {
    if (suggestionBudget <= 0) return '';
    suggestionBudget -= allIds.size;
    return didYouMean(wrong, allIds);
  };
  if (graph.patchbay !== 1) {
    add('UNSUPPORTED_VERSION', `format version ${describe(graph.patchbay)} is not supported: expected patchbay: 1`, { at: 'version' });
  }

  // Nodes and their params.
  const nodes = new Map<string, NodeInfo>();
  const allIds = new Set<string>();
  const typeNames = nodeTypes.map((d) => d.type);
  nodeEntries(graph).forEach(([id, node], order) => {
    allIds.add(id);
    if (!NODE_ID.test(id)) {
      add('BAD_NODE_ID', `node id ${JSON.stringify(id)} is not allowed: expected a lowercase letter, then lowercase letters, digits, _ or -`, { at: 'node', node: id }, { node: id });
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      add('BAD_DOCUMENT', `node ${id} must be a map with a type`, { at: 'node', node: id }, { node: id });
      return;
    }
    if (typeof node.type !== 'string' || node.type === '') {
      add('BAD_DOCUMENT', `node ${id} needs a type: one of ${typeNames.join(', ')}`, { at: 'node', node: id }, { node: id });
      return;
    }
    const decl = getNodeType(node.type);
    if (!decl) {
      add('UNKNOWN_TYPE', `node ${id}: unknown type ${node.type}${didYouMean(node.type, typeNames)}`, { at: 'node', node: id, key: 'type' }, { node: id });
      return;
    }
    if (node.host !== undefined && (typeof node.host !== 'string' || node.host === '')) {
      add('BAD_DOCUMENT', `node ${id}: host must be a non-empty name, received ${describe(node.host)}`, { at: 'node', node: id, key: 'host' }, { node: id });
    }
    const given = node.params !== null && typeof node.params === 'object' && !Array.isArray(node.params) ? node.params : {};
    if (node.params !== undefined && given !== node.params) {
      add('BAD_DOCUMENT', `node ${id}: params must be a map, received ${describe(node.params)}`, { at: 'node', node: id, key: 'params' }, { node: id });
    }
    const declNames = Object.keys(decl.params);
    // Params in error; the endpoint checks below run as long as endpoint and bind themselves are fine.
    const bad = new Set<string>();
    for (const [name, value] of Object.entries(given)) {
      const p = ownDecl(decl.params, name);
      if (!p) {
        add('UNKNOWN_PARAM', `node ${id}: ${decl.type} has no param ${name}${didYouMean(name, declNames)}`, { at: 'param', node: id, param: name, key: true }, { node: id, param: name });
        continue;
      }
      const problem = checkParam(p, value);
      if (problem) {
        bad.add(name);
        add(problem.code, `node ${id}: param ${name} must be ${problem.expected}, received ${describe(value)}`, { at: 'param', node: id, param: name }, { node: id, param: name });
      }
    }
    for (const [name, p] of Object.entries(decl.params)) {
      if (p.required && !Object.hasOwn(given, name)) {
        bad.add(name);
        add('MISSING_PARAM', `node ${id}: ${decl.type} needs param ${name} (${p.doc})`, { at: 'node', node: id, key: 'params' }, { node: id, param: name });
      }
    }
    const params = resolveParams(decl.type, given);
    const info: NodeInfo = { id, node, decl, params, order };
    if (decl.socket && !bad.has('endpoint') && !bad.has('bind')) {
      const ep = typeof params.endpoint === 'string' && params.endpoint !== '' ? params.endpoint : `inproc://${id}`;
      info.endpoint = ep;
      info.parsedEndpoint = parseEndpoint(ep);
      info.side = typeof params.bind === 'boolean' ? (params.bind ? 'bind' : 'connect') : decl.socket.side;
      if (info.parsedEndpoint && info.side === 'connect' && !connectable(info.parsedEndpoint)) {
        add('BAD_ENDPOINT', `node ${id}: cannot connect to ${ep}: a * host or port only works when binding`, { at: 'param', node: id, param: 'endpoint' }, { node: id, param: 'endpoint' });
      }
    }
    nodes.set(id, info);
  });

  // Links.
  const edges: Edge[] = [];
  const looseLinks: GraphLink[] = [];
  const seen = new Set<string>();
  const links = Array.isArray(graph.links) ? graph.links : [];
  links.forEach((link, index) => {
    if (!link || typeof link !== 'object' || !isRef(link.from) || !isRef(link.to)) {
      add('BAD_LINK', `link ${index + 1} must read "node.port -> node.port"`, { at: 'link', index });
      return;
    }
    const text = formatLink(link);
    const where = (t: string): Where => ({ at: 'link', index, text: t });
    let ok = true;
    // A link to a node whose type is unknown cannot be checked, but it still carries frames
    // for the source/sink/reachability checks, so one typo does not cascade into many errors.
    let loose = false;
    const ends = [
      ['from', link.from, 'outputs'],
      ['to', link.to, 'inputs'],
    ] as const;
    const ports: PortDecl[] = [];
    for (const [, ref, dir] of ends) {
      if (!allIds.has(ref.node)) {
        add('UNKNOWN_NODE', `link ${text}: no node ${ref.node}${suggestNode(ref.node)}`, where(`${ref.node}.${ref.port}`), { link: text, node: ref.node });
        ok = false;
        continue;
      }
      const info = nodes.get(ref.node);
      if (!info) {
        ok = false; // its own error is reported on the node
        loose = true;
        continue;
      }
      const port = info.decl[dir].find((p) => p.name === ref.port);
      if (!port) {
        const other = (dir === 'inputs' ? info.decl.outputs : info.decl.inputs).some((p) => p.name === ref.port);
        const names = info.decl[dir].map((p) => p.name);
        const what = dir === 'inputs' ? 'input' : 'output';
        const hint = other
          ? ` (${ref.port} is an ${dir === 'inputs' ? 'output' : 'input'}; links go output -> input)`
          : names.length === 0
            ? ` (${info.decl.type} has no ${what})`
            : `; ${what}s: ${names.join(', ')}`;
        add('UNKNOWN_PORT', `link ${text}: ${info.decl.type} ${ref.node} has no ${what} ${ref.port}${hint}`, where(`${ref.node}.${ref.port}`), { link: text, node: ref.node, port: ref.port });
        ok = false;
        continue;
      }
      ports.push(port);
    }
    if (!ok) {
      if (loose && allIds.has(link.from.node) && allIds.has(link.to.node)) looseLinks.push(link);
      return;
    }
    if (seen.has(text)) {
      add('DUPLICATE_LINK', `link ${text} is listed twice`, where(text), { link: text });
      return;
    }
    seen.add(text);
    if (link.from.node === link.to.node) {
      add('CYCLE', `link ${text} feeds ${link.from.node} back into itself`, where(text), { link: text, node: link.from.node });
      return;
    }
    edges.push({ index, link, text, from: nodes.get(link.from.node)!, to: nodes.get(link.to.node)!, fromPort: ports[0], toPort: ports[1] });
  });

  // One producer per plain input, one consumer per plain output.
  const producers = groupBy(edges, (e) => `${e.link.to.node}.${e.link.to.port}`);
  for (const [port, list] of producers) {
    if (list.length > 1 && !list[0].toPort.many) {
      for (const e of list.slice(1)) {
        add('TOO_MANY_PRODUCERS', `link ${e.text}: ${port} already has a producer (${list[0].link.from.node}); only Pull takes many: put a Pull between`, { at: 'link', index: e.index, text: `${e.link.to.node}.${e.link.to.port}` }, { link: e.text, node: e.link.to.node, port: e.link.to.port });
      }
    }
  }
  const consumers = groupBy(edges, (e) => `${e.link.from.node}.${e.link.from.port}`);
  for (const [port, list] of consumers) {
    if (list.length > 1 && !list[0].fromPort.many) {
      for (const e of list.slice(1)) {
        add('FAN_OUT_WITHOUT_COPY', `link ${e.text}: ${port} already feeds ${list[0].link.to.node}; a plain output feeds one input: fan out with Copy, Publish or Push`, { at: 'link', index: e.index, text: `${e.link.from.node}.${e.link.from.port}` }, { link: e.text, node: e.link.from.node, port: e.link.from.port });
      }
    }
  }

  // Endpoints: one binder each; connecting sockets meet binders of the same graph.
  const binders = new BoundEndpoints();
  const pairings: Pairing[] = [];
  for (const info of nodes.values()) {
    if (!info.parsedEndpoint || info.side !== 'bind') continue;
    const clash = binders.find(info.parsedEndpoint);
    if (clash) {
      const where: Where = info.params.endpoint ? { at: 'param', node: info.id, param: 'endpoint' } : { at: 'node', node: info.id };
      add('DUPLICATE_ENDPOINT', `node ${info.id}: ${info.endpoint} is already bound by ${clash.id}; two sockets cannot bind one endpoint`, where, { node: info.id, param: 'endpoint' });
    } else binders.add(info);
  }
  for (const info of nodes.values()) {
    if (!info.parsedEndpoint || info.side !== 'connect') continue;
    const binder = binders.find(info.parsedEndpoint);
    if (!binder) continue;
    const mine = info.decl.socket!.own;
    const theirs = binder.decl.socket!.own;
    if (MEETS[mine] !== theirs) {
      add('INCOMPATIBLE_SOCKETS', `node ${info.id}: its ${mine} socket cannot talk to the ${theirs} socket of ${binder.id} at ${info.endpoint}: ${mine} pairs with ${MEETS[mine]}`, { at: 'param', node: info.id, param: 'endpoint' }, { node: info.id, param: 'endpoint' });
      continue;
    }
    const [sender, receiver] = SENDS.has(theirs) ? [binder, info] : [info, binder];
    pairings.push({ binder, connecter: info, sender, receiver });
  }

  // A link carried by a socket node that connects needs something in the graph to bind
  // its endpoint: its in-graph peers connect too, and two connecting sockets never meet.
  for (const e of edges) {
    const carrier = e.from.decl.socket?.peerOut ? e.from : e.to.decl.socket?.peerIn ? e.to : undefined;
    if (!carrier || carrier.side !== 'connect' || !carrier.parsedEndpoint) continue;
    if (binders.find(carrier.parsedEndpoint)) continue;
    add('NO_BINDER', `link ${e.text}: ${carrier.id} connects to ${carrier.endpoint} and so does its peer in the graph, but nothing in the graph binds it: set bind: true on ${carrier.id}`, { at: 'link', index: e.index, text: e.text }, { link: e.text, node: carrier.id });
  }

  // Placement: links between hosts must cross on tcp.
  for (const e of edges) {
    const hf = e.from.node.host;
    const ht = e.to.node.host;
    if (typeof hf !== 'string' || typeof ht !== 'string' || hf === ht) continue;
    const carrier = e.from.decl.socket?.peerOut ? e.from : e.to.decl.socket?.peerIn ? e.to : undefined;
    if (!carrier || carrier.parsedEndpoint?.transport !== 'tcp') {
      add('CROSS_HOST_LINK', `link ${e.text} joins host ${hf} to host ${ht}: links between hosts must go through a Publish, Push or Pull with a tcp:// endpoint`, { at: 'link', index: e.index, text: e.text }, { link: e.text });
    }
  }

  for (const p of pairings) {
    const hb = p.binder.node.host;
    const hc = p.connecter.node.host;
    if (typeof hb === 'string' && typeof hc === 'string' && hb !== hc && p.binder.parsedEndpoint?.transport !== 'tcp') {
      add('CROSS_HOST_LINK', `node ${p.connecter.id} on host ${hc} meets ${p.binder.id} on host ${hb} at ${p.connecter.endpoint}: between hosts only tcp:// endpoints reach`, { at: 'param', node: p.connecter.id, param: 'endpoint' }, { node: p.connecter.id, param: 'endpoint' });
    }
  }

  // One writer per file.
  const files = new Map<string, string>();
  for (const info of nodes.values()) {
    if (info.decl.type !== 'HDF5Sink' || typeof info.params.file !== 'string') continue;
    const other = files.get(info.params.file);
    if (other !== undefined) {
      add('DUPLICATE_FILE', `node ${info.id}: ${info.params.file} is already written by ${other}; one writer per file`, { at: 'param', node: info.id, param: 'file' }, { node: info.id, param: 'file' });
    } else files.set(info.params.file, info.id);
  }

  // Data flow: links plus the sockets that meet by endpoint.
  const next = new Map<string, string[]>();
  const flow = (a: string, b: string) => {
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  };
  for (const e of edges) flow(e.from.id, e.to.id);
  for (const p of pairings) flow(p.sender.id, p.receiver.id);

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
    add('CYCLE', `frames go round in a cycle through ${ids.join(', ')}; a pipeline must flow one way`, where, e ? { link: e.text, node: ids[0] } : { node: ids[0] });
  }

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
        add('PORT_TYPE_MISMATCH', `link ${e.text}: ${e.link.from.node}.${e.link.from.port} carries ${plural(got)} but ${e.link.to.node}.${e.link.to.port} takes ${plural(want)}`, { at: 'link', index: e.index, text: `${e.link.to.node}.${e.link.to.port}` }, { link: e.text, node: e.link.to.node, port: e.link.to.port });
      }
      if (first === 'any') first = got;
    }
  }

  // Sources, sinks, reachability.
  const hasProducer = new Set([...edges.map((e) => e.to.id), ...looseLinks.map((l) => l.to.node)]);
  const hasConsumer = new Set([...edges.map((e) => `${e.from.id}.${e.fromPort.name}`), ...looseLinks.map((l) => `${l.from.node}.${l.from.port}`)]);
  const unknown = [...allIds].filter((id) => !nodes.has(id));
  const sources = new Set<string>();
  const sinks = new Set<string>();
  for (const info of nodes.values()) {
    // A Pull with no producer in the graph is fed from outside (students' PUSH scripts).
    if (info.decl.inputs.length === 0 || (info.decl.socket?.peerIn && !hasProducer.has(info.id))) sources.add(info.id);
    const servesOutside = info.decl.socket?.peerOut && !hasConsumer.has(`${info.id}.out`);
    if (info.decl.outputs.length === 0 || servesOutside) sinks.add(info.id);
    for (const port of info.decl.outputs) {
      if (!hasConsumer.has(`${info.id}.${port.name}`) && !info.decl.socket?.peerOut) {
        add('UNCONNECTED_OUTPUT', `node ${info.id}: nothing takes ${info.id}.${port.name}; its ${plural(port.type)} are thrown away`, { at: 'node', node: info.id }, { node: info.id, port: port.name }, 'warning');
      }
    }
  }
  const reachable = new Set<string>();
  for (const l of looseLinks) flow(l.from.node, l.to.node);
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
    if (sources.size === 0) add('NO_SOURCE', 'the graph has no source: add a Camera, a Subscribe, a Request or a Pull fed from outside', { at: 'nodes' });
    else if (![...sinks].some((id) => reachable.has(id))) add('NO_SINK', 'no source feeds a sink: link to an HDF5Sink or a Reply, or publish/push to outside peers', { at: 'nodes' });
    if (sources.size === 0 && sinks.size === 0) add('NO_SINK', 'the graph has no sink: add an HDF5Sink or a Reply, or publish/push to outside peers', { at: 'nodes' });
  }
  for (const info of nodes.values()) {
    if (!reachable.has(info.id) && sources.size + unknown.length > 0) {
      add('UNREACHABLE_NODE', `node ${info.id}: no frames reach it from any source; it will not run`, { at: 'node', node: info.id }, { node: info.id }, 'warning');
    }
  }

  return { issues, nodes, edges, pairings, sources, reachable, outType };
}

/**
 * The nodes sources first (Kahn's order). Nodes in or after a cycle follow in the order frames
 * reach them (breadth first from where they enter), so that a round carries a type all the way
 * round a cycle, however its nodes are written in the document.
 */
function flowOrder(nodes: Map<string, NodeInfo>, next: Map<string, string[]>): NodeInfo[] {
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
class BoundEndpoints {
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

function plural(t: MessageType): string {
  return t === 'frame' ? 'frames' : t === 'spectrum' ? 'spectra' : 'messages';
}

function isRef(x: unknown): x is { node: string; port: string } {
  return !!x && typeof x === 'object' && typeof (x as { node: unknown }).node === 'string' && typeof (x as { port: unknown }).port === 'string';
}

function groupBy<T>(list: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    const l = out.get(k);
    if (l) l.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/** Strongly connected components of more than one node (Tarjan's, iterative so no graph overflows the stack). */
function cycles(nodes: Map<string, NodeInfo>, next: Map<string, string[]>): string[][] {
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
