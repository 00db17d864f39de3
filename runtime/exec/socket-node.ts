/**
 * The contract between the executor and a socket node's folder (nodes/<type>/socket.ts,
 * default export a SocketOpener): the folder opens the node's own socket (its endpoint param)
 * on the shared pieces in runtime/exec (transports/receiver.ts, eos.ts, refs.ts, sockets.ts),
 * as the plan's routing says (PlanSocket.route). A socket node whose type names no opener
 * (Request, Reply) gets its socket in StageIO.sockets and drives it from its stage.
 */
import type { PlanSocket } from '../compile/plan.ts';
import type { RunContext } from './context.ts';
import type { Runner } from './run-state.ts';
import type { ReceiversByEndpoint } from './transports/receiver.ts';

export interface OwnSocket {
  ctx: RunContext;
  runner: Runner;
  /** The node's own socket, as the plan has it. */
  socket: PlanSocket;
  /** The run's receiving sockets by endpoint: a publisher or ventilator waits for their ends of stream. */
  receivers: ReceiversByEndpoint;
}

/** Binds or connects one socket (and registers what the run needs of it). */
export type Open = () => Promise<void>;

/**
 * The openings of a node's own socket: usually one; a Pull serving the graph in process and
 * outside producers at its endpoint has two. The executor runs them on the socket's side:
 * bound ones before any stage opens, connecting ones after.
 */
export type SocketOpener = (own: OwnSocket) => Open[];
