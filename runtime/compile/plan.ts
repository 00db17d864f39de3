/**
 * What a graph compiles to: the contract between the compiler (runtime/compile) and the
 * executor (runtime/exec), and what `patchbay plan` prints.
 */
import type { ParamValues } from '../../nodes/types.ts';

export type SocketType = 'PUB' | 'SUB' | 'PUSH' | 'PULL' | 'REQ' | 'REP';

export interface PlanNode {
  id: string;
  type: string;
  /** Every param, defaults applied. */
  params: ParamValues;
  /** The host this node runs on (placement); undefined runs everywhere `--host` is not given. */
  host?: string;
}

export interface PlanSocket {
  /** The node that owns and drives this socket. */
  node: string;
  type: SocketType;
  side: 'bind' | 'connect';
  endpoint: string;
  /** High-water mark in messages (both send and receive). */
  hwm: number;
  /** SUB only: the topic prefixes subscribed. */
  topics?: string[];
  /** The link this socket serves, as written in the graph ("push.out -> fft.in"); absent for a node's own socket with outside peers only. */
  link?: string;
  /** For a student: "(from push)", "(to recorder)". */
  peer?: string;
  /**
   * Peers of one graph on one host meet in process: a bound socket also binds this inproc://
   * name, and a socket of the graph that connects to it dials this name instead of `endpoint`
   * (no loopback TCP, no copies). Outside programs still use `endpoint`.
   */
  inproc?: string;
  /** A node's own PUB or PUSH: outside subscribers or workers the run waits for before its sources start. */
  waitFor?: number;
}

export interface PlanLink {
  /** As written in the graph: "camera.out -> publish.in". */
  text: string;
  from: { node: string; port: string };
  to: { node: string; port: string };
  /** inproc: in-process hand-off between two non-socket nodes; socket: through the sockets listed in `sockets`. */
  via: 'inproc' | 'socket';
  /** The endpoint that carries it (an inproc:// name for in-process links). */
  endpoint: string;
  /** PUB/SUB may drop at the high-water mark; every other link is lossless. */
  lossless: boolean;
}

export interface PlanPool {
  node: string;
  threads: number;
}

export interface Plan {
  name: string;
  nodes: PlanNode[];
  links: PlanLink[];
  sockets: PlanSocket[];
  pools: PlanPool[];
  /** Node ids: consumers before producers, sources last. */
  startOrder: string[];
  /** Nodes of the graph left out because no source feeds them (validation warned: UNREACHABLE_NODE). */
  skipped?: string[];
}
