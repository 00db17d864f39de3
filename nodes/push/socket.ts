/**
 * A Push node's output (the ventilator): one PUSH socket dealing frames round robin to the
 * graph's workers and to outside ones, each of which must get its own end of stream.
 */
import type * as zmq from 'zeromq';
import { EOS_LIMIT_MS, OUTSIDE_EOS_GAP_MS, repeatEos, sendWithin } from '../../runtime/exec/eos.ts';
import { deferred, sleep, type OutputSink } from '../../runtime/exec/run-state.ts';
import { SendQueue } from '../../runtime/exec/send-queue.ts';
import type { OwnSocket, SocketOpener } from '../../runtime/exec/socket-node.ts';
import { attach, awayName, createSocket, CROSS_HOST, hasHandshake, trackPeers } from '../../runtime/exec/sockets.ts';
import { awaySender } from '../../runtime/exec/transports/away.ts';
import { askReady } from '../../runtime/exec/transports/handshake.ts';
import { encode } from '../../runtime/wire/index.ts';
import { encodePickle } from '../../runtime/wire/pickle.ts';
import type { ParamsOf } from '../types.ts';
import type { push } from './index.ts';

/** How long a ventilator goes on sending end of stream while outside workers are still connected, ms. */
const OUTSIDE_PUSH_EOS_MS = 2000;

const openVentilator: SocketOpener = (own) => [
  () => (own.socket.route.handshake ? askReady(own.ctx, own.runner, own.socket) : ventilate(own)),
];
export default openVentilator;

async function ventilate({ ctx, runner: r, socket: s, receivers: localReceivers }: OwnSocket): Promise<void> {
  // Outside workers (a student's PULL) are counted as they connect, so each gets its end of stream.
  let peers = 0;
  // waitFor: outside workers to wait for before the source starts, on top of the graph's own
  // (so a class's workers all share the round robin from the first frame).
  const waitFor = s.waitFor ?? 0;
  const workers = s.route.consumers ?? [];
  // In-graph workers that meet it over inproc report no handshake: only those over tcp or ipc count.
  const inGraphRemote = workers.filter((x) => !x.inproc).length;
  // The graph's workers placed on other hosts (run with --host): the sources wait for them too,
  // so a camera half started first sends nothing into the void.
  const away = workers.filter((x) => !ctx.runners.has(x.node)).map((x) => awayName(ctx.plan, x.node));
  const want = (waitFor > 0 || away.length > 0) && hasHandshake(s) ? waitFor + inGraphRemote : 0;
  const socket = createSocket('PUSH', s.hwm, away.length ? CROSS_HOST : {}) as zmq.Push;
  ctx.sockets.push(socket);
  if (want > 0) {
    const here = inGraphRemote - away.length;
    r.waiting = () => {
      const joined = Math.max(0, peers - here);
      return peers < want
        ? { what: 'workers', want: waitFor + away.length, joined, ...(away.length ? { from: away } : {}) }
        : undefined;
    };
  }
  // Shown live on the node: the workers connected that are not the graph's own on this host.
  if (hasHandshake(s)) r.peers = () => peers - (inGraphRemote - away.length);
  const enough = deferred<void>();
  if (want > 0) ctx.readiness.push(enough.promise);
  // Peers that ever connected over tcp or ipc: outside workers, or the graph's own on other hosts
  // (the graph's workers on this host meet it over inproc and report no handshake).
  let connectedEver = 0;
  const joined = () => {
    peers++;
    connectedEver++;
    if (want > 0 && peers >= want) enough.resolve();
  };
  const q = new SendQueue(socket);
  // A stop while the graph's workers on other hosts are gone: what waits to be sent is lost.
  const out = awaySender(ctx, r, s, q, away, () => peers);
  trackPeers(socket, joined, () => {
    peers--;
    out.left(peers < want);
  });
  await attach(socket, s);
  // A Push that connects to the graph's own Pull over inproc has no other peer: frames go by reference.
  const byRef = !!s.route.byRef;
  // pickle: outside workers get what the course's recv_pyobj() reads, and no end of stream
  // unless the graph has workers of its own that need one.
  const pickle = (r.node.params as ParamsOf<typeof push>).codec === 'pickle';
  const sink: OutputSink = {
    sent: 0,
    send: (frame) => out.send(byRef ? ctx.refs.ref(frame) : pickle ? [encodePickle(frame)] : encode(frame)),
    end: async (count) => {
      out.ending();
      if (pickle && workers.length === 0) return;
      // Nobody to tell: no worker ever came, or the graph's workers on other hosts are gone.
      if (peers === 0 && (sink.sent === 0 || away.length > 0) && !localReceivers.get(s.endpoint)?.length) return;
      const consumers = localReceivers.get(s.endpoint) ?? [];
      const eos = () => encode({ kind: 'eos', seq: count });
      // A Push that connects has one peer, one pipe: one end of stream reaches it (the send waits
      // for room). Sent again, a Pull fed by several such Push nodes would count it twice and end early.
      if (s.side === 'connect') {
        await sendWithin(q, eos(), EOS_LIMIT_MS, ctx.forced);
        return;
      }
      // Workers placed on other hosts and outside workers cannot confirm: one each. Round
      // robin skips a pipe that is full, so two may land on one worker and none on another:
      // while any is still connected over tcp or ipc (a worker closes its socket at its end
      // of stream), send again, for up to OUTSIDE_PUSH_EOS_MS.
      const remoteWorkers = async (n: number) => {
        for (let i = 0; i < n; i++) await sendWithin(q, eos(), EOS_LIMIT_MS, ctx.forced);
        const until = Date.now() + OUTSIDE_PUSH_EOS_MS;
        while (peers > 0 && Date.now() < until && !ctx.forced.settled) {
          await sleep(OUTSIDE_EOS_GAP_MS);
          if (peers > 0) await sendWithin(q, eos(), OUTSIDE_EOS_GAP_MS, ctx.forced);
        }
      };
      if (consumers.length === 0) {
        await remoteWorkers(Math.max(1, peers));
        return;
      }
      await repeatEos(q, eos, consumers, ctx.forced);
      // Once the local workers have confirmed (their sockets close at their end of stream),
      // the workers still connected over tcp or ipc are the others, when the local ones meet
      // it over inproc; local ones over tcp leave only the graph's workers on other hosts.
      const remote = workers.filter((x) => !ctx.runners.has(x.node)).length;
      const rest = consumers.some((c) => hasHandshake(c.plan)) ? remote : Math.max(remote, peers);
      if (rest > 0) await remoteWorkers(rest);
    },
  };
  r.addOutput('out', sink);
  if (s.side === 'bind' && hasHandshake(s) && workers.length === 0) ctx.loop.out.push(() => sink.sent);
  ctx.lossChecks.push(() => {
    // A Push that connects feeds a bound Pull: that Pull's own check counts it.
    if (s.side === 'connect') return 0;
    const consumers = localReceivers.get(s.endpoint) ?? [];
    // Only when every worker is inside this run can we tell what went missing: not when an
    // outside worker took part (over tcp or ipc, while the graph's own meet it over inproc).
    if (consumers.length === 0 || consumers.length !== workers.length) return 0;
    if (connectedEver > 0 && !consumers.some((c) => hasHandshake(c.plan))) return 0;
    return Math.max(0, sink.sent - consumers.reduce((a, c) => a + c.received, 0));
  });
}
