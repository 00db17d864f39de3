/**
 * A node's receiving sockets: a Pull's or Subscribe's own socket (with what decides when it
 * ends), and the PULL or SUB a node gets for a link from a Push or Publish node.
 */
import type { PlanSocket } from '../../compile/plan.ts';
import { parseEndpoint, sameEndpoint } from '../../graph/endpoint.ts';
import type { RunContext } from '../context.ts';
import type { LinkState, Runner } from '../run-state.ts';
import { attach, hasHandshake, type AnySocket } from '../sockets.ts';
import { openSource, type ReceiversByEndpoint } from './receiver.ts';

type Schedule = (s: PlanSocket, open: () => Promise<void>) => void;

/**
 * A Pull's or Subscribe's own socket `s`. `senders` are the graph's PUSH sockets for links,
 * `own` every node's own socket: together they say which producers of the graph it waits for.
 */
export function scheduleNodeInput(
  ctx: RunContext,
  r: Runner,
  s: PlanSocket,
  senders: readonly PlanSocket[],
  own: ReadonlyMap<string, PlanSocket>,
  localReceivers: ReceiversByEndpoint,
  schedule: Schedule,
): void {
  const id = r.node.id;
  const producers = senders.filter((p) => p.endpoint === s.endpoint);
  // Push nodes of the graph that connect their own socket to this endpoint (bind: false): one end of stream each.
  const here = parseEndpoint(s.endpoint);
  const paired =
    s.type === 'PULL' && s.side === 'bind' && here
      ? [...own.values()].filter((p) => p.type === 'PUSH' && p.side === 'connect' && p.node !== id && sameEndpoint(here, parseEndpoint(p.endpoint) ?? here))
      : [];
  const inGraph = producers.length + paired.length;
  // In-graph producers that reach this node by other sockets or links (push.out -> pull.in is
  // carried by a PULL the node connects to the Push node): they decide when it ends, not this socket.
  const fedInGraph = inGraph === 0 && ctx.plan.links.some((l) => l.to.node === id);
  // Every in-graph producer meets this Pull over inproc: they get a PULL of their own there,
  // and the endpoint's socket is left to outside producers, whose end of stream then cannot
  // pass for one of the graph's (it closes that socket, not the node).
  const split = s.type === 'PULL' && s.side === 'bind' && !!s.inproc && inGraph > 0 && [...producers, ...paired].every((p) => p.inproc === s.inproc);
  if (split)
    schedule(s, async () => {
      const outside = openSource(ctx, r, { ...s, inproc: undefined }, 'in', undefined, 1, false, localReceivers);
      outside.aux = true;
      r.aux.push(outside);
      r.auxOpen++;
      await attach(outside.socket, s, 'endpoint');
    });
  schedule(s, async () => {
    const src = openSource(ctx, r, s, 'in', undefined, Math.max(1, inGraph), inGraph === 0 && !fedInGraph, localReceivers);
    src.remoteFed = inGraph > 0 && [...producers, ...paired].every((p) => !ctx.runners.has(p.node));
    if (src.sourceLike && s.type === 'PULL' && hasHandshake(s)) ctx.loop.in.push(src);
    if (fedInGraph) {
      src.aux = true;
      r.aux.push(src);
      r.auxOpen++;
    }
    await attach(src.socket, s, split ? 'inproc' : undefined);
    // A Subscribe listening to a publisher of this graph: drops are the publisher's.
    const pub = s.type === 'SUB' ? [...own.values()].find((p) => p.type === 'PUB' && p.endpoint === s.endpoint) : undefined;
    if (pub && ctx.runners.has(pub.node)) src.dropTo = ctx.runners.get(pub.node)!;
    // PUSH to PULL is lossless: when every producer runs here, what they sent must have arrived.
    if (inGraph > 0 && [...producers, ...paired].every((p) => ctx.runners.has(p.node)))
      ctx.lossChecks.push(() => {
        const links = new Set(producers.map((p) => p.link));
        const sent =
          [...ctx.runners.values()]
            .flatMap((x) => [...x.outputs.values()].flat())
            .filter((o) => o.link && links.has(o.link.plan.text))
            .reduce((a, o) => a + o.sent, 0) +
          paired.reduce((a, p) => a + (ctx.runners.get(p.node)!.outputs.get('out') ?? []).reduce((b, o) => b + o.sent, 0), 0);
        return Math.max(0, sent - src.received);
      });
  });
}

/** The PULL or SUB node `r` gets for link `l` from a Push or Publish node. */
export async function openLinkReceiver(ctx: RunContext, r: Runner, s: PlanSocket, l: LinkState, localReceivers: ReceiversByEndpoint): Promise<void> {
  const src = openSource(ctx, r, s, l.plan.to.port, l, 1, false, localReceivers);
  src.remoteFed = !ctx.runners.has(l.plan.from.node);
  if (s.type === 'SUB') {
    const pub = ctx.runners.get(l.plan.from.node);
    if (pub) src.dropTo = pub;
  }
  const ready = hasHandshake(s) && s.type === 'PULL' ? handshake(src.socket) : undefined;
  await attach(src.socket, s);
  if (ready) ctx.readiness.push(ready);
}

/** Resolves on the socket's first completed ZMTP handshake (tcp, ipc). */
export function handshake(socket: AnySocket): Promise<void> {
  return new Promise<void>((resolve) => {
    const listener = () => {
      socket.events.off('handshake', listener);
      resolve();
    };
    socket.events.on('handshake', listener);
  });
}
