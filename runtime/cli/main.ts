/**
 * The patchbay command line: a thin shell over the API. Each command is imported only when
 * it runs (the editor's server and the executor are heavy), and each has one catch. The
 * imports name fixed paths, so that the CLI's bundle (bin/patchbay.js) holds every command.
 */
import { readFileSync } from 'node:fs';
import type { CliCommand, CliIO } from './io.ts';
import { UsageError } from './usage.ts';
import { GraphFileError } from './graph-file.ts';
import { didYouMean } from '../graph/suggest.ts';

interface CommandEntry {
  usage: string;
  summary: string;
  load: () => Promise<CliCommand>;
}

const commands: Record<string, CommandEntry> = {
  validate: {
    usage: 'validate FILE... [--json]',
    summary: 'check graph files: every error and warning as file:line:col CODE message',
    load: async () => (await import('./validate-command.ts')).validateCommand,
  },
  plan: {
    usage: 'plan FILE [--json] [--host NAME]',
    summary: 'show what a graph compiles to: sockets, links, pools, start order',
    load: async () => (await import('./plan-command.ts')).planCommand,
  },
  run: {
    usage: 'run FILE [--json] [--host NAME] [--quiet]',
    summary: 'run a graph headless until its sources finish or Ctrl-C; prints a summary',
    load: async () => (await import('../exec/run-command.ts')).runCommand,
  },
  edit: {
    usage: 'edit [DIR] [--port N] [--no-open]',
    summary:
      'serve the editor on 127.0.0.1 for the graphs in DIR (default graphs/); open the URL it prints (its token: PATCHBAY_TOKEN)',
    load: async () => (await import('../server/edit-command.ts')).editCommand,
  },
  export: {
    usage: 'export (--python FILE DIR | --systemd FILE [--out DIR]) [--host NAME] [--force]',
    summary:
      "write the graph (or one host's part) as course-style pyzmq scripts, one per process, that run beside patchbay; or a host's part as a systemd unit",
    load: async () => (await import('./export-command.ts')).exportCommand,
  },
  keys: {
    usage: 'keys NAME [--dir DIR] [--force]',
    summary:
      'write a CURVE key pair for secure links: NAME.key (public, for the other machines) and NAME.key_secret (stays here)',
    load: async () => (await import('./keys-command.ts')).keysCommand,
  },
  nodes: {
    usage: 'nodes [TYPE] [--json]',
    summary: 'the node catalog: ports, params, defaults, limits, units, docs',
    load: async () => (await import('./nodes-command.ts')).nodesCommand,
  },
  devices: {
    usage: 'devices [--json] [--backend NAME]',
    summary: 'list the cameras the addon can see (emulator, Aravis, pylon)',
    load: async () => (await import('../../native/devices-command.ts')).devicesCommand,
  },
};

/** The text of `patchbay --help`. */
export function helpText(): string {
  const w = Math.max(...Object.values(commands).map((c) => c.usage.length), 'help [COMMAND]'.length);
  return [
    'patchbay: camera pipelines built from ZeroMQ socket patterns',
    '',
    'usage: patchbay <command> [options]',
    '',
    'commands:',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(w)}  ${c.summary}`),
    `  ${'help [COMMAND]'.padEnd(w)}  this text, or one command's usage`,
    '',
    'options:',
    `  ${'--help, -h'.padEnd(w)}  show help (after a command: that command's usage)`,
    `  ${'--version, -V'.padEnd(w)}  print the version`,
    '',
    'exit status: 0 success, 1 errors in a graph or a failed run, 2 bad usage',
    '',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function unknownCommand(name: string, io: CliIO): number {
  const names = name.startsWith('-') ? ['--help', '--version'] : [...Object.keys(commands), 'help'];
  const what = name.startsWith('-') ? 'option' : 'command';
  // Nothing close: the list, so the next try is not a guess either.
  const hint = didYouMean(name, names) || `; ${what === 'option' ? 'options' : 'commands'}: ${names.join(', ')}`;
  io.stderr.write(`patchbay: unknown ${what} ${name}${hint}\nRun "patchbay --help" for the commands.\n`);
  return 2;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(helpText());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest.length) {
      const entry = Object.hasOwn(commands, rest[0]) ? commands[rest[0]] : undefined;
      if (!entry) return unknownCommand(rest[0], io);
      io.stdout.write(`usage: patchbay ${entry.usage}\n  ${entry.summary}\n`);
      return 0;
    }
    io.stdout.write(helpText());
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`patchbay ${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) return unknownCommand(name, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: patchbay ${entry.usage}\n  ${entry.summary}\n`);
    return 0;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`patchbay ${name}: ${err.message}\nusage: patchbay ${entry.usage}\n`);
      return 2;
    }
    if (err instanceof GraphFileError) {
      io.stderr.write(`patchbay ${name}: ${err.message}\n`);
      return 1;
    }
    const e = err as Error & { code?: string };
    const message = e.message ?? String(err);
    // Node's own errors (ENOENT, EACCES...) start their message with their code: say it once.
    const code = e.code && !message.startsWith(`${e.code}:`) ? `${e.code}: ` : '';
    io.stderr.write(`patchbay ${name}: ${code}${message}\n`);
    return 1;
  }
}
