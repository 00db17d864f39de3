/** The PUSH a node gets for a link into a Pull node: one peer, the Pull, so one end of stream. */
import type * as zmq from 'zeromq';
import type { PlanSocket } from '../../compile/plan.ts';
import { encode } from '../../wire/index.ts';
import type { RunContext } from '../context.ts';
import type { LinkState, Runner } from '../run-state.ts';
import { SendQueue } from '../send-queue.ts';
import { attach, createSocket, hasHandshake } from '../sockets.ts';
import { handshake } from './inputs.ts';

export async function openLinkSender(ctx: RunContext, r: Runner, s: PlanSocket, l: LinkState): Promise<void> {
  const socket = createSocket('PUSH', s.hwm);
  ctx.sockets.push(socket);
  const q = new SendQueue(socket as zmq.Push);
  const ready = hasHandshake(s) ? handshake(socket) : undefined;
  await attach(socket, s);
  if (ready) ctx.readiness.push(ready);
  // Its one peer is the graph's own Pull (over inproc): the frame goes by reference.
  const byRef = !!s.route.byRef;
  r.addOutput(l.plan.from.port, {
    link: l,
    sent: 0,
    send: (frame) => {
      l.frames++;
      l.bytes += frame.data.byteLength;
      return q.send(byRef ? ctx.refs.ref(frame) : encode(frame));
    },
    end: (count) => q.send(encode({ kind: 'eos', seq: count })),
  });
}
