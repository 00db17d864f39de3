import { basename } from 'node:path';
import { loadGraph } from '../graph/index.ts';
import { compileGraph, formatPlan, hostPart } from '../compile/index.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { readGraphFile } from './graph-file.ts';
import { formatError } from './report.ts';
import { checkHost } from './hosts.ts';

/** `patchbay plan FILE [--json] [--host NAME]`: what the graph (or one host's part) compiles to; the errors instead when it has any. */
export const planCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, host: { type: 'string' } });
  if (positionals.length !== 1)
    throw new UsageError(positionals.length ? 'plan takes one graph file' : 'plan needs a graph file');
  const file = positionals[0];
  const loaded = loadGraph(await readGraphFile(file), file);
  for (const e of loaded.errors) io.stderr.write(formatError(file, e) + '\n');
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error')) return 1;
  // A graph without a name is called after its file, as the run's summary and the HDF5 attributes would be.
  const plan = compileGraph(
    { ...loaded.graph, name: loaded.graph.name ?? basename(file).replace(/\.ya?ml$/, '') },
    loaded.analysis,
  );
  checkHost(plan, values.host);
  const part = values.host === undefined ? plan : hostPart(plan, values.host);
  io.stdout.write(values.json ? JSON.stringify(part, null, 2) + '\n' : formatPlan(part));
  return 0;
};
