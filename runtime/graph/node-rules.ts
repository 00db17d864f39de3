/**
 * One node's own rules: its params against its type's declaration, and the socket it owns.
 * Pure (no registry, no Node APIs): `validate` runs them over every node, the editor's inspector
 * over the one value being typed, so the two give one verdict.
 */
import type { NodeDecl, ParamValues } from '../../nodes/types.ts';
import type { GraphError, GraphErrorCode, GraphNode } from './types.ts';
import { checkParam, describe, ownDecl, withDefaults } from './param-rules.ts';
import { connectable, parseEndpoint, type Endpoint } from './endpoint.ts';
import { didYouMean } from './suggest.ts';

/** Where in the document a problem lives; loadGraph turns it into a line and column. */
export type Where =
  | { at: 'doc' }
  | { at: 'version' }
  | { at: 'nodes' }
  | { at: 'node'; node: string; key?: 'type' | 'host' | 'params' }
  | { at: 'param'; node: string; param: string; key?: boolean }
  | { at: 'link'; index: number; text?: string }
  | { at: 'hosts'; host?: string; key?: boolean }
  | { at: 'secure' };

export interface Issue {
  error: GraphError;
  where: Where;
}

/** A node whose type is known, with its params resolved. */
export interface NodeInfo {
  id: string;
  node: GraphNode;
  decl: NodeDecl;
  params: ParamValues;
  /** Socket nodes: the endpoint in use (an empty endpoint param becomes inproc://<id>). */
  endpoint?: string;
  parsedEndpoint?: Endpoint;
  /** The `hosts:` name the endpoint was written with (tcp://camera-pc:5560), now resolved in `endpoint`. */
  hostName?: string;
  side?: 'bind' | 'connect';
  /** A node with the course's synchronised start (SocketDecl.handshake): that socket's endpoint. */
  handshake?: { endpoint: string; parsed: Endpoint; side: 'bind' | 'connect' };
  /** Position in document order. */
  order: number;
}

/** How every rule reports a problem. */
export type AddIssue = (
  code: GraphErrorCode,
  message: string,
  where: Where,
  fields?: Partial<GraphError>,
  severity?: 'error' | 'warning',
) => void;

/** Whether a socket node binds or connects: its `bind` param when it has one, else its type's side. */
export function socketSide(decl: NodeDecl, params: Readonly<Record<string, unknown>>): 'bind' | 'connect' | undefined {
  if (!decl.socket) return undefined;
  return typeof params.bind === 'boolean' ? (params.bind ? 'bind' : 'connect') : decl.socket.side;
}

/** Checks a node of a known type: host, params, and the endpoint its socket uses. */
export function checkNode(id: string, node: GraphNode, decl: NodeDecl, order: number, add: AddIssue): NodeInfo {
  if (node.host !== undefined && (typeof node.host !== 'string' || node.host === '')) {
    add(
      'BAD_DOCUMENT',
      `node ${id}: host must be a non-empty name, received ${describe(node.host)}`,
      { at: 'node', node: id, key: 'host' },
      { node: id },
    );
  }
  const given =
    node.params !== null && typeof node.params === 'object' && !Array.isArray(node.params) ? node.params : {};
  if (node.params !== undefined && given !== node.params) {
    add(
      'BAD_DOCUMENT',
      `node ${id}: params must be a map, received ${describe(node.params)}`,
      { at: 'node', node: id, key: 'params' },
      { node: id },
    );
  }
  const declNames = Object.keys(decl.params);
  // Params in error; the endpoint checks below run as long as endpoint and bind themselves are fine.
  const bad = new Set<string>();
  for (const [name, value] of Object.entries(given)) {
    const p = ownDecl(decl.params, name);
    if (!p) {
      add(
        'UNKNOWN_PARAM',
        `node ${id}: ${decl.type} has no param ${name}${didYouMean(name, declNames)}`,
        { at: 'param', node: id, param: name, key: true },
        { node: id, param: name },
      );
      continue;
    }
    const problem = checkParam(p, value);
    if (problem) {
      bad.add(name);
      add(
        problem.code,
        `node ${id}: param ${name} must be ${problem.expected}, received ${describe(value)}`,
        { at: 'param', node: id, param: name },
        { node: id, param: name },
      );
    }
  }
  for (const [name, p] of Object.entries(decl.params)) {
    if (p.required && !Object.hasOwn(given, name)) {
      bad.add(name);
      add(
        'MISSING_PARAM',
        `node ${id}: ${decl.type} needs param ${name} (${p.doc})`,
        { at: 'node', node: id, key: 'params' },
        { node: id, param: name },
      );
    }
  }
  const params = withDefaults(decl, given);
  const info: NodeInfo = { id, node, decl, params, order };
  if (decl.socket && !bad.has('endpoint') && !bad.has('bind')) {
    const ep = typeof params.endpoint === 'string' && params.endpoint !== '' ? params.endpoint : `inproc://${id}`;
    info.endpoint = ep;
    info.parsedEndpoint = parseEndpoint(ep);
    info.side = socketSide(decl, params);
    if (info.parsedEndpoint && info.side === 'connect' && !connectable(info.parsedEndpoint)) {
      add(
        'BAD_ENDPOINT',
        `node ${id}: cannot connect to ${ep}: a * host or port only works when binding`,
        { at: 'param', node: id, param: 'endpoint' },
        { node: id, param: 'endpoint' },
      );
    }
  }
  const hs =
    decl.socket?.handshake && !bad.has('handshake') && typeof params.handshake === 'string' && params.handshake !== ''
      ? params.handshake
      : undefined;
  const parsedHs = hs === undefined ? undefined : parseEndpoint(hs);
  if (hs !== undefined && parsedHs) {
    // A REP is bound where the ventilator asks; a REQ connects to the sink's.
    const side = decl.socket!.handshake === 'REP' ? 'bind' : 'connect';
    info.handshake = { endpoint: hs, parsed: parsedHs, side };
    if (side === 'connect' && !connectable(parsedHs))
      add(
        'BAD_ENDPOINT',
        `node ${id}: cannot connect its handshake to ${hs}: a * host or port only works when binding`,
        { at: 'param', node: id, param: 'handshake' },
        { node: id, param: 'handshake' },
      );
  }
  return info;
}

/** The problems `validate` reports on one node's params (and its endpoint), in the order it reports them. */
export function nodeParamErrors(id: string, node: GraphNode, decl: NodeDecl): GraphError[] {
  const out: GraphError[] = [];
  checkNode(id, node, decl, 0, (code, message, _where, fields = {}, severity = 'error') =>
    out.push({ code, severity, message, ...fields }),
  );
  return out;
}
