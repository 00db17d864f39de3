/**
 * `patchbay keys NAME [--dir DIR] [--force]`: a new CURVE key pair for secure links, as the
 * certificate files pyzmq and czmq read: NAME.key (public) and NAME.key_secret (mode 0600).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { keyFiles, writeKeyPair } from '../keys/cert.ts';
import type { CliCommand } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';

/** A key pair's name is a file name in DIR: a path or a leading dot would put it elsewhere or hide it. */
const KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const keysCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    dir: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? 'keys takes one name' : "keys needs a name for the pair (the machine's, e.g. camera-pc)",
    );
  const [name] = positionals;
  if (!KEY_NAME.test(name))
    throw new UsageError(
      `a key pair's name is letters, digits and _.- (not starting with . or -), received ${JSON.stringify(name)}; the directory is --dir DIR`,
    );
  const dir = values.dir ?? '.';
  await mkdir(dir, { recursive: true });
  const written = await writeKeyPair(join(dir, name), { force: values.force });
  const files = keyFiles(name);
  io.stdout.write(`wrote ${written.public} (public key) and ${written.secret} (secret key, mode 0600)\n`);
  io.stdout.write(`copy ${files.public} to the other machines; ${files.secret} stays on this one\n`);
  return 0;
};
