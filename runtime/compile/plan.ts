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
  /** The `hosts:` name the endpoint was written with (tcp://camera-pc:5560); `endpoint` holds its address. */
  hostName?: string;
  /**
   * `secure: true`: ZeroMQ CURVE. A bound socket is a CURVE server with its host's key that lets
   * in the graph's hosts only; a socket that connects to one is its client, with its own host's key.
   */
  secure?: { host: string; server: true } | { host: string; serverHost: string };
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
  /** What this socket carries and how it ends: decided here (runtime/compile/route.ts), executed by runtime/exec. */
  route: SocketRoute;
}

/** A node's own socket (its endpoint param), or one a link gave it (a Push or Publish node's consumer, a Pull node's producer). */
export type SocketRole = 'own' | 'link';

/**
 * The routing of one socket, computed from the whole graph before anything runs. Which of the
 * nodes named here run on this host is the executor's one question (placement, `--host`).
 */
export interface SocketRoute {
  role: SocketRole;
  /** A node's second own socket for the course's synchronised start (SocketDecl.handshake): one empty request, one empty reply. */
  handshake?: true;
  /**
   * Receiving sockets (PULL, SUB): the graph's producers it waits for, one end of stream
   * each: the node, and the link when the node sends through that link's own PUSH.
   */
  producers?: { node: string; link?: string }[];
  /**
   * Receiving sockets: what ends them. `producers`: an end of stream from each producer above.
   * `outside`: producers outside the graph only: one end of stream from each that connected,
   * or all of them gone, or stop(). `with-node`: a side door for outside producers of a node the
   * graph feeds by other inputs: it ends when those have ended.
   */
  ends?: 'producers' | 'outside' | 'with-node';
  /**
   * A bound Pull whose producers in the graph all meet it in process: those send to its
   * inproc name, and its endpoint gets a socket of its own for outside producers (ending with
   * the node), so an outside end of stream never passes for one of the graph's.
   */
  outsideDoor?: boolean;
  /** SUB: where its drops are counted: the graph's publisher it listens to. Absent: this node. */
  dropsAt?: string;
  /** Sending sockets: frames go to their one kind of peer, the graph's own in process, by reference. */
  byRef?: boolean;
  /**
   * A Publish's or Push's own socket: the graph's receiving sockets at its endpoint (SUB:
   * subscriptions each sends, one per topic), for the subscriptions to wait for, the workers
   * to end, and the references to keep.
   */
  consumers?: { node: string; inproc: boolean; hwm: number; subscriptions: number }[];
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
  /** The graph's `hosts:` map: name -> address (an IP address or DNS name) and CURVE public key file. */
  hosts?: Record<string, { address: string; key?: string }>;
  /** `secure: true`: sockets between hosts use CURVE with the hosts' keys. */
  secure?: boolean;
  /** A host's part of the plan (hostPart): the host it is for. */
  host?: string;
  /** A host's part: the nodes on other hosts its links reach, and their hosts. */
  away?: Record<string, string>;
}
