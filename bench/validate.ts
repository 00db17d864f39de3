/**
 * How long a graph document takes to check as it grows: loadGraph (what `patchbay validate` and
 * the editor's open do), validateGraph, saving over the previous text, and the editor's server
 * answering POST /api/validate (in its checker thread). The anchor is the yaml package parsing the
 * same text: nothing that reads the document can be faster. Time per 1000 nodes stays flat when
 * the work is linear. See docs/editor.md#large-documents.
 *
 *   node bin/run-ts.js bench/validate.ts [--quick] [--reps N] [--graph-from DIR] [--no-server] [--out FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { median } from './lib/report.ts';
import { ROOT } from './lib/pipelines.ts';
import { aliases, backwardCycle, chains } from './lib/documents.ts';

const USAGE = `usage: node bin/run-ts.js bench/validate.ts [options]

  --quick           up to 10 000 nodes and 4000 aliases, one repetition
  --reps N          repetitions of each measurement (default 3); the table shows medians
  --graph-from DIR  measure the graph modules of another checkout (DIR/runtime/graph), e.g. a
                    git worktree of an older commit, for figures before a change (the server
                    columns, which are this checkout's, are left out)
  --docs LIST       nodes,aliases,cycle (default all)
  --no-server       leave out the editor's server
  --budget S        skip the larger sizes of a column once one measurement takes longer (default 60)
  --out FILE        where the JSON results go (default bench/results/validate.json)
  --help            this text
`;

type GraphModule = typeof import('../runtime/graph/index.ts');

interface Row {
  doc: string;
  nodes: number;
  kb: number;
  /** Milliseconds (medians); undefined when skipped. */
  parse?: number;
  load?: number;
  validate?: number;
  save?: number;
  serverText?: number;
  serverGraph?: number;
}

const COLUMNS = ['parse', 'load', 'validate', 'save', 'serverText', 'serverGraph'] as const;
type Column = (typeof COLUMNS)[number];

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      'graph-from': { type: 'string' },
      'no-server': { type: 'boolean', default: false },
      docs: { type: 'string', default: 'nodes,aliases,cycle' },
      budget: { type: 'string', default: '60' },
      out: { type: 'string', default: join(ROOT, 'bench/results/validate.json') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const reps = values.reps ? Number(values.reps) : values.quick ? 1 : 3;
  const budgetMs = Number(values.budget) * 1000;
  if (!Number.isInteger(reps) || reps < 1 || !(budgetMs > 0)) {
    process.stderr.write(`--reps must be a positive integer and --budget a positive number\n${USAGE}`);
    return 2;
  }
  const kinds = values.docs.split(',').map((k) => k.trim());
  if (!kinds.every((k) => ['nodes', 'aliases', 'cycle'].includes(k))) {
    process.stderr.write(
      `--docs: expected a list of nodes, aliases, cycle, received ${JSON.stringify(values.docs)}\n${USAGE}`,
    );
    return 2;
  }
  const from = values['graph-from'] ? resolve(values['graph-from']) : ROOT;
  const graph = (await import(pathToFileURL(join(from, 'runtime/graph/index.ts')).href)) as GraphModule;
  const here = (await import('../runtime/graph/index.ts')) as GraphModule;

  // Chains are the graph a lab writes large; aliases and the backward cycle are the shapes that
  // were quadratic in the alias lookups and in the propagation of message types.
  const docs: { doc: string; nodes: number; text: string }[] = [];
  for (const n of values.quick ? [2500, 5000, 10_000] : [2500, 5000, 10_000, 20_000, 40_000])
    docs.push({ doc: `${n} nodes`, nodes: n, text: chains(n) });
  for (const a of values.quick ? [1000, 2000, 4000] : [1000, 2000, 4000, 8000])
    docs.push({ doc: `${a} aliases`, nodes: 2 * (a / 2 + 1), text: aliases(a) });
  for (const n of values.quick ? [2500, 5000] : [2500, 5000, 10_000, 20_000])
    docs.push({ doc: `${n} cycle`, nodes: n, text: backwardCycle(n) });
  docs.splice(0, docs.length, ...docs.filter((d) => kinds.includes(d.doc.split(' ')[1])));

  let server: { port: number; token: string; close(): Promise<void> } | undefined;
  let dir: string | undefined;
  if (!values['no-server'] && !values['graph-from']) {
    const { startEditorServer } = await import('../runtime/server/server.ts');
    dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-validate-'));
    writeFileSync(join(dir, 'empty.yaml'), 'patchbay: 1\nnodes: {}\nlinks: []\n');
    server = await startEditorServer({ dir, port: 0, checkTimeLimitMs: budgetMs * 2 });
  }
  // A connection of its own each time (as a browser tab's first request): a kept-alive one would
  // meet the server's 5 s keep-alive timeout while the in-process columns run.
  const post = (body: string): Promise<void> =>
    new Promise((ok, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server!.port,
          path: '/api/validate',
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${server!.token}`, 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code: string } };
            if (res.statusCode === 200) ok();
            else fail(new Error(json.error?.code ?? String(res.statusCode)));
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });

  // A column stops at the first size whose measurement goes over the budget (the old code's quadratic
  // parts take minutes at 40 000 nodes); the kinds of document are budgeted apart.
  const over = new Set<string>();
  const rows: Row[] = [];
  for (const d of docs) {
    const row: Row = { doc: d.doc, nodes: d.nodes, kb: Math.round(d.text.length / 1024) };
    const kind = d.doc.split(' ')[1];
    // Read with this checkout's modules: the measured ones may take minutes on it (see --budget).
    const loaded = here.loadGraph(d.text);
    const expected = kind === 'cycle' ? ['CYCLE'] : [];
    const codes = loaded.errors.filter((e) => e.severity === 'error').map((e) => e.code);
    if (!loaded.graph || codes.join() !== expected.join())
      throw new Error(`${d.doc}: the generated document has errors: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
    const g = loaded.graph;
    const work: Record<Column, (() => unknown) | undefined> = {
      parse: () => parseDocument(d.text, { uniqueKeys: false }),
      load: () => graph.loadGraph(d.text),
      validate: () => graph.validateGraph(g),
      save: () => graph.serializeGraph(g, d.text),
      serverText: server ? () => post(JSON.stringify({ text: d.text })) : undefined,
      serverGraph: server ? () => post(JSON.stringify({ graph: g, previousText: d.text })) : undefined,
    };
    for (const col of COLUMNS) {
      const f = work[col];
      if (!f || over.has(`${kind}:${col}`)) continue;
      // The first document of each kind is run once untimed: the JIT's warm-up is not the work's.
      if (d === docs.find((x) => x.doc.endsWith(kind))) await Promise.resolve(f()).catch(() => undefined);
      const times: number[] = [];
      try {
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          await f();
          times.push(performance.now() - t0);
          if (times.at(-1)! > budgetMs) break;
        }
      } catch (e) {
        // Too large for the server (TOO_LARGE): the cell stays empty.
        process.stderr.write(`${d.doc} ${col}: ${(e as Error).message}\n`);
        continue;
      }
      row[col] = median(times);
      if (Math.max(...times) > budgetMs) over.add(`${kind}:${col}`);
    }
    rows.push(row);
    process.stderr.write(`${d.doc}: ${COLUMNS.map((c) => `${c} ${row[c]?.toFixed(0) ?? '-'}`).join(', ')}\n`);
  }
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });

  const cell = (ms: number | undefined, nodes: number) =>
    ms === undefined ? '—' : `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} (${((ms / nodes) * 1000).toFixed(0)})`;
  const head = ['document', 'KiB', 'yaml parse', 'loadGraph', 'validateGraph', 'save', 'POST {text}', 'POST {graph}'];
  const lines = [
    `graph modules: ${from === ROOT ? 'this checkout' : from}; ms, median of ${reps} (ms per 1000 nodes in brackets)`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.doc} | ${r.kb} | ${COLUMNS.map((c) => cell(r[c], r.nodes)).join(' | ')} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(values.out, JSON.stringify({ from: from === ROOT ? 'this checkout' : from, reps, rows }, null, 2));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
