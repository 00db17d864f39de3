/**
 * Creating the ZeroMQ sockets a plan names, with the settings every patchbay socket needs
 * (see docs/runtime.md): bounded linger, high-water marks in frames, a non-blocking
 * context so a run never hangs at exit.
 */
import * as zmq from 'zeromq';
import type { Plan, PlanSocket, SocketType } from '../compile/plan.ts';
import { applyCurve } from './curve.ts';
import { ExecError } from './errors.ts';

// libzmq's default context waits forever at exit for undeliverable messages (FINDINGS: linger -1, blocky).
zmq.context.blocky = false;

/** How long a closed socket keeps trying to deliver what it queued, ms. */
export const LINGER_MS = 1000;

/**
 * Sockets between the hosts of one graph: TCP keepalive probes after 1 s of silence, 1 s apart,
 * 3 unanswered close the connection, and data unacknowledged for 5 s closes it too (ZMQ_TCP_MAXRT,
 * TCP_USER_TIMEOUT on Linux), so a peer whose machine or network went away (no FIN arrives) is
 * noticed within about 6 s by the side that waits and by the side that sends.
 * Not ZMTP heartbeats: their PINGs are data, and a peer that closes with one unread (a script
 * that sends its frames and exits) resets the connection, and the kernel then throws away
 * the frames this side had not read yet (40 sent, 14 received, in the export test).
 */
export const CROSS_HOST = {
  tcpKeepalive: 1,
  tcpKeepaliveIdle: 1,
  tcpKeepaliveInterval: 1,
  tcpKeepaliveCount: 3,
  tcpMaxRetransmitTimeout: 5000,
};

export type AnySocket = zmq.Publisher | zmq.XPublisher | zmq.Subscriber | zmq.Push | zmq.Pull | zmq.Request | zmq.Reply;

/** A socket of the given type with patchbay's settings; PUB is an XPUB so subscriptions can be counted. */
export function createSocket(type: SocketType, hwm: number, extra: Record<string, unknown> = {}): AnySocket {
  const send = { linger: LINGER_MS, sendHighWaterMark: hwm, ...extra };
  const recv = { linger: LINGER_MS, receiveHighWaterMark: hwm, ...extra };
  const both = { ...send, ...recv };
  switch (type) {
    case 'PUB': {
      const s = new zmq.XPublisher(both);
      // Every subscription and unsubscription message, duplicates included: we count subscribers
      // by them, each one's leaving too (a subscriber that closes unsubscribes from all its topics).
      s.verbosity = 'allSubsUnsubs';
      return s;
    }
    case 'SUB':
      return new zmq.Subscriber(recv);
    case 'PUSH':
      return new zmq.Push(send);
    case 'PULL':
      return new zmq.Pull(recv);
    case 'REQ':
      return new zmq.Request(both);
    case 'REP':
      return new zmq.Reply(both);
  }
}

/**
 * Binds or connects as the plan says; errors name the node and endpoint. A bound socket binds
 * its in-graph inproc name too, unless `only` picks one of the two (a node that serves the
 * graph's peers and outside programs on two sockets).
 */
export async function attach(socket: AnySocket, s: PlanSocket, only?: 'endpoint' | 'inproc'): Promise<void> {
  let at = s.side === 'bind' ? s.endpoint : dialled(s);
  applyCurve(socket, s);
  try {
    if (s.side === 'bind') {
      if (only !== 'inproc') await bind(socket, s.endpoint);
      if (s.inproc && only !== 'endpoint') await bind(socket, (at = s.inproc));
    } else socket.connect(at);
  } catch (e) {
    throw new ExecError('SOCKET_ERROR', `${s.type} cannot ${s.side} ${at}: ${(e as Error).message}`, s.node);
  }
}

/** The socket of this process that last bound each endpoint. */
const holders = new Map<string, AnySocket>();
/** How long a bind waits for an endpoint a closed socket of this process still holds, ms. */
const UNBIND_WAIT_MS = 2000;

/**
 * Binds `endpoint`. ZeroMQ unbinds a closed socket's endpoints later, in its I/O thread: a run
 * started right after another in this process (the editor's Run after Stop, a test after a
 * test) would find them taken. When the holder is a socket of ours that is closed, wait for
 * the unbind; when it is open, or another program's, the endpoint is in use.
 */
async function bind(socket: AnySocket, endpoint: string): Promise<void> {
  const until = Date.now() + UNBIND_WAIT_MS;
  for (;;) {
    try {
      await socket.bind(endpoint);
      holders.set(endpoint, socket);
      return;
    } catch (e) {
      const held = holders.get(endpoint);
      if ((e as { code?: string }).code !== 'EADDRINUSE' || !held?.closed || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The endpoint a connecting socket dials: its in-graph peer's inproc name when it has one. */
export function dialled(s: PlanSocket): string {
  return (s.side === 'connect' && s.inproc) || s.endpoint;
}

/** True when a socket's connections report connect/handshake events (inproc connects at once and reports none). */
export function hasHandshake(s: PlanSocket): boolean {
  const e = dialled(s);
  return e.startsWith('tcp://') || e.startsWith('ipc://');
}

/** "worker on analysis-pc": a node of the graph another host runs, for messages. */
export function awayName(plan: Plan, node: string): string {
  const host = plan.nodes.find((n) => n.id === node)?.host;
  return host ? `${node} on ${host}` : node;
}

/**
 * Calls `joined` at each peer's completed handshake and `left` when such a peer goes. ZeroMQ
 * also reports a disconnect for a connection whose handshake failed (a CURVE peer refused, a
 * peer that spoke something else): those are no peer leaving, and are not passed on.
 */
export function trackPeers(socket: AnySocket, joined: () => void, left: () => void): void {
  let failed = 0;
  socket.events.on('handshake', joined);
  for (const e of ['handshake:error:auth', 'handshake:error:protocol', 'handshake:error:other'] as const)
    socket.events.on(e, () => failed++);
  socket.events.on('disconnect', () => {
    if (failed > 0) failed--;
    else left();
  });
}
