/**
 * The executor's face, used by `patchbay run` (runtime/exec/run-command.ts) and the
 * editor's server (runtime/server). Implemented in runtime/exec/.
 */
import type { Plan } from '../compile/plan.ts';
import type { Frame } from '../wire/index.ts';
import type { NodeStats, StageFactory } from './stage.ts';

export interface NodeRates extends NodeStats {
  type: string;
  /** Frames out per second (frames in for sinks) over the last interval. */
  fps: number;
  /** Megabytes (1e6 bytes) per second over the last interval. */
  mbps: number;
  /** Mean busy time per frame, ms. */
  msPerFrame: number;
  state: 'starting' | 'running' | 'draining' | 'done' | 'failed';
  /** Messages refused or warned about, by reason (a WireError or stage code): what `errors` counts. */
  refused?: Record<string, number>;
  /** A publisher: frames sent while no subscriber listened (also in `dropped`). */
  unheard?: number;
  /**
   * A socket node facing the network: the peers connected to it now from outside this process (a
   * publisher's subscriptions, a ventilator's or sink's workers, a subscriber's publisher).
   */
  peers?: number;
  /** Before the sources start: the outside peers this node waits for (waitFor), and how many joined. */
  waiting?: {
    what: 'subscribers' | 'workers' | 'sinks';
    want: number;
    joined: number;
    /** The graph's own peers on other hosts among them: "worker on analysis-pc". */
    from?: string[];
  };
}

export interface LinkRates {
  /** As written in the graph: "a.out -> b.in". */
  link: string;
  frames: number;
  bytes: number;
  /** Frames lost on this link (PUB high-water mark); always 0 on lossless links. */
  dropped: number;
  queueDepth: number;
  fps: number;
  mbps: number;
  lossless: boolean;
}

export interface StatsSnapshot {
  /** ms since the run started. */
  elapsedMs: number;
  nodes: Record<string, NodeRates>;
  links: Record<string, LinkRates>;
  /** When every source has a frame count: frames sent so far of the total. */
  progress?: { done: number; total: number };
}

export interface NodeFailure {
  node: string;
  code: string;
  message: string;
}

export interface RunSummary {
  ok: boolean;
  /** Frames missing on lossless paths (should be 0). */
  lost?: number;
  /** 0 when nothing failed and nothing was lost on a lossless path. */
  exitCode: number;
  durationMs: number;
  stats: StatsSnapshot;
  failures: NodeFailure[];
}

export interface RunOptions {
  /** The graph's YAML text (stored by HDF5Sink). */
  graphText: string;
  /** Run only the nodes placed on this host (placement). */
  host?: string;
  /** The graph's file: key files of a `secure: true` graph are relative to its directory (default: the working directory). */
  graphFile?: string;
  /** How often 'stats' fires; default 500 ms. */
  statsIntervalMs?: number;
  /** Called synchronously for each frame a node emits (the editor's previews). Copy what you keep. */
  tap?: (node: string, frame: Frame) => void;
  /** Stage factories by node type, used before nodes/<type>/stage.ts (tests: capture sinks, test sources). */
  stages?: Record<string, StageFactory>;
  /** Frames an in-process link holds before its producer waits; default 4. */
  inprocCapacity?: number;
}

export interface RunHandle {
  /** Resolves when the run has ended, whatever the reason. Never rejects. */
  readonly done: Promise<RunSummary>;
  /** Stop the sources; end of stream then drains every stage. A second call forces the end. */
  stop(): void;
  on(event: 'stats', listener: (s: StatsSnapshot) => void): this;
  on(event: 'failure', listener: (f: NodeFailure) => void): this;
  /** A problem with one message (malformed, refused), the node going on; once per node and code. */
  on(event: 'warning', listener: (w: NodeFailure) => void): this;
}

/** Starts a compiled graph. Implemented in runtime/exec/executor.ts. */
export type RunGraph = (plan: Plan, options: RunOptions) => RunHandle;
