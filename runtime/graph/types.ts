/**
 * The graph document (format version 1, see docs/graph-format.md) as the rest of the
 * program sees it, and its errors. Implemented by runtime/graph/*.ts.
 */

export interface PortRef {
  node: string;
  port: string;
}

export interface GraphLink {
  from: PortRef;
  to: PortRef;
}

export interface GraphNode {
  type: string;
  /** Only the params the document gives (defaults are not filled in here). */
  params: Record<string, unknown>;
  host?: string;
}

/** A note on the canvas: free text at a place (none: the editor places it). Never affects a run. */
export interface GraphNote {
  text: string;
  at?: [number, number];
}

/** A group on the canvas: a titled frame around some nodes. Never affects a run. */
export interface GraphGroup {
  title?: string;
  /** Node ids, in the order written. */
  nodes: string[];
}

/** One machine of a placed graph: `camera-pc: 10.0.0.5`, or a map when it has a CURVE key. */
export type GraphHost = string | { address: string; key?: string };

export interface Graph {
  patchbay: 1;
  name?: string;
  description?: string;
  /** In document order. */
  nodes: Record<string, GraphNode>;
  links: GraphLink[];
  /**
   * Placement: host name -> address or DNS name (docs/placement.md). A node's `host` names one;
   * an endpoint may be written with a host name (tcp://camera-pc:5560).
   */
  hosts?: Record<string, GraphHost>;
  /** Every link between hosts uses ZeroMQ CURVE with the hosts' keys. */
  secure?: boolean;
  /** Groups on the canvas by id, in document order; never affect running. */
  groups?: Record<string, GraphGroup>;
  /** Notes on the canvas by id, in document order; never affect running. */
  notes?: Record<string, GraphNote>;
  /** Editor positions; never affect running. */
  layout?: Record<string, [number, number]>;
}

/** The closed set of error codes. */
export type GraphErrorCode =
  | 'YAML_SYNTAX'
  | 'MISSING_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_DOCUMENT'
  | 'BAD_NODE_ID'
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_PARAM'
  | 'MISSING_PARAM'
  | 'BAD_PARAM_TYPE'
  | 'PARAM_OUT_OF_RANGE'
  | 'BAD_LINK'
  | 'UNKNOWN_NODE'
  | 'UNKNOWN_PORT'
  | 'PORT_TYPE_MISMATCH'
  | 'CYCLE'
  | 'TOO_MANY_PRODUCERS'
  | 'FAN_OUT_WITHOUT_COPY'
  | 'DUPLICATE_ENDPOINT'
  | 'BAD_ENDPOINT'
  | 'NO_SOURCE'
  | 'NO_SINK'
  | 'UNREACHABLE_NODE'
  | 'UNKNOWN_KEY'
  | 'DUPLICATE_LINK'
  | 'INCOMPATIBLE_SOCKETS'
  | 'NO_BINDER'
  | 'CROSS_HOST_LINK'
  | 'UNKNOWN_HOST'
  | 'DUPLICATE_FILE'
  | 'UNCONNECTED_OUTPUT';

export interface GraphError {
  code: GraphErrorCode;
  severity: 'error' | 'warning';
  message: string;
  node?: string;
  port?: string;
  /** The link as written: "a.out -> b.in". */
  link?: string;
  param?: string;
  /** 1-based line and column in the file, when the problem has a place in it. */
  line?: number;
  col?: number;
}
