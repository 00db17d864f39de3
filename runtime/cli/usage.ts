import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PatchbayError } from '../util/patchbay-error.ts';
import { didYouMean } from '../graph/suggest.ts';

/** Bad usage: the CLI prints the message and the command's usage line, and exits with 2. */
export class UsageError extends PatchbayError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** "unknown option --jsno (did you mean --json?)": a flag the command does not take, with the closest it does. */
export function unknownOption(flag: string, known: Iterable<string>): UsageError {
  const flags = [...known, '--help'];
  return new UsageError(`unknown option ${flag}${didYouMean(flag, flags)}; options: ${flags.join(', ')}`);
}

/** node:util parseArgs, with its complaints (unknown flag, missing value) turned into UsageErrors in our words. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (typeof e.code !== 'string' || !e.code.startsWith('ERR_PARSE_ARGS')) throw err;
    // parseArgs names the flag in quotes; its advice (put it after "--") is about positionals, not typos.
    const flag = /'(-[^' ]*)/.exec(e.message)?.[1];
    const flags = Object.keys(options).map((o) => `--${o}`);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) throw unknownOption(flag, flags);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      const name = flag.replace(/^-+/, '');
      throw new UsageError(
        options[name]?.type === 'string' ? `option --${name} needs a value` : `option --${name} takes no value`,
      );
    }
    throw new UsageError(e.message.split('\n')[0]);
  }
}
