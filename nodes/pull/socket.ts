/**
 * A Pull node's own PULL (the sink): it ends at an end of stream from each of the graph's
 * producers the plan names (route.producers), or, fed from outside only, from each producer
 * that connected. Outside producers of a Pull the graph feeds in process get a door of their
 * own at the endpoint (route.outsideDoor), so their end of stream never ends the node.
 */
import type { RunContext } from '../../runtime/exec/context.ts';
import type { Runner, SocketSource } from '../../runtime/exec/run-state.ts';
import type { SocketOpener } from '../../runtime/exec/socket-node.ts';
import { attach, hasHandshake } from '../../runtime/exec/sockets.ts';
import { answerReady } from '../../runtime/exec/transports/handshake.ts';
import { openSource } from '../../runtime/exec/transports/receiver.ts';
import type { ParamsOf } from '../types.ts';
import type { pull } from './index.ts';

const openPull: SocketOpener = ({ ctx, runner: r, socket: s, receivers }) => {
  if (s.route.handshake) return [() => answerReady(ctx, r, s)];
  const { producers = [], ends, outsideDoor } = s.route;
  const opens = [];
  // Shown live on the node: the producers connected from outside (a class's workers).
  const outsiders: SocketSource[] = [];
  const fromOutside = (src: SocketSource) => {
    if (outsiders.push(src) === 1 && hasHandshake(s)) r.peers = () => outsiders.reduce((n, x) => n + x.peers, 0);
  };
  if (outsideDoor)
    opens.push(async () => {
      const outside = openSource(ctx, r, { ...s, inproc: undefined }, 'in', undefined, 1, false, receivers);
      endsWithNode(r, outside);
      fromOutside(outside);
      await attach(outside.socket, s, 'endpoint');
    });
  opens.push(async () => {
    const src = openSource(ctx, r, s, 'in', undefined, Math.max(1, producers.length), ends === 'outside', receivers);
    r.limit = (r.node.params as ParamsOf<typeof pull>).frames;
    src.remoteFed = producers.length > 0 && producers.every((p) => !ctx.runners.has(p.node));
    // Fed only from outside (a class's workers): the teaching loop's results come back here.
    if (src.sourceLike && hasHandshake(s)) ctx.loop.in.push(src);
    if (ends === 'with-node') endsWithNode(r, src);
    if (ends === 'outside' || ends === 'with-node') fromOutside(src);
    await attach(src.socket, s, outsideDoor ? 'inproc' : undefined);
    // PUSH to PULL is lossless: when every producer runs here, what they sent must have arrived.
    if (producers.length > 0 && producers.every((p) => ctx.runners.has(p.node)))
      ctx.lossChecks.push(() => Math.max(0, sentBy(ctx, producers) - src.received));
  });
  return opens;
};
export default openPull;

/** An outside-only socket of a node the graph feeds by other inputs: it closes when those have ended. */
function endsWithNode(r: Runner, src: SocketSource): void {
  src.aux = true;
  r.aux.push(src);
  r.auxOpen++;
}

/** Frames the producers sent this way: through their link's PUSH, or their own PUSH's `out`. */
function sentBy(ctx: RunContext, producers: readonly { node: string; link?: string }[]): number {
  let sent = 0;
  for (const p of producers) {
    const outputs = ctx.runners.get(p.node)?.outputs;
    const sinks =
      p.link === undefined
        ? (outputs?.get('out') ?? [])
        : [...(outputs?.values() ?? [])].flat().filter((o) => o.link?.plan.text === p.link);
    for (const o of sinks) sent += o.sent;
  }
  return sent;
}
