/**
 * Whether a link may be added to a graph, decided by the graph rules themselves: the editor asks
 * as the user drops a link, and gets exactly the error `patchbay validate` would report for it.
 * Pure: the editor's bundle imports it.
 */
import type { NodeDecl } from '../../nodes/types.ts';
import type { Graph, GraphError, GraphErrorCode, GraphLink } from './types.ts';
import { checkGraph } from './graph-rules.ts';
import { formatLink } from './link.ts';

/**
 * The errors a link's two ends decide. Others that a link can bring about (NO_BINDER,
 * CROSS_HOST_LINK) depend on params the user may still be about to set, so the editor lets the
 * link in and marks them with the rest of validation.
 */
export const LINK_RULE_CODES: ReadonlySet<GraphErrorCode> = new Set<GraphErrorCode>([
  'UNKNOWN_NODE',
  'UNKNOWN_PORT',
  'DUPLICATE_LINK',
  'PORT_TYPE_MISMATCH',
  'TOO_MANY_PRODUCERS',
  'FAN_OUT_WITHOUT_COPY',
  'CYCLE',
]);

const linkErrors = (graph: Graph, types: readonly NodeDecl[]): GraphError[] =>
  checkGraph(graph, types)
    .issues.map((i) => i.error)
    .filter((e) => e.severity === 'error' && LINK_RULE_CODES.has(e.code));

const key = (e: GraphError): string => `${e.code}\n${e.link ?? ''}\n${e.message}`;

/**
 * The link error adding `link` to `graph` would bring, or undefined when validate would find none
 * it does not find already (a graph opened with mistakes still takes good links). An error on the
 * new link itself comes first; otherwise the one it causes further on (a type passed downstream).
 */
export function refuseLink(graph: Graph, link: GraphLink, types: readonly NodeDecl[]): GraphError | undefined {
  const before = new Set(linkErrors(graph, types).map(key));
  const added = linkErrors(
    { ...graph, links: [...(Array.isArray(graph.links) ? graph.links : []), link] },
    types,
  ).filter((e) => !before.has(key(e)));
  const text = formatLink(link);
  return added.find((e) => e.link === text) ?? added[0];
}
