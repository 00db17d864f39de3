/**
 * Which links the editor accepts, and why it refuses the others: the same rules the
 * runtime's validator applies (port types, one producer per input, explicit fan-out, no
 * cycles), checked as the user drags so the refusal comes with its reason.
 */
import type { MessageType, NodeDecl } from '../../../nodes/types.ts';

export interface LinkEnd {
  node: string;
  port: string;
}
export interface SimpleLink {
  from: LinkEnd;
  to: LinkEnd;
}

/** The graph as the rules see it: node types and links. */
export interface RuleGraph {
  nodes: ReadonlyMap<string, NodeDecl>;
  links: readonly SimpleLink[];
}

/** "a.out -> b.in", as the YAML writes a link. */
export const linkText = (l: SimpleLink): string => `${l.from.node}.${l.from.port} -> ${l.to.node}.${l.to.port}`;

/**
 * What an output really carries: socket and fan-out nodes declare `any` and pass on
 * whatever feeds them, so Publish after FFT carries spectra.
 */
export function effectiveType(g: RuleGraph, node: string, port: string, seen = new Set<string>()): MessageType {
  const decl = g.nodes.get(node);
  const out = decl?.outputs.find((p) => p.name === port);
  if (!decl || !out) return 'any';
  if (out.type !== 'any') return out.type;
  if (seen.has(node)) return 'any';
  seen.add(node);
  for (const l of g.links) {
    if (l.to.node !== node) continue;
    const t = effectiveType(g, l.from.node, l.from.port, seen);
    if (t !== 'any') return t;
  }
  return 'any';
}

function reaches(g: RuleGraph, from: string, to: string): boolean {
  const stack = [from];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const l of g.links) if (l.from.node === n) stack.push(l.to.node);
  }
  return false;
}

/** The code of a refused link (the validator's codes) and a sentence saying why. */
export interface Refusal {
  code: 'PORT_TYPE_MISMATCH' | 'TOO_MANY_PRODUCERS' | 'FAN_OUT_WITHOUT_COPY' | 'CYCLE' | 'BAD_LINK';
  message: string;
}

/** Why `link` may not be added to `g`, or undefined when it may. */
export function refuseLink(g: RuleGraph, link: SimpleLink): Refusal | undefined {
  const text = linkText(link);
  const fromDecl = g.nodes.get(link.from.node);
  const toDecl = g.nodes.get(link.to.node);
  const outPort = fromDecl?.outputs.find((p) => p.name === link.from.port);
  const inPort = toDecl?.inputs.find((p) => p.name === link.to.port);
  if (!fromDecl || !toDecl || !outPort || !inPort) return { code: 'BAD_LINK', message: `${text}: links go from an output to an input` };
  if (g.links.some((l) => linkText(l) === text)) return { code: 'BAD_LINK', message: `${text} is already there` };
  const carried = effectiveType(g, link.from.node, link.from.port);
  if (inPort.type !== 'any' && carried !== 'any' && carried !== inPort.type) {
    return {
      code: 'PORT_TYPE_MISMATCH',
      message: `${text}: ${link.from.node}.${link.from.port} gives ${carried} but ${link.to.node}.${link.to.port} (${toDecl.type}) takes ${inPort.type}`,
    };
  }
  // An `any` input passes its type downstream: check that the consumers further on still agree.
  if (inPort.type === 'any' && carried !== 'any') {
    const trial: RuleGraph = { nodes: g.nodes, links: [...g.links, link] };
    for (const l of g.links) {
      if (!reaches(trial, link.to.node, l.to.node) || l.from.node === link.from.node) continue;
      const want = g.nodes.get(l.to.node)?.inputs.find((p) => p.name === l.to.port)?.type;
      const got = effectiveType(trial, l.from.node, l.from.port);
      if (want && want !== 'any' && got !== 'any' && got !== want) {
        return {
          code: 'PORT_TYPE_MISMATCH',
          message: `${text}: ${link.to.node} would pass ${got} on to ${l.to.node}.${l.to.port}, which takes ${want}`,
        };
      }
    }
  }
  if (!inPort.many && g.links.some((l) => l.to.node === link.to.node && l.to.port === link.to.port)) {
    return {
      code: 'TOO_MANY_PRODUCERS',
      message: `${text}: ${link.to.node}.${link.to.port} already has a producer; merge streams with a Pull node (fan-in)`,
    };
  }
  if (!outPort.many && g.links.some((l) => l.from.node === link.from.node && l.from.port === link.from.port)) {
    return {
      code: 'FAN_OUT_WITHOUT_COPY',
      message: `${text}: ${link.from.node}.${link.from.port} already feeds an input; fan out explicitly with Copy, Publish or Push`,
    };
  }
  if (link.from.node === link.to.node) return { code: 'CYCLE', message: `${text}: a node cannot feed itself` };
  if (reaches(g, link.to.node, link.from.node)) {
    return { code: 'CYCLE', message: `${text}: this link would close a cycle` };
  }
  return undefined;
}

/** The first free node id for a type: "camera", then "camera2", ... */
export function freshId(type: string, taken: (id: string) => boolean): string {
  const base = type.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z]+/, '') || 'node';
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}${i}`)) return `${base}${i}`;
}

/** Node ids as the graph format allows them. */
export const NODE_ID = /^[a-z][a-z0-9_-]*$/;
