/**
 * A Subscribe node's own SUB: frames from a publisher outside the graph (or the graph's own,
 * met by endpoint), filtered by topic; it ends at the publisher's end of stream or on stop().
 * Listening to the graph's publisher, its drops are counted there (route.dropsAt).
 */
import type { SocketOpener } from '../../runtime/exec/socket-node.ts';
import { attach, hasHandshake } from '../../runtime/exec/sockets.ts';
import { dropsAt } from '../../runtime/exec/transports/inputs.ts';
import { openSource } from '../../runtime/exec/transports/receiver.ts';
import type { ParamsOf } from '../types.ts';
import type { subscribe } from './index.ts';

const openSubscribe: SocketOpener = ({ ctx, runner: r, socket: s, receivers }) => [
  async () => {
    const src = openSource(ctx, r, s, 'in', undefined, 1, s.route.ends === 'outside', receivers);
    r.limit = (r.node.params as ParamsOf<typeof subscribe>).frames;
    // Shown live on the node: the outside publisher it reaches, once connected.
    if (s.route.ends === 'outside' && hasHandshake(s)) r.peers = () => src.peers;
    await attach(src.socket, s);
    dropsAt(ctx, s, src);
  },
];
export default openSubscribe;
