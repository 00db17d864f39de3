import { readFileSync, readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorCodes,
  loadGraph,
  parseEndpoint,
  resolveParams,
  serializeGraph,
  validateGraph,
  type Graph,
  type GraphError,
} from '../../runtime/graph/index.ts';
import { compileGraph, type Plan } from '../../runtime/compile/index.ts';
import { nodeTypes } from '../../nodes/registry.ts';

const graphsDir = new URL('../../graphs/', import.meta.url);
const texts = [
  ...readdirSync(graphsDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(new URL(f, graphsDir), 'utf8')),
  readFileSync(new URL('../fixtures/graphs/every-mistake.yaml', import.meta.url), 'utf8'),
];
const codeSet = new Set<string>(errorCodes);

/** Words a user (or a bad merge) might put anywhere in a graph file. */
const tokens = [
  ...nodeTypes.map((d) => d.type),
  ...nodeTypes.flatMap((d) => Object.keys(d.params)),
  'camera',
  'fft',
  'publish',
  'sink',
  'recorder',
  'out',
  'in',
  '.out',
  '.in',
  ' -> ',
  '->',
  'camera.out -> fft.in',
  'patchbay',
  'nodes',
  'links',
  'layout',
  'params',
  'type',
  'host',
  'name',
  '0',
  '-1',
  '1.5',
  '1e400',
  '.nan',
  '.inf',
  'null',
  '~',
  'true',
  'no',
  '2',
  '',
  '""',
  "''",
  'tcp://*:5555',
  'tcp://127.0.0.1:5557',
  'ipc://x',
  'inproc://',
  'inproc://fft',
  'tcp://[::1]:0',
  '&a ',
  '*a',
  '<<: *a',
  '!!binary AAAA',
  '!!set',
  '!!omap',
  '!custom',
  '? [a]',
  '{',
  '}',
  '[',
  ']',
  '- ',
  ': ',
  '#',
  '|',
  '>',
  '%YAML 1.2\n---\n',
  '\n---\n',
  '\t',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
];

type TextOp =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; s: string }
  | { kind: 'token'; at: number; len: number; tok: string }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'dupLine'; a: number };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    s: fc.string({ unit: fc.constantFrom(...':-{}[]#&*!|>\'"\n ,.aZ09_\\'.split('')), maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('token' as const),
    at: fc.nat(),
    len: fc.integer({ min: 0, max: 12 }),
    tok: fc.constantFrom(...tokens),
  }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('dupLine' as const), a: fc.nat() }),
);

function applyText(text: string, op: TextOp): string {
  const at = (n: number) => (text.length ? n % (text.length + 1) : 0);
  switch (op.kind) {
    case 'delete':
      return text.slice(0, at(op.at)) + text.slice(at(op.at) + op.len);
    case 'insert':
      return text.slice(0, at(op.at)) + op.s + text.slice(at(op.at));
    case 'token':
      return text.slice(0, at(op.at)) + op.tok + text.slice(at(op.at) + op.len);
    case 'swapLines': {
      const lines = text.split('\n');
      const a = op.a % lines.length;
      const b = op.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'dupLine': {
      const lines = text.split('\n');
      const a = op.a % lines.length;
      lines.splice(a, 0, lines[a]);
      return lines.join('\n');
    }
  }
}

function checkErrors(errors: GraphError[], positioned: boolean): void {
  for (const e of errors) {
    if (!codeSet.has(e.code)) throw new Error(`code outside the closed set: ${e.code}`);
    if (e.severity !== 'error' && e.severity !== 'warning') throw new Error(`bad severity ${e.severity}`);
    if (typeof e.message !== 'string' || e.message === '') throw new Error(`${e.code} without a message`);
    if (positioned && !(Number.isInteger(e.line) && e.line! >= 1 && Number.isInteger(e.col) && e.col! >= 1)) {
      throw new Error(`${e.code} without a position: ${e.line}:${e.col}`);
    }
  }
}

function checkPlan(plan: Plan): void {
  const ids = new Set(plan.nodes.map((n) => n.id));
  if (plan.startOrder.length !== ids.size || !plan.startOrder.every((id) => ids.has(id)))
    throw new Error('start order is not a permutation of the nodes');
  for (const l of plan.links) {
    if (!ids.has(l.from.node) || !ids.has(l.to.node)) throw new Error(`link ${l.text} leaves the plan`);
    if (l.via === 'socket' && !plan.sockets.some((s) => s.link === l.text))
      throw new Error(`no socket carries ${l.text}`);
  }
  for (const s of plan.sockets) {
    if (!ids.has(s.node)) throw new Error(`socket owned by ${s.node}, not in the plan`);
    if (!parseEndpoint(s.endpoint)) throw new Error(`socket endpoint ${s.endpoint} does not parse`);
    if (!(Number.isInteger(s.hwm) && s.hwm >= 1)) throw new Error(`hwm ${s.hwm}`);
  }
  for (const p of plan.pools)
    if (!(Number.isInteger(p.threads) && p.threads >= 1)) throw new Error(`pool ${p.node} threads ${p.threads}`);
  // Start order: every consumer before its producer; a bound socket before those connecting to it.
  const at = new Map(plan.startOrder.map((id, i) => [id, i]));
  for (const l of plan.links)
    if (at.get(l.to.node)! > at.get(l.from.node)!)
      throw new Error(`${l.to.node} starts after its producer ${l.from.node}`);
  // ... unless links make the connecting node a consumer of the binding one: then the consumer goes first.
  const downstream = (from: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      for (const l of plan.links) {
        if (l.from.node === id && !seen.has(l.to.node)) {
          seen.add(l.to.node);
          stack.push(l.to.node);
        }
      }
    }
    return seen;
  };
  const own = plan.sockets.filter((s) => s.link === undefined);
  for (const b of own.filter((s) => s.side === 'bind')) {
    for (const c of own.filter((s) => s.side === 'connect' && s.endpoint === b.endpoint)) {
      if (at.get(b.node)! > at.get(c.node)! && !downstream(b.node).has(c.node))
        throw new Error(`${b.node} binds ${b.endpoint} but starts after ${c.node}, which connects to it`);
    }
  }
}

const isObject = (x: unknown): x is Record<string, any> => x !== null && typeof x === 'object';
/** The nodes with defaults filled in (saving omits them) and an undefined host dropped (saving cannot write one). */
const resolved = (g: Graph) =>
  Object.fromEntries(
    Object.entries(g.nodes).map(([id, n]) => [
      id,
      { type: n.type, params: resolveParams(n.type, n.params), ...(n.host === undefined ? {} : { host: n.host }) },
    ]),
  );

describe('property: nothing but collected GraphErrors', () => {
  it('random text mutations of the example graphs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(textOp, { minLength: 1, maxLength: 4 }), (original, ops) => {
        const text = ops.reduce(applyText, original);
        const r = loadGraph(text, 'mutated.yaml');
        checkErrors(r.errors, true);
        if (!r.graph) return;
        checkErrors(validateGraph(r.graph), false);
        const saved = serializeGraph(r.graph, text);
        const again = loadGraph(saved);
        if (!again.graph)
          throw new Error(`saved text does not load: ${again.errors.map((e) => e.message).join('; ')}\n${saved}`);
        if (!isDeepStrictEqual(resolved(again.graph), resolved(r.graph)))
          throw new Error(`save -> load changed the nodes:\n${saved}`);
        if (!r.errors.some((e) => e.severity === 'error')) checkPlan(compileGraph(r.graph));
      }),
      { numRuns: 1000 },
    );
  });

  type GraphOp = (g: Graph, pick: (n: number) => number) => void;
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom<unknown>(-0, NaN, Infinity, 2 ** 53, 'tcp://*:1', 'inproc://x', [''], ['a', 1]),
  );
  const name = fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 }));
  const graphOp: fc.Arbitrary<GraphOp> = fc.oneof(
    fc.constant<GraphOp>((g, pick) => {
      const ids = Object.keys(g.nodes);
      if (ids.length) delete g.nodes[ids[pick(ids.length)]];
    }),
    fc
      .record({ t: fc.oneof(fc.constantFrom(...nodeTypes.map((d) => d.type)), name) })
      .map<GraphOp>(({ t }) => (g, pick) => {
        const ids = Object.keys(g.nodes);
        const n = ids.length ? g.nodes[ids[pick(ids.length)]] : undefined;
        if (isObject(n)) n.type = t;
      }),
    fc.record({ k: name, v: anyValue }).map<GraphOp>(({ k, v }) => (g, pick) => {
      const ids = Object.keys(g.nodes);
      const n = ids.length ? g.nodes[ids[pick(ids.length)]] : undefined;
      if (isObject(n) && isObject(n.params))
        Object.defineProperty(n.params, k, { value: v, enumerable: true, writable: true, configurable: true });
    }),
    fc.record({ id: name, t: fc.constantFrom(...nodeTypes.map((d) => d.type)) }).map<GraphOp>(({ id, t }) => (g) => {
      Object.defineProperty(g.nodes, id, {
        value: { type: t, params: {} },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }),
    fc
      .record({ fp: fc.constantFrom('out', 'in', 'x'), tp: fc.constantFrom('in', 'out', 'x') })
      .map<GraphOp>(({ fp, tp }) => (g, pick) => {
        const ids = Object.keys(g.nodes);
        if (ids.length)
          g.links.push({
            from: { node: ids[pick(ids.length)], port: fp },
            to: { node: ids[pick(ids.length)], port: tp },
          });
      }),
    fc.constant<GraphOp>((g, pick) => {
      if (g.links.length) g.links.splice(pick(g.links.length), 1);
    }),
    fc.record({ h: fc.constantFrom<unknown>('lab1', 'lab2', '', 3, undefined) }).map<GraphOp>(({ h }) => (g, pick) => {
      const ids = Object.keys(g.nodes);
      const n = ids.length ? g.nodes[ids[pick(ids.length)]] : undefined;
      if (isObject(n)) n.host = h as string;
    }),
    fc
      .record({ junk: fc.constantFrom<unknown>(null, 3, 'x', [], { params: 1 }) })
      .map<GraphOp>(({ junk }) => (g, pick) => {
        const ids = Object.keys(g.nodes);
        if (ids.length) (g.nodes as Record<string, unknown>)[ids[pick(ids.length)]] = junk;
      }),
    fc
      .record({ junk: fc.constantFrom<unknown>(null, 3, { from: 1 }, { from: { node: 'a' }, to: {} }) })
      .map<GraphOp>(({ junk }) => (g) => {
        (g.links as unknown[]).push(junk);
      }),
  );

  it('random structural mutations of the example graphs', () => {
    const graphs = texts.map((t) => loadGraph(t).graph!);
    fc.assert(
      fc.property(
        fc.constantFrom(...graphs),
        fc.array(fc.tuple(graphOp, fc.nat()), { minLength: 1, maxLength: 6 }),
        (original, ops) => {
          const g = structuredClone(original);
          for (const [op, seed] of ops) op(g, (n) => seed % n);
          const errors = validateGraph(g);
          checkErrors(errors, false);
          if (errors.some((e) => e.severity === 'error')) {
            expect(() => compileGraph(g)).toThrow();
            return;
          }
          checkPlan(compileGraph(g));
          const again = loadGraph(serializeGraph(g));
          if (!again.graph || again.errors.some((e) => e.severity === 'error'))
            throw new Error('a valid graph saved does not load valid');
          if (!isDeepStrictEqual(resolved(again.graph), resolved(g)))
            throw new Error('save -> load changed a valid graph');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random graphs wired from the catalog: valid ones compile to a consistent plan', () => {
    // Mostly endpoints of their own, sometimes shared ones, so sockets both clash and meet.
    const endpoints = ['', '', 'own', 'own', 'inproc://a', 'tcp://127.0.0.1:5591', 'tcp://*:5591', 'ipc:///tmp/pb-a'];
    const nodeArb = fc.record({
      type: fc.constantFrom(...nodeTypes.map((d) => d.type)),
      endpoint: fc.constantFrom(...endpoints),
      bind: fc.option(fc.boolean(), { nil: undefined }),
      host: fc.constantFrom(undefined, undefined, undefined, 'lab1', 'lab2'),
    });
    const graphArb = fc.record({
      nodes: fc.array(nodeArb, { minLength: 2, maxLength: 8 }),
      links: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
    });
    let valid = 0;
    fc.assert(
      fc.property(graphArb, ({ nodes: middle, links }) => {
        let nodes = middle;
        const g: Graph = { patchbay: 1, nodes: {}, links: [] };
        // A camera first and a recorder last give most graphs a source and a sink to wire between.
        nodes = [
          { type: 'Camera', endpoint: '', bind: undefined, host: undefined },
          ...nodes,
          { type: 'HDF5Sink', endpoint: '', bind: undefined, host: undefined },
        ];
        nodes.forEach((n, i) => {
          const decl = nodeTypes.find((d) => d.type === n.type)!;
          const params: Record<string, unknown> = {};
          const own = `tcp://127.0.0.1:${5560 + i}`;
          if (decl.params.endpoint)
            params.endpoint =
              n.endpoint === 'own' ? own : n.endpoint || (decl.params.endpoint.required ? 'inproc://a' : '');
          if (decl.params.bind && n.bind !== undefined) params.bind = n.bind;
          if (decl.params.file) params.file = `out/${i}.h5`;
          // Other required text params (a Script's module, a Python node's script): a name of their own.
          for (const [k, d] of Object.entries(decl.params))
            if (d.required && d.kind === 'string' && params[k] === undefined) params[k] = `steps/${k}-${i}`;
          g.nodes[`n${i}`] = n.host ? { type: n.type, params, host: n.host } : { type: n.type, params };
        });
        const ids = Object.keys(g.nodes);
        for (const [a, b] of links) {
          // Mostly forward (a pipeline), sometimes backward (a cycle to find).
          const i = a % ids.length;
          const j = b % 7 === 0 ? b % ids.length : i + 1 + (b % Math.max(1, ids.length - i - 1));
          if (j >= ids.length) continue;
          const from = ids[i];
          const to = ids[j];
          const out = nodeTypes.find((d) => d.type === g.nodes[from].type)!.outputs[0];
          // Not an optional input (a Camera's trigger): wired at random it mostly closes a cycle back to the first camera.
          const inp = nodeTypes.find((d) => d.type === g.nodes[to].type)!.inputs.find((p) => !p.optional);
          const dup = g.links.some((l) => l.from.node === from && l.to.node === to);
          if (out && inp && !dup)
            g.links.push({ from: { node: from, port: out.name }, to: { node: to, port: inp.name } });
        }
        const errors = validateGraph(g);
        checkErrors(errors, false);
        if (errors.some((e) => e.severity === 'error')) return;
        valid++;
        checkPlan(compileGraph(g));
        const again = loadGraph(serializeGraph(g));
        if (again.errors.some((e) => e.severity === 'error') || !isDeepStrictEqual(resolved(again.graph!), resolved(g)))
          throw new Error('save -> load changed a valid graph');
      }),
      { numRuns: 2000 },
    );
    // The property means little unless a fair share of the random graphs are valid.
    expect(valid).toBeGreaterThan(200);
  });
});
