import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli-main.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderNodeDocs } from '../../runtime/cli/node-docs.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import { compileGraph } from '../../runtime/compile/index.ts';
import { nodeTypes } from '../../nodes/registry.ts';
import { everyMistake } from '../fixtures/graphs/every-mistake.ts';
import { Hdf5SinkError } from '../../nodes/hdf5-sink/errors.ts';
import { formatSummary } from '../../runtime/exec/format.ts';
import type { NodeRates, RunSummary } from '../../runtime/exec/types.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = readdirSync(new URL('../../graphs/', import.meta.url))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `graphs/${f}`);
const MISTAKES = 'test/fixtures/graphs/every-mistake.yaml';

/** "file:line:col CODE ..." lines as {code, line, col, severity}. */
function parseLines(text: string, file: string) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${file}:`))
    .map((l) => {
      const m = /^(.*?):(\d+):(\d+) ([A-Z_]+) (warning: )?/.exec(l);
      if (!m) throw new Error(`not a problem line: ${l}`);
      return { code: m[4], line: Number(m[2]), col: Number(m[3]), severity: m[5] ? 'warning' : 'error' };
    });
}

beforeAll(() => {
  // The commands take paths as a user types them, from the project's root.
  process.chdir(root);
});

describe('patchbay validate', () => {
  it('the example graphs are valid: exit 0', async () => {
    const r = await cli('validate', ...examples);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(examples.map((f) => `${f}: ok`));
  });

  it('lists every mistake with line:col and code, exit 1', async () => {
    const r = await cli('validate', MISTAKES);
    expect(r.code).toBe(1);
    expect(parseLines(r.out, MISTAKES)).toEqual(everyMistake);
  });

  it('goes on to the next file after a bad one, and a YAML syntax error has a position', async () => {
    const r = await cli('validate', 'test/fixtures/graphs/syntax-error.yaml', examples[0]);
    expect(r.code).toBe(1);
    expect(parseLines(r.out, 'test/fixtures/graphs/syntax-error.yaml')).toEqual([
      { code: 'YAML_SYNTAX', line: 6, col: 1, severity: 'error' },
    ]);
    expect(r.out).toContain(`${examples[0]}: ok`);
  });

  it('a file that cannot be read is an error, exit 1', async () => {
    const r = await cli('validate', 'graphs/no-such-graph.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('patchbay validate: no such file: graphs/no-such-graph.yaml\n');
  });

  it('--json gives every file with its errors', async () => {
    const r = await cli('validate', '--json', MISTAKES, examples[0]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { file: string; errors: { code: string; line: number; col: number }[] }[];
    expect(json.map((f) => f.file)).toEqual([MISTAKES, examples[0]]);
    expect(json[0].errors.map((e) => e.code)).toEqual(everyMistake.map((e) => e.code));
    expect(json[1].errors).toEqual([]);
  });

  it('without a file: usage, exit 2', async () => {
    const r = await cli('validate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: patchbay validate');
  });
});

describe('patchbay plan', () => {
  it('push-pull: each socket with bind or connect', async () => {
    const r = await cli('plan', 'graphs/push-pull.yaml');
    expect(r.code).toBe(0);
    const sockets = r.out.split('\n').filter((l) => /^\s+\S+:\s+(PUSH|PULL|PUB|SUB|REQ|REP) /.test(l));
    expect(sockets.map((l) => l.trim().split(/\s+/).slice(0, 4).join(' ')).sort()).toEqual(
      [
        'ventilator: PUSH bind tcp://127.0.0.1:5557',
        'sink: PULL bind tcp://127.0.0.1:5558',
        'worker1: PULL connect inproc://in-graph/ventilator',
        'worker2: PULL connect inproc://in-graph/ventilator',
        'worker1: PUSH connect inproc://in-graph/sink',
        'worker2: PUSH connect inproc://in-graph/sink',
      ].sort(),
    );
    expect(r.out).toMatch(
      /ventilator:\s+PUSH bind\s+tcp:\/\/127\.0\.0\.1:5557 \+ inproc:\/\/in-graph\/ventilator hwm 4 \(to worker1, worker2\)/,
    );
    expect(r.out).toMatch(/worker1:\s+PULL connect inproc:\/\/in-graph\/ventilator\s+hwm 4 \(from ventilator\)/);
    expect(r.out).toMatch(/worker1: 1 thread/);
    expect(r.out).toMatch(
      /start order[^\n]*\n\s+1\. recorder\s+2\. sink\s+3\. worker1\s+4\. worker2\s+5\. ventilator\s+6\. camera/,
    );
  });

  it('--json prints the plan the compiler builds', async () => {
    const r = await cli('plan', 'graphs/pubsub-fft-hdf5.yaml', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(
      compileGraph(loadGraph(readFileSync('graphs/pubsub-fft-hdf5.yaml', 'utf8')).graph!),
    );
  });

  it('a graph with errors: the errors on stderr, exit 1, no plan', async () => {
    const r = await cli('plan', MISTAKES);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(parseLines(r.err, MISTAKES)).toEqual(everyMistake);
  });

  it('bad usage exits 2: no file, two files, an unknown flag', async () => {
    for (const argv of [['plan'], ['plan', examples[0], examples[1]], ['plan', examples[0], '--jsno']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('usage: patchbay plan');
    }
  });

  it('a missing file is an error of the command, exit 1', async () => {
    const r = await cli('plan', 'graphs/no-such-graph.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toBe('patchbay plan: no such file: graphs/no-such-graph.yaml\n');
  });
});

describe('patchbay nodes', () => {
  it('lists every node type with its params and defaults', async () => {
    const r = await cli('nodes');
    expect(r.code).toBe(0);
    for (const d of nodeTypes) expect(r.out).toContain(`${d.type} (${d.role})`);
    expect(r.out).toMatch(/^\s+threads\s+2 workers\s+whole number, 1 to 64\s+/m);
  });

  it('one type as JSON is its declaration', async () => {
    const r = await cli('nodes', 'FFT', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(nodeTypes.find((d) => d.type === 'FFT'))));
  });

  it('an unknown type is bad usage, exit 2', async () => {
    const r = await cli('nodes', 'Fourier');
    expect(r.code).toBe(2);
  });
});

describe('help, version, bad usage', () => {
  it('--help and help list every command with its usage', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      for (const usage of [
        'validate FILE...',
        'plan FILE [--json]',
        'run FILE [--json] [--host NAME]',
        'edit [DIR] [--port N]',
        'nodes [TYPE] [--json]',
        'devices [--json]',
      ]) {
        expect(r.out).toContain(usage);
      }
    }
  });

  it("help COMMAND and COMMAND --help print that command's usage, without loading it", async () => {
    expect(await cli('help', 'plan')).toMatchObject({
      code: 0,
      out: expect.stringContaining('usage: patchbay plan FILE [--json]'),
    });
    for (const name of ['run', 'edit', 'devices']) {
      const r = await cli(name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`usage: patchbay ${name}`);
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await cli('--version')).toMatchObject({ code: 0, out: `patchbay ${version}\n` });
  });

  it('unknown command, unknown option, nothing at all: exit 2', async () => {
    expect((await cli('valdiate', examples[0])).code).toBe(2);
    expect((await cli('--frobnicate')).code).toBe(2);
    expect((await cli('help', 'nothing')).code).toBe(2);
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.err).toContain('usage: patchbay');
  });
});

describe('bin/patchbay.js in a child process', () => {
  const bin = (...argv: string[]) =>
    spawnSync(process.execPath, ['bin/patchbay.js', ...argv], { cwd: root, encoding: 'utf8' });

  it('validate: every mistake, exit 1; the examples, exit 0', () => {
    const bad = bin('validate', MISTAKES);
    expect(bad.status).toBe(1);
    expect(parseLines(bad.stdout, MISTAKES)).toEqual(everyMistake);
    const good = bin('validate', ...examples);
    expect(good.status).toBe(0);
  });

  it('plan push-pull shows bind and connect; bad usage exits 2', () => {
    const r = bin('plan', 'graphs/push-pull.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ventilator:\s+PUSH bind\s+tcp:\/\/127\.0\.0\.1:5557/);
    expect(r.stdout).toMatch(/worker2:\s+PUSH connect inproc:\/\/in-graph\/sink/);
    expect(bin('plan').status).toBe(2);
  });
});

describe('a graph file that cannot be read: the same words in every command', () => {
  const bin = (...argv: string[]) =>
    spawnSync(process.execPath, ['bin/patchbay.js', ...argv], { cwd: root, encoding: 'utf8' });
  const commands: [string, string[]][] = [
    ['run', []],
    ['plan', []],
    ['validate', []],
    ['export', ['--python', '/nonexistent-dir']],
  ];

  it('a missing file: "no such file: FILE", said once, exit 1', () => {
    for (const [name, extra] of commands) {
      const r = bin(
        name,
        ...(name === 'export' ? ['--python', 'graphs/x.yaml', '/nonexistent-dir'] : ['graphs/x.yaml', ...extra]),
      );
      expect(r.status, name).toBe(1);
      expect(r.stderr.split('\n')[0], name).toBe(`patchbay ${name}: no such file: graphs/x.yaml`);
    }
  });

  it('a directory: "FILE is a directory, not a graph file", exit 1', () => {
    for (const [name] of commands) {
      const r = bin(name, ...(name === 'export' ? ['--python', 'graphs', '/nonexistent-dir'] : ['graphs']));
      expect(r.status, name).toBe(1);
      expect(r.stderr.split('\n')[0], name).toBe(`patchbay ${name}: graphs is a directory, not a graph file`);
    }
  });

  it('validate --json keeps the system code of the file it could not read', async () => {
    const r = await cli('validate', '--json', 'graphs');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([{ file: 'graphs', readError: 'EISDIR', errors: [] }]);
  });
});

describe('usage errors name the closest flag, command, node type or backend; exit 2', () => {
  it("an unknown flag: the closest the command takes, not parseArgs' own text", async () => {
    const r = await cli('run', 'graphs/push-pull.yaml', '--jsno');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toMatch(/^patchbay run: unknown option --jsno \(did you mean --json\?\)/);
    expect(r.err).not.toContain('positional argument');
    const v = await cli('validate', '--jsno', 'graphs/push-pull.yaml');
    expect(v.code).toBe(2);
    expect(v.err).toContain('did you mean --json?');
  });

  it('a flag without its value says so', async () => {
    const r = await cli('run', 'graphs/two-hosts.yaml', '--host');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('patchbay run: option --host needs a value');
  });

  it('an unknown command, also after help: the closest, or the list when none is close', async () => {
    const rn = await cli('rn', 'graphs/push-pull.yaml');
    expect(rn.code).toBe(2);
    expect(rn.err).toContain('did you mean run?');
    const help = await cli('help', 'rnu');
    expect(help.code).toBe(2);
    expect(help.err).toContain('did you mean run?');
    const bogus = await cli('help', 'bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('commands: validate, plan, run, edit, export, keys, nodes, devices, help');
  });

  it('nodes TYPE is found whatever its case', async () => {
    const r = await cli('nodes', 'fft', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).type).toBe('FFT');
  });

  it('devices: an unknown backend or flag is bad usage, with the closest; one backend asked gives no note about others', async () => {
    const bogus = await cli('devices', '--backend', 'aravsi');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('unknown backend aravsi (did you mean aravis?)');
    expect(bogus.err).not.toContain('pylon 6');
    const flag = await cli('devices', '--bakend', 'emulator');
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('did you mean --backend?');
    const emu = await cli('devices', '--backend', 'emulator');
    expect(emu.code).toBe(0);
    expect(emu.out).toMatch(/^emulator\s+emulator-0/m);
    expect(emu.out).not.toContain('not built');
  });

  // Aravis' discovery looks on every network interface: in a private network namespace it sees only loopback.
  const netns = spawnSync('unshare', ['-rn', 'true']).status === 0;
  it.skipIf(!netns)(
    'devices --backend aravis with no camera says where Aravis looked (private network namespace)',
    () => {
      const r = spawnSync('unshare', ['-rn', process.execPath, 'bin/patchbay.js', 'devices', '--backend', 'aravis'], {
        cwd: root,
        encoding: 'utf8',
      });
      if (/UNKNOWN_BACKEND/.test(r.stderr)) return; // a build without Aravis
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^aravis: no camera found \(Aravis looked .*\)$/m);
    },
  );
});

describe('patchbay run: what it says about hosts, failures and files', () => {
  const bin = (...argv: string[]) =>
    spawnSync(process.execPath, ['bin/patchbay.js', ...argv], { cwd: root, encoding: 'utf8' });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-cli-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });
  const recording = (file: string, extra = '') =>
    `patchbay: 1\nname: rec\nnodes:\n  camera:\n    type: Camera\n    params: {width: 8, height: 8, fps: 0, frames: 50}\n${extra}  rec:\n    type: HDF5Sink\n    params: {file: ${file}}\nlinks:\n  - camera.out -> rec.in\n`;

  it("--host with no node on it: refused naming the graph's hosts, exit 2; export agrees", async () => {
    const r = await cli('run', 'graphs/two-hosts.yaml', '--host', 'lab9');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toBe(
      "patchbay run: no node runs on host lab9; the graph's hosts: camera-pc, analysis-pc",
    );
    const e = await cli('export', '--python', 'graphs/two-hosts.yaml', join(dir, 'py'), '--host', 'lab9');
    expect(e.code).toBe(2);
    expect(e.err.split('\n')[0]).toBe(
      "patchbay export: no node runs on host lab9; the graph's hosts: camera-pc, analysis-pc",
    );
    const typo = await cli('run', 'graphs/two-hosts.yaml', '--host', 'camera-p');
    expect(typo.err).toContain('(did you mean camera-pc?)');
  });

  it("the summary names each recording's file; a second run refused FILE_EXISTS says the code once, prints no table and counts nothing of the file", () => {
    const graph = join(dir, 'rec.yaml');
    const h5 = join(dir, 'rec.h5');
    writeFileSync(graph, recording(h5));
    const first = bin('run', graph);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`rec: 50 frames in its file ${h5}\n`);
    const again = bin('run', graph);
    expect(again.status).toBe(1);
    const said = again.stderr + again.stdout;
    expect(said).not.toMatch(/FILE_EXISTS:.*FILE_EXISTS/);
    expect(said).not.toMatch(/patchbay run: run:/);
    expect(again.stdout).not.toMatch(/frames in its file/);
    expect(again.stdout).not.toMatch(/^node\s+type/m);
    expect(again.stdout).toMatch(/^run FAILED before it started \(exit code 1\)\nfailed: rec: FILE_EXISTS: /);
  });

  it('a run whose socket cannot bind prints the failure, not a table of zeros, and says the code once', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const graph = join(dir, 'bind.yaml');
      writeFileSync(
        graph,
        `patchbay: 1\nname: bind\nnodes:\n  camera:\n    type: Camera\n    params: {width: 8, height: 8, fps: 0, frames: 5}\n  publish:\n    type: Publish\n    params: {endpoint: "tcp://127.0.0.1:${port}"}\nlinks:\n  - camera.out -> publish.in\n`,
      );
      // The port is held by the kernel's listening socket: the child's bind fails even while this thread waits.
      const r = bin('run', graph);
      expect(r.status).toBe(1);
      expect(r.stdout).not.toMatch(/^node\s+type/m);
      expect(r.stdout).toMatch(/^run FAILED before it started/);
      expect(r.stderr).not.toMatch(/patchbay run: run:/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a recorder that failed having stored nothing wrote nothing: no count of a file that is not its own', () => {
    const node = (type: string, framesIn: number, framesOut: number, extra: Partial<NodeRates> = {}): NodeRates =>
      ({
        type,
        framesIn,
        framesOut,
        bytesIn: 0,
        bytesOut: 0,
        dropped: 0,
        errors: 0,
        queueDepth: 0,
        fps: 0,
        mbps: 0,
        msPerFrame: 0,
        state: 'done',
        ...extra,
      }) as NodeRates;
    const r: RunSummary = {
      ok: false,
      exitCode: 1,
      durationMs: 1000,
      stats: {
        elapsedMs: 1000,
        nodes: {
          camera: node('Camera', 0, 10),
          a: node('HDF5Sink', 10, 0, { framesStored: 10 }),
          b: node('HDF5Sink', 0, 0, { framesStored: 0 }),
        },
        links: {},
      },
      failures: [{ node: 'b', code: 'FILE_IN_USE', message: 'file b.h5' }],
    };
    const text = formatSummary(r, { a: 'a.h5', b: 'b.h5' });
    expect(text).toContain('a: 10 frames in its file a.h5\n');
    expect(text).toContain('b: wrote nothing to b.h5\n');
    expect(text).toContain('failed: b: FILE_IN_USE: file b.h5\n');
  });

  it('an HDF5Sink error says its code once: its message is what follows the code', () => {
    const e = new Hdf5SinkError({
      code: 'FRAME_MISMATCH',
      file: 'x.h5',
      param: 'shape',
      expected: '[4,4]',
      received: '[4,5]',
    });
    expect(e.message).toBe('file x.h5: param shape: expected [4,4]: received [4,5]');
  });
});

describe('docs', () => {
  it('docs/nodes.md is what gen-node-docs.ts generates from the registry', () => {
    expect(readFileSync('docs/nodes.md', 'utf8')).toBe(renderNodeDocs());
  });

  it('the sample output of plan in docs/cli.md is what plan prints', async () => {
    const doc = readFileSync('docs/cli.md', 'utf8');
    const sample = /```text\n\$ patchbay plan graphs\/push-pull\.yaml\n([\s\S]*?)```/.exec(doc);
    expect(sample).not.toBeNull();
    expect((await cli('plan', 'graphs/push-pull.yaml')).out).toBe(sample![1]);
  });

  it('every patchbay command written in docs/cli.md runs with the exit code written beside it', async () => {
    const doc = readFileSync('docs/cli.md', 'utf8');
    // Commands in sh blocks: "patchbay ARGS" optionally followed by "# exit N".
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    const commands = blocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('patchbay '));
    expect(commands.length).toBeGreaterThan(8);
    const seen = new Set<string>();
    for (const line of commands) {
      const [cmd, comment = ''] = line.split(/\s+#\s*/);
      const argv = cmd
        .trim()
        .split(/\s+/)
        .slice(1)
        .flatMap((a) => (a === 'graphs/*.yaml' ? examples : [a]));
      const expected = Number(/exit (\d)/.exec(comment)?.[1] ?? 0);
      // run, edit and devices belong to the executor, the server and the addon; here they are dispatched with --help.
      const external = ['run', 'edit', 'devices'].includes(argv[0]);
      const r = await cli(...(external ? [argv[0], '--help'] : argv));
      expect(r.code, line).toBe(external ? 0 : expected);
      seen.add(argv[0]);
    }
    for (const name of ['validate', 'plan', 'nodes', 'run', 'edit', 'devices', '--help', '--version'])
      expect(seen, name).toContain(name);
  });
});
