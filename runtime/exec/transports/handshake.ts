/**
 * The course's synchronised start, both ends: a sink's REP that answers each ready request
 * with an empty message once the sink's PULL is bound, and a ventilator's REQ that sends one
 * empty request and holds the run's sources until the answer comes (SocketDecl.handshake).
 */
import type * as zmq from 'zeromq';
import type { PlanSocket } from '../../compile/plan.ts';
import type { RunContext } from '../context.ts';
import type { Runner } from '../run-state.ts';
import { attach, createSocket } from '../sockets.ts';

/** Binds the sink's REP; every request (a ventilator starting, or starting again) gets an empty reply. */
export async function answerReady(ctx: RunContext, r: Runner, s: PlanSocket): Promise<void> {
  const socket = createSocket('REP', s.hwm) as zmq.Reply;
  ctx.sockets.push(socket);
  // Bound after the node's PULL (the plan lists it first): a ventilator told "ready" finds it bound.
  await attach(socket, s);
  void (async () => {
    for (;;) {
      try {
        await socket.receive();
        await socket.send('');
      } catch (e) {
        if (!socket.closed && !ctx.finished) ctx.problems.warn(r, e as Error);
        return;
      }
    }
  })();
}

/** Connects the ventilator's REQ and sends its ready request; the sources start once it is answered. */
export async function askReady(ctx: RunContext, r: Runner, s: PlanSocket): Promise<void> {
  const socket = createSocket('REQ', s.hwm) as zmq.Request;
  ctx.sockets.push(socket);
  await attach(socket, s);
  let answered = false;
  r.waiting = () => (answered ? undefined : { what: 'sinks', want: 1, joined: 0 });
  ctx.readiness.push(
    (async () => {
      try {
        await socket.send('');
        await socket.receive();
        answered = true;
      } catch (e) {
        // Closed by a stop before the sink answered: the run ends without starting.
        if (!socket.closed && !ctx.finished) throw e;
      }
    })(),
  );
}
