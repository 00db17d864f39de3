import { loadGraph } from '../graph/index.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { formatError, plural } from './report.ts';
import { GraphFileError, readGraphFile } from './graph-file.ts';

/** `patchbay validate FILE...`: every error and warning of every file; exit 1 on any error. */
export const validateCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('validate needs at least one graph file');
  let errors = 0;
  let warnings = 0;
  const results = [];
  for (const file of positionals) {
    let text: string;
    try {
      text = await readGraphFile(file);
    } catch (err) {
      if (!(err instanceof GraphFileError)) throw err;
      errors++;
      results.push({ file, readError: err.errno, errors: [] });
      // The same words as every other command that takes a file; validate goes on to the next one.
      io.stderr.write(`patchbay validate: ${err.message}\n`);
      continue;
    }
    const loaded = loadGraph(text, file);
    results.push({ file, errors: loaded.errors });
    for (const e of loaded.errors) {
      if (e.severity === 'error') errors++;
      else warnings++;
      if (!values.json) io.stdout.write(formatError(file, e) + '\n');
    }
    if (!values.json && loaded.errors.length === 0) io.stdout.write(`${file}: ok\n`);
  }
  if (values.json) io.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else if (positionals.length > 1 || errors || warnings) {
    io.stderr.write(
      `${plural(positionals.length, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`,
    );
  }
  return errors ? 1 : 0;
};
