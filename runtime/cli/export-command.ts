/**
 * `patchbay export --python FILE DIR [--host NAME] [--force]`: the graph (or the part of it
 * placed on a host) written out as course-style pyzmq scripts, one per process, that run
 * beside patchbay.
 * `patchbay export --systemd FILE --host NAME [--out DIR] [--force]`: a systemd unit that runs
 * that host's part with `patchbay run`. Existing files are kept unless --force.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadGraph } from '../graph/index.ts';
import { compileGraph, type Plan } from '../compile/index.ts';
import { ExportError, exportPython } from '../export/index.ts';
import { patchbayCommand, systemdUnit } from '../export/systemd.ts';
import type { CliCommand, CliIO } from './io.ts';
import { parseCommandArgs, UsageError } from './usage.ts';
import { readGraphFile } from './graph-file.ts';
import { checkHost } from './hosts.ts';
import { formatError, plural } from './report.ts';

/** The graph's plan, named after its file when it has no `name:`; undefined (its errors printed) when it has errors. */
async function planOf(file: string, io: CliIO): Promise<Plan | undefined> {
  const loaded = loadGraph(await readGraphFile(file), file);
  for (const e of loaded.errors) io.stderr.write(formatError(file, e) + '\n');
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error')) return undefined;
  return compileGraph(
    { ...loaded.graph, name: loaded.graph.name ?? basename(file).replace(/\.ya?ml$/, '') },
    loaded.analysis,
  );
}

/** Refuses, writing nothing, when any of `files` is there and --force was not given. */
function refuseExisting(files: string[], force: boolean | undefined): void {
  const existing = files.filter((f) => existsSync(f));
  if (existing.length && !force)
    throw new ExportError(
      'FILE_EXISTS',
      `${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}; nothing written (--force replaces them)`,
    );
}

/** A path as a POSIX shell reads it back: single-quoted when it holds anything but `A-Za-z0-9_@%+=:,./-`. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export const exportCommand: CliCommand = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    python: { type: 'boolean' },
    systemd: { type: 'boolean' },
    host: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.python && values.systemd)
    throw new UsageError('export writes one format at a time: --python or --systemd');
  if (values.systemd) {
    if (positionals.length !== 1)
      throw new UsageError('export --systemd takes one graph file (the directory it writes to is --out DIR)');
    return exportSystemd(positionals[0], values, io);
  }
  if (!values.python) throw new UsageError('export needs --python or --systemd (the formats it writes)');
  if (values.out !== undefined)
    throw new UsageError('--out is for --systemd; export --python takes its directory as its second argument');
  if (positionals.length !== 2) throw new UsageError('export takes a graph file and a directory');
  const [file, dir] = positionals;
  const plan = await planOf(file, io);
  if (!plan) return 1;
  checkHost(plan, values.host);
  const scripts = await exportPython(plan, values.host);
  refuseExisting(
    scripts.map((s) => join(dir, s.file)),
    values.force,
  );
  await mkdir(dir, { recursive: true });
  for (const s of scripts) await writeFile(join(dir, s.file), s.text, { mode: 0o755 });
  io.stdout.write(
    `wrote ${plural(scripts.length, 'script')} to ${dir}${values.host ? ` (host ${values.host})` : ''}; each prints "ready" once its sockets are open, start them in any order:\n`,
  );
  for (const s of scripts) io.stdout.write(`  python3 ${join(dir, s.file)}    # ${s.nodes.join(', ')}\n`);
  if (values.host) io.stdout.write(`the rest of the graph: patchbay run ${file} --host NAME for each other host\n`);
  return 0;
};

async function exportSystemd(
  file: string,
  values: { host?: string; out?: string; force?: boolean },
  io: CliIO,
): Promise<number> {
  const plan = await planOf(file, io);
  if (!plan) return 1;
  const hosts = [...new Set(plan.nodes.flatMap((n) => (n.host === undefined ? [] : [n.host])))];
  // A graph without hosts runs whole on one machine: its unit needs no --host.
  if (values.host === undefined && hosts.length)
    throw new UsageError(
      `export --systemd needs --host NAME: a unit runs one host's part; the graph's hosts: ${hosts.join(', ')}`,
    );
  checkHost(plan, values.host);
  // The service runs as whoever exported it, as their `patchbay run` would: the recordings are theirs (systemd's default is root).
  const me = userInfo();
  const unit = systemdUnit({
    graph: plan.name,
    host: values.host,
    file: resolve(file),
    command: patchbayCommand(),
    user: me.uid === 0 ? undefined : me.username,
  });
  const dir = values.out ?? '.';
  const path = join(dir, unit.file);
  refuseExisting([path], values.force);
  await mkdir(dir, { recursive: true });
  await writeFile(path, unit.text);
  const part = values.host === undefined ? file : `host ${values.host}'s part of ${file}`;
  io.stdout.write(
    `wrote ${path}: a systemd unit that runs ${part}; to install it and start it now and at every boot:\n`,
  );
  io.stdout.write(`  sudo cp ${shellWord(path)} /etc/systemd/system/ && sudo systemctl enable --now ${unit.file}\n`);
  io.stdout.write(`its log: journalctl -u ${unit.file}\n`);
  return 0;
}
