import type { Writable } from 'node:stream';

/** Where a CLI command writes; tests pass buffers, bin/patchbay.js passes the process's streams. */
export interface CliIO {
  stdout: Writable;
  stderr: Writable;
}

/** A CLI command: takes its own argv (after the command name) and returns the exit code. */
export type CliCommand = (argv: string[], io: CliIO) => Promise<number>;
