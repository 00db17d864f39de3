/**
 * Which socket carries what, as the plan's routing says (runtime/compile/route.ts): each socket
 * node's own socket goes to its folder's opener (or to its stage), the sockets links gave nodes
 * to the shared transports; in-process links are wired here; bound sockets open first.
 */
import type { PlanSocket } from '../compile/plan.ts';
import { loadSocketOpener, opensOwnSocket } from '../../nodes/registry.ts';
import type { RunContext } from './context.ts';
import { ExecError } from './errors.ts';
import type { Open } from './socket-node.ts';
import { openLinkReceiver } from './transports/inputs.ts';
import { openLinkSender } from './transports/link-push.ts';
import type { ReceiversByEndpoint } from './transports/receiver.ts';

export interface Routing {
  /** The socket nodes' own sockets whose folders open them (the others' stages drive theirs). */
  own: PlanSocket[];
  /** PULL and SUB sockets nodes get for their links from Push and Publish nodes. */
  receivers: PlanSocket[];
  /** PUSH sockets nodes get for their links into Pull nodes. */
  senders: PlanSocket[];
}

/** Every link's counters, the in-process links wired between the run's nodes, and which sockets carry the rest. */
export function route(ctx: RunContext): Routing {
  for (const l of ctx.plan.links) ctx.links.set(l.text, { plan: l, frames: 0, bytes: 0, dropped: 0, queued: 0 });
  const own: PlanSocket[] = [];
  for (const s of ctx.plan.sockets) {
    // Only the nodes that run here: another host's node opens its own sockets there.
    const r = ctx.runners.get(s.node);
    if (s.route.role !== 'own' || !r) continue;
    if (opensOwnSocket(r.node.type)) own.push(s);
    else r.stageSockets.push(s);
  }
  const linkSockets = ctx.plan.sockets.filter((s) => s.route.role === 'link');
  const receivers = linkSockets.filter((s) => s.type === 'SUB' || s.type === 'PULL');
  const senders = linkSockets.filter((s) => s.type === 'PUSH');
  const carried = new Set(linkSockets.map((s) => s.link));

  for (const l of ctx.plan.links) {
    if (carried.has(l.text)) continue;
    const from = ctx.runners.get(l.from.node);
    const to = ctx.runners.get(l.to.node);
    if (!from && !to) continue;
    if (!from || !to)
      throw new ExecError(
        'BAD_PLAN',
        `link ${l.text} crosses hosts but has no socket (links between hosts must be tcp endpoints)`,
      );
    const link = ctx.links.get(l.text)!;
    to.inputs++;
    from.addOutput(l.from.port, {
      link,
      to,
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
export async function scheduleSockets(
  ctx: RunContext,
  { own, receivers, senders }: Routing,
): Promise<{ binds: Open[]; connects: Open[] }> {
  const binds: Open[] = [];
  const connects: Open[] = [];
  const schedule = (s: PlanSocket, open: Open) => (s.side === 'bind' ? binds : connects).push(open);
  const localReceivers: ReceiversByEndpoint = new Map();

  for (const s of own) {
    const r = ctx.runners.get(s.node)!;
    const opener = await loadSocketOpener(r.node.type);
    if (!opener)
      throw new ExecError('STAGE_MISSING', `the ${r.node.type} socket has no default export SocketOpener`, r.node.id);
    for (const open of opener({ ctx, runner: r, socket: s, receivers: localReceivers })) schedule(s, open);
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
