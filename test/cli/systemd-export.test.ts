import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-main.ts';
import { start } from '../helpers/child.ts';
import { commandWorks } from '../helpers/env.ts';
import { execWord, patchbayCommand, systemdUnit } from '../../runtime/export/systemd.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'bin/patchbay.js');
/** systemd-analyze checks a unit as systemd would load it; absent, the units are checked by the parse below only. */
const ANALYZE = commandWorks('systemd-analyze', ['--version']);

type Unit = Record<string, Record<string, string[]>>;

/** A unit file's settings as systemd reads them: section → key → every value given (a key may repeat). */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(l);
    if (head) {
      section = unit[head[1]] ??= {};
      continue;
    }
    const eq = l.indexOf('=');
    if (!section || eq < 1 || l.endsWith('\\')) throw new Error(`not a setting: ${line}`);
    (section[l.slice(0, eq).trim()] ??= []).push(l.slice(eq + 1).trim());
  }
  return unit;
}

/** A setting's value with its specifiers resolved: the units here hold only `%%`, a `%`. */
function specifiers(value: string): string {
  return value.replace(/%(.)/g, (_, c: string) => {
    if (c !== '%') throw new Error(`specifier %${c} in ${value}`);
    return '%';
  });
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };

/**
 * An ExecStart= value turned into argv the way systemd does (systemd.syntax "Quoting",
 * systemd.service "Command lines"): specifiers first (here only `%%` may occur), then words split
 * at unquoted whitespace, `"..."` and `'...'` unquoted, C escapes, then `$$` read as `$` (a lone
 * `$` would start a variable).
 */
function splitExec(value: string): string[] {
  const text = specifiers(value);
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) return words;
    let word = '';
    let quote = '';
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') {
        const e = text[++i];
        if (e === 'x') {
          word += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
          i += 2;
        } else if (e in C_ESCAPES) word += C_ESCAPES[e];
        else throw new Error(`unknown escape \\${e} in ${value}`);
      } else if (quote) {
        if (c === quote) quote = '';
        else word += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (/\s/.test(c)) break;
      else word += c;
    }
    if (quote) throw new Error(`unclosed ${quote} in ${value}`);
    if (/\$/.test(word.replace(/\$\$/g, ''))) throw new Error(`a variable in ${word}`);
    words.push(word.replace(/\$\$/g, '$'));
  }
}

/** The unit a command wrote: the path its first line names, and the unit parsed. */
function written(out: string): { path: string; unit: Unit; cwd: string } {
  const path = /^wrote (.*?\.service): /.exec(out)?.[1];
  if (!path) throw new Error(`no unit named in: ${out}`);
  const unit = parseUnit(readFileSync(path, 'utf8'));
  // A path setting is taken as is but for its specifiers.
  return { path, unit, cwd: specifiers(unit.Service.WorkingDirectory[0]) };
}

function verify(path: string): void {
  if (!ANALYZE) return;
  const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/** A graph of one host, lab-pc: an emulated camera and a recorder writing `rec.h5` beside the graph. */
const tiny = (name: string, frames: number, fps: number) =>
  `patchbay: 1\nname: ${name}\nnodes:\n  camera:\n    type: Camera\n    host: lab-pc\n    params: {width: 8, height: 8, fps: ${fps}, frames: ${frames}}\n  rec:\n    type: HDF5Sink\n    host: lab-pc\n    params: {file: rec.h5}\nlinks:\n  - camera.out -> rec.in\n`;

/** Exports the unit of `name`.yaml (`text`) placed in its own directory of tmp, with --host lab-pc unless the graph has no hosts. */
async function exportGraph(name: string, text: string): Promise<{ dir: string } & ReturnType<typeof written>> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, `${name}.yaml`), text);
  const host = text.includes('host: lab-pc') ? ['--host', 'lab-pc'] : [];
  const r = await cli('export', '--systemd', join(dir, `${name}.yaml`), ...host, '--out', dir);
  expect(r.code, r.err).toBe(0);
  return { dir, ...written(r.out) };
}

let tmp: string;
beforeAll(() => {
  // A space and a % in every path the units name: the quoting is what lets systemd read them back.
  tmp = mkdtempSync(join(tmpdir(), 'patchbay unit 100%-'));
  return () => rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  process.chdir(root);
});

describe('execWord: one ExecStart= word as systemd reads it back', () => {
  it('a plain word stays as is; a path with a space and a % is double-quoted with %%', () => {
    expect(execWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(execWord('--initial-old-space-size=128')).toBe('--initial-old-space-size=128');
    expect(execWord('/srv/lab data/100% run.yaml')).toBe('"/srv/lab data/100%% run.yaml"');
  });

  it('quotes, backslashes, $, ;, control characters, an empty word: each comes back whole', () => {
    const words = [
      '/srv/lab data/100% run.yaml',
      'it\'s "quoted"',
      'back\\slash',
      '$HOME',
      '${HOME}x',
      'a$$b',
      ';',
      '',
      'tab\there',
      'line\nbreak',
      'ünï cødé',
      '%n',
    ];
    expect(splitExec(words.map(execWord).join(' '))).toEqual(words);
  });
});

describe('patchbay export --systemd', () => {
  it('two-hosts.yaml --host camera-pc: a unit with every setting, and the commands that install it', async () => {
    const out = join(tmp, 'units');
    const r = await cli('export', '--systemd', 'graphs/two-hosts.yaml', '--host', 'camera-pc', '--out', out);
    expect(r.code, r.err).toBe(0);
    const { path, unit } = written(r.out);
    expect(path).toBe(join(out, 'patchbay-two-hosts-camera-pc.service'));
    expect(unit.Unit).toEqual({
      Description: ['patchbay graph two-hosts, host camera-pc'],
      After: ['network-online.target'],
      Wants: ['network-online.target'],
    });
    const { ExecStart, ...service } = unit.Service;
    expect(service).toEqual({
      ...(userInfo().uid === 0 ? {} : { User: [userInfo().username] }),
      WorkingDirectory: [join(root, 'graphs')],
      Restart: ['on-failure'],
      RestartSec: ['5'],
      KillSignal: ['SIGINT'],
      TimeoutStopSec: ['30'],
      StandardOutput: ['journal'],
      StandardError: ['journal'],
      SyslogIdentifier: ['patchbay-two-hosts-camera-pc'],
    });
    expect(ExecStart).toHaveLength(1);
    expect(splitExec(ExecStart[0])).toEqual([
      process.execPath,
      '--initial-old-space-size=128',
      BIN,
      'run',
      join(root, 'graphs/two-hosts.yaml'),
      '--host',
      'camera-pc',
    ]);
    expect(unit.Install).toEqual({ WantedBy: ['multi-user.target'] });

    // The install line runs in a shell: the unit's path (a space, a %) must come back whole there.
    const install = /^ {2}sudo cp (.*) \/etc\/systemd\/system\/ && sudo systemctl enable --now (\S+)$/m.exec(r.out);
    expect(install?.[2]).toBe('patchbay-two-hosts-camera-pc.service');
    expect(spawnSync('sh', ['-c', `test -f ${install![1]}`]).status).toBe(0);
    verify(path);
  });

  it("its ExecStart=, run as systemd would in its WorkingDirectory=, runs the host's part: exit 0, the recording beside the graph", async () => {
    const { dir, path, unit, cwd } = await exportGraph('lab 100% data', tiny('tiny rec', 20, 0));
    expect(path).toBe(join(dir, 'patchbay-tiny-rec-lab-pc.service'));
    expect(unit.Service.WorkingDirectory).toEqual([dir.replace(/%/g, '%%')]);
    expect(cwd).toBe(dir);
    verify(path);
    const [cmd, ...args] = splitExec(unit.Service.ExecStart[0]);
    expect(args.slice(-4)).toEqual(['run', join(dir, 'lab 100% data.yaml'), '--host', 'lab-pc']);
    const run = await start(cmd, args, { cwd }).exit;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('rec: 20 frames in its file rec.h5\n');
    expect(existsSync(join(dir, 'rec.h5'))).toBe(true);
  });

  it('its KillSignal=, sent once as systemctl stop does, ends an endless run well within TimeoutStopSec=: drained, file closed, exit 0', async () => {
    const { dir, unit, cwd } = await exportGraph('endless', tiny('endless', 0, 50));
    const [cmd, ...args] = splitExec(unit.Service.ExecStart[0]);
    const child = start(cmd, args, { cwd });
    // The first stats line (every 5 s off a terminal): frames are moving.
    await child.line((l) => /^\[\d/.test(l));
    const stopped = Date.now();
    child.kill(unit.Service.KillSignal[0] as NodeJS.Signals);
    const run = await child.exit;
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(Number(unit.Service.TimeoutStopSec[0]) * 1000);
    expect(run.stdout).toMatch(/^rec: \d+ frames in its file rec\.h5$/m);
    expect(existsSync(join(dir, 'rec.h5'))).toBe(true);
  });

  it('a graph without hosts: patchbay-<graph>.service runs all of it, no --host needed', async () => {
    const { dir, path, unit } = await exportGraph('whole', tiny('whole', 5, 0).replace(/ {4}host: lab-pc\n/g, ''));
    expect(path).toBe(join(dir, 'patchbay-whole.service'));
    expect(splitExec(unit.Service.ExecStart[0]).slice(-2)).toEqual(['run', join(dir, 'whole.yaml')]);
    expect(unit.Service.SyslogIdentifier).toEqual(['patchbay-whole']);
    verify(path);
  });

  it("--host missing or on no node: bad usage naming the graph's hosts, exit 2", async () => {
    const none = await cli('export', '--systemd', 'graphs/two-hosts.yaml', '--out', tmp);
    expect(none.code).toBe(2);
    expect(none.err.split('\n')[0]).toMatch(/the graph's hosts: camera-pc, analysis-pc$/);
    const typo = await cli('export', '--systemd', 'graphs/two-hosts.yaml', '--host', 'camera-p', '--out', tmp);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('(did you mean camera-pc?)');
  });

  it('an existing unit is kept without --force (FILE_EXISTS, exit 1) and replaced with it', async () => {
    const out = join(tmp, 'again');
    const args = ['export', '--systemd', 'graphs/two-hosts.yaml', '--host', 'analysis-pc', '--out', out];
    expect((await cli(...args)).code).toBe(0);
    const file = join(out, 'patchbay-two-hosts-analysis-pc.service');
    writeFileSync(file, 'mine\n');
    const kept = await cli(...args);
    expect(kept.code).toBe(1);
    expect(kept.err).toContain('FILE_EXISTS');
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect((await cli(...args, '--force')).code).toBe(0);
    expect(parseUnit(readFileSync(file, 'utf8')).Service.SyslogIdentifier).toEqual(['patchbay-two-hosts-analysis-pc']);
  });

  it('bad usage: both formats, neither, --out with --python, no graph file; --python works as before', async () => {
    expect((await cli('export', '--python', '--systemd', 'graphs/two-hosts.yaml', '--host', 'camera-pc')).code).toBe(2);
    expect((await cli('export', 'graphs/two-hosts.yaml', '--host', 'camera-pc')).code).toBe(2);
    expect((await cli('export', '--python', 'graphs/two-hosts.yaml', join(tmp, 'py'), '--out', tmp)).code).toBe(2);
    expect((await cli('export', '--systemd', '--host', 'camera-pc')).code).toBe(2);
    const py = await cli('export', '--python', 'graphs/two-hosts.yaml', join(tmp, 'py'), '--host', 'camera-pc');
    expect(py.code, py.err).toBe(0);
    expect(existsSync(join(tmp, 'py', 'two-hosts-camera.py'))).toBe(true);
  });
});

describe('docs/cli.md on export --systemd', () => {
  const doc = readFileSync(join(root, 'docs/cli.md'), 'utf8');

  it('the sample output is what the command prints', async () => {
    const sample = /```text\n\$ patchbay export --systemd (.*)\n([\s\S]*?)```/.exec(doc);
    expect(sample).not.toBeNull();
    // The command as written, from a directory that has the graph at the same relative path.
    const dir = join(tmp, 'docs');
    mkdirSync(join(dir, 'graphs'), { recursive: true });
    copyFileSync(join(root, 'graphs/two-hosts.yaml'), join(dir, 'graphs/two-hosts.yaml'));
    process.chdir(dir);
    const r = await cli('export', '--systemd', ...sample![1].split(' '));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(sample![2]);
  });

  it('the sample unit is what a clone in /home/lab/patchbay exported by lab writes', () => {
    const sample = /```ini\n([\s\S]*?)```/.exec(doc);
    expect(sample).not.toBeNull();
    const flags = patchbayCommand().slice(1, -1);
    const unit = systemdUnit({
      graph: 'two-hosts',
      host: 'camera-pc',
      file: '/home/lab/patchbay/graphs/two-hosts.yaml',
      command: ['/usr/bin/node', ...flags, '/home/lab/patchbay/bin/patchbay.js'],
      user: 'lab',
    });
    expect(unit.file).toBe('patchbay-two-hosts-camera-pc.service');
    expect(unit.text).toBe(sample![1]);
    expect(resolve(patchbayCommand().at(-1)!)).toBe(BIN);
  });
});
