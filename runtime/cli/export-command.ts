/**
 * `patchbay export --python FILE DIR [--host NAME] [--force]`: the graph (or the part of it
 * placed on a host) written out as course-style pyzmq scripts, one per process, that run
 * beside patchbay. Existing files in DIR are kept unless --force.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadGraph } from '../graph/index.ts';
import { compileGraph } from '../compile/index.ts';
import { ExportError, exportPython } from '../export/index.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { readGraphFile } from './graph-file.ts';
import { checkHost } from './hosts.ts';
import { formatError, plural } from './report.ts';

export const exportCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    python: { type: 'boolean' },
    host: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (!values.python) throw new UsageError('export needs --python (the one format it writes)');
  if (positionals.length !== 2) throw new UsageError('export takes a graph file and a directory');
  const [file, dir] = positionals;
  const loaded = loadGraph(await readGraphFile(file), file);
  for (const e of loaded.errors) io.stderr.write(formatError(file, e) + '\n');
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error')) return 1;
  const plan = compileGraph({ ...loaded.graph, name: loaded.graph.name ?? basename(file).replace(/\.ya?ml$/, '') }, loaded.analysis);
  checkHost(plan, values.host);
  const scripts = await exportPython(plan, values.host);
  const existing = scripts.map((s) => join(dir, s.file)).filter((f) => existsSync(f));
  if (existing.length && !values.force)
    throw new ExportError('FILE_EXISTS', `${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}; nothing written (--force replaces them)`);
  await mkdir(dir, { recursive: true });
  for (const s of scripts) await writeFile(join(dir, s.file), s.text, { mode: 0o755 });
  io.stdout.write(`wrote ${plural(scripts.length, 'script')} to ${dir}${values.host ? ` (host ${values.host})` : ''}; each prints "ready" once its sockets are open, start them in any order:\n`);
  for (const s of scripts) io.stdout.write(`  python3 ${join(dir, s.file)}    # ${s.nodes.join(', ')}\n`);
  if (values.host) io.stdout.write(`the rest of the graph: patchbay run ${file} --host NAME for each other host\n`);
  return 0;
};
