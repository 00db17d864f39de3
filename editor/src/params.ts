/** Param editing for the inspector: parse what the user typed, check it against the declaration. */
import type { NodeDecl, ParamDecl } from '../../nodes/types.ts';

/** tcp://host:port (port 1–65535 or *), ipc://path, inproc://name. */
export function endpointProblem(v: string): string | undefined {
  const m = /^tcp:\/\/([^:/]+|\[[0-9a-fA-F:]+\]):(\d+|\*)$/.exec(v);
  if (m) {
    if (m[2] !== '*' && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `the tcp port must be 1–65535, got ${m[2]}`;
    return undefined;
  }
  if (/^ipc:\/\/.+$/.test(v) || /^inproc:\/\/.+$/.test(v)) return undefined;
  return `expected tcp://host:port, ipc://path or inproc://name, got ${JSON.stringify(v)}`;
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** What the user typed, as the param's value (an empty field goes back to the default). */
export function parseParam(decl: ParamDecl, raw: string | boolean): Parsed {
  if (decl.kind === 'boolean') return { ok: true, value: raw === true || raw === 'true' };
  const text = String(raw).trim();
  switch (decl.kind) {
    case 'number': {
      if (text === '') return { ok: true, value: undefined };
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, error: `expected a number, got ${JSON.stringify(text)}` };
      return { ok: true, value: n };
    }
    case 'string[]':
      return { ok: true, value: text === '' ? [''] : text.split(',').map((s) => s.trim()) };
    case 'endpoint':
    case 'string':
    case 'enum':
      return { ok: true, value: text === '' && decl.kind !== 'string' ? undefined : text };
  }
}

/** Why `value` does not fit the declaration, naming the limits; undefined when it fits. */
export function checkParam(key: string, decl: ParamDecl, value: unknown): string | undefined {
  if (value === undefined) return decl.required ? `${key} is required` : undefined;
  switch (decl.kind) {
    case 'number': {
      const n = value as number;
      if (decl.integer && !Number.isInteger(n)) return `${key} must be a whole number, got ${n}`;
      if (decl.min !== undefined && n < decl.min) return `${key} must be at least ${decl.min}${decl.unit ? ' ' + decl.unit : ''}, got ${n}`;
      if (decl.max !== undefined && n > decl.max) return `${key} must be at most ${decl.max}${decl.unit ? ' ' + decl.unit : ''}, got ${n}`;
      return undefined;
    }
    case 'enum':
      return decl.choices.includes(value as string) ? undefined : `${key} must be one of ${decl.choices.join(', ')}, got ${JSON.stringify(value)}`;
    case 'endpoint': {
      const p = endpointProblem(value as string);
      return p ? `${key}: ${p}` : undefined;
    }
    case 'string':
      if (decl.pattern && !new RegExp(`^(?:${decl.pattern})$`).test(value as string)) {
        return `${key} must match ${decl.pattern}, got ${JSON.stringify(value)}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** A value as the inspector's text field shows it. */
export function formatParam(decl: ParamDecl, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (decl.kind === 'string[]') return (value as string[]).join(', ');
  return String(value);
}

const HWM: Record<string, string> = {
  PUB: 'At the high-water mark the publisher drops frames for that subscriber (and patchbay counts each drop); the publisher never waits.',
  SUB: 'When the subscriber\'s queue reaches its high-water mark, the publisher drops frames for it.',
  PUSH: 'At the high-water mark the ventilator waits: nothing is dropped, the slowest worker sets the pace.',
  PULL: 'A worker whose queue to the sink is full waits: nothing is dropped.',
  REQ: 'Lock-step: one request, one reply; the high-water mark never fills.',
  REP: 'Lock-step: one request, one reply; frames between requests replace each other.',
};

const PEER: Record<string, string> = { SUB: 'a SUB socket (a subscriber)', PULL: 'a PULL socket (a worker)', PUSH: 'a PUSH socket' };

/** Another socket node of the graph, for "who connects to whom" across an endpoint. */
export interface SocketPeer {
  id: string;
  decl: NodeDecl;
  params: Record<string, unknown>;
}

function binds(decl: NodeDecl, params: Record<string, unknown>): boolean {
  const def = (decl.params as Record<string, { default?: unknown }>).bind?.default;
  return (params.bind ?? def ?? decl.socket?.side === 'bind') === true;
}

/** What a socket node teaches, from its declaration, its current params and the graph's other socket nodes. */
export function patternLesson(decl: NodeDecl, params: Record<string, unknown>, others: readonly SocketPeer[] = []): { title: string; lines: string[] } | undefined {
  const s = decl.socket;
  if (!s) return undefined;
  const p = decl.params as Record<string, { default?: unknown }>;
  const bound = binds(decl, params);
  const endpoint = (params.endpoint as string | undefined) || (p.endpoint ? 'an inproc:// endpoint patchbay picks' : '');
  const lines = [decl.docs.description];
  lines.push(`Who binds, who connects: this node owns a ${s.own} socket and ${bound ? 'binds' : 'connects to'} ${endpoint || 'its endpoint'}.`);
  if (s.peerOut) lines.push(`Each node linked to its output gets ${PEER[s.peerOut]} that connects to it.`);
  if (s.peerIn) lines.push(`Each node linked to its input gets ${PEER[s.peerIn]} that connects to it.`);
  const mine = params.endpoint as string | undefined;
  if (mine) {
    for (const o of others) {
      if (o.params.endpoint !== mine || !o.decl.socket) continue;
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
  return { title: `${s.own} — the ${decl.type === 'Publish' ? 'publisher' : decl.type === 'Subscribe' ? 'subscriber' : decl.type === 'Push' ? 'ventilator' : decl.type === 'Pull' ? 'sink' : decl.type === 'Request' ? 'client' : 'server'}`, lines };
}
