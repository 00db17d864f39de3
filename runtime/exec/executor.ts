/**
 * The executor: turns a Plan into running stages, ZeroMQ sockets and in-process hand-offs,
 * moves frames between them, keeps stats, and stops without losing what it received.
 * How it works, in the course's words: docs/runtime.md.
 */
import { EventEmitter } from 'node:events';
import type * as zmq from 'zeromq';
import { getNodeType } from '../../nodes/registry.ts';
import { parseEndpoint, sameEndpoint } from '../graph/endpoint.ts';
import type { Plan, PlanLink, PlanNode, PlanSocket } from '../compile/plan.ts';
import { decode, encode, WireError, type Frame, type Message } from '../wire/index.ts';
import { ExecError, errorCode } from './errors.ts';
import { Mailbox } from './mailbox.ts';
import { SendQueue } from './send-queue.ts';
import { attach, createSocket, hasHandshake, type AnySocket } from './sockets.ts';
import { emptyStats, type NodeStats, type Stage, type StageFactory, type StageIO } from './stage.ts';
import type { LinkRates, NodeFailure, NodeRates, RunGraph, RunHandle, RunOptions, RunSummary, StatsSnapshot } from './types.ts';

/** How long a node's close() may take before the run reports it as slow and goes on, ms. */
const CLOSE_LIMIT_MS = 5000;
/** How long a publisher or ventilator keeps re-sending end of stream to consumers that have not confirmed it, ms. */
const EOS_LIMIT_MS = 30_000;
/** Pause between re-sent end-of-stream messages, ms. */
const EOS_REPEAT_MS = 5;
/** End-of-stream messages a publisher sends again for outside subscribers, and the gap between them, ms. */
const OUTSIDE_EOS_REPEATS = 3;
const OUTSIDE_EOS_GAP_MS = 20;
/** How long a ventilator goes on sending end of stream while outside workers are still connected, ms. */
const OUTSIDE_PUSH_EOS_MS = 2000;

interface LinkState {
  plan: PlanLink;
  frames: number;
  bytes: number;
  dropped: number;
  /** Frames of this link waiting in the consumer's inbox. */
  queued: number;
}

/** One item of a node's inbox: a frame on a port, or (no frame) one of its inputs has ended. */
interface InboxItem {
  port: string;
  frame?: Frame;
  link?: LinkState;
  /** The end of an outside-only socket (SocketSource.aux): it does not decide when the node ends. */
  aux?: boolean;
}

/** Where an output port's frames go: an in-process hand-off or a socket. */
interface OutputSink {
  link?: LinkState;
  /** Frames sent through this sink (the count end of stream carries). */
  sent: number;
  send(frame: Frame): Promise<void>;
  end(count: number): Promise<void>;
}

/** A socket that feeds a node's input port. */
interface SocketSource {
  plan: PlanSocket;
  socket: AnySocket;
  runner: Runner;
  port: string;
  link?: LinkState;
  withTopic: boolean;
  /** End-of-stream messages to wait for (one per producer in the graph). */
  expected: number;
  /** No producer inside the graph: stop() ends it (Subscribe, a Pull fed from outside). */
  sourceLike: boolean;
  /**
   * A node's own bound socket that no in-graph producer uses while in-graph producers reach the
   * node by other sockets or links (a Pull fed by a Push or Publish node): outside producers may
   * send on it, but it ends when the node's in-graph inputs have ended (or on stop()).
   */
  aux: boolean;
  received: number;
  closing: boolean;
  /** Resolves when this input has seen its end of stream (or was closed). */
  ended: Deferred<void>;
  /** Where frames lost on the way are counted (PUB/SUB): the publisher in the graph, else this node. */
  dropTo: Runner;
  dropped: number;
  /** The last frame reference this source took from an in-graph publisher (see RefFeed). */
  lastRef: number;
  /** Producers now connected over tcp or ipc, and all that ever did (socket monitor events). */
  peers: number;
  peersEver: number;
  /** End-of-stream messages received. */
  eos: number;
  /** Every producer in the graph runs on another host (placement): a lone half stops on its own. */
  remoteFed: boolean;
  /** End the loop at the next idle tick: whatever was queued has been read by then. */
  endWhenIdle: boolean;
}

/**
 * How often a receive loop facing outside peers wakes when nothing arrives, ms: long enough to
 * cost nothing, short enough that a Pull whose producers left ends promptly (FINDINGS: a
 * disconnect event may come before the producer's last messages are read; they are, by then).
 */
const IDLE_TICK_MS = 250;
/** How long a lone half's inputs from another host may still drain after a stop, ms. */
const REMOTE_DRAIN_MS = 1500;
/**
 * A bound publisher keeps its end of stream open at least this long after binding, ms: a
 * subscriber that was already dialling (another graph started first) reconnects within
 * ZeroMQ's 100 ms reconnect interval and then still learns how many frames it missed.
 */
const JOIN_GRACE_MS = 500;

/**
 * Frames an in-graph publisher handed to its in-graph subscribers by reference, oldest first.
 * A reference is kept until every in-graph subscriber has read past it (PUB delivers in
 * order, dropping at the high-water mark), and at most `window` of them.
 */
interface RefFeed {
  pending: number[];
  subs: Set<SocketSource>;
  /**
   * References kept for a subscriber that has stopped reading: twice what a subscriber's
   * queue can hold (the publisher's and the subscriber's high-water marks) plus some slack,
   * so no frame ZeroMQ still queues for it is let go. Past that, a subscriber that reads
   * again finds the oldest frames of its queue gone, counted as dropped.
   */
  window: number;
}

/** Slack on top of the queues' depth in RefFeed.window. */
const REF_SLACK = 16;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const d = { settled: false } as Deferred<T>;
  d.promise = new Promise<T>((r) => (resolve = r));
  d.resolve = (v: T) => {
    if (d.settled) return;
    d.settled = true;
    resolve(v);
  };
  return d;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Resolves when `p` does or when `signal` aborts, whichever is first. */
function untilAbort(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** nodes/<folder>/stage.ts: the folder is the type in kebab-case (HDF5Sink → hdf5-sink). */
export function stageFolder(type: string): string {
  return type.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

class Runner {
  /** The stage's own counters (it writes them through io.stats). */
  readonly stats: NodeStats = emptyStats();
  /** What the executor counts for this node. */
  readonly flow = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, errors: 0, busyNs: 0, lost: 0 };
  readonly outputs = new Map<string, OutputSink[]>();
  readonly inbox: Mailbox<InboxItem>;
  /** Inputs (in-process links, sockets) that have not ended yet. */
  inputs = 0;
  /** Of those, outside-only sockets (SocketSource.aux): closed once every other input has ended. */
  readonly aux: SocketSource[] = [];
  auxOpen = 0;
  stage?: Stage;
  io?: StageIO;
  state: NodeRates['state'] = 'starting';
  failed = false;
  readonly warned = new Set<string>();
  /** Messages refused (and stage warnings) by reason: the summary lists them. */
  readonly refused = new Map<string, number>();
  /** Sockets this node's stage drives itself. */
  stageSockets: PlanSocket[] = [];
  /** Frames a publisher sent while no subscriber listened (counted in dropped too). */
  unheard = 0;
  /** While its sources wait for outside peers (waitFor): who, how many wanted, how many joined. */
  waiting?: () => { what: 'subscribers' | 'workers'; want: number; joined: number } | undefined;

  constructor(
    readonly node: PlanNode,
    capacity: number,
  ) {
    this.inbox = new Mailbox<InboxItem>(capacity);
  }

  get isSource(): boolean {
    return typeof this.stage?.run === 'function';
  }
}

let runs = 0;

/** inproc names live in the process's one ZeroMQ context: each run gets its own, so two runs of one graph in a process do not meet. */
function ownInprocNames(plan: Plan): Plan {
  if (!plan.sockets.some((s) => s.inproc)) return plan;
  const tag = `#${++runs}`;
  return { ...plan, sockets: plan.sockets.map((s) => (s.inproc ? { ...s, inproc: s.inproc + tag } : s)) };
}

class Run extends EventEmitter implements RunHandle {
  readonly done: Promise<RunSummary>;
  private resolveDone!: (s: RunSummary) => void;
  private finished = false;
  private readonly runners = new Map<string, Runner>();
  private readonly links = new Map<string, LinkState>();
  private readonly sources: SocketSource[] = [];
  private readonly sockets: AnySocket[] = [];
  private readonly failures: NodeFailure[] = [];
  private readonly abort = new AbortController();
  private stopping = false;
  private readonly started = Date.now();
  private readonly startedAt = new Date();
  private timer?: NodeJS.Timeout;
  private readonly prevNodes = new Map<string, { frames: number; bytes: number }>();
  private readonly prevLinks = new Map<string, { frames: number; bytes: number }>();
  private prevAt = Date.now();
  /** Checks run at the end: frames that should have arrived on a lossless socket path. */
  private readonly lossChecks: (() => number)[] = [];
  private readonly readiness: Promise<unknown>[] = [];
  /**
   * The teaching loop: frames a ventilator deals to outside workers only, and what Pulls fed
   * only from outside received. When a run has both, the workers' results come back into the
   * same graph, and a shortfall is loss (a worker crashed holding a frame).
   */
  private readonly loopOut: (() => number)[] = [];
  private readonly loopIn: SocketSource[] = [];
  /**
   * Frames in flight between sockets of this run that only the graph's own peers share (its
   * inproc names): the message carries "#<id>" and the receiver takes the Frame object itself,
   * so no payload goes through ZeroMQ (whose received buffers each cost the garbage collector).
   */
  private readonly refs = new Map<number, { frame: Frame; feed?: RefFeed }>();
  private nextRef = 0;
  private readonly feeds: { feed: RefFeed; inproc: string }[] = [];

  private readonly plan: Plan;

  constructor(
    plan: Plan,
    private readonly options: RunOptions,
  ) {
    super();
    this.plan = ownInprocNames(plan);
    this.done = new Promise((r) => (this.resolveDone = r));
    // Failures are reported through 'failure' and the summary; an EventEmitter would throw on 'error' only.
    queueMicrotask(() => void this.execute());
  }

  stop(): void {
    if (this.finished) return;
    if (this.stopping) {
      void this.force();
      return;
    }
    this.stopping = true;
    this.abort.abort();
    for (const src of this.sources) {
      if (src.sourceLike || src.aux) this.closeSource(src);
      else if (src.remoteFed) {
        // A placed half stopped alone: inputs whose producers never came have nothing to wait
        // for; the others drain what is queued and end, whether or not the other half stops.
        if (src.peersEver === 0) this.closeSource(src);
        else {
          src.endWhenIdle = true;
          setTimeout(() => this.closeSource(src), REMOTE_DRAIN_MS).unref();
        }
      }
    }
  }

  // ---------------------------------------------------------------- setup

  private local(nodeId: string): boolean {
    const n = this.plan.nodes.find((x) => x.id === nodeId);
    if (!n) return false;
    return this.options.host === undefined || n.host === this.options.host;
  }

  private async execute(): Promise<void> {
    try {
      this.build();
      await this.loadStages();
      this.timer = setInterval(() => this.emit('stats', this.snapshot()), this.options.statsIntervalMs ?? 500);
      this.timer.unref();
      // Bound sockets first: a run whose endpoint is taken (the same graph started twice) fails
      // before any stage opens a file.
      const { binds, connects } = this.scheduleSockets();
      for (const b of binds) await b();
      for (const id of this.order()) await this.openStage(this.runners.get(id)!);
      for (const c of connects) await c();
      this.startReceiving();
      await untilAbort(Promise.all(this.readiness), this.abort.signal);
      await Promise.all([...this.runners.values()].map((r) => this.drive(r)));
    } catch (e) {
      this.report(undefined, e);
      // Setup failed: nothing flows. Close what was opened.
      this.abort.abort();
    }
    await this.teardown();
  }

  /** Start order from the plan (consumers first), then any local node it does not name. */
  private order(): string[] {
    const ids = this.plan.startOrder.filter((id) => this.runners.has(id));
    for (const id of this.runners.keys()) if (!ids.includes(id)) ids.push(id);
    return ids;
  }

  /** The socket a socket node owns itself (its endpoint param), as opposed to the sockets it got for its links. */
  private ownSockets(): Map<string, PlanSocket> {
    const own = new Map<string, PlanSocket>();
    for (const n of this.plan.nodes) {
      const decl = getNodeType(n.type)?.socket;
      if (!decl) continue;
      const endpoint = (n.params.endpoint as string) || `inproc://${n.id}`;
      const side = n.params.bind === undefined ? decl.side : n.params.bind ? 'bind' : 'connect';
      let best: PlanSocket | undefined;
      let bestScore = -1;
      for (const s of this.plan.sockets) {
        if (s.node !== n.id || s.type !== decl.own) continue;
        const score = (s.endpoint === endpoint ? 4 : 0) + (s.link === undefined ? 2 : 0) + (s.side === side ? 1 : 0);
        if (score > bestScore) [best, bestScore] = [s, score];
      }
      if (best) own.set(n.id, best);
    }
    return own;
  }

  private build(): void {
    const capacity = this.options.inprocCapacity ?? 4;
    for (const n of this.plan.nodes) if (this.local(n.id)) this.runners.set(n.id, new Runner(n, capacity));
    if (this.runners.size === 0) throw new ExecError('BAD_PLAN', `no node runs on host ${JSON.stringify(this.options.host)}`);
    for (const l of this.plan.links) this.links.set(l.text, { plan: l, frames: 0, bytes: 0, dropped: 0, queued: 0 });

    const own = this.ownSockets();
    const ownSet = new Set(own.values());
    const linkSockets = this.plan.sockets.filter((s) => !ownSet.has(s));
    const receivers = linkSockets.filter((s) => (s.type === 'SUB' || s.type === 'PULL') && s.link !== undefined);
    const receiverLinks = new Set(receivers.map((s) => s.link));
    // A link with a socket on both ends (Push.out -> Pull.in) is carried by the consumer's socket only.
    const senders = linkSockets.filter((s) => s.type === 'PUSH' && s.link !== undefined && !receiverLinks.has(s.link));
    const carried = new Set([...receivers, ...senders].map((s) => s.link));

    // In-process links.
    for (const l of this.plan.links) {
      if (carried.has(l.text)) continue;
      const from = this.runners.get(l.from.node);
      const to = this.runners.get(l.to.node);
      if (!from && !to) continue;
      if (!from || !to)
        throw new ExecError('BAD_PLAN', `link ${l.text} crosses hosts but has no socket (links between hosts must be tcp endpoints)`);
      const link = this.links.get(l.text)!;
      to.inputs++;
      this.addOutput(from, l.from.port, {
        link,
        sent: 0,
        send: (frame) => {
          link.frames++;
          link.bytes += frame.data.byteLength;
          link.queued++;
          return to.inbox.put({ port: l.to.port, frame, link });
        },
        end: () => to.inbox.put({ port: l.to.port, link }),
      });
    }

    this.pending = { own, receivers, senders };
  }

  private pending?: { own: Map<string, PlanSocket>; receivers: PlanSocket[]; senders: PlanSocket[] };

  private addOutput(r: Runner, port: string, sink: OutputSink): void {
    const list = r.outputs.get(port) ?? [];
    list.push(sink);
    r.outputs.set(port, list);
  }

  private async loadStages(): Promise<void> {
    for (const r of this.runners.values()) {
      const type = r.node.type;
      let factory: StageFactory | undefined = this.options.stages?.[type];
      if (!factory) {
        const url = new URL(`../../nodes/${stageFolder(type)}/stage.ts`, import.meta.url);
        try {
          factory = ((await import(url.href)) as { default?: StageFactory }).default;
        } catch (e) {
          throw new ExecError('STAGE_MISSING', `cannot load the ${type} stage (nodes/${stageFolder(type)}/stage.ts): ${(e as Error).message}`, r.node.id);
        }
        if (typeof factory !== 'function')
          throw new ExecError('STAGE_MISSING', `nodes/${stageFolder(type)}/stage.ts has no default export StageFactory`, r.node.id);
      }
      const own = this.pending!.own.get(r.node.id);
      if (own && (own.type === 'REQ' || own.type === 'REP')) r.stageSockets.push(own);
      r.io = this.makeIO(r);
      try {
        r.stage = await factory(r.io);
      } catch (e) {
        throw new ExecError('STAGE_FAILED', `creating the stage failed: ${(e as Error).message}`, r.node.id);
      }
    }
  }

  private makeIO(r: Runner): StageIO {
    return {
      node: r.node,
      graphText: this.options.graphText,
      startedAt: this.startedAt,
      stats: r.stats,
      signal: this.abort.signal,
      sockets: r.stageSockets,
      emit: (port, msg, branch) => this.emitFrom(r, port, msg, branch),
      branches: (port) => r.outputs.get(port)?.length ?? 0,
      warn: (error) => this.warn(r, error),
      fail: (error) => this.fail(r, error),
    };
  }

  private async openStage(r: Runner): Promise<void> {
    try {
      await r.stage?.open?.();
    } catch (e) {
      throw new ExecError(errorCode(e) === 'STAGE_FAILED' ? 'STAGE_FAILED' : (errorCode(e) as never), `open failed: ${(e as Error).message}`, r.node.id);
    }
  }

  /** The opening of every socket of this run, bound ones apart from connecting ones. */
  private scheduleSockets(): { binds: (() => Promise<void>)[]; connects: (() => Promise<void>)[] } {
    const { own, receivers, senders } = this.pending!;
    const binds: (() => Promise<void>)[] = [];
    const connects: (() => Promise<void>)[] = [];
    const schedule = (s: PlanSocket, open: () => Promise<void>) => (s.side === 'bind' ? binds : connects).push(open);

    // Local receiving sockets by endpoint: publishers and ventilators wait for their end-of-stream confirmations.
    const localReceivers = new Map<string, SocketSource[]>();

    for (const [id, s] of own) {
      const r = this.runners.get(id);
      if (!r) continue;
      if (s.type === 'PUB') {
        schedule(s, () => this.openPublisher(r, s, localReceivers));
      } else if (s.type === 'PUSH') {
        schedule(s, () => this.openVentilator(r, s, localReceivers));
      } else if (s.type === 'PULL' || s.type === 'SUB') {
        const producers = senders.filter((p) => p.endpoint === s.endpoint);
        // Push nodes of the graph that connect their own socket to this endpoint (bind: false): one end of stream each.
        const here = parseEndpoint(s.endpoint);
        const paired =
          s.type === 'PULL' && s.side === 'bind' && here
            ? [...own.values()].filter((p) => p.type === 'PUSH' && p.side === 'connect' && p.node !== id && sameEndpoint(here, parseEndpoint(p.endpoint) ?? here))
            : [];
        const inGraph = producers.length + paired.length;
        // In-graph producers that reach this node by other sockets or links (push.out -> pull.in is
        // carried by a PULL the node connects to the Push node): they decide when it ends, not this socket.
        const fedInGraph = inGraph === 0 && this.plan.links.some((l) => l.to.node === id);
        // Every in-graph producer meets this Pull over inproc: they get a PULL of their own there,
        // and the endpoint's socket is left to outside producers, whose end of stream then cannot
        // pass for one of the graph's (it closes that socket, not the node).
        const split = s.type === 'PULL' && s.side === 'bind' && !!s.inproc && inGraph > 0 && [...producers, ...paired].every((p) => p.inproc === s.inproc);
        if (split)
          schedule(s, async () => {
            const outside = this.openSource(r, { ...s, inproc: undefined }, 'in', undefined, 1, false, localReceivers);
            outside.aux = true;
            r.aux.push(outside);
            r.auxOpen++;
            await attach(outside.socket, s, 'endpoint');
          });
        schedule(s, async () => {
          const src = this.openSource(r, s, 'in', undefined, Math.max(1, inGraph), inGraph === 0 && !fedInGraph, localReceivers);
          src.remoteFed = inGraph > 0 && [...producers, ...paired].every((p) => !this.runners.has(p.node));
          if (src.sourceLike && s.type === 'PULL' && hasHandshake(s)) this.loopIn.push(src);
          if (fedInGraph) {
            src.aux = true;
            r.aux.push(src);
            r.auxOpen++;
          }
          await attach(src.socket, s, split ? 'inproc' : undefined);
          // A Subscribe listening to a publisher of this graph: drops are the publisher's.
          const pub = s.type === 'SUB' ? [...own.values()].find((p) => p.type === 'PUB' && p.endpoint === s.endpoint) : undefined;
          if (pub && this.runners.has(pub.node)) src.dropTo = this.runners.get(pub.node)!;
          // PUSH to PULL is lossless: when every producer runs here, what they sent must have arrived.
          if (inGraph > 0 && [...producers, ...paired].every((p) => this.runners.has(p.node)))
            this.lossChecks.push(() => {
              const links = new Set(producers.map((p) => p.link));
              const sent =
                [...this.runners.values()]
                  .flatMap((x) => [...x.outputs.values()].flat())
                  .filter((o) => o.link && links.has(o.link.plan.text))
                  .reduce((a, o) => a + o.sent, 0) +
                paired.reduce((a, p) => a + (this.runners.get(p.node)!.outputs.get('out') ?? []).reduce((b, o) => b + o.sent, 0), 0);
              return Math.max(0, sent - src.received);
            });
        });
      }
      // REQ and REP are driven by their stages (nodes/request, nodes/reply).
    }

    for (const s of receivers) {
      const r = this.runners.get(s.node);
      if (!r) continue;
      const l = this.links.get(s.link!);
      if (!l) throw new ExecError('BAD_PLAN', `socket ${s.type} ${s.endpoint} names an unknown link ${s.link}`, s.node);
      schedule(s, async () => {
        const src = this.openSource(r, s, l.plan.to.port, l, 1, false, localReceivers);
        src.remoteFed = !this.runners.has(l.plan.from.node);
        if (s.type === 'SUB') {
          const pub = this.runners.get(l.plan.from.node);
          if (pub) src.dropTo = pub;
        }
        const ready = hasHandshake(s) && s.type === 'PULL' ? this.handshake(src.socket) : undefined;
        await attach(src.socket, s);
        if (ready) this.readiness.push(ready);
      });
    }

    for (const s of senders) {
      const r = this.runners.get(s.node);
      if (!r) continue;
      const l = this.links.get(s.link!);
      if (!l) throw new ExecError('BAD_PLAN', `socket ${s.type} ${s.endpoint} names an unknown link ${s.link}`, s.node);
      schedule(s, async () => {
        const socket = createSocket('PUSH', s.hwm);
        this.sockets.push(socket);
        const q = new SendQueue(socket as zmq.Push);
        const ready = hasHandshake(s) ? this.handshake(socket) : undefined;
        await attach(socket, s);
        if (ready) this.readiness.push(ready);
        // Its one peer is the graph's own Pull (over inproc): the frame goes by reference.
        const byRef = !!s.inproc;
        const sink: OutputSink = {
          link: l,
          sent: 0,
          send: (frame) => {
            l.frames++;
            l.bytes += frame.data.byteLength;
            return q.send(byRef ? this.ref(frame) : encode(frame));
          },
          end: (count) => q.send(encode({ kind: 'eos', seq: count })),
        };
        this.addOutput(r, l.plan.from.port, sink);
      });
    }

    return { binds, connects };
  }

  private startReceiving(): void {
    for (const f of this.feeds) for (const src of this.sources) if (src.plan.type === 'SUB' && src.plan.inproc === f.inproc) f.feed.subs.add(src);
    for (const src of this.sources) void this.receiveLoop(src);
  }

  /** Resolves on the socket's first completed ZMTP handshake (tcp, ipc). */
  private handshake(socket: AnySocket): Promise<void> {
    return new Promise<void>((resolve) => {
      const listener = () => {
        socket.events.off('handshake', listener);
        resolve();
      };
      socket.events.on('handshake', listener);
    });
  }

  private openSource(
    r: Runner,
    s: PlanSocket,
    port: string,
    link: LinkState | undefined,
    expected: number,
    sourceLike: boolean,
    localReceivers: Map<string, SocketSource[]>,
  ): SocketSource {
    // A node's own receiving socket faces outside programs: it takes messages up to its limit.
    const limit = s.link === undefined ? Number(r.node.params.maxMessageMiB ?? 0) : 0;
    const socket = createSocket(s.type, s.hwm, {
      ...(limit > 0 ? { maxMessageSize: limit * 2 ** 20 } : {}),
      // Loops that may have to end without a message (peers gone, a lone half stopped) wake now and then.
      ...(hasHandshake(s) ? { receiveTimeout: IDLE_TICK_MS } : {}),
    });
    this.sockets.push(socket);
    if (s.type === 'SUB') for (const t of s.topics ?? (r.node.params.topics as string[] | undefined) ?? ['']) (socket as zmq.Subscriber).subscribe(t);
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
      remoteFed: false,
      endWhenIdle: false,
    };
    if (hasHandshake(s)) {
      socket.events.on('handshake', () => {
        src.peers++;
        src.peersEver++;
      });
      socket.events.on('disconnect', () => {
        src.peers = Math.max(0, src.peers - 1);
        // Producers from outside that have all left, at least one with its end of stream: none
        // of them will send another; what they sent is read before the loop's next idle tick.
        if (src.sourceLike && src.peers === 0 && src.eos > 0) src.endWhenIdle = true;
      });
    }
    this.sources.push(src);
    const list = localReceivers.get(s.endpoint) ?? [];
    list.push(src);
    localReceivers.set(s.endpoint, list);
    return src;
  }

  private async openPublisher(r: Runner, s: PlanSocket, localReceivers: Map<string, SocketSource[]>): Promise<void> {
    const topic = String(r.node.params.topic ?? '');
    // The graph's own subscribers on this host dial its inproc name: a second XPUB there hands
    // them frames by reference; the first, at the endpoint, serves outside subscribers (and the
    // graph's subscribers on other hosts) with the frames themselves.
    const local = s.side === 'bind' && s.inproc ? s.inproc : undefined;
    const subsAt = (inproc: boolean) =>
      this.plan.sockets.filter((x) => x.type === 'SUB' && x.endpoint === s.endpoint && !!x.inproc === inproc).reduce((a, x) => a + Math.max(1, x.topics?.length ?? 1), 0);
    // Every in-graph subscriber sends one subscription per topic; outside ones are waitFor.
    const inGraphLocal = local ? subsAt(true) : 0;
    const inGraphRemote = local ? subsAt(false) : subsAt(true) + subsAt(false);
    const waitFor = s.waitFor ?? 0;
    const outer = await this.xpub(r, s.hwm, inGraphRemote + waitFor, local ? { ...s, inproc: undefined } : s);
    const inner = local ? await this.xpub(r, s.hwm, inGraphLocal, { ...s, endpoint: local, inproc: undefined }) : undefined;
    const boundAt = Date.now();
    if (waitFor > 0) {
      r.waiting = () => {
        const joined = Math.max(0, outer.subs() - inGraphRemote);
        return joined < waitFor ? { what: 'subscribers', want: waitFor, joined } : undefined;
      };
    }
    const subHwm = Math.max(0, ...this.plan.sockets.filter((x) => x.type === 'SUB' && x.inproc === local).map((x) => x.hwm));
    const feed: RefFeed | undefined = inner ? { pending: [], subs: new Set(), window: 2 * (s.hwm + subHwm) + REF_SLACK } : undefined;
    if (feed) this.feeds.push({ feed, inproc: local! });
    this.addOutput(r, 'out', {
      sent: 0,
      send: (frame) => {
        // PUB sends to nobody without a word: count it, so the summary can say so.
        if (outer.subs() === 0 && (feed?.subs.size ?? 0) === 0) {
          r.unheard++;
          r.flow.dropped++;
        }
        if (!inner) return outer.q.send(encode(frame, topic));
        const sent = feed!.subs.size > 0 ? inner.q.send(this.ref(frame, topic, feed)) : Promise.resolve();
        // Nobody outside listens: PUB would drop it anyway.
        return outer.subs() > 0 ? Promise.all([sent, outer.q.send(encode(frame, topic))]).then(() => undefined) : sent;
      },
      end: async (count) => {
        const eos = () => encode({ kind: 'eos', seq: count }, topic);
        const mine = localReceivers.get(s.endpoint) ?? [];
        if (inner) await this.repeatEos(inner.q, eos, mine.filter((c) => c.plan.inproc));
        await this.repeatEos(outer.q, eos, mine.filter((c) => !inner || !c.plan.inproc));
        // Outside subscribers cannot confirm, and PUB drops at a full queue: a few more, spaced
        // out, so a student's script that is a little behind still sees end of stream.
        if (outer.subs() > inGraphRemote)
          for (let i = 0; i < OUTSIDE_EOS_REPEATS && !this.forced.settled; i++) {
            await sleep(OUTSIDE_EOS_GAP_MS);
            await this.sendWithin(outer.q, eos(), EOS_LIMIT_MS);
          }
        // A short run: subscribers still dialling (a graph started first) join within the grace
        // and are told the count, so they end and know what they missed.
        if (s.side === 'bind') {
          const left = boundAt + JOIN_GRACE_MS - Date.now();
          if (left > 0 && !this.forced.settled) {
            const off = outer.onJoin(() => void this.sendWithin(outer.q, eos(), OUTSIDE_EOS_GAP_MS));
            await Promise.race([sleep(left), this.forced.promise]);
            off();
          }
        }
      },
    });
  }

  /** An XPUB bound (or connected) as `at` says, counting subscriptions; the run's sources wait for `want` of them. */
  private async xpub(
    r: Runner,
    hwm: number,
    want: number,
    at: PlanSocket,
  ): Promise<{ q: SendQueue; subs: () => number; onJoin: (f: () => void) => () => void }> {
    const socket = createSocket('PUB', hwm) as zmq.XPublisher;
    this.sockets.push(socket);
    await attach(socket, at);
    let subs = 0;
    const joined = new Set<() => void>();
    const enough = deferred<void>();
    if (want === 0) enough.resolve();
    const loop = async () => {
      for (;;) {
        let msg: Buffer;
        try {
          [msg] = await socket.receive();
        } catch (e) {
          if (socket.closed || this.finished) return;
          this.report(r, e);
          return;
        }
        if (msg.length > 0 && msg[0] === 1) {
          subs++;
          for (const f of joined) f();
        } else if (msg.length > 0 && msg[0] === 0) subs--;
        if (subs >= want) enough.resolve();
      }
    };
    void loop();
    this.readiness.push(enough.promise);
    return {
      q: new SendQueue(socket),
      subs: () => subs,
      onJoin: (f) => {
        joined.add(f);
        return () => joined.delete(f);
      },
    };
  }

  /** The message that hands `frame` to an in-graph peer by reference ("#<id>", after the topic for PUB). */
  private ref(frame: Frame, topic?: string, feed?: RefFeed): string[] {
    const id = this.nextRef++;
    this.refs.set(id, { frame, feed });
    if (feed) {
      feed.pending.push(id);
      while (feed.pending.length > feed.window) this.refs.delete(feed.pending.shift()!);
    }
    return topic === undefined ? [`#${id}`] : [topic, `#${id}`];
  }

  /** Lets go of the references every in-graph subscriber of the feed has read past. */
  private trim(feed: RefFeed): void {
    let min = Number.POSITIVE_INFINITY;
    for (const x of feed.subs) min = Math.min(min, x.lastRef);
    while (feed.pending.length > 0 && feed.pending[0] <= min) this.refs.delete(feed.pending.shift()!);
  }

  private async openVentilator(r: Runner, s: PlanSocket, localReceivers: Map<string, SocketSource[]>): Promise<void> {
    const socket = createSocket('PUSH', s.hwm) as zmq.Push;
    this.sockets.push(socket);
    // Outside workers (a student's PULL) are counted as they connect, so each gets its end of stream.
    let peers = 0;
    // waitFor: outside workers to wait for before the source starts, on top of the graph's own
    // (so a class's workers all share the round robin from the first frame).
    const waitFor = s.waitFor ?? 0;
    // In-graph workers that meet it over inproc report no handshake: only those over tcp or ipc count.
    const inGraphRemote = this.plan.sockets.filter((x) => x.type === 'PULL' && x.endpoint === s.endpoint && x !== s && !x.inproc).length;
    const want = waitFor > 0 && hasHandshake(s) ? waitFor + inGraphRemote : 0;
    if (want > 0) {
      r.waiting = () => {
        const joined = Math.max(0, peers - inGraphRemote);
        return peers < want ? { what: 'workers', want: waitFor, joined } : undefined;
      };
    }
    const enough = deferred<void>();
    if (want > 0) this.readiness.push(enough.promise);
    // Peers that ever connected over tcp or ipc: outside workers, or the graph's own on other hosts
    // (the graph's workers on this host meet it over inproc and report no handshake).
    let connectedEver = 0;
    socket.events.on('handshake', () => {
      peers++;
      connectedEver++;
      if (want > 0 && peers >= want) enough.resolve();
    });
    socket.events.on('disconnect', () => peers--);
    await attach(socket, s);
    const q = new SendQueue(socket);
    // A Push that connects to the graph's own Pull over inproc has no other peer: frames go by reference.
    const byRef = s.side === 'connect' && !!s.inproc;
    const sink: OutputSink = {
      sent: 0,
      send: (frame) => q.send(byRef ? this.ref(frame) : encode(frame)),
      end: async (count) => {
        const consumers = localReceivers.get(s.endpoint) ?? [];
        const eos = () => encode({ kind: 'eos', seq: count });
        // A Push that connects has one peer, one pipe: one end of stream reaches it (the send waits
        // for room). Sent again, a Pull fed by several such Push nodes would count it twice and end early.
        if (s.side === 'connect') {
          await this.sendWithin(q, eos(), EOS_LIMIT_MS);
          return;
        }
        // Workers placed on other hosts and outside workers cannot confirm: one each. Round
        // robin skips a pipe that is full, so two may land on one worker and none on another:
        // while any is still connected over tcp or ipc (a worker closes its socket at its end
        // of stream), send again, for up to OUTSIDE_PUSH_EOS_MS.
        const remoteWorkers = async (count: number) => {
          for (let i = 0; i < count; i++) await this.sendWithin(q, eos(), EOS_LIMIT_MS);
          const until = Date.now() + OUTSIDE_PUSH_EOS_MS;
          while (peers > 0 && Date.now() < until && !this.forced.settled) {
            await sleep(OUTSIDE_EOS_GAP_MS);
            if (peers > 0) await this.sendWithin(q, eos(), OUTSIDE_EOS_GAP_MS);
          }
        };
        if (consumers.length === 0) {
          await remoteWorkers(Math.max(1, peers));
          return;
        }
        await this.repeatEos(q, eos, consumers);
        // Once the local workers have confirmed (their sockets close at their end of stream),
        // the workers still connected over tcp or ipc are the others, when the local ones meet
        // it over inproc; local ones over tcp leave only the graph's workers on other hosts.
        const remote = this.plan.sockets.filter((x) => x.type === 'PULL' && x.endpoint === s.endpoint && x !== s && !this.runners.has(x.node)).length;
        const rest = consumers.some((c) => hasHandshake(c.plan)) ? remote : Math.max(remote, peers);
        if (rest > 0) await remoteWorkers(rest);
      },
    };
    this.addOutput(r, 'out', sink);
    if (s.side === 'bind' && hasHandshake(s) && !this.plan.sockets.some((x) => x.type === 'PULL' && x.endpoint === s.endpoint && x !== s))
      this.loopOut.push(() => sink.sent);
    this.lossChecks.push(() => {
      // A Push that connects feeds a bound Pull: that Pull's own check counts it.
      if (s.side === 'connect') return 0;
      const consumers = localReceivers.get(s.endpoint) ?? [];
      const all = this.plan.sockets.filter((x) => x.type === 'PULL' && x.endpoint === s.endpoint && x !== s).length;
      // Only when every worker is inside this run can we tell what went missing: not when an
      // outside worker took part (over tcp or ipc, while the graph's own meet it over inproc).
      if (consumers.length === 0 || consumers.length !== all) return 0;
      if (connectedEver > 0 && !consumers.some((c) => hasHandshake(c.plan))) return 0;
      return Math.max(0, sink.sent - consumers.reduce((a, c) => a + c.received, 0));
    });
  }

  private async sendWithin(q: SendQueue, parts: (Buffer | Uint8Array | string)[], ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
    const sent = q.send(parts).then(() => true);
    try {
      return await Promise.race([sent, timeout, this.forced.promise.then(() => false)]);
    } finally {
      clearTimeout(timer);
    }
  }

  private readonly forced = deferred<void>();

  /**
   * End of stream for a socket with several consumers. ZeroMQ deals PUSH messages round robin
   * to pipes that have room and PUB drops at the high-water mark, so one EOS per consumer may
   * miss a slow one: re-send until every consumer in the graph confirms (a consumer closes its
   * socket at its EOS, which takes it out of the rotation). Outside consumers get one or more.
   */
  private async repeatEos(q: SendQueue, parts: () => (Buffer | Uint8Array | string)[], consumers: SocketSource[]): Promise<void> {
    if (consumers.length === 0) {
      await this.sendWithin(q, parts(), EOS_LIMIT_MS);
      return;
    }
    const all = Promise.all(consumers.map((c) => c.ended.promise));
    let confirmed = false;
    void all.then(() => (confirmed = true));
    const deadline = Date.now() + EOS_LIMIT_MS;
    while (!confirmed && !this.forced.settled && Date.now() < deadline) {
      await Promise.race([this.sendWithin(q, parts(), EOS_LIMIT_MS), all]);
      if (confirmed) break;
      await Promise.race([sleep(EOS_REPEAT_MS), all]);
    }
  }

  // ---------------------------------------------------------------- flow

  private emitFrom(r: Runner, port: string, msg: Message, branch?: number): Promise<void> {
    // End of stream is the executor's job: it follows run() or end().
    if (msg.kind !== 'frame') return Promise.resolve();
    const sinks = r.outputs.get(port);
    if (!sinks || sinks.length === 0) {
      const decl = getNodeType(r.node.type);
      if (decl && !decl.outputs.some((p) => p.name === port))
        return Promise.reject(new ExecError('BAD_PLAN', `emit on unknown port ${JSON.stringify(port)}`, r.node.id));
      // An output nobody consumes (an unconnected port): counted, not sent.
      r.flow.framesOut++;
      r.flow.bytesOut += msg.data.byteLength;
      return Promise.resolve();
    }
    let chosen = sinks;
    if (branch !== undefined) {
      const s = sinks[branch];
      if (!s) return Promise.reject(new ExecError('BAD_PLAN', `port ${port} has ${sinks.length} branches, got branch ${branch}`, r.node.id));
      chosen = [s];
    }
    r.flow.framesOut++;
    r.flow.bytesOut += msg.data.byteLength;
    if (this.options.tap) {
      try {
        this.options.tap(r.node.id, msg);
      } catch (e) {
        this.warn(r, e as Error);
      }
    }
    for (const s of chosen) s.sent++;
    if (chosen.length === 1) return chosen[0].send(msg);
    return Promise.all(chosen.map((s) => s.send(msg))).then(() => undefined);
  }

  private async receiveLoop(src: SocketSource): Promise<void> {
    const r = src.runner;
    let lastSeq = -1;
    let gaps = 0;
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
        if (!src.closing && !this.finished) this.report(r, e);
        break;
      }
      let msg: Message;
      const body = parts.length === (src.withTopic ? 2 : 1) ? parts[parts.length - 1] : undefined;
      if (body !== undefined && body.length > 1 && body[0] === 0x23 /* # */ && src.plan.inproc) {
        // A frame an in-graph peer handed over by reference (Run.refs).
        const id = Number(body.toString('latin1', 1));
        const entry = this.refs.get(id);
        if (src.plan.type === 'SUB') {
          src.lastRef = id;
          if (entry?.feed) this.trim(entry.feed);
        } else this.refs.delete(id);
        if (!entry) {
          // A subscriber that stopped reading for longer than its feed's window: the oldest of its
          // queue are gone, and counted as dropped by the sequence gap they leave. Nothing else
          // lets a reference go before it is read.
          if (src.plan.type !== 'SUB') this.refuse(r, new ExecError('STAGE_FAILED', `a frame handed over in process (#${id}) was gone before it was read`, r.node.id));
          continue;
        }
        msg = entry.frame;
      } else {
        try {
          msg = decode(parts, src.withTopic).msg;
        } catch (e) {
          // Whatever went wrong with this one message is its own error: counted, never the run's.
          this.refuse(r, e instanceof WireError ? e : new WireError('BAD_HEADER', `message could not be read: ${(e as Error).message}`));
          continue;
        }
      }
      if (msg.kind === 'eos') {
        src.eos++;
        if (src.withTopic) {
          // The publisher's count makes the live estimate exact: every frame sent and not
          // received was dropped, the tail included. A count below what arrived is not believed.
          if (msg.seq >= src.received) this.countDrops(src, msg.seq - src.received - src.dropped);
          else this.refuse(r, new ExecError('BAD_EOS', `end of stream says ${msg.seq} frames were sent, ${src.received} arrived`, r.node.id));
        }
        if (src.sourceLike && hasHandshake(src.plan)) {
          // Producers from outside: one end of stream from each that connected, or all gone.
          if (src.eos >= Math.max(1, src.peersEver)) break;
          if (src.peers === 0) src.endWhenIdle = true;
          continue;
        }
        if (src.eos >= src.expected) break;
        continue;
      }
      src.received++;
      if (src.withTopic) {
        // Live estimate from sequence gaps; end of stream makes it exact.
        if (lastSeq >= 0 && msg.seq > lastSeq + 1) gaps += msg.seq - lastSeq - 1;
        lastSeq = Math.max(lastSeq, msg.seq);
        if (gaps > src.dropped) this.countDrops(src, gaps - src.dropped);
      }
      if (src.link) {
        src.link.frames++;
        src.link.bytes += msg.data.byteLength;
        src.link.queued++;
      }
      await r.inbox.put({ port: src.port, frame: msg, link: src.link });
    }
    this.closeSource(src);
    if (src.sourceLike && src.peersEver > src.eos && !this.stopping) {
      const n = src.peersEver - src.eos;
      this.refuse(r, new ExecError('PEER_LEFT', `${n} producer${n === 1 ? '' : 's'} left without end of stream (crashed, or sent a message over maxMessageMiB)`, r.node.id));
    }
    await r.inbox.put({ port: src.port, link: src.link, aux: src.aux });
  }

  private countDrops(src: SocketSource, n: number): void {
    // At end of stream the exact count may undo part of a live estimate (seq from outside that
    // skips numbers it never sent): never below zero.
    n = Math.max(n, -src.dropped);
    if (n === 0) return;
    src.dropped += n;
    if (src.link) src.link.dropped += n;
    src.dropTo.flow.dropped += n;
  }

  private closeSource(src: SocketSource): void {
    if (src.closing) return;
    src.closing = true;
    src.ended.resolve();
    for (const { feed } of this.feeds) if (feed.subs.delete(src)) this.trim(feed);
    // What it received is already in the node's inbox; what is still in flight is not ours yet.
    src.socket.linger = 0;
    src.socket.close();
  }

  private async drive(r: Runner): Promise<void> {
    r.state = 'running';
    const stage = r.stage!;
    if (r.isSource) {
      try {
        await stage.run!();
      } catch (e) {
        this.fail(r, e);
      }
    } else {
      while (r.inputs > 0) {
        const item = await r.inbox.take();
        if (item.link) item.link.queued = Math.max(0, item.link.queued - (item.frame ? 1 : 0));
        if (!item.frame) {
          r.inputs--;
          if (item.aux) r.auxOpen--;
          // Every in-graph input has ended: outside-only sockets have no more say (their frames
          // already received are still in the inbox and are processed before their end).
          else if (r.auxOpen > 0 && r.inputs === r.auxOpen) for (const a of r.aux) this.closeSource(a);
          continue;
        }
        r.flow.framesIn++;
        r.flow.bytesIn += item.frame.data.byteLength;
        if (r.failed) {
          // A failed node takes what its producers still send, so they can finish; these frames are lost.
          r.flow.lost++;
          continue;
        }
        const t0 = process.hrtime.bigint();
        try {
          await stage.receive?.(item.port, item.frame);
        } catch (e) {
          this.fail(r, e);
        }
        r.flow.busyNs += Number(process.hrtime.bigint() - t0);
      }
    }
    r.state = 'draining';
    if (!r.failed) {
      try {
        await stage.end?.();
      } catch (e) {
        this.fail(r, e);
      }
    }
    const sinks = [...r.outputs.values()].flat();
    await Promise.all(sinks.map((s) => s.end(s.sent).catch((e) => this.report(r, e))));
    r.state = r.failed ? 'failed' : 'done';
  }

  // ---------------------------------------------------------------- problems

  private fail(r: Runner, e: unknown): void {
    // A stage may say so itself (io.fail) and then reject its pending call with the same error.
    if (r.failed) return;
    r.failed = true;
    r.inbox.unblock();
    this.report(r, e);
    // A failed node stops the graph: sources stop, end of stream drains the rest.
    if (!this.stopping) this.stop();
  }

  private report(r: Runner | undefined, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const node = r?.node.id ?? (e as ExecError).node ?? '';
    const code = errorCode(e);
    const failure: NodeFailure = { node, code, message: err.message };
    if (r) r.state = 'failed';
    this.failures.push(failure);
    this.emit('failure', failure);
  }

  /** A stage's io.warn: counted in its errors, shown once per code. */
  private warn(r: Runner, e: Error): void {
    r.stats.errors++;
    r.refused.set(errorCode(e), (r.refused.get(errorCode(e)) ?? 0) + 1);
    this.warnOnce(r, e);
  }

  /** A message the executor could not take for this node: counted with its reason, shown once per reason. */
  private refuse(r: Runner, e: Error): void {
    r.flow.errors++;
    r.refused.set(errorCode(e), (r.refused.get(errorCode(e)) ?? 0) + 1);
    this.warnOnce(r, e);
  }

  private warnOnce(r: Runner, e: Error): void {
    const code = errorCode(e);
    if (r.warned.has(code)) return;
    r.warned.add(code);
    this.emit('warning', { node: r.node.id, code, message: e.message } satisfies NodeFailure);
  }

  // ---------------------------------------------------------------- end

  private async force(): Promise<void> {
    if (this.forced.settled) return;
    this.forced.resolve();
    this.report(undefined, new ExecError('FORCED_STOP', 'stopped a second time: the run ended without draining'));
    for (const src of this.sources) this.closeSource(src);
    for (const r of this.runners.values()) r.inbox.unblock();
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    // Rates are taken before closing (a slow close would dilute them); loss and failures after,
    // since a sink learns at close whether what it held reached its file.
    const stats = this.snapshot();
    for (const r of this.runners.values()) {
      if (!r.stage?.close) continue;
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<'slow'>((res) => (timer = setTimeout(() => res('slow'), CLOSE_LIMIT_MS)));
      try {
        const out = await Promise.race([r.stage.close(), slow]);
        if (out === 'slow') this.report(r, new ExecError('STAGE_FAILED', `close() took longer than ${CLOSE_LIMIT_MS} ms`, r.node.id));
      } catch (e) {
        this.report(r, e);
      } finally {
        clearTimeout(timer);
      }
    }
    for (const s of this.sockets) {
      if (s.closed) continue;
      if (this.forced.settled) s.linger = 0;
      s.close();
    }
    this.refs.clear();
    // A sink closed without its end (a failure, a forced stop) writes what it had while closing.
    for (const r of this.runners.values()) {
      const n = stats.nodes[r.node.id];
      if (n && r.stats.framesStored !== undefined) n.framesStored = r.stats.framesStored;
    }
    this.resolveDone(this.summary(stats));
  }

  private summary(stats: StatsSnapshot): RunSummary {
    let lost = 0;
    for (const check of this.lossChecks) lost += check();
    if (this.loopOut.length > 0 && this.loopIn.length > 0 && !this.stopping)
      lost += Math.max(0, this.loopOut.reduce((a, f) => a + f(), 0) - this.loopIn.reduce((a, x) => a + x.received, 0));
    for (const r of this.runners.values()) lost += r.flow.lost + (r.stats.lost ?? 0);
    if (lost > 0 && !this.forced.settled)
      this.report(undefined, new ExecError('FRAMES_LOST', `${lost} frames lost on lossless links`));
    const ok = this.failures.length === 0 && lost === 0;
    return { ok, exitCode: ok ? 0 : 1, lost, durationMs: Date.now() - this.started, stats, failures: [...this.failures] };
  }

  // ---------------------------------------------------------------- stats

  private snapshot(): StatsSnapshot {
    const now = Date.now();
    const dt = Math.max(1, now - this.prevAt) / 1000;
    this.prevAt = now;
    const nodes: Record<string, NodeRates> = {};
    let total = 0;
    let done = 0;
    let known = true;
    let anySource = false;
    for (const r of this.runners.values()) {
      const s = r.stats;
      const f = r.flow;
      const framesIn = Math.max(s.framesIn, f.framesIn);
      const framesOut = Math.max(s.framesOut, f.framesOut);
      const bytesIn = Math.max(s.bytesIn, f.bytesIn);
      const bytesOut = Math.max(s.bytesOut, f.bytesOut);
      const sink = r.outputs.size === 0 && framesOut === 0;
      const frames = sink ? framesIn : framesOut;
      const bytes = sink ? bytesIn : bytesOut;
      const prev = this.prevNodes.get(r.node.id) ?? { frames: 0, bytes: 0 };
      this.prevNodes.set(r.node.id, { frames, bytes });
      const busyNs = s.busyNs > 0 ? s.busyNs : f.busyNs;
      const waiting = r.state === 'starting' ? r.waiting?.() : undefined;
      const worked = Math.max(framesIn, framesOut);
      nodes[r.node.id] = {
        type: r.node.type,
        framesIn,
        framesOut,
        bytesIn,
        bytesOut,
        bytesCopied: s.bytesCopied,
        dropped: s.dropped + f.dropped,
        errors: s.errors + f.errors,
        queueDepth: s.queueDepth + r.inbox.size,
        busyNs,
        fps: (frames - prev.frames) / dt,
        mbps: (bytes - prev.bytes) / 1e6 / dt,
        msPerFrame: worked > 0 ? busyNs / worked / 1e6 : 0,
        state: r.state,
        ...(s.framesStored !== undefined ? { framesStored: s.framesStored } : {}),
        ...(r.refused.size > 0 ? { refused: Object.fromEntries(r.refused) } : {}),
        ...(r.unheard > 0 ? { unheard: r.unheard } : {}),
        ...(waiting ? { waiting } : {}),
      };
      if (r.isSource) {
        anySource = true;
        const n = Number(r.node.params.frames ?? 0);
        if (n > 0) {
          total += n;
          done += framesOut;
        } else known = false;
      }
    }
    for (const src of this.sources) if (src.sourceLike) known = false;
    const links: Record<string, LinkRates> = {};
    for (const l of this.links.values()) {
      if (!this.runners.has(l.plan.from.node) && !this.runners.has(l.plan.to.node)) continue;
      const prev = this.prevLinks.get(l.plan.text) ?? { frames: 0, bytes: 0 };
      this.prevLinks.set(l.plan.text, { frames: l.frames, bytes: l.bytes });
      links[l.plan.text] = {
        link: l.plan.text,
        frames: l.frames,
        bytes: l.bytes,
        dropped: l.dropped,
        queueDepth: l.queued,
        fps: (l.frames - prev.frames) / dt,
        mbps: (l.bytes - prev.bytes) / 1e6 / dt,
        lossless: l.plan.lossless,
      };
    }
    const snap: StatsSnapshot = { elapsedMs: now - this.started, nodes, links };
    if (anySource && known && total > 0) snap.progress = { done: Math.min(done, total), total };
    return snap;
  }
}

/** Starts a compiled graph: see RunHandle for how to watch and stop it. */
export const runGraph: RunGraph = (plan, options) => new Run(plan, options);
