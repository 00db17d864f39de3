/**
 * The contract between the executor and each node type's implementation
 * (nodes/<type>/stage.ts, default export a StageFactory).
 */
import type { PlanNode, PlanSocket } from '../compile/plan.ts';
import type { Frame, Message } from '../wire/index.ts';

/**
 * Counters kept per node; the executor turns them into rates for the live table and --json.
 * The executor counts framesIn/framesOut/bytesIn/bytesOut itself (the larger of its count and
 * the stage's is shown), so a stage need not count them; the other fields are the stage's.
 */
export interface NodeStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Payload bytes this node copied (deep Copy, slab copies): the cost of a hop. */
  bytesCopied: number;
  /** Frames lost where loss is allowed (PUB high-water mark, camera could not hand over). */
  dropped: number;
  /** Messages refused and counted (malformed, wrong dtype...), the node going on. */
  errors: number;
  /** Frames waiting inside this node (pool queue, writer queue). */
  queueDepth: number;
  /** Nanoseconds spent working on frames (for ms per frame). */
  busyNs: number;
  /** Sinks that store frames (HDF5Sink): how many frames the file holds. */
  framesStored?: number;
  /**
   * Frames this node took in and could not deliver where loss is not allowed (a recorder whose
   * disk filled): they count in the summary's `lost` and make the exit code non-zero.
   */
  lost?: number;
}

export interface StageIO {
  node: PlanNode;
  /** The graph's YAML text (HDF5Sink stores it). */
  graphText: string;
  /** When the run started. */
  startedAt: Date;
  stats: NodeStats;
  /**
   * Sends a message out of an output port; resolves when downstream has taken it (backpressure).
   * `branch` (0 ≤ branch < branches(port)) sends to one consumer of a fan-out port only (Copy deep).
   * End-of-stream messages are ignored here: the executor sends end of stream after run() or end().
   * The frame's buffer must not be written again by the stage once emitted (sockets send it as is),
   * unless the stage lent it: with `release`, the executor calls release() once every consumer is
   * done with the buffer, and the stage may then reuse it (a camera's pool slot, an output buffer).
   * Lend only where lends(port) > 0: elsewhere the executor sends a copy and releases at once.
   */
  emit(port: string, msg: Message, branch?: number, release?: () => void): Promise<void>;
  /**
   * How many frames of `port` its consumers may hold at once if the stage lends them, or 0 when
   * the port does not lend: a consumer there (a socket, a Script) may keep a frame as long as it
   * likes. Known once every socket is open: in run() and receive(), not in open() (a socket's
   * consumer may not be there yet). Absent in hand-made StageIOs: 0.
   * The rules: docs/frame-lifetimes.md.
   */
  lends?(port: string): number;
  /**
   * A consumer that says `lifetime: 'done-on-receive'` and needs a frame's buffer after its
   * receive() settles keeps it: the buffer stays lent until the returned function is called.
   * Absent in hand-made StageIOs (nothing is lent there).
   */
  keep?(frame: Frame): () => void;
  /**
   * Whether `frame`'s buffer is lent (its producer writes it again once given back). A frame
   * that is not lent is the garbage collector's: holding it costs its memory, nothing else.
   * Absent in hand-made StageIOs (nothing is lent there).
   */
  lent?(frame: Frame): boolean;
  /** How many consumers an output port feeds (Copy). Absent in hand-made StageIOs: assume 1. */
  branches?(port: string): number;
  /** The sockets this node drives itself (Request's REQ, Reply's REP); the executor owns all others. */
  sockets?: readonly PlanSocket[];
  /**
   * Frames by reference between sockets of the run that meet in process (PlanSocket.inproc):
   * `ref` stores a frame and gives the one-part message that names it; `take` gives the frame
   * back once (undefined for any other message); `request` is what a Request sends to ask the
   * graph's Reply for one (a token of this run). Absent in hand-made StageIOs.
   */
  refs?: { request: string; ref(frame: Frame): string; take(body: Buffer): Frame | undefined };
  /** A problem with one message: counted in stats.errors and shown once per kind; the node goes on. */
  warn(error: Error): void;
  /**
   * Something to say once that is no error (a camera setting moved to the camera's step): shown once
   * per code, counted by it, not in errors. Absent in hand-made StageIOs.
   */
  note?(error: Error): void;
  /**
   * The stage failed on its own, between frames (a writer that found its disk full while no
   * frame came): the node fails as if receive() had thrown. Absent in hand-made StageIOs.
   */
  fail?(error: Error): void;
  /** Aborted when the run stops (end of frames, Ctrl-C, a node failed): sources stop producing. */
  signal: AbortSignal;
  /**
   * How many producers feed this node's inputs (links and sockets). A source with optional inputs
   * (PortDecl.optional) that is fed gets them through receive() while run() runs, and end() when
   * they have ended. Absent in hand-made StageIOs: none.
   */
  inputs?: number;
}

export interface Stage {
  /**
   * When the stage is done with a frame's buffer (frame lifetimes, docs/frame-lifetimes.md):
   * 'done-on-receive', when receive() settles, unless it called io.keep(frame); 'forwarded', it
   * emits the buffer as is and holds it no longer than that. Absent: it may hold a frame as long
   * as it likes, and producers do not lend it theirs.
   */
  readonly lifetime?: 'done-on-receive' | 'forwarded';
  /**
   * 'done-on-receive' stages: how many frames it may hold past receive() at once with
   * io.keep, once open() has resolved (a producer's pool takes that many slots more). Absent: 0.
   */
  readonly keeps?: number;
  /** Before any source starts: open files, start pools, bind sockets. */
  open?(): Promise<void>;
  /** Sources only: produce frames through io.emit until done or io.signal aborts; resolve with the count sent. The executor sends end of stream. */
  run?(): Promise<number>;
  /** One frame on an input port; the returned promise is backpressure (resolve when ready for the next). */
  receive?(port: string, frame: Frame): Promise<void>;
  /**
   * Every input has ended: finish pending work (drain pools, flush files), emitting what remains. The executor then
   * forwards end of stream. A fed source gets it when its inputs end, run() still going: it then ends run().
   */
  end?(): Promise<void>;
  /** Release everything; called once, whatever happened, after end() or on failure. */
  close?(): Promise<void>;
}

export type StageFactory = (io: StageIO) => Stage | Promise<Stage>;

export function emptyStats(): NodeStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    bytesCopied: 0,
    dropped: 0,
    errors: 0,
    queueDepth: 0,
    busyNs: 0,
  };
}
