/**
 * The palette's search: a node type matches when every word typed is found in what its
 * declaration says of it (type, summary, description, ports, params, its socket and its part in
 * the pattern), so "record", "zeromq", "ventilator" or "fft spectrum" find what a user means.
 */
import type { NodeDecl } from '../../nodes/types.ts';

/** Words users search with that a declaration does not always say. */
const ALSO: Record<string, string> = {
  source: 'camera input start',
  sink: 'record save store output end',
  socket: 'zeromq zmq network socket pattern',
};

/** The text a node type is searched by, lower case. */
export function searchText(d: NodeDecl): string {
  return [
    d.type,
    d.role,
    ALSO[d.role] ?? '',
    d.socket ? `${d.socket.own} ${d.socket.role} ${ALSO.socket}` : '',
    d.docs.summary,
    d.docs.description,
    ...d.inputs.map((p) => `${p.name} ${p.type} ${p.doc}`),
    ...d.outputs.map((p) => `${p.name} ${p.type} ${p.doc}`),
    ...Object.entries(d.params).map(([k, p]) => `${k} ${p.doc}`),
  ]
    .join(' ')
    .toLowerCase();
}

/** The node types matching what is typed (every word), in catalog order; all of them for an empty query. */
export function searchPalette(catalog: readonly NodeDecl[], query: string): NodeDecl[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...catalog];
  return catalog.filter((d) => {
    const text = searchText(d);
    return words.every((w) => text.includes(w));
  });
}
