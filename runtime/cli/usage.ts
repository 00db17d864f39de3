import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PatchbayError } from '../util/patchbay-error.ts';

/** Bad usage: the CLI prints the message and the command's usage line, and exits with 2. */
export class UsageError extends PatchbayError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its complaints (unknown flag, missing value) turned into UsageErrors. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(e.message.split('\n')[0]);
    throw err;
  }
}
