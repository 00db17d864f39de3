/**
 * The routing of a plan, decided once from the whole graph: for every socket, the producers
 * whose end of stream it waits for, what else ends it, where its drops are counted, whether
 * its frames go by reference, and whom a publisher or ventilator serves. Pure: no sockets,
 * no hosts; the executor only asks which of the nodes named here run on its host.
 */
import { parseEndpoint, sameEndpoint } from '../graph/endpoint.ts';
import type { PlanLink, PlanSocket, SocketRoute } from './plan.ts';

/** Fills in every socket's `route` (its `role` is already set by the compiler). */
export function routeSockets(sockets: readonly PlanSocket[], links: readonly PlanLink[]): void {
  for (const s of sockets) {
    const route: SocketRoute = s.route.handshake ? { role: s.route.role, handshake: true } : { role: s.route.role };
    if (s.type === 'PULL' || s.type === 'SUB')
      Object.assign(route, s.route.role === 'own' ? ownInput(s, sockets, links) : linkInput(s, links));
    else if (s.type === 'PUB' || s.type === 'PUSH') Object.assign(route, output(s, sockets));
    s.route = route;
  }
}

/** A Pull's or Subscribe's own socket. */
function ownInput(s: PlanSocket, sockets: readonly PlanSocket[], links: readonly PlanLink[]): Partial<SocketRoute> {
  // Producers of the graph at its endpoint: PUSH sockets links gave them, and, for a bound
  // Pull, Push nodes that connect their own socket to it (bind: false).
  const viaLinks = sockets.filter((p) => p.route.role === 'link' && p.type === 'PUSH' && p.endpoint === s.endpoint);
  const here = parseEndpoint(s.endpoint);
  const paired =
    s.type === 'PULL' && s.side === 'bind' && here
      ? sockets.filter(
          (p) =>
            p.route.role === 'own' &&
            p.type === 'PUSH' &&
            p.side === 'connect' &&
            p.node !== s.node &&
            sameEndpoint(here, parseEndpoint(p.endpoint) ?? here),
        )
      : [];
  const producers = [
    ...viaLinks.map((p) => ({ node: p.node, link: p.link })),
    ...paired.map((p) => ({ node: p.node })),
  ];
  const route: Partial<SocketRoute> = { producers };
  if (producers.length > 0) {
    route.ends = 'producers';
    if (
      s.type === 'PULL' &&
      s.side === 'bind' &&
      s.inproc &&
      [...viaLinks, ...paired].every((p) => p.inproc === s.inproc)
    )
      route.outsideDoor = true;
  } else {
    // In-graph producers that reach the node by other sockets or links (push.out -> pull.in is
    // carried by a PULL the node connects to the Push node) decide when it ends, not this socket.
    route.ends = links.some((l) => l.to.node === s.node) ? 'with-node' : 'outside';
  }
  if (s.type === 'SUB') {
    // A Subscribe listening to a publisher of this graph: drops are the publisher's.
    const pub = sockets.find((p) => p.route.role === 'own' && p.type === 'PUB' && p.endpoint === s.endpoint);
    if (pub) route.dropsAt = pub.node;
  }
  return route;
}

/** The PULL or SUB a node gets for a link from a Push or Publish node: that node is its one producer. */
function linkInput(s: PlanSocket, links: readonly PlanLink[]): Partial<SocketRoute> {
  const l = links.find((x) => x.text === s.link);
  if (!l) return { producers: [], ends: 'outside' };
  const route: Partial<SocketRoute> = { producers: [{ node: l.from.node, link: l.text }], ends: 'producers' };
  if (s.type === 'SUB') route.dropsAt = l.from.node;
  return route;
}

/** A Publish's or Push's own PUB or PUSH, or the PUSH a link into a Pull node gave its producer. */
function output(s: PlanSocket, sockets: readonly PlanSocket[]): Partial<SocketRoute> {
  // A link's PUSH has one peer, the graph's Pull: over inproc, frames go by reference.
  if (s.route.role === 'link') return { byRef: !!s.inproc };
  const peer = s.type === 'PUB' ? 'SUB' : 'PULL';
  const consumers = sockets
    // At its endpoint, or meeting it in process (an endpoint written another way, same address).
    .filter((x) => x.type === peer && (x.endpoint === s.endpoint || (!!s.inproc && x.inproc === s.inproc)))
    .map((x) => ({
      node: x.node,
      inproc: !!x.inproc,
      hwm: x.hwm,
      subscriptions: peer === 'SUB' ? Math.max(1, x.topics?.length ?? 1) : 0,
    }));
  // A bound publisher serves the graph's subscribers here by reference (and outside ones by
  // bytes); a Push that connects to the graph's Pull over inproc has no other peer.
  const byRef = s.type === 'PUB' ? s.side === 'bind' && !!s.inproc : s.side === 'connect' && !!s.inproc;
  return { consumers, byRef };
}
