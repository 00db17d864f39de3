/**
 * What a run keeps per node, per link and per receiving socket, shared by the executor's
 * pieces (runtime/exec/*.ts, transports/). Nothing here opens a socket or runs a stage.
 */
import type { PlanLink, PlanNode, PlanSocket } from '../compile/plan.ts';
import type { Frame } from '../wire/index.ts';
import { Mailbox } from './mailbox.ts';
import type { AnySocket } from './sockets.ts';
import { emptyStats, type NodeStats, type Stage, type StageIO } from './stage.ts';
import type { NodeRates } from './types.ts';

export interface LinkState {
  plan: PlanLink;
  frames: number;
  bytes: number;
  dropped: number;
  /** Frames of this link waiting in the consumer's inbox. */
  queued: number;
}

/** One item of a node's inbox: a frame on a port, or (no frame) one of its inputs has ended. */
export interface InboxItem {
  port: string;
  frame?: Frame;
  link?: LinkState;
  /** The end of an outside-only socket (SocketSource.aux): it does not decide when the node ends. */
  aux?: boolean;
}

/** Where an output port's frames go: an in-process hand-off or a socket. */
export interface OutputSink {
  link?: LinkState;
  /**
   * The node it hands frames to itself: an in-process link, or a socket whose one peer is that
   * node and which passes frames by reference (frame lifetimes, loans.ts).
   */
  to?: Runner;
  /** Frames the way to `to` may hold besides its inbox (a by-reference socket's queues). */
  holds?: number;
  /** Frames sent through this sink (the count end of stream carries). */
  sent: number;
  send(frame: Frame): Promise<void>;
  end(count: number): Promise<void>;
}

/** A socket that feeds a node's input port. */
export interface SocketSource {
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
  /** The last frame reference this source took from an in-graph publisher (see refs.ts). */
  lastRef: number;
  /** Producers now connected over tcp or ipc, and all that ever did (socket monitor events). */
  peers: number;
  peersEver: number;
  /**
   * Ends of stream received: one per producer that names itself (`from`), however often it
   * sends it; each one that does not name itself counts.
   */
  eos: number;
  /** The `from` of each end of stream counted. */
  eosFrom: Set<string>;
  /** The frames the counted ends of stream say were sent, summed. */
  eosSent: number;
  /** It has told a publisher it heard its end of stream (EOS_SEEN), which its close must still send. */
  heard?: boolean;
  /** Every producer in the graph runs on another host (placement): a lone half stops on its own. */
  remoteFed: boolean;
  /** End the loop at the next idle tick: whatever was queued has been read by then. */
  endWhenIdle: boolean;
  /** Its producers on another host went away before their end of stream (PEER_LOST said). */
  lostPeer?: boolean;
  /** Pickled frames received (a course script's send_pyobj): their seq, counted on arrival. */
  pickled: number;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Resolves when `p` does or when `signal` aborts, whichever is first. */
export function untilAbort(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
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

/** One node of the run: its stage, its inbox, its outputs and what the executor counts for it. */
export class Runner {
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
  /** Frames after which the node's receiving sockets end (its `frames`: Pull, Subscribe); 0: no limit. */
  limit = 0;
  /** Frames its receiving sockets have passed on, towards `limit`. */
  taken = 0;
  /** While its sources wait for outside peers (waitFor): who, how many wanted, how many joined. */
  waiting?: () => NodeRates['waiting'];
  /** A socket node: how many outside peers it has now, as its opener counts them (NodeRates.peers). */
  peers?: () => number;

  constructor(
    readonly node: PlanNode,
    capacity: number,
  ) {
    this.inbox = new Mailbox<InboxItem>(capacity);
  }

  get isSource(): boolean {
    return typeof this.stage?.run === 'function';
  }

  addOutput(port: string, sink: OutputSink): void {
    const list = this.outputs.get(port) ?? [];
    list.push(sink);
    this.outputs.set(port, list);
  }
}
