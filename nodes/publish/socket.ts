/**
 * A Publish node's output: an XPUB at its endpoint for outside subscribers (and the graph's
 * subscribers on other hosts), and, when the graph's own subscribers on this host dial its
 * inproc name, a second XPUB there that hands them frames by reference. Subscriptions are
 * counted, so the sources wait for subscribers and the publisher knows when nobody listens.
 */
import { randomBytes } from 'node:crypto';
import type * as zmq from 'zeromq';
import type { PlanSocket } from '../../runtime/compile/plan.ts';
import type { RunContext } from '../../runtime/exec/context.ts';
import {
  CONFIRMS_EOS,
  CONTROL_PREFIX,
  EOS_LIMIT_MS,
  EOS_SEEN,
  OUTSIDE_EOS_GAP_MS,
  repeatEos,
  sendWithin,
} from '../../runtime/exec/eos.ts';
import type { RefFeed } from '../../runtime/exec/refs.ts';
import { deferred, sleep, type Runner } from '../../runtime/exec/run-state.ts';
import { SendQueue } from '../../runtime/exec/send-queue.ts';
import type { OwnSocket, SocketOpener } from '../../runtime/exec/socket-node.ts';
import { attach, awayName, createSocket, CROSS_HOST, hasHandshake } from '../../runtime/exec/sockets.ts';
import { encode, type Frame } from '../../runtime/wire/index.ts';
import { encodePickle } from '../../runtime/wire/pickle.ts';
import type { ParamsOf } from '../types.ts';
import type { publish as publishDecl } from './index.ts';

/** The subscription message bodies of CONFIRMS_EOS and the control prefix, as an XPUB reads them. */
const CONFIRMS = Buffer.from(CONFIRMS_EOS);
const CONTROL = Buffer.from(CONTROL_PREFIX);
/** End-of-stream messages a publisher sends again for outside subscribers (OUTSIDE_EOS_GAP_MS apart). */
const OUTSIDE_EOS_REPEATS = 3;
/**
 * A bound publisher keeps its end of stream open at least this long after binding, ms: a
 * subscriber that was already dialling (another graph started first) reconnects within
 * ZeroMQ's 100 ms reconnect interval and then still learns how many frames it missed.
 */
const JOIN_GRACE_MS = 500;

interface Xpub {
  q: SendQueue;
  /** Subscriptions now (one per topic per subscriber), CONFIRMS_EOS's aside. */
  subs(): number;
  /** Subscribers now that leave at end of stream (patchbay's: eos.ts). */
  confirming(): number;
  /** Of those, the ones that said they have this publisher's end of stream and stay for others' (EOS_SEEN). */
  seen(): number;
  /** Calls `f` at each new subscription until the returned function is called. */
  onJoin(f: () => void): () => void;
}

const openPublisher: SocketOpener = (own) => [() => publish(own)];
export default openPublisher;

async function publish({ ctx, runner: r, socket: s, receivers: localReceivers }: OwnSocket): Promise<void> {
  const { topic, codec } = r.node.params as ParamsOf<typeof publishDecl>;
  // Outside subscribers get the course's two parts (topic, pickle) in pickle mode; the graph's own get references.
  const pickle = codec === 'pickle';
  const outward = (frame: Frame) => (pickle ? [topic, encodePickle(frame)] : encode(frame, topic));
  // The graph's subscribers on this host take frames by reference at the inproc name (route.ts).
  const local = s.route.byRef ? s.inproc : undefined;
  const consumers = s.route.consumers ?? [];
  const subsAt = (inproc: boolean) =>
    consumers.filter((c) => c.inproc === inproc).reduce((a, c) => a + c.subscriptions, 0);
  // Every in-graph subscriber sends one subscription per topic; outside ones are waitFor.
  const inGraphLocal = local ? subsAt(true) : 0;
  const inGraphRemote = local ? subsAt(false) : subsAt(true) + subsAt(false);
  const waitFor = s.waitFor ?? 0;
  // The graph's subscribers placed on other hosts (run with --host): waited for like the rest,
  // and named while the sources wait.
  const awayConsumers = consumers.filter((c) => !ctx.runners.has(c.node));
  const awaySubs = awayConsumers.reduce((a, c) => a + c.subscriptions, 0);
  // Who this publisher is, in its end of stream: a subscriber several publishers feed counts each once.
  const me = `${r.node.id}#${randomBytes(6).toString('hex')}`;
  const outer = await xpub(
    ctx,
    r,
    s.hwm,
    inGraphRemote + waitFor,
    local ? { ...s, inproc: undefined } : s,
    me,
    awayConsumers.length ? CROSS_HOST : {},
  );
  const inner = local
    ? await xpub(ctx, r, s.hwm, inGraphLocal, { ...s, endpoint: local, inproc: undefined }, me)
    : undefined;
  const boundAt = Date.now();
  // Subscriptions of the graph's subscribers on this host that meet it over tcp or ipc.
  const here = inGraphRemote - awaySubs;
  // Shown live on the node: the subscriptions that are not the graph's own on this host.
  if (hasHandshake(s)) r.peers = () => Math.max(0, outer.subs() - here);
  if (waitFor > 0 || awaySubs > 0) {
    const from = awayConsumers.map((c) => awayName(ctx.plan, c.node));
    r.waiting = () => {
      const joined = Math.max(0, outer.subs() - here);
      const want = waitFor + awaySubs;
      return joined < want ? { what: 'subscribers', want, joined, ...(from.length ? { from } : {}) } : undefined;
    };
  }
  const subHwm = Math.max(0, ...consumers.filter((c) => c.inproc).map((c) => c.hwm));
  const feed: RefFeed | undefined = inner ? ctx.refs.feed(local!, s.hwm, subHwm) : undefined;
  r.addOutput('out', {
    sent: 0,
    send: (frame) => {
      // PUB sends to nobody without a word: count it, so the summary can say so.
      if (outer.subs() === 0 && (feed?.subs.size ?? 0) === 0) {
        r.unheard++;
        r.flow.dropped++;
      }
      if (!inner) return outer.q.send(outward(frame));
      const sent = feed!.subs.size > 0 ? inner.q.send(ctx.refs.ref(frame, topic, feed)) : Promise.resolve();
      // Nobody outside listens: PUB would drop it anyway.
      return outer.subs() > 0 ? Promise.all([sent, outer.q.send(outward(frame))]).then(() => undefined) : sent;
    },
    end: async (count) => {
      const eos = () => encode({ kind: 'eos', seq: count, from: me }, topic);
      const mine = localReceivers.get(s.endpoint) ?? [];
      if (inner)
        await repeatEos(
          inner.q,
          eos,
          mine.filter((c) => c.plan.inproc),
          ctx.forced,
        );
      // In pickle mode the endpoint speaks only pickles: a course subscriber would choke on an end
      // of stream. It gets one only when the graph's own subscribers on other hosts need it.
      if (pickle && inGraphRemote === 0) return;
      await repeatEos(
        outer.q,
        eos,
        mine.filter((c) => !inner || !c.plan.inproc),
        ctx.forced,
      );
      // patchbay's subscribers this run does not hold (another graph's, the graph's own on other
      // hosts) confirm by leaving, or, waiting for other publishers, by EOS_SEEN; PUB drops at a
      // full queue, so one behind (its queue full while the last frames go) would miss it: again,
      // while any has not confirmed, up to EOS_LIMIT_MS.
      const until = Date.now() + EOS_LIMIT_MS;
      while (outer.confirming() > outer.seen() && Date.now() < until && !ctx.forced.settled) {
        await sleep(OUTSIDE_EOS_GAP_MS);
        await sendWithin(outer.q, eos(), OUTSIDE_EOS_GAP_MS, ctx.forced);
      }
      if (pickle) return;
      // Outside scripts cannot confirm: a few more, spaced out, so a student's script that is a
      // little behind still sees end of stream.
      if (outer.subs() > 0)
        for (let i = 0; i < OUTSIDE_EOS_REPEATS && !ctx.forced.settled; i++) {
          await sleep(OUTSIDE_EOS_GAP_MS);
          await sendWithin(outer.q, eos(), EOS_LIMIT_MS, ctx.forced);
        }
      // A short run: subscribers still dialling (a graph started first) join within the grace
      // and are told the count, so they end and know what they missed.
      if (s.side === 'bind') {
        const left = boundAt + JOIN_GRACE_MS - Date.now();
        if (left > 0 && !ctx.forced.settled) {
          const off = outer.onJoin(() => void sendWithin(outer.q, eos(), OUTSIDE_EOS_GAP_MS, ctx.forced));
          await Promise.race([sleep(left), ctx.forced.promise]);
          off();
        }
      }
    },
  });
}

/** An XPUB bound (or connected) as `at` says, counting subscriptions; the run's sources wait for `want` of them. */
async function xpub(
  ctx: RunContext,
  r: Runner,
  hwm: number,
  want: number,
  at: PlanSocket,
  me: string,
  options: Record<string, unknown> = {},
): Promise<Xpub> {
  const socket = createSocket('PUB', hwm, options) as zmq.XPublisher;
  ctx.sockets.push(socket);
  await attach(socket, at);
  const seenMe = Buffer.from(EOS_SEEN + me);
  let subs = 0;
  let confirming = 0;
  let seen = 0;
  const joined = new Set<() => void>();
  const enough = deferred<void>();
  if (want === 0) enough.resolve();
  const loop = async () => {
    for (;;) {
      let msg: Buffer;
      try {
        [msg] = await socket.receive();
      } catch (e) {
        if (socket.closed || ctx.finished) return;
        ctx.problems.report(r, e);
        return;
      }
      const on = msg.length > 0 && msg[0] === 1;
      const off = msg.length > 0 && msg[0] === 0;
      const body = msg.subarray(1);
      if (body.subarray(0, CONTROL.length).equals(CONTROL)) {
        // patchbay's words (eos.ts), not topics: another publisher's EOS_SEEN is not for this one.
        if (body.equals(CONFIRMS)) confirming += on ? 1 : off ? -1 : 0;
        else if (body.equals(seenMe)) seen += on ? 1 : off ? -1 : 0;
      } else if (on) {
        subs++;
        for (const f of joined) f();
      } else if (off) subs--;
      if (subs >= want) enough.resolve();
    }
  };
  void loop();
  ctx.readiness.push(enough.promise);
  return {
    q: new SendQueue(socket),
    subs: () => subs,
    confirming: () => confirming,
    seen: () => seen,
    onJoin: (f) => {
      joined.add(f);
      return () => joined.delete(f);
    },
  };
}
