/**
 * What every receiving socket of a node shares: the PULL or SUB a node gets for a link from a
 * Push or Publish node, and the first handshake a source waits for. A Pull's or Subscribe's
 * own socket is opened by its folder (nodes/pull/socket.ts, nodes/subscribe/socket.ts).
 */
import type { PlanSocket } from '../../compile/plan.ts';
import type { RunContext } from '../context.ts';
import type { LinkState, Runner } from '../run-state.ts';
import { attach, hasHandshake, type AnySocket } from '../sockets.ts';
import { openSource, type ReceiversByEndpoint } from './receiver.ts';

/** The PULL or SUB node `r` gets for link `l` from a Push or Publish node. */
export async function openLinkReceiver(
  ctx: RunContext,
  r: Runner,
  s: PlanSocket,
  l: LinkState,
  localReceivers: ReceiversByEndpoint,
): Promise<void> {
  const src = openSource(ctx, r, s, l.plan.to.port, l, 1, false, localReceivers);
  src.remoteFed = !(s.route.producers ?? []).some((p) => ctx.runners.has(p.node));
  dropsAt(ctx, s, src);
  const ready = hasHandshake(s) && s.type === 'PULL' ? handshake(src.socket) : undefined;
  await attach(src.socket, s);
  if (ready) ctx.readiness.push(ready);
}

/** A SUB listening to a publisher of the graph that runs here: its drops are counted there. */
export function dropsAt(ctx: RunContext, s: PlanSocket, src: { dropTo: Runner }): void {
  const pub = s.route.dropsAt === undefined ? undefined : ctx.runners.get(s.route.dropsAt);
  if (pub) src.dropTo = pub;
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
