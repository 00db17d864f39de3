import type { GraphLink } from './types.ts';

// Node ids are checked by the validator, not here, so that a link to a badly named node
// reports BAD_NODE_ID/UNKNOWN_NODE rather than an unreadable link. Ports are plain words.
const LINK = /^\s*([^\s.]+)\.(\w+)\s*->\s*([^\s.]+)\.(\w+)\s*$/;

/** Reads "a.out -> b.in"; undefined when the text is not a link. */
export function parseLink(text: string): GraphLink | undefined {
  if (typeof text !== 'string') return undefined;
  const m = LINK.exec(text);
  if (!m) return undefined;
  return { from: { node: m[1], port: m[2] }, to: { node: m[3], port: m[4] } };
}

/** Writes a link the one way the format spells it: "a.out -> b.in". */
export function formatLink(link: GraphLink): string {
  return `${link.from.node}.${link.from.port} -> ${link.to.node}.${link.to.port}`;
}
