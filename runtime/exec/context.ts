/**
 * What the executor's pieces (routing, transports, runner, stats) see of a run: its plan,
 * its nodes, links and sockets, and the few things they may do to it. Implemented by the Run
 * in executor.ts; the pieces never import it, so imports go one way.
 */
import type { Plan } from '../compile/plan.ts';
import type { Loans } from './loans.ts';
import type { Problems } from './problems.ts';
import type { RefTable } from './refs.ts';
import type { Deferred, LinkState, Runner, SocketSource } from './run-state.ts';
import type { AnySocket } from './sockets.ts';
import type { RunOptions } from './types.ts';

export interface RunContext {
  readonly plan: Plan;
  readonly options: RunOptions;
  /** The nodes that run here (this host), by id. */
  readonly runners: Map<string, Runner>;
  readonly links: Map<string, LinkState>;
  /** Every receiving socket of the run. */
  readonly sources: SocketSource[];
  /** Every socket of the run, closed at teardown. */
  readonly sockets: AnySocket[];
  /** What the sources wait for before they start (subscriptions, handshakes, waitFor). */
  readonly readiness: Promise<unknown>[];
  /** Checks run at the end: frames that should have arrived on a lossless socket path. */
  readonly lossChecks: (() => number)[];
  /**
   * The teaching loop: frames a ventilator deals to outside workers only, and the Pulls fed
   * only from outside. When a run has both, the workers' results come back into the same
   * graph, and a shortfall is loss (a worker crashed holding a frame).
   */
  readonly loop: { out: (() => number)[]; in: SocketSource[] };
  readonly refs: RefTable;
  /** Frames lent by their producers, given back when their consumers are done (loans.ts). */
  readonly loans: Loans;
  readonly problems: Problems;
  /** Resolved by a second stop: everything still waiting gives up. */
  readonly forced: Deferred<void>;
  /** Aborted when the run stops: sources stop producing. */
  readonly signal: AbortSignal;
  readonly stopping: boolean;
  readonly finished: boolean;
  /** A node failed: it stops the graph (sources stop, end of stream drains the rest). */
  fail(r: Runner, e: unknown): void;
  /**
   * Stops the graph's sources (a node took its `frames`): end of stream drains the rest. Not a
   * stop of the run: a Ctrl-C after it is still the first, which drains.
   */
  stopSources(): void;
}
