/** Param editing for the inspector: what the user typed as a value, checked by the runtime's rules. */
import type { NodeDecl, ParamDecl } from '../../nodes/types.ts';
import type { GraphError } from '../../runtime/graph/types.ts';
// The runtime's rules, not a copy of them: the inspector and validate give one verdict.
import { nodeParamErrors, socketSide } from '../../runtime/graph/node-rules.ts';
import { setOwn, withDefaults } from '../../runtime/graph/param-rules.ts';
import { parseEndpoint, sameEndpoint } from '../../runtime/graph/endpoint.ts';

/**
 * What the user typed, as the param's value (an empty field goes back to the default). Text that
 * is not a number stays text, so the param rules report it as validate would (BAD_PARAM_TYPE).
 */
export function parseParam(decl: ParamDecl, raw: string | boolean): unknown {
  if (decl.kind === 'boolean') return raw === true || raw === 'true';
  const text = String(raw).trim();
  switch (decl.kind) {
    case 'number': {
      if (text === '') return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'string[]':
      return text === '' ? [''] : text.split(',').map((s) => s.trim());
    case 'map':
      return text === '' ? undefined : parseMapText(text);
    case 'endpoint':
    case 'string':
    case 'enum':
      return text === '' && decl.kind !== 'string' ? undefined : text;
  }
}

/**
 * The first error validate would report on param `key` of node `id` if it took `value`
 * (undefined: left out, so the default), from the runtime's own node rules.
 */
export function paramError(
  id: string,
  decl: NodeDecl,
  params: Readonly<Record<string, unknown>>,
  key: string,
  value: unknown,
): GraphError | undefined {
  const next: Record<string, unknown> = { ...params };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return nodeParamErrors(id, { type: decl.type, params: next }, decl).find(
    (e) => e.param === key && e.severity === 'error',
  );
}

/**
 * A map typed as `Name: value, Name: value` (numbers and true/false as YAML reads them, anything
 * else as text). An entry without a colon stays text, which the param rules then refuse.
 */
function parseMapText(text: string): unknown {
  const out: Record<string, string | number | boolean> = {};
  for (const entry of text.split(',')) {
    const colon = entry.indexOf(':');
    if (colon < 0) return text;
    const k = entry.slice(0, colon).trim();
    const v = entry.slice(colon + 1).trim();
    const n = Number(v);
    setOwn(out, k, v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(n) ? n : v);
  }
  return out;
}

/** A value as the inspector's text field shows it. */
export function formatParam(decl: ParamDecl, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (decl.kind === 'string[]') return (value as string[]).join(', ');
  if (decl.kind === 'map' && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ');
  return String(value);
}

const HWM: Record<string, string> = {
  PUB: 'At the high-water mark the publisher drops frames for that subscriber (and patchbay counts each drop); the publisher never waits.',
  SUB: "When the subscriber's queue reaches its high-water mark, the publisher drops frames for it.",
  PUSH: 'At the high-water mark the ventilator waits: nothing is dropped, the slowest worker sets the pace.',
  PULL: 'A worker whose queue to the sink is full waits: nothing is dropped.',
  REQ: 'Lock-step: one request, one reply; the high-water mark never fills.',
  REP: 'Lock-step: one request, one reply; frames between requests replace each other.',
};

const PEER: Record<string, string> = {
  SUB: 'a SUB socket (a subscriber)',
  PULL: 'a PULL socket (a worker)',
  PUSH: 'a PUSH socket',
};

/** Another socket node of the graph, for "who connects to whom" across an endpoint. */
export interface SocketPeer {
  id: string;
  decl: NodeDecl;
  params: Record<string, unknown>;
}

function binds(decl: NodeDecl, params: Record<string, unknown>): boolean {
  return socketSide(decl, withDefaults(decl, params)) === 'bind';
}

/** Whether two endpoint params name one place, as the runtime pairs sockets (localhost is 127.0.0.1). */
function samePlace(a: unknown, b: unknown): boolean {
  const ea = typeof a === 'string' ? parseEndpoint(a) : undefined;
  const eb = typeof b === 'string' ? parseEndpoint(b) : undefined;
  return ea !== undefined && eb !== undefined && sameEndpoint(ea, eb);
}

/** What a socket node teaches, from its declaration, its current params and the graph's other socket nodes. */
export function patternLesson(
  decl: NodeDecl,
  params: Record<string, unknown>,
  others: readonly SocketPeer[] = [],
): { title: string; lines: string[] } | undefined {
  const s = decl.socket;
  if (!s) return undefined;
  const p = decl.params as Record<string, { default?: unknown }>;
  const bound = binds(decl, params);
  const endpoint =
    (params.endpoint as string | undefined) || (p.endpoint ? 'an inproc:// endpoint patchbay picks' : '');
  const lines = [decl.docs.description];
  lines.push(
    `Who binds, who connects: this node owns a ${s.own} socket and ${bound ? 'binds' : 'connects to'} ${endpoint || 'its endpoint'}.`,
  );
  if (s.peerOut) lines.push(`Each node linked to its output gets ${PEER[s.peerOut]} that connects to it.`);
  if (s.peerIn) lines.push(`Each node linked to its input gets ${PEER[s.peerIn]} that connects to it.`);
  const mine = params.endpoint as string | undefined;
  if (mine) {
    for (const o of others) {
      if (!o.decl.socket || !samePlace(o.params.endpoint, mine)) continue;
      lines.push(
        bound
          ? `In this graph: ${o.id} (${o.decl.type}, ${o.decl.socket.own}) connects to this endpoint.`
          : `In this graph: ${o.id} (${o.decl.type}, ${o.decl.socket.own}) ${binds(o.decl, o.params) ? 'binds' : 'also connects to'} this endpoint${binds(o.decl, o.params) ? '; this node connects to it' : ''}.`,
      );
    }
  }
  if (HWM[s.own]) {
    const hwm = params.hwm ?? p.hwm?.default;
    lines.push(`High-water mark${hwm !== undefined ? ` (${hwm} frames)` : ''}: ${HWM[s.own]}`);
  }
  return { title: `${s.own} — the ${s.role}`, lines };
}
