/**
 * The rules of a whole graph: which nodes and links are usable, which sockets meet by endpoint,
 * what type flows on each output, and every problem found. Pure (the node types come in as an
 * argument, no Node APIs): `validate` and the compiler run it with the registry (analyze.ts),
 * the editor with the catalog the server sent, so a link is refused in both for one reason.
 */
import type { MessageType, NodeDecl, PortDecl } from '../../nodes/types.ts';
import type { Graph, GraphError, GraphErrorCode, GraphLink, GraphNode } from './types.ts';
import { formatLink } from './link.ts';
import { describe } from './param-rules.ts';
import { nodeIdProblem } from './node-id.ts';
import { placeNodes, readHosts, type HostEntry } from './host-rules.ts';
import { checkNode, type Issue, type NodeInfo, type Where } from './node-rules.ts';
import { BoundEndpoints } from './flow.ts';
import {
  cycleIssues,
  groupBy,
  inputConditions,
  reachFromSources,
  settleTypes,
  type Edge,
  type Pairing,
} from './flow-rules.ts';
import { didYouMean } from './suggest.ts';

export type { Issue, NodeInfo, Where } from './node-rules.ts';

export type { Edge, Pairing } from './flow-rules.ts';

/** The sockets that send frames to their peers (the others receive from theirs). */
/** One end of a link whose port is known: a link into an input, or out of an output. */
interface PortUse {
  index: number;
  link: GraphLink;
  text: string;
  port: PortDecl;
}

export const SENDS: ReadonlySet<string> = new Set(['PUB', 'PUSH', 'REP']);

export interface Analysis {
  issues: Issue[];
  nodes: Map<string, NodeInfo>;
  edges: Edge[];
  pairings: Pairing[];
  sources: Set<string>;
  reachable: Set<string>;
  /** The message type each node's outputs carry once `any` ports have adopted their producers' type. */
  outType: Map<string, MessageType>;
  /** The `hosts:` map read (placement); undefined when the graph has none. */
  hosts?: Map<string, HostEntry>;
}

/** Which socket a connecting socket may meet at an endpoint bound in the same graph. */
const MEETS: Record<string, string> = { SUB: 'PUB', REQ: 'REP', PULL: 'PUSH', PUSH: 'PULL', PUB: 'SUB', REP: 'REQ' };

/** The node ids the graph declares, in document order, never inherited Object keys. */
function nodeEntries(graph: Graph): [string, GraphNode][] {
  const nodes = graph.nodes;
  if (nodes === null || typeof nodes !== 'object' || Array.isArray(nodes)) return [];
  return Object.entries(nodes);
}

/** Every problem with a graph, errors and warnings, in a stable order; `types` are the node types it may use. */
export function checkGraph(graph: Graph, types: readonly NodeDecl[]): Analysis {
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
    return {
      issues,
      nodes: new Map(),
      edges: [],
      pairings: [],
      sources: new Set(),
      reachable: new Set(),
      outType: new Map(),
    };
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
    add('UNSUPPORTED_VERSION', `format version ${describe(graph.patchbay)} is not supported: expected patchbay: 1`, {
      at: 'version',
    });
  }

  // Nodes and their params.
  const nodes = new Map<string, NodeInfo>();
  const allIds = new Set<string>();
  const typeNames = types.map((d) => d.type);
  const byType = new Map(types.map((d) => [d.type, d]));
  nodeEntries(graph).forEach(([id, node], order) => {
    allIds.add(id);
    const badId = nodeIdProblem(id);
    if (badId) add('BAD_NODE_ID', badId, { at: 'node', node: id }, { node: id });
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      add('BAD_DOCUMENT', `node ${id} must be a map with a type`, { at: 'node', node: id }, { node: id });
      return;
    }
    if (typeof node.type !== 'string' || node.type === '') {
      add(
        'BAD_DOCUMENT',
        `node ${id} needs a type: one of ${typeNames.join(', ')}`,
        { at: 'node', node: id },
        { node: id },
      );
      return;
    }
    const decl = byType.get(node.type);
    if (!decl) {
      add(
        'UNKNOWN_TYPE',
        `node ${id}: unknown type ${node.type}${didYouMean(node.type, typeNames)}`,
        { at: 'node', node: id, key: 'type' },
        { node: id },
      );
      return;
    }
    nodes.set(id, checkNode(id, node, decl, order, add));
  });
  const hosts = readHosts(graph.hosts, graph.secure, add);
  placeNodes(nodes, hosts, graph.secure === true, add);

  // Links.
  const edges: Edge[] = [];
  const looseLinks: GraphLink[] = [];
  // Each link's ends whose port is known, even when the other end's type is not: one typo must
  // not hide a second producer on an input or a second consumer of a plain output.
  const outUses: PortUse[] = [];
  const inUses: PortUse[] = [];
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
    const known: Partial<Record<'from' | 'to', PortDecl>> = {};
    for (const [side, ref, dir] of ends) {
      if (!allIds.has(ref.node)) {
        add(
          'UNKNOWN_NODE',
          `link ${text}: no node ${ref.node}${suggestNode(ref.node)}`,
          where(`${ref.node}.${ref.port}`),
          { link: text, node: ref.node },
        );
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
        add(
          'UNKNOWN_PORT',
          `link ${text}: ${info.decl.type} ${ref.node} has no ${what} ${ref.port}${hint}`,
          where(`${ref.node}.${ref.port}`),
          { link: text, node: ref.node, port: ref.port },
        );
        ok = false;
        continue;
      }
      known[side] = port;
    }
    if (!ok) {
      if (loose && allIds.has(link.from.node) && allIds.has(link.to.node)) {
        looseLinks.push(link);
        if (known.from) outUses.push({ index, link, text, port: known.from });
        if (known.to) inUses.push({ index, link, text, port: known.to });
      }
      return;
    }
    if (seen.has(text)) {
      add('DUPLICATE_LINK', `link ${text} is listed twice`, where(text), { link: text });
      return;
    }
    seen.add(text);
    if (link.from.node === link.to.node) {
      add('CYCLE', `link ${text} feeds ${link.from.node} back into itself`, where(text), {
        link: text,
        node: link.from.node,
      });
      return;
    }
    // Both ends resolved (ok): their ports are known.
    const fromPort = known.from!;
    const toPort = known.to!;
    outUses.push({ index, link, text, port: fromPort });
    inUses.push({ index, link, text, port: toPort });
    edges.push({
      index,
      link,
      text,
      from: nodes.get(link.from.node)!,
      to: nodes.get(link.to.node)!,
      fromPort,
      toPort,
    });
  });

  // One producer per plain input, one consumer per plain output.
  const producers = groupBy(inUses, (e) => `${e.link.to.node}.${e.link.to.port}`);
  for (const [port, list] of producers) {
    if (list.length > 1 && !list[0].port.many) {
      for (const e of list.slice(1)) {
        add(
          'TOO_MANY_PRODUCERS',
          `link ${e.text}: ${port} already has a producer (${list[0].link.from.node}); only Pull takes many: put a Pull between`,
          { at: 'link', index: e.index, text: `${e.link.to.node}.${e.link.to.port}` },
          { link: e.text, node: e.link.to.node, port: e.link.to.port },
        );
      }
    }
  }
  const consumers = groupBy(outUses, (e) => `${e.link.from.node}.${e.link.from.port}`);
  for (const [port, list] of consumers) {
    if (list.length > 1 && !list[0].port.many) {
      for (const e of list.slice(1)) {
        add(
          'FAN_OUT_WITHOUT_COPY',
          `link ${e.text}: ${port} already feeds ${list[0].link.to.node}; a plain output feeds one input: fan out with Copy, Publish or Push`,
          { at: 'link', index: e.index, text: `${e.link.from.node}.${e.link.from.port}` },
          { link: e.text, node: e.link.from.node, port: e.link.from.port },
        );
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
      const where: Where = info.params.endpoint
        ? { at: 'param', node: info.id, param: 'endpoint' }
        : { at: 'node', node: info.id };
      add(
        'DUPLICATE_ENDPOINT',
        `node ${info.id}: ${info.endpoint} is already bound by ${clash.id}; two sockets cannot bind one endpoint`,
        where,
        { node: info.id, param: 'endpoint' },
      );
    } else binders.add(info);
  }
  // A node's handshake REP binds a second endpoint: it clashes like any other.
  const readyBinders = new BoundEndpoints();
  for (const info of nodes.values()) {
    const hs = info.handshake;
    if (!hs || hs.side !== 'bind') continue;
    const clash = binders.find(hs.parsed) ?? readyBinders.find(hs.parsed);
    if (clash) {
      const what =
        clash.handshake?.parsed && readyBinders.find(hs.parsed) === clash ? `${clash.id}'s handshake` : clash.id;
      add(
        'DUPLICATE_ENDPOINT',
        `node ${info.id}: handshake ${hs.endpoint} is already bound by ${what}; two sockets cannot bind one endpoint`,
        { at: 'param', node: info.id, param: 'handshake' },
        { node: info.id, param: 'handshake' },
      );
    } else readyBinders.add({ ...info, parsedEndpoint: hs.parsed, endpoint: hs.endpoint });
  }
  for (const info of nodes.values()) {
    if (!info.parsedEndpoint || info.side !== 'connect') continue;
    const binder = binders.find(info.parsedEndpoint);
    if (!binder) continue;
    const mine = info.decl.socket!.own;
    const theirs = binder.decl.socket!.own;
    if (MEETS[mine] !== theirs) {
      add(
        'INCOMPATIBLE_SOCKETS',
        `node ${info.id}: its ${mine} socket cannot talk to the ${theirs} socket of ${binder.id} at ${info.endpoint}: ${mine} pairs with ${MEETS[mine]}`,
        { at: 'param', node: info.id, param: 'endpoint' },
        { node: info.id, param: 'endpoint' },
      );
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
    add(
      'NO_BINDER',
      `link ${e.text}: ${carrier.id} connects to ${carrier.endpoint} and so does its peer in the graph, but nothing in the graph binds it: set bind: true on ${carrier.id}`,
      { at: 'link', index: e.index, text: e.text },
      { link: e.text, node: carrier.id },
    );
  }

  // Placement: links between hosts must cross on tcp.
  for (const e of edges) {
    const hf = e.from.node.host;
    const ht = e.to.node.host;
    if (typeof hf !== 'string' || typeof ht !== 'string' || hf === ht) continue;
    const carrier = e.from.decl.socket?.peerOut ? e.from : e.to.decl.socket?.peerIn ? e.to : undefined;
    if (!carrier || carrier.parsedEndpoint?.transport !== 'tcp') {
      add(
        'CROSS_HOST_LINK',
        `link ${e.text} joins host ${hf} to host ${ht}: links between hosts must go through a Publish, Push or Pull with a tcp:// endpoint`,
        { at: 'link', index: e.index, text: e.text },
        { link: e.text },
      );
    }
  }

  for (const p of pairings) {
    const hb = p.binder.node.host;
    const hc = p.connecter.node.host;
    if (typeof hb === 'string' && typeof hc === 'string' && hb !== hc && p.binder.parsedEndpoint?.transport !== 'tcp') {
      add(
        'CROSS_HOST_LINK',
        `node ${p.connecter.id} on host ${hc} meets ${p.binder.id} on host ${hb} at ${p.connecter.endpoint}: between hosts only tcp:// endpoints reach`,
        { at: 'param', node: p.connecter.id, param: 'endpoint' },
        { node: p.connecter.id, param: 'endpoint' },
      );
    }
  }

  // Resources one node holds (a recorder's file): one writer per file.
  const held = new Map<string, string>();
  for (const info of nodes.values()) {
    const ex = info.decl.exclusive;
    const value = ex ? info.params[ex.param] : undefined;
    if (!ex || typeof value !== 'string') continue;
    const key = `${ex.code}\0${value}`;
    const other = held.get(key);
    if (other !== undefined) {
      add(
        ex.code,
        `node ${info.id}: ${value} is already written by ${other}; one writer per file`,
        { at: 'param', node: info.id, param: ex.param },
        { node: info.id, param: ex.param },
      );
    } else held.set(key, info.id);
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

  cycleIssues(nodes, edges, next, add);
  inputConditions(edges, add);

  const outType = settleTypes(nodes, edges, pairings, next, add);

  for (const l of looseLinks) flow(l.from.node, l.to.node);
  const { sources, reachable } = reachFromSources(nodes, edges, looseLinks, allIds, next, add);

  const usable = hosts && new Map([...hosts].filter((h): h is [string, HostEntry] => h[1] !== null));
  return { issues, nodes, edges, pairings, sources, reachable, outType, hosts: usable };
}

function isRef(x: unknown): x is { node: string; port: string } {
  return (
    !!x &&
    typeof x === 'object' &&
    typeof (x as { node: unknown }).node === 'string' &&
    typeof (x as { port: unknown }).port === 'string'
  );
}
