/**
 * Receiving sockets (PULL, SUB): one loop each that decodes what arrives (or takes a frame
 * handed over by reference), counts drops and refusals, and puts frames in the node's inbox;
 * it ends at end of stream from every producer it waits for, or when closed.
 */
import type * as zmq from 'zeromq';
import type { PlanSocket } from '../../compile/plan.ts';
import { decode, nowNs, WireError, type Message } from '../../wire/index.ts';
import { decodePickle, isPickle } from '../../wire/pickle.ts';
import type { RunContext } from '../context.ts';
import { CONFIRMS_EOS, EOS_SEEN } from '../eos.ts';
import { ExecError } from '../errors.ts';
import { deferred, type LinkState, type Runner, type SocketSource } from '../run-state.ts';
import { awayName, createSocket, CROSS_HOST, hasHandshake, trackPeers } from '../sockets.ts';

/**
 * How often a receive loop facing outside peers wakes when nothing arrives, ms: long enough to
 * cost nothing, short enough that a Pull whose producers left ends promptly (a disconnect
 * event may come before the producer's last messages are read; they are, by then).
 */
const IDLE_TICK_MS = 250;

/** How long after its producers on another host disconnected an input says they are lost, ms (their end of stream may still be unread). */
const PEER_GRACE_MS = 500;

/** Local receiving sockets by endpoint: publishers and ventilators wait for their end-of-stream confirmations. */
export type ReceiversByEndpoint = Map<string, SocketSource[]>;

/** A receiving socket for node `r`'s input `port`, expecting `expected` ends of stream. Not yet bound or connected. */
export function openSource(
  ctx: RunContext,
  r: Runner,
  s: PlanSocket,
  port: string,
  link: LinkState | undefined,
  expected: number,
  sourceLike: boolean,
  localReceivers: ReceiversByEndpoint,
): SocketSource {
  // A node's own receiving socket faces outside programs: it takes messages up to its limit.
  const limit = s.link === undefined ? Number(r.node.params.maxMessageMiB ?? 0) : 0;
  // Fed by the graph's nodes on other hosts only: TCP keepalive, and a word when they go.
  const away =
    s.route.role === 'link' && !!s.route.producers?.length && !s.route.producers.some((p) => ctx.runners.has(p.node));
  const socket = createSocket(s.type, s.hwm, {
    ...(away ? CROSS_HOST : {}),
    ...(limit > 0 ? { maxMessageSize: limit * 2 ** 20 } : {}),
    // Loops that may have to end without a message (peers gone, a lone half stopped) wake now and then.
    ...(hasHandshake(s) ? { receiveTimeout: IDLE_TICK_MS } : {}),
  });
  ctx.sockets.push(socket);
  if (s.type === 'SUB') {
    for (const t of s.topics ?? (r.node.params.topics as string[] | undefined) ?? [''])
      (socket as zmq.Subscriber).subscribe(t);
    // Says to a patchbay publisher that this subscriber leaves at end of stream (eos.ts).
    (socket as zmq.Subscriber).subscribe(CONFIRMS_EOS);
  }
  r.inputs++;
  const src: SocketSource = {
    plan: s,
    socket,
    runner: r,
    port,
    link,
    withTopic: s.type === 'SUB',
    expected,
    sourceLike,
    aux: false,
    received: 0,
    closing: false,
    ended: deferred(),
    dropTo: r,
    dropped: 0,
    lastRef: -1,
    peers: 0,
    peersEver: 0,
    eos: 0,
    eosFrom: new Set(),
    eosSent: 0,
    remoteFed: false,
    endWhenIdle: false,
    pickled: 0,
  };
  if (hasHandshake(s)) {
    const joined = () => {
      src.peers++;
      src.peersEver++;
    };
    trackPeers(socket, joined, () => {
      src.peers = Math.max(0, src.peers - 1);
      // Producers from outside that have all left, at least one with its end of stream: none
      // of them will send another; what they sent is read before the loop's next idle tick.
      if (src.sourceLike && src.peers === 0 && src.eos > 0) src.endWhenIdle = true;
      if (away && src.peers === 0) peerLost(ctx, src);
    });
  }
  ctx.sources.push(src);
  const list = localReceivers.get(s.endpoint) ?? [];
  list.push(src);
  localReceivers.set(s.endpoint, list);
  return src;
}

/** How long a closing subscriber may take to send its last EOS_SEEN subscription, ms. */
const HEARD_LINGER_MS = 500;

/** Reads `src` until its end of stream (or its close), then tells its node the input has ended. */
export async function receiveLoop(ctx: RunContext, src: SocketSource): Promise<void> {
  const r = src.runner;
  let lastSeq = -1;
  let gaps = 0;
  let over = 0;
  for (;;) {
    let parts: Buffer[];
    try {
      parts = await (src.socket as zmq.Pull).receive();
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN' && !src.closing) {
        // An idle tick (IDLE_TICK_MS): nothing was queued.
        if (src.endWhenIdle) break;
        continue;
      }
      if (!src.closing && !ctx.finished) ctx.problems.report(r, e);
      break;
    }
    let msg: Message;
    // A SUB also takes a pickle sent without a topic part (a publisher's send_pyobj alone).
    const body =
      parts.length === (src.withTopic ? 2 : 1)
        ? parts[parts.length - 1]
        : src.withTopic && parts.length === 1 && isPickle(parts[0])
          ? parts[0]
          : undefined;
    if (body !== undefined && body.length > 1 && body[0] === 0x23 /* # */ && src.plan.inproc) {
      // A frame an in-graph peer handed over by reference (refs.ts).
      const frame = ctx.refs.take(body, src);
      if (!frame) {
        // A subscriber that stopped reading for longer than its feed's window: the oldest of its
        // queue are gone, and counted as dropped by the sequence gap they leave. Nothing else
        // lets a reference go before it is read.
        if (src.plan.type !== 'SUB')
          ctx.problems.refuse(
            r,
            new ExecError(
              'STAGE_FAILED',
              `a frame handed over in process (${body.toString('latin1')}) was gone before it was read`,
              r.node.id,
            ),
          );
        continue;
      }
      msg = frame;
    } else {
      try {
        // A course script's send_pyobj: a pickled numpy array (wire/pickle.ts runs nothing of it).
        msg =
          body !== undefined && isPickle(body)
            ? { kind: 'frame', seq: src.pickled++, t: nowNs(), ...decodePickle(body) }
            : decode(parts, src.withTopic).msg;
      } catch (e) {
        // Whatever went wrong with this one message is its own error: counted, never the run's.
        ctx.problems.refuse(
          r,
          e instanceof WireError
            ? e
            : new WireError('BAD_HEADER', `message could not be read: ${(e as Error).message}`),
        );
        continue;
      }
    }
    if (msg.kind === 'eos') {
      if (msg.from !== undefined) {
        // A publisher sends end of stream again until its subscribers confirm: counted once.
        if (src.eosFrom.has(msg.from)) continue;
        src.eosFrom.add(msg.from);
      }
      src.eos++;
      src.eosSent += msg.seq;
      const fromOutside = src.sourceLike && hasHandshake(src.plan);
      const all = fromOutside ? src.eos >= Math.max(1, src.peersEver) : src.eos >= src.expected;
      // Several producers (a bound Subscribe several publishers dial): their frames are mixed.
      const several = src.expected > 1 || src.peersEver > 1;
      if (src.withTopic && (all || !several)) {
        // The publishers' counts make the live estimate exact: every frame sent and not
        // received was dropped, the tail included. A count below what arrived is not believed.
        // (One producer: its count, which a repeat without `from` says again.)
        const sent = several ? src.eosSent : msg.seq;
        if (sent >= src.received) countDrops(src, sent - src.received - src.dropped);
        else
          ctx.problems.refuse(
            r,
            new ExecError('BAD_EOS', `end of stream says ${sent} frames were sent, ${src.received} arrived`, r.node.id),
          );
      }
      // Tells this publisher it was heard, so it stops sending it again: a subscriber staying for
      // other publishers does not leave yet, and one that dials its publisher is not seen to leave.
      if (src.withTopic && msg.from !== undefined) {
        (src.socket as zmq.Subscriber).subscribe(EOS_SEEN + msg.from);
        src.heard = true;
      }
      if (fromOutside) {
        // Producers from outside: one end of stream from each that connected, or all gone.
        if (all) break;
        if (src.peers === 0) src.endWhenIdle = true;
        continue;
      }
      if (all) break;
      continue;
    }
    src.received++;
    if (r.limit > 0 && r.taken >= r.limit) {
      // Past the node's `frames`: outside producers are left; the graph's are stopping, and what
      // they still send is let go (counted) until their end of stream.
      over++;
      ctx.loans.done(msg);
      if (src.sourceLike || src.aux) break;
      continue;
    }
    if (src.withTopic) {
      // Live estimate from sequence gaps; end of stream makes it exact.
      if (lastSeq >= 0 && msg.seq > lastSeq + 1) gaps += msg.seq - lastSeq - 1;
      lastSeq = Math.max(lastSeq, msg.seq);
      if (gaps > src.dropped) countDrops(src, gaps - src.dropped);
    }
    if (src.link) {
      src.link.frames++;
      src.link.bytes += msg.data.byteLength;
      src.link.queued++;
    }
    // The frame's place under the node's `frames` is taken before waiting for room in the
    // inbox: the node's other sockets, waiting too, see it taken.
    const last = r.limit > 0 && ++r.taken === r.limit;
    await r.inbox.put({ port: src.port, frame: msg, link: src.link });
    if (last) {
      // The node's `frames` reached, as the course's sink stops after its count. The graph's
      // sources are stopped, so the node's sockets the graph feeds drain and end; outside
      // producers are left (they have no end of stream).
      if (ctx.sources.some((x) => x.runner === r && !x.sourceLike && !x.aux)) ctx.stopSources();
      if (src.sourceLike || src.aux) break;
    }
  }
  closeSource(ctx, src);
  if (over > 0)
    ctx.problems.note(
      r,
      new ExecError(
        'OVER_FRAMES',
        `took its ${r.limit} frames; ${over} more the graph's producers sent before they stopped were not passed on`,
        r.node.id,
      ),
      over,
    );
  if (src.lostPeer && src.eos < src.expected)
    ctx.problems.report(
      r,
      new ExecError(
        'PEER_LOST',
        `ended without the end of stream from ${(src.plan.route.producers ?? []).map((p) => awayName(ctx.plan, p.node)).join(', ')}: it went away after ${src.received} frames had arrived (kept)`,
        r.node.id,
      ),
    );
  // Producers still connected when the node took its `frames` did not leave: the node did.
  if (src.sourceLike && src.peersEver > src.eos && !ctx.stopping && !(r.limit > 0 && r.taken >= r.limit)) {
    const n = src.peersEver - src.eos;
    ctx.problems.refuse(
      r,
      new ExecError(
        'PEER_LEFT',
        `${n} producer${n === 1 ? '' : 's'} left without end of stream (crashed, or sent a message over maxMessageMiB)`,
        r.node.id,
      ),
    );
  }
  await r.inbox.put({ port: src.port, link: src.link, aux: src.aux });
}

/**
 * The graph's producers on another host went away before their end of stream (their process
 * ended, or the network): said within seconds, once, with what arrived. The input stays open
 * for them to come back; a stop ends it with what it has.
 */
function peerLost(ctx: RunContext, src: SocketSource): void {
  const lost = () => src.peers === 0 && src.eos < src.expected && !src.closing && !ctx.stopping && !ctx.finished;
  // The producer's end of stream may be read just after its disconnect: look again a moment later.
  setTimeout(() => {
    if (!lost()) return;
    const who = (src.plan.route.producers ?? []).map((p) => awayName(ctx.plan, p.node)).join(', ');
    src.lostPeer = true;
    ctx.problems.warn(
      src.runner,
      new ExecError(
        'PEER_LOST',
        `lost ${who} (${src.plan.endpoint}) after ${src.received} frames, before its end of stream: waiting for it to come back; Ctrl-C stops and keeps what arrived`,
        src.runner.node.id,
      ),
    );
  }, PEER_GRACE_MS).unref();
}

function countDrops(src: SocketSource, n: number): void {
  // At end of stream the exact count may undo part of a live estimate (seq from outside that
  // skips numbers it never sent): never below zero.
  n = Math.max(n, -src.dropped);
  if (n === 0) return;
  src.dropped += n;
  if (src.link) src.link.dropped += n;
  src.dropTo.flow.dropped += n;
}

/** Stops reading `src`: what it received is already in the node's inbox; what is still in flight is not ours yet. */
export function closeSource(ctx: RunContext, src: SocketSource): void {
  if (src.closing) return;
  src.closing = true;
  src.ended.resolve();
  ctx.refs.detach(src);
  // What it still has to send is nothing, or the subscription that says an end of stream was heard.
  src.socket.linger = src.heard ? HEARD_LINGER_MS : 0;
  src.socket.close();
}
