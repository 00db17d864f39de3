/**
 * The one declaration of a node type. The editor (palette, inspector, socket
 * compatibility) and the runtime (validation, defaults, execution) read only this.
 */

/** What travels on a port. `any` adopts the type of whatever feeds it (socket nodes pass frames through). */
export type MessageType = 'frame' | 'spectrum' | 'any';

export interface PortDecl {
  name: string;
  type: MessageType;
  /** An input that accepts several producers (Pull's fan-in) or an output that may feed several inputs (fan-out nodes). */
  many?: boolean;
  /**
   * An input the node works without (a Camera's trigger): a source whose inputs are all optional
   * stays a source while nothing feeds them; fed, it also takes them while it runs.
   */
  optional?: boolean;
  /**
   * An input that works only with a param set so (a Camera's trigger input: trigger: software).
   * Linking it while the param says otherwise is refused by validation (PARAM_OUT_OF_RANGE,
   * at the param), not left to fail when the run starts.
   */
  onlyWhen?: { param: string; value: string };
  doc: string;
}

interface ParamBase {
  doc: string;
  unit?: string;
  /** Required params have no default; a graph must give them. */
  required?: boolean;
}
export interface NumberParam extends ParamBase {
  kind: 'number';
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}
export interface StringParam extends ParamBase {
  kind: 'string';
  default?: string;
  /** A regular expression the whole value must match. */
  pattern?: string;
}
export interface EnumParam extends ParamBase {
  kind: 'enum';
  choices: readonly string[];
  default?: string;
}
export interface BooleanParam extends ParamBase {
  kind: 'boolean';
  default?: boolean;
}
/** A ZeroMQ endpoint: tcp://host:port, ipc://path or inproc://name. */
export interface EndpointParam extends ParamBase {
  kind: 'endpoint';
  default?: string;
}
export interface StringListParam extends ParamBase {
  kind: 'string[]';
  default?: readonly string[];
}
/** A value a map param holds for one name. */
export type MapValue = string | number | boolean;
/** An ordered map of names to scalars, like a Camera's GenICam `features:` (applied in the order written). */
export interface MapParam extends ParamBase {
  kind: 'map';
  default?: Readonly<Record<string, MapValue>>;
  /** A regular expression every key must match. */
  keyPattern?: string;
}
export type ParamDecl =
  NumberParam | StringParam | EnumParam | BooleanParam | EndpointParam | StringListParam | MapParam;

/** The value a param declaration gives a stage. */
type ValueOf<P> = P extends { kind: 'number' }
  ? number
  : P extends { kind: 'boolean' }
    ? boolean
    : P extends { kind: 'string[]' }
      ? readonly string[]
      : P extends { kind: 'map' }
        ? Readonly<Record<string, MapValue>>
        : P extends { kind: 'enum'; choices: readonly (infer C)[] }
          ? C
          : string;

/**
 * A node type's params as its stage gets them (PlanNode.params): resolved by the compiler,
 * every default applied and every value checked against its declaration, so a stage reads
 * them typed and never re-applies a default: `io.node.params as ParamsOf<typeof camera>`.
 * A param with neither a default nor `required` may be absent.
 */
export type ParamsOf<D extends { params: Readonly<Record<string, ParamDecl>> }> = {
  readonly [K in keyof D['params']]: D['params'][K] extends { default: unknown } | { required: true }
    ? ValueOf<D['params'][K]>
    : ValueOf<D['params'][K]> | undefined;
};

export type NodeRole = 'source' | 'socket' | 'compute' | 'fanout' | 'sink';

/** The ZeroMQ pattern a socket node teaches, for the editor's explanations and the plan. */
export interface SocketDecl {
  /** The socket this node owns. */
  own: 'PUB' | 'SUB' | 'PUSH' | 'PULL' | 'REQ' | 'REP';
  /** Whether it binds or connects its endpoint by default. */
  side: 'bind' | 'connect';
  /** The socket each in-graph consumer of `out` gets, connected to this node's endpoint. */
  peerOut?: 'SUB' | 'PULL';
  /** The socket each in-graph producer of `in` gets, connected to this node's endpoint. */
  peerIn?: 'PUSH';
  /** Its part in the pattern, in the course's words: the editor's lesson calls it so. */
  role: 'publisher' | 'subscriber' | 'ventilator' | 'sink' | 'client' | 'server';
  /**
   * The course's synchronised start: with its `handshake` param set, the node also has this
   * socket there: a sink's REP (bound) answering a ventilator's ready request, or a ventilator's
   * REQ (connecting) asking before its first frame.
   */
  handshake?: 'REP' | 'REQ';
}

/** How a node's frames are drawn for the editor's preview. Plain data: the editor gets it as JSON. */
export interface PreviewDecl {
  /** linear: camera frames; log: spectra (log(1 + |x|)). */
  scale: 'linear' | 'log';
  /** Move the zero frequency to the centre (a spectrum not already shifted). */
  shift?: boolean;
  /** Params that change the drawing: each rule whose param has that value overrides, in order. */
  when?: readonly {
    param: string;
    value: string | number | boolean;
    set: { scale?: 'linear' | 'log'; shift?: boolean };
  }[];
}

export interface NodeDecl {
  type: string;
  role: NodeRole;
  inputs: readonly PortDecl[];
  outputs: readonly PortDecl[];
  params: Readonly<Record<string, ParamDecl>>;
  socket?: SocketDecl;
  /**
   * The worker pool this node runs on, as `patchbay plan` lists it: its size (a number, or
   * the param that sets it) and what one of it is called.
   */
  pool?: { threads: number | string; unit: 'thread' | 'writer' | 'process' };
  /** Its frames are previewed in the editor while it runs, drawn as this says. */
  preview?: PreviewDecl;
  /** A param naming a resource only one node may hold (a file): two nodes giving the same value are refused. */
  exclusive?: { param: string; code: 'DUPLICATE_FILE' };
  /** A source's param saying how many frames it sends (0: until stopped): the progress bar's total. */
  progress?: { param: string };
  /** The param whose value the node shows on the canvas (its file: a script, a module, a recording). */
  caption?: { param: string };
  docs: {
    /** One line for the palette. */
    summary: string;
    /** A paragraph: what it does and which pattern it teaches, in the course's words. */
    description: string;
  };
}

/** Params after defaults are applied. */
export type ParamValues = Record<
  string,
  number | string | boolean | readonly string[] | Readonly<Record<string, MapValue>>
>;
