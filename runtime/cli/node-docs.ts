import type { NodeDecl, ParamDecl, PortDecl } from '../../nodes/types.ts';
import { nodeTypes } from '../../nodes/registry.ts';

/** A param's default as the YAML would spell it. */
export function showDefault(p: ParamDecl): string {
  if (p.required) return '(required)';
  if (p.default === undefined) return '';
  if (Array.isArray(p.default)) return `[${p.default.map((s: string) => JSON.stringify(s)).join(', ')}]`;
  if (typeof p.default === 'object')
    return `{${Object.entries(p.default)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ')}}`;
  if (typeof p.default === 'string') return p.default === '' ? '""' : p.default;
  return String(p.default);
}

/** A param's type and limits: "whole number, 1 to 64", "one of a | b". */
export function showLimits(p: ParamDecl): string {
  switch (p.kind) {
    case 'number': {
      const base = p.integer ? 'whole number' : 'number';
      const lo = p.min !== undefined ? String(p.min) : '';
      // A count capped only by what a double holds has no upper limit worth printing.
      const hi = p.max !== undefined && p.max !== Number.MAX_SAFE_INTEGER ? String(p.max) : '';
      if (lo && hi) return `${base}, ${lo} to ${hi}`;
      if (lo) return `${base}, at least ${lo}`;
      return hi ? `${base}, at most ${hi}` : base;
    }
    case 'enum':
      return `one of ${p.choices.join(' | ')}`;
    case 'string':
      return p.pattern ? `string matching ${p.pattern}` : 'string';
    case 'boolean':
      return 'true | false';
    case 'endpoint':
      return 'endpoint (tcp://, ipc://, inproc://)';
    case 'string[]':
      return 'list of strings';
    case 'map':
      return 'map of names to values';
  }
}

/** "frame", "any, many", "any, optional". */
function portKind(p: PortDecl): string {
  return [p.type, ...(p.many ? ['many'] : []), ...(p.optional ? ['optional'] : [])].join(', ');
}

function portLine(p: PortDecl): string {
  return `${p.name} (${portKind(p)})`;
}

/** The catalog as terminal text, for `patchbay nodes`. */
export function renderNodesText(decls: readonly NodeDecl[] = nodeTypes): string {
  const out: string[] = [];
  for (const d of decls) {
    out.push(`${d.type} (${d.role}): ${d.docs.summary}`);
    out.push(...wrap(d.docs.description, 2));
    if (d.socket)
      out.push(
        `  socket: ${d.socket.own}, ${d.socket.side}s by default${d.socket.peerOut ? `; each consumer gets a ${d.socket.peerOut}` : ''}${d.socket.peerIn ? `; each producer gets a ${d.socket.peerIn}` : ''}`,
      );
    if (d.inputs.length) out.push(`  inputs:  ${d.inputs.map((p) => `${portLine(p)}: ${p.doc}`).join('; ')}`);
    if (d.outputs.length) out.push(`  outputs: ${d.outputs.map((p) => `${portLine(p)}: ${p.doc}`).join('; ')}`);
    const params = Object.entries(d.params);
    if (params.length) {
      out.push('  params:');
      const rows = params.map(([name, p]) => [
        name,
        showDefault(p) + (p.unit ? ` ${p.unit}` : ''),
        showLimits(p),
        p.doc,
      ]);
      const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) out.push(`    ${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`);
    }
    out.push('');
  }
  return out.join('\n') + '\n';
}

function wrap(text: string, indent: number, width = 92): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width - indent) {
      lines.push(' '.repeat(indent) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(' '.repeat(indent) + line);
  return lines;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** docs/nodes.md, generated from the registry so the reference never drifts from the declarations. */
export function renderNodeDocs(decls: readonly NodeDecl[] = nodeTypes): string {
  const out: string[] = [
    '# Node reference',
    '',
    '<!-- Generated from nodes/*/index.ts by `node bin/run-ts.js runtime/cli/gen-node-docs.ts`. Do not edit by hand. -->',
    '',
    'Every node type, its ports and its params. Params left out of a graph file take the',
    'default shown. Port types: `frame` (camera images), `spectrum` (FFT output), `any` (takes',
    'the type of whatever feeds it). `many` marks an input that takes several producers or an',
    'output that may feed several inputs; `optional`, an input the node works without (a source',
    'stays a source while nothing feeds it). The same catalog prints with `patchbay nodes`.',
    '',
    decls.map((d) => `[${d.type}](#${d.type.toLowerCase()})`).join(' · '),
    '',
  ];
  for (const d of decls) {
    out.push(`## ${d.type}`, '', `*${d.role}* — ${d.docs.summary}`, '', d.docs.description, '');
    if (d.socket) {
      const peers = [
        d.socket.peerOut && `each consumer of \`out\` gets a ${d.socket.peerOut} socket connected to it`,
        d.socket.peerIn && `each producer into \`in\` gets a ${d.socket.peerIn} socket connected to it`,
      ].filter(Boolean);
      out.push(
        `Socket: **${d.socket.own}**, ${d.socket.side}s by default${peers.length ? `; ${peers.join('; ')}` : ''}.`,
        '',
      );
    }
    const ports = [...d.inputs.map((p) => ['input', p] as const), ...d.outputs.map((p) => ['output', p] as const)];
    if (ports.length) {
      out.push('| port | direction | type | |', '|---|---|---|---|');
      for (const [dir, p] of ports) out.push(`| \`${p.name}\` | ${dir} | ${portKind(p)} | ${cell(p.doc)} |`);
      out.push('');
    }
    const params = Object.entries(d.params);
    if (params.length) {
      out.push('| param | default | unit | accepts | |', '|---|---|---|---|---|');
      for (const [name, p] of params) {
        out.push(
          `| \`${name}\` | ${cell(showDefault(p))} | ${p.unit ?? ''} | ${cell(showLimits(p))} | ${cell(p.doc)} |`,
        );
      }
      out.push('');
    }
  }
  return out.join('\n');
}
