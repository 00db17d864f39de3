/** The PUSH a node gets for a link into a Pull node: one peer, the Pull, so one end of stream. */
import type * as zmq from 'zeromq';
import type { PlanSocket } from '../../compile/plan.ts';
import { encode } from '../../wire/index.ts';
import type { RunContext } from '../context.ts';
import type { LinkState, Runner } from '../run-state.ts';
import { SendQueue } from '../send-queue.ts';
import { attach, awayName, createSocket, CROSS_HOST, hasHandshake, trackPeers } from '../sockets.ts';
import { awaySender } from './away.ts';
import { handshake } from './inputs.ts';

export async function openLinkSender(ctx: RunContext, r: Runner, s: PlanSocket, l: LinkState): Promise<void> {
  // The Pull is the graph's node on another host (placement): TCP keepalive, and a word when it goes.
  const away = ctx.runners.has(l.plan.to.node) ? [] : [awayName(ctx.plan, l.plan.to.node)];
  const socket = createSocket('PUSH', s.hwm, away.length ? CROSS_HOST : {});
  ctx.sockets.push(socket);
  const q = new SendQueue(socket as zmq.Push);
  let peers = 0;
  const out = awaySender(ctx, r, s, q, away, () => peers);
  trackPeers(
    socket,
    () => peers++,
    () => out.left(--peers === 0),
  );
  const ready = hasHandshake(s) ? handshake(socket) : undefined;
  await attach(socket, s);
  if (ready) ctx.readiness.push(ready);
  // Its one peer is the graph's own Pull (over inproc): the frame goes by reference.
  const byRef = !!s.route.byRef;
  // By reference, the Pull takes the frame itself: a lent frame comes back when it is done
  // (loans.ts), having waited at most in both ends' queues and in the receive loop's hand.
  const pull = byRef ? ctx.runners.get(l.plan.to.node) : undefined;
  const pullHwm = ctx.plan.sockets.find((x) => x.node === l.plan.to.node && x.type === 'PULL')?.hwm ?? s.hwm;
  r.addOutput(l.plan.from.port, {
    link: l,
    to: pull,
    holds: pull ? s.hwm + pullHwm + 1 : undefined,
    sent: 0,
    send: (frame) => {
      l.frames++;
      l.bytes += frame.data.byteLength;
      return out.send(byRef ? ctx.refs.ref(frame) : encode(frame));
    },
    end: (count) => {
      out.ending();
      // The Pull on another host is gone: nobody to tell.
      if (away.length && peers === 0) return Promise.resolve();
      return out.send(encode({ kind: 'eos', seq: count }));
    },
  });
}
