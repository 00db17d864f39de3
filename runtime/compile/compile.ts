import type { Graph, GraphError } from '../graph/types.ts';
import { analyzeGraph, type Analysis, type Edge, type NodeInfo } from '../graph/analyze.ts';
import { parseEndpoint, sameEndpoint, type Endpoint } from '../graph/endpoint.ts';
import type { Plan, PlanLink, PlanNode, PlanPool, PlanSocket, SocketType } from './plan.ts';
import { routeSockets } from './route.ts';
import { bareHost } from '../graph/host-rules.ts';
import { PatchbayError } from '../util/patchbay-error.ts';

/** Thrown by compileGraph when the graph has errors; `errors` holds every one (warnings excluded). */
export class GraphValidationError extends PatchbayError<'GRAPH_INVALID'> {
  constructor(readonly errors: GraphError[]) {
    super(
      'GRAPH_INVALID',
      `the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors
        .map((e) => `${e.code} ${e.message}`)
        .slice(0, 3)
        .join('; ')}${errors.length > 3 ? '; ...' : ''}`,
    );
  }
}

/** REQ/REP is lock-step: one message in flight, so a deeper queue never fills. */
const LOCKSTEP_HWM = 1;

/**
 * Compiles a graph to the sockets, pools and start order the executor sets up. Throws
 * GraphValidationError on any error. `analysis` is loadGraph's, for the same graph object
 * unchanged since: the graph is then checked once, not twice.
 */
export function compileGraph(graph: Graph, analysis: Analysis = analyzeGraph(graph)): Plan {
  const errors = analysis.issues.filter((i) => i.error.severity === 'error').map((i) => i.error);
  if (errors.length) throw new GraphValidationError(errors);
  return buildPlan(graph, analysis);
}

function buildPlan(graph: Graph, a: Analysis): Plan {
  // Nodes no frame can reach would wait forever for an end of stream: they are left out (the validator warned).
  const run = [...a.nodes.values()].filter((n) => a.reachable.has(n.id));
  const inPlan = new Set(run.map((n) => n.id));
  const edges = a.edges.filter((e) => inPlan.has(e.from.id) && inPlan.has(e.to.id));

  const nodes: PlanNode[] = run.map((n) => {
    const p: PlanNode = { id: n.id, type: n.decl.type, params: { ...n.params } };
    if (typeof n.node.host === 'string') p.host = n.node.host;
    return p;
  });

  const links: PlanLink[] = [];
  const sockets: PlanSocket[] = [];
  const hwmOf = (n: NodeInfo) => (typeof n.params.hwm === 'number' ? n.params.hwm : LOCKSTEP_HWM);
  const names = (list: string[]) => list.join(', ');

  // Each socket node's own socket, then the peer sockets its links give other nodes.
  for (const n of run) {
    const s = n.decl.socket;
    if (!s) continue;
    const outs = edges.filter((e) => e.from.id === n.id).map((e) => e.to.id);
    const ins = edges.filter((e) => e.to.id === n.id).map((e) => e.from.id);
    // Sockets of the same graph that meet this one by endpoint rather than by a link.
    const met = a.pairings
      .filter(
        (p) =>
          (p.binder.id === n.id || p.connecter.id === n.id) && inPlan.has(p.binder.id) && inPlan.has(p.connecter.id),
      )
      .map((p) => (p.binder.id === n.id ? p.connecter.id : p.binder.id));
    let peer: string;
    switch (s.own) {
      case 'PUB':
        peer = outs.length || met.length ? `(to ${names([...outs, ...met])})` : '(to outside subscribers)';
        break;
      case 'PUSH':
        peer = outs.length || met.length ? `(to ${names([...outs, ...met])})` : '(to outside workers)';
        break;
      case 'PULL': {
        // Producers that are Push or Publish nodes reach a Pull through a socket it connects to
        // them (listed with the link), not through this one.
        const direct = edges.filter((e) => e.to.id === n.id && !e.from.decl.socket?.peerOut).map((e) => e.from.id);
        if (direct.length || met.length) peer = `(from ${names([...direct, ...met])})`;
        else if (ins.length)
          peer = `(from outside producers; ends when ${names(ins)} end${ins.length === 1 ? 's' : ''})`;
        else peer = '(from outside producers)';
        break;
      }
      case 'REP':
        peer = met.length ? `(answers ${names(met)})` : '(answers outside clients)';
        break;
      case 'REQ':
        peer = met.length ? `(asks ${names(met)})` : '(asks an outside server)';
        break;
      case 'SUB':
        peer = met.length ? `(from ${names(met)})` : '(from an outside publisher)';
        break;
    }
    const own: PlanSocket = {
      node: n.id,
      type: s.own,
      side: n.side!,
      endpoint: n.endpoint!,
      hwm: hwmOf(n),
      peer,
      route: { role: 'own' },
    };
    if (n.hostName) own.hostName = n.hostName;
    if (s.own === 'SUB') own.topics = topicsOf(n);
    const waitFor = Number(n.params.waitFor ?? 0);
    if (waitFor > 0) own.waitFor = waitFor;
    sockets.push(own);
    const handshake = typeof n.params.handshake === 'string' ? n.params.handshake : '';
    if (s.handshake && handshake !== '')
      sockets.push(
        s.handshake === 'REP'
          ? {
              node: n.id,
              type: 'REP',
              side: 'bind',
              endpoint: handshake,
              hwm: LOCKSTEP_HWM,
              peer: "(answers a ventilator's ready request once this sink is ready)",
              route: { role: 'own', handshake: true },
            }
          : {
              node: n.id,
              type: 'REQ',
              side: 'connect',
              endpoint: handshake,
              hwm: LOCKSTEP_HWM,
              peer: '(asks the sink whether it is ready before the first frame)',
              route: { role: 'own', handshake: true },
            },
      );
  }

  for (const e of edges) {
    const carrier = socketCarrier(e);
    if (!carrier) {
      links.push({
        text: e.text,
        from: { ...e.link.from },
        to: { ...e.link.to },
        via: 'inproc',
        endpoint: `inproc://${e.text.replace(/ /g, '')}`,
        lossless: true,
      });
      continue;
    }
    const { owner, type, server } = carrier;
    const s: PlanSocket = {
      node: owner.id,
      type,
      side: 'connect',
      endpoint: server.endpoint!,
      hwm: hwmOf(server),
      link: e.text,
      peer: type === 'PUSH' ? `(to ${server.id})` : `(from ${server.id})`,
      route: { role: 'link' },
    };
    if (server.hostName) s.hostName = server.hostName;
    // A subscriber of an in-graph publisher takes the publisher's topic, so it gets exactly what is published.
    if (type === 'SUB') s.topics = [typeof server.params.topic === 'string' ? server.params.topic : ''];
    sockets.push(s);
    links.push({
      text: e.text,
      from: { ...e.link.from },
      to: { ...e.link.to },
      via: 'socket',
      endpoint: server.endpoint!,
      lossless: server.decl.socket!.own !== 'PUB',
    });
  }

  meetInProcess(sockets, nodes);
  if (graph.secure === true) secureSockets(sockets, nodes, a.hosts);
  routeSockets(sockets, links);

  const pools: PlanPool[] = [];
  for (const n of run) {
    const pool = n.decl.pool;
    if (pool)
      pools.push({
        node: n.id,
        threads: typeof pool.threads === 'number' ? pool.threads : Number(n.params[pool.threads]),
      });
  }

  const plan: Plan = {
    name: graph.name ?? 'graph',
    nodes,
    links,
    sockets,
    pools,
    startOrder: startOrder(run, edges, a),
  };
  if (a.hosts?.size) plan.hosts = Object.fromEntries(a.hosts);
  if (graph.secure === true) plan.secure = true;
  const skipped = [...a.nodes.keys()].filter((id) => !inPlan.has(id));
  if (skipped.length) plan.skipped = skipped;
  return plan;
}

/** Which socket types talk to which: a pair of anything else is not a pairing (the validator says so). */
const PEER: Record<SocketType, SocketType> = {
  PUB: 'SUB',
  SUB: 'PUB',
  PUSH: 'PULL',
  PULL: 'PUSH',
  REQ: 'REP',
  REP: 'REQ',
};

/**
 * Sockets of the graph that connect to a socket the graph binds on the same host dial it over
 * inproc (a name the bound socket binds as well), so frames between them skip loopback TCP and
 * its copies; the bound socket keeps its tcp or ipc endpoint for outside programs.
 */
function meetInProcess(sockets: PlanSocket[], nodes: PlanNode[]): void {
  const host = new Map(nodes.map((n) => [n.id, n.host]));
  const binders = sockets
    .map((s) => ({ s, at: parseEndpoint(s.endpoint) }))
    .filter(
      (b): b is { s: PlanSocket; at: Endpoint } =>
        b.s.side === 'bind' && b.at !== undefined && b.at.transport !== 'inproc',
    );
  for (const c of sockets) {
    if (c.side !== 'connect') continue;
    const at = parseEndpoint(c.endpoint);
    if (!at || at.transport === 'inproc') continue;
    const b = binders.find(
      (x) =>
        x.s.node !== c.node &&
        PEER[x.s.type] === c.type &&
        host.get(x.s.node) === host.get(c.node) &&
        sameEndpoint(x.at, at),
    );
    if (!b) continue;
    // A node's handshake REP is a second bound socket of its own: a name of its own.
    b.s.inproc = `inproc://in-graph/${b.s.node}${b.s.route.handshake ? '/ready' : ''}`;
    c.inproc = b.s.inproc;
  }
}

/**
 * `secure: true`: every bound tcp socket of a placed node is a CURVE server; every socket of a
 * placed node that connects to one (over tcp, or over inproc from the same host) is its client.
 */
function secureSockets(sockets: PlanSocket[], nodes: PlanNode[], hosts: Analysis['hosts']): void {
  const host = new Map(nodes.map((n) => [n.id, n.host]));
  const servers: PlanSocket[] = [];
  for (const s of sockets) {
    const h = host.get(s.node);
    if (s.side === 'bind' && h && s.endpoint.startsWith('tcp://')) {
      s.secure = { host: h, server: true };
      servers.push(s);
    }
  }
  const byAddress = new Map([...(hosts ?? [])].map(([name, e]) => [bareHost(e.address), name]));
  for (const c of sockets) {
    const h = host.get(c.node);
    if (c.side !== 'connect' || !h) continue;
    const at = parseEndpoint(c.endpoint);
    const binder = c.inproc
      ? servers.find((b) => b.inproc === c.inproc)
      : servers.find((b) => PEER[b.type] === c.type && at && sameEndpoint(parseEndpoint(b.endpoint)!, at));
    const serverHost = binder
      ? host.get(binder.node)
      : c.inproc
        ? undefined
        : (c.hostName ?? (at?.host && byAddress.get(bareHost(at.host))));
    if (serverHost) c.secure = { host: h, serverHost };
  }
}

/** The socket that carries a link, when one does: Publish/Push hand each consumer a SUB/PULL; Pull hands each producer a PUSH. */
function socketCarrier(e: Edge): { owner: NodeInfo; type: SocketType; server: NodeInfo } | undefined {
  const out = e.from.decl.socket?.peerOut;
  if (out) return { owner: e.to, type: out, server: e.from };
  const inn = e.to.decl.socket?.peerIn;
  if (inn) return { owner: e.from, type: inn, server: e.to };
  return undefined;
}

function topicsOf(n: NodeInfo): string[] {
  const t = n.params.topics;
  return Array.isArray(t) ? t.map(String) : [''];
}

/**
 * Consumers before producers, so nothing is sent before someone listens; a bound socket
 * before the nodes that connect to it; sources (cameras) last.
 */
function startOrder(run: NodeInfo[], edges: Edge[], a: Analysis): string[] {
  // Hard: a consumer listens before its producer sends. Soft: a bound socket before those that
  // connect to it (ZeroMQ reconnects either way, so where the two disagree the consumer wins).
  const hard = new Map<string, Set<string>>(run.map((n) => [n.id, new Set()]));
  const soft = new Map<string, Set<string>>(run.map((n) => [n.id, new Set()]));
  for (const e of edges) hard.get(e.from.id)?.add(e.to.id);
  for (const p of a.pairings)
    if (hard.has(p.binder.id) && hard.has(p.connecter.id)) soft.get(p.connecter.id)!.add(p.binder.id);
  const order: string[] = [];
  const done = new Set<string>();
  const ready = (id: string, rules: Map<string, Set<string>>[]) =>
    rules.every((r) => [...r.get(id)!].every((b) => done.has(b)));
  const rank = (n: NodeInfo) => (n.decl.role === 'source' ? 1 : 0);
  const pending = [...run].sort((x, y) => rank(x) - rank(y) || x.order - y.order);
  while (pending.length) {
    let i = pending.findIndex((n) => ready(n.id, [hard, soft]));
    if (i < 0) i = pending.findIndex((n) => ready(n.id, [hard]));
    // Links cannot form a cycle in a valid graph; this only guards the loop.
    if (i < 0) i = 0;
    const [n] = pending.splice(i, 1);
    order.push(n.id);
    done.add(n.id);
  }
  return order;
}
