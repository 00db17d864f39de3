/**
 * `patchbay run FILE [--json] [--host NAME] [--quiet]`: compile a graph, run it, show stats,
 * stop on Ctrl-C / SIGTERM (a second one forces), print a summary, exit non-zero when a node
 * failed or frames were lost on a lossless path.
 */
import { loadGraph } from '../graph/index.ts';
import { compileGraph } from '../compile/index.ts';
import type { Plan } from '../compile/plan.ts';
import { getNodeType } from '../../nodes/registry.ts';
import type { CliCommand } from '../cli/io.ts';
import { parseCommandArgs, UsageError } from '../cli/usage.ts';
import { readGraphFile } from '../cli/graph-file.ts';
import { checkHost } from '../cli/hosts.ts';
import { formatError } from '../cli/report.ts';
import { formatFailure, formatStats, formatStatsLine, formatSummary } from './format.ts';

/** Milliseconds between stats lines when stdout is not a terminal. */
const LOG_EVERY_MS = 5000;
/** After a second Ctrl-C, how long the summary may take before the process exits anyway. */
const FORCE_EXIT_MS = 3000;

/** Each node's file, for the nodes whose type declares one as exclusively theirs (a sink's recording). */
function sinkFiles(plan: Plan): Record<string, string> {
  const files: Record<string, string> = {};
  for (const n of plan.nodes) {
    const param = getNodeType(n.type)?.exclusive?.param;
    const file = param === undefined ? undefined : n.params[param];
    if (typeof file === 'string') files[n.id] = file;
  }
  return files;
}

export const runCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    host: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError(positionals.length ? 'run takes one graph file' : 'run needs a graph file');
  const file = positionals[0];
  const text = await readGraphFile(file);
  const loaded = loadGraph(text, file);
  for (const e of loaded.errors) io.stderr.write(formatError(file, e) + '\n');
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error')) return 1;
  const plan = compileGraph(loaded.graph, loaded.analysis);
  checkHost(plan, values.host);

  const { runGraph } = await import('./executor.ts');
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true && !values.json;
  const run = runGraph(plan, {
    graphText: text,
    graphFile: file,
    host: values.host,
    statsIntervalMs: values.json ? 1000 : tty ? 250 : LOG_EVERY_MS,
  });

  let drawn = 0;
  run.on('stats', (s) => {
    if (values.json) io.stdout.write(JSON.stringify({ type: 'stats', ...s }) + '\n');
    else if (values.quiet) return;
    else if (tty) {
      const table = formatStats(s);
      // Redraw in place: up over the previous table, clear to the end.
      io.stdout.write((drawn ? `\x1b[${drawn}A\x1b[J` : '') + table);
      drawn = table.split('\n').length - 1;
    } else io.stdout.write(formatStatsLine(s));
  });
  run.on('failure', (f) => io.stderr.write(`patchbay run: ${formatFailure(f)}\n`));
  run.on('warning', (w) =>
    io.stderr.write(`patchbay run: warning: ${formatFailure(w)} (counted in errors; shown once)\n`),
  );

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    io.stderr.write(
      signals === 1
        ? `patchbay run: ${sig}: stopping the sources, draining (again to force)\n`
        : `patchbay run: ${sig} again: forcing the end\n`,
    );
    run.stop();
    // A forced end must end the process even if a stage left something running (a stuck
    // worker, a file handle): the timer does not keep the process alive on its own.
    if (signals >= 2) setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await run.done;
    if (values.json) io.stdout.write(JSON.stringify({ type: 'summary', ...summary }) + '\n');
    else io.stdout.write(formatSummary(summary, sinkFiles(plan)));
    return summary.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};
