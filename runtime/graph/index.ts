/**
 * The graph document: read, check and write graph files (format version 1, docs/graph-format.md).
 *
 * The rules live in modules that import neither the node registry nor a Node API (endpoint,
 * node-id, param-rules, node-rules, host-rules, graph-rules, flow, refuse-link, link, suggest), because the
 * editor's bundle runs them too; test/unit/editor-imports.test.ts keeps it so. The registry is
 * bound in analyze.ts and params.ts only.
 */
export { loadGraph, type LoadedGraph } from './load.ts';
export { validateGraph } from './validate.ts';
export { serializeGraph, paramsToSave } from './serialize.ts';
export { resolveParams } from './params.ts';
export { parseLink, formatLink } from './link.ts';
export { parseEndpoint, sameEndpoint, type Endpoint } from './endpoint.ts';
export type { Graph, GraphNode, GraphLink, PortRef, GraphError, GraphErrorCode } from './types.ts';
export { errorCodes, errorCodeDocs } from './codes.ts';
