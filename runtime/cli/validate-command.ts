import { readFile } from 'node:fs/promises';
import { loadGraph } from '../graph/index.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { formatError, plural } from './report.ts';

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
      text = await readFile(file, 'utf8');
    } catch (err) {
      errors++;
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      results.push({ file, readError: code, errors: [] });
      if (!values.json) io.stdout.write(`${file}: cannot read the file (${code})\n`);
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
    io.stderr.write(`${plural(positionals.length, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  return errors ? 1 : 0;
};
