/**
 * Which socket carries what: a node's own socket apart from those its links gave it, the
 * in-process links, and the order in which every socket opens (the stable side first).
 */
import type { Plan, PlanSocket } from '../compile/plan.ts';
import { getNodeType } from '../../nodes/registry.ts';
import type { RunContext } from './context.ts';
import { ExecError } from './errors.ts';
import { openLinkReceiver, scheduleNodeInput } from './transports/inputs.ts';
import { openLinkSender } from './transports/link-push.ts';
import { openPublisher } from './transports/publisher.ts';
import type { ReceiversByEndpoint } from './transports/receiver.ts';
import { openVentilator } from './transports/ventilator.ts';

export interface Routing {
  /** Each socket node's own socket, by node id. */
  own: Map<string, PlanSocket>;
  /** PULL and SUB sockets nodes get for their links from Push and Publish nodes. */
  receivers: PlanSocket[];
  /** PUSH sockets nodes get for their links into Pull nodes. */
  senders: PlanSocket[];
}

type Open = () => Promise<void>;

/** The socket a socket node owns itself (its endpoint param), as opposed to the sockets it got for its links. */
export function ownSockets(plan: Plan): Map<string, PlanSocket> {
  const own = new Map<string, PlanSocket>();
  for (const n of plan.nodes) {
    const decl = getNodeType(n.type)?.socket;
    if (!decl) continue;
    const endpoint = (n.params.endpoint as string) || `inproc://${n.id}`;
    const side = n.params.bind === undefined ? decl.side : n.params.bind ? 'bind' : 'connect';
    let best: PlanSocket | undefined;
    let bestScore = -1;
    for (const s of plan.sockets) {
      if (s.node !== n.id || s.type !== decl.own) continue;
      const score = (s.endpoint === endpoint ? 4 : 0) + (s.link === undefined ? 2 : 0) + (s.side === side ? 1 : 0);
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    if (best) own.set(n.id, best);
  }
  return own;
}

/** Every link's counters, the in-process links wired between the run's nodes, and which sockets carry the rest. */
export function route(ctx: RunContext): Routing {
  for (const l of ctx.plan.links) ctx.links.set(l.text, { plan: l, frames: 0, bytes: 0, dropped: 0, queued: 0 });
  const own = ownSockets(ctx.plan);
  const ownSet = new Set(own.values());
  const linkSockets = ctx.plan.sockets.filter((s) => !ownSet.has(s));
  const receivers = linkSockets.filter((s) => (s.type === 'SUB' || s.type === 'PULL') && s.link !== undefined);
  const receiverLinks = new Set(receivers.map((s) => s.link));
  // A link with a socket on both ends (Push.out -> Pull.in) is carried by the consumer's socket only.
  const senders = linkSockets.filter((s) => s.type === 'PUSH' && s.link !== undefined && !receiverLinks.has(s.link));
  const carried = new Set([...receivers, ...senders].map((s) => s.link));

  for (const l of ctx.plan.links) {
    if (carried.has(l.text)) continue;
    const from = ctx.runners.get(l.from.node);
    const to = ctx.runners.get(l.to.node);
    if (!from && !to) continue;
    if (!from || !to) throw new ExecError('BAD_PLAN', `link ${l.text} crosses hosts but has no socket (links between hosts must be tcp endpoints)`);
    const link = ctx.links.get(l.text)!;
    to.inputs++;
    from.addOutput(l.from.port, {
      link,
      sent: 0,
      send: (frame) => {
        link.frames++;
        link.bytes += frame.data.byteLength;
        link.queued++;
        return to.inbox.put({ port: l.to.port, frame, link });
      },
      end: () => to.inbox.put({ port: l.to.port, link }),
    });
  }
  return { own, receivers, senders };
}

/** The opening of every socket of this run, bound ones apart from connecting ones. */
export function scheduleSockets(ctx: RunContext, { own, receivers, senders }: Routing): { binds: Open[]; connects: Open[] } {
  const binds: Open[] = [];
  const connects: Open[] = [];
  const schedule = (s: PlanSocket, open: Open) => (s.side === 'bind' ? binds : connects).push(open);
  const localReceivers: ReceiversByEndpoint = new Map();

  for (const [id, s] of own) {
    const r = ctx.runners.get(id);
    if (!r) continue;
    if (s.type === 'PUB') schedule(s, () => openPublisher(ctx, r, s, localReceivers));
    else if (s.type === 'PUSH') schedule(s, () => openVentilator(ctx, r, s, localReceivers));
    else if (s.type === 'PULL' || s.type === 'SUB') scheduleNodeInput(ctx, r, s, senders, own, localReceivers, schedule);
    // REQ and REP are driven by their stages (nodes/request, nodes/reply).
  }
  for (const s of receivers) {
    const r = ctx.runners.get(s.node);
    if (!r) continue;
    const l = ctx.links.get(s.link!);
    if (!l) throw new ExecError('BAD_PLAN', `socket ${s.type} ${s.endpoint} names an unknown link ${s.link}`, s.node);
    schedule(s, () => openLinkReceiver(ctx, r, s, l, localReceivers));
  }
  for (const s of senders) {
    const r = ctx.runners.get(s.node);
    if (!r) continue;
    const l = ctx.links.get(s.link!);
    if (!l) throw new ExecError('BAD_PLAN', `socket ${s.type} ${s.endpoint} names an unknown link ${s.link}`, s.node);
    schedule(s, () => openLinkSender(ctx, r, s, l));
  }
  return { binds, connects };
}
