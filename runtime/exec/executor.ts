/**
 * The executor: turns a Plan into running stages, ZeroMQ sockets and in-process hand-offs,
 * moves frames between them, keeps stats, and stops without losing what it received.
 * How it works, in the course's words: docs/runtime.md. This file is the run's lifecycle
 * (start, stop, teardown, summary); the pieces it drives, one direction of imports:
 *
 *   routing.ts        the plan's routing wired: own sockets to their node folders
 *                     (nodes/<type>/socket.ts), link sockets to transports/, bound first
 *   transports/       the sockets links give nodes, the receive loop
 *   runner.ts         a node's stage: load, open, drive
 *   eos.ts, refs.ts   end of stream where ZeroMQ may not deliver it; frames by reference
 *   loans.ts          frames lent by their producers, given back when consumers are done
 *   stats.ts          counters into rates
 *   problems.ts       failures and warnings
 *   run-state.ts, context.ts   what they share
 */
import { EventEmitter } from 'node:events';
import type { Plan } from '../compile/plan.ts';
import type { RunContext } from './context.ts';
import { checkBindAddresses } from './addresses.ts';
import { keyBase, secureRun } from './curve.ts';
import { ExecError } from './errors.ts';
import { Loans } from './loans.ts';
import { Problems } from './problems.ts';
import { RefTable } from './refs.ts';
import { route, scheduleSockets } from './routing.ts';
import { drive, loadStages, openStage } from './runner.ts';
import { deferred, Runner, untilAbort, type LinkState, type SocketSource } from './run-state.ts';
import type { AnySocket } from './sockets.ts';
import { StatsKeeper } from './stats.ts';
import { tuneMalloc } from '../util/malloc.ts';
import { closeSource, receiveLoop } from './transports/receiver.ts';
import type { RunGraph, RunHandle, RunOptions, RunSummary, StatsSnapshot } from './types.ts';

/** How long a node's close() may take before the run reports it as slow and goes on, ms. */
const CLOSE_LIMIT_MS = 5000;
/** How long a lone half's inputs from another host may still drain after a stop, ms. */
const REMOTE_DRAIN_MS = 1500;

let runs = 0;

/** inproc names live in the process's one ZeroMQ context: each run gets its own, so two runs of one graph in a process do not meet. */
function ownInprocNames(plan: Plan): Plan {
  const tag = `#${++runs}`;
  // The sockets are this run's own copies (addresses.ts resolves DNS names in them).
  return { ...plan, sockets: plan.sockets.map((s) => (s.inproc ? { ...s, inproc: s.inproc + tag } : { ...s })) };
}

class Run extends EventEmitter implements RunHandle, RunContext {
  readonly done: Promise<RunSummary>;
  private resolveDone!: (s: RunSummary) => void;
  finished = false;
  stopping = false;
  readonly plan: Plan;
  readonly runners = new Map<string, Runner>();
  readonly links = new Map<string, LinkState>();
  readonly sources: SocketSource[] = [];
  readonly sockets: AnySocket[] = [];
  readonly readiness: Promise<unknown>[] = [];
  readonly lossChecks: (() => number)[] = [];
  readonly loop = { out: [] as (() => number)[], in: [] as SocketSource[] };
  readonly refs = new RefTable();
  readonly loans = new Loans();
  // Failures are reported through 'failure' and the summary; an EventEmitter would throw on 'error' only.
  readonly problems = new Problems((event, f) => this.emit(event, f));
  readonly forced = deferred<void>();
  private readonly abort = new AbortController();
  private readonly started = Date.now();
  private readonly startedAt = new Date();
  private readonly stats = new StatsKeeper(this.started);
  private timer?: NodeJS.Timeout;
  /** Undoes secureRun: the run's keys leave the process's CURVE handler. */
  private unsecure?: () => void;

  constructor(
    plan: Plan,
    readonly options: RunOptions,
  ) {
    super();
    // Frame-sized buffers reused, not page-faulted in anew per frame (runtime/util/malloc.ts).
    tuneMalloc();
    this.plan = ownInprocNames(plan);
    this.done = new Promise((r) => (this.resolveDone = r));
    queueMicrotask(() => void this.execute());
  }

  get signal(): AbortSignal {
    return this.abort.signal;
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
      if (src.sourceLike || src.aux) closeSource(this, src);
      else if (src.remoteFed) {
        // A placed half stopped alone: inputs whose producers never came have nothing to wait
        // for; the others drain what is queued and end, whether or not the other half stops.
        if (src.peersEver === 0) closeSource(this, src);
        else {
          src.endWhenIdle = true;
          setTimeout(() => closeSource(this, src), REMOTE_DRAIN_MS).unref();
        }
      }
    }
  }

  stopSources(): void {
    this.abort.abort();
  }

  fail(r: Runner, e: unknown): void {
    // A stage may say so itself (io.fail) and then reject its pending call with the same error.
    if (r.failed) return;
    r.failed = true;
    r.inbox.unblock();
    this.problems.report(r, e);
    // A failed node stops the graph: sources stop, end of stream drains the rest.
    if (!this.stopping) this.stop();
  }

  private async execute(): Promise<void> {
    try {
      const capacity = this.options.inprocCapacity ?? 4;
      for (const n of this.plan.nodes)
        if (this.options.host === undefined || n.host === this.options.host)
          this.runners.set(n.id, new Runner(n, capacity));
      if (this.runners.size === 0)
        throw new ExecError('BAD_PLAN', `no node runs on host ${JSON.stringify(this.options.host)}`);
      // A half started on the wrong machine says so before any stage opens a file.
      await checkBindAddresses(this.plan, new Set(this.runners.keys()), this.options.host);
      this.unsecure = await secureRun(
        this.plan,
        new Set(this.runners.keys()),
        keyBase(this.options.graphFile),
        (node, address, why) => {
          const r = this.runners.get(node);
          if (r) this.problems.refuse(r, new ExecError('PEER_REFUSED', `refused a peer at ${address}: ${why}`, node));
        },
      );
      const routing = route(this);
      await loadStages(this, this.startedAt);
      this.timer = setInterval(() => this.emit('stats', this.snapshot()), this.options.statsIntervalMs ?? 500);
      this.timer.unref();
      // Bound sockets first: a run whose endpoint is taken (the same graph started twice) fails
      // before any stage opens a file.
      const { binds, connects } = await scheduleSockets(this, routing);
      for (const b of binds) await b();
      for (const id of this.order()) await openStage(this.runners.get(id)!);
      for (const c of connects) await c();
      this.loans.settle();
      this.refs.subscribe(this.sources);
      for (const src of this.sources) void receiveLoop(this, src);
      await untilAbort(Promise.all(this.readiness), this.abort.signal);
      await Promise.all([...this.runners.values()].map((r) => drive(this, r)));
    } catch (e) {
      this.problems.report(undefined, e);
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

  private snapshot(): StatsSnapshot {
    return this.stats.snapshot(this.runners, this.links, this.sources);
  }

  private async force(): Promise<void> {
    if (this.forced.settled) return;
    this.forced.resolve();
    this.problems.report(
      undefined,
      new ExecError('FORCED_STOP', 'stopped a second time: the run ended without draining'),
    );
    for (const src of this.sources) closeSource(this, src);
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
        if (out === 'slow')
          this.problems.report(
            r,
            new ExecError('STAGE_FAILED', `close() took longer than ${CLOSE_LIMIT_MS} ms`, r.node.id),
          );
      } catch (e) {
        this.problems.report(r, e);
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
    this.unsecure?.();
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
    if (this.loop.out.length > 0 && this.loop.in.length > 0 && !this.stopping)
      lost += Math.max(
        0,
        this.loop.out.reduce((a, f) => a + f(), 0) - this.loop.in.reduce((a, x) => a + x.received, 0),
      );
    for (const r of this.runners.values()) lost += r.flow.lost + (r.stats.lost ?? 0);
    if (lost > 0 && !this.forced.settled)
      this.problems.report(undefined, new ExecError('FRAMES_LOST', `${lost} frames lost on lossless links`));
    const failures = [...this.problems.failures];
    const ok = failures.length === 0 && lost === 0;
    return { ok, exitCode: ok ? 0 : 1, lost, durationMs: Date.now() - this.started, stats, failures };
  }
}

/** Starts a compiled graph: see RunHandle for how to watch and stop it. */
export const runGraph: RunGraph = (plan, options) => new Run(plan, options);
