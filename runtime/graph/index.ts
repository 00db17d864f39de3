/** The graph document: read, check and write graph files (format version 1, docs/graph-format.md). */
export { loadGraph, type LoadedGraph } from './load.ts';
export { validateGraph } from './validate.ts';
export { serializeGraph, paramsToSave } from './serialize.ts';
export { resolveParams } from './params.ts';
export { parseLink, formatLink } from './link.ts';
export { parseEndpoint, sameEndpoint, type Endpoint } from './endpoint.ts';
export type { Graph, GraphNode, GraphLink, PortRef, GraphError, GraphErrorCode } from './types.ts';
export { errorCodes, errorCodeDocs } from './codes.ts';
