/**
 * `patchbay export --systemd`: a systemd service unit that runs one host's part of a graph
 * (`patchbay run GRAPH --host NAME`) under the machine's own supervisor: started at boot once
 * the network is up, restarted when it fails, stopped the way Ctrl-C stops it, its output in
 * the journal.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportError } from './index.ts';

/** What a unit runs. Every path is absolute: systemd starts it from no shell and no directory of ours. */
export interface SystemdUnitOptions {
  /** The graph's name (its `name:`, else its file's name without .yaml). */
  graph: string;
  /** The host whose part the unit runs; undefined for a graph that places no node on a host. */
  host?: string;
  /** The graph file; the unit runs in its directory. */
  file: string;
  /** The program and the arguments before `run`: node, its flags, bin/patchbay.js (patchbayCommand()). */
  command: readonly string[];
  /** The user the service runs as; undefined: root, systemd's default. */
  user?: string;
}

/** A unit's file name and its text. */
export interface SystemdUnit {
  file: string;
  text: string;
}

/**
 * node, the flags of bin/patchbay.js's first line and bin/patchbay.js, absolute: `node
 * bin/patchbay.js` skips the shebang, and with it the heap flag the runtime is tuned for.
 */
export function patchbayCommand(): string[] {
  const bin = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
  const shebang = readFileSync(bin, 'utf8').split('\n')[0];
  const flags = shebang
    .replace(/^#!.*?\bnode\b/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return [process.execPath, ...flags, bin];
}

/** `%` starts a specifier (%h, %n...) in every setting that takes a path or a text: `%%` is one `%`. */
function specifiers(text: string): string {
  return text.replace(/%/g, '%%');
}

/** What an ExecStart word may hold unquoted, once `%` and `$` are doubled. */
const PLAIN_WORD = /^[A-Za-z0-9_@%$+=:,./-]+$/;

/**
 * One word of an ExecStart= line as systemd reads it back (systemd.syntax, "Quoting"; systemd.service,
 * "Command lines"): `%` doubled (specifiers) and `$` doubled (environment variables), and a word
 * that holds anything else than letters, digits and `_@+=:,./-` (a space, a quote, a backslash,
 * `;`) double-quoted, with `\` and `"` escaped and control characters as `\xNN`.
 */
export function execWord(word: string): string {
  const escaped = specifiers(word).replace(/\$/g, () => '$$');
  if (PLAIN_WORD.test(escaped)) return escaped;
  const quoted = escaped
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${quoted}"`;
}

/** A path setting (WorkingDirectory=) takes the rest of its line as is, but for specifiers: no quotes, no escapes, so no line break. */
function pathSetting(name: string, path: string): string {
  if (!isAbsolute(path))
    throw new ExportError('NOT_EXPORTABLE', `${name}= needs an absolute path, received ${JSON.stringify(path)}`);
  if (/[\n\r]/.test(path) || path.trim() !== path)
    throw new ExportError(
      'NOT_EXPORTABLE',
      `${name}= cannot hold ${JSON.stringify(path)}: a systemd path setting has no way to write a line break or a space at its ends`,
    );
  return `${name}=${specifiers(path)}`;
}

/** A part of a unit name: systemd allows letters, digits and `:_.-\` there; anything else becomes `-`. */
function unitNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'graph';
}

/** `patchbay-<graph>-<host>` (`patchbay-<graph>` for a graph without hosts): the unit's name and its log identifier. */
export function systemdUnitName(graph: string, host?: string): string {
  return ['patchbay', unitNamePart(graph), ...(host === undefined ? [] : [unitNamePart(host)])].join('-');
}

/** The service unit that runs `options.host`'s part of the graph in `options.file`. */
export function systemdUnit(options: SystemdUnitOptions): SystemdUnit {
  const { graph, host, file, command, user } = options;
  const name = systemdUnitName(graph, host);
  const part = host === undefined ? `graph ${graph}` : `graph ${graph}, host ${host}`;
  const exec = [...command, 'run', file, ...(host === undefined ? [] : ['--host', host])];
  const lines = [
    `# Written by patchbay export --systemd: runs the ${host === undefined ? 'whole graph' : `part of the graph placed on ${host}`}.`,
    '[Unit]',
    // One line, no control characters: the journal and systemctl status show it as the unit's title.
    `Description=patchbay ${specifiers(part).replace(/[\x00-\x1f\x7f]+/g, ' ')}`,
    // Cross-host links connect by address; network-online waits until the machine has one.
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    ...(user === undefined ? [] : [`User=${specifiers(user)}`]),
    // Relative paths in the graph (a recorder's file) are taken from the graph's directory.
    pathSetting('WorkingDirectory', dirname(file)),
    `ExecStart=${exec.map(execWord).join(' ')}`,
    // A run that ends by itself (its sources sent their frames) exits 0 and stays ended; a failed one is started again.
    'Restart=on-failure',
    'RestartSec=5',
    // patchbay drains and closes its files on the first SIGINT (a second would force the end, losing
    // what is queued): systemd sends one, then SIGKILL if the drain takes longer than TimeoutStopSec.
    'KillSignal=SIGINT',
    'TimeoutStopSec=30',
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=${name}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return { file: `${name}.service`, text: lines.join('\n') };
}
