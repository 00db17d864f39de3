/**
 * docs/tutorial.md's commands run as the doc says, and what they print held against the samples
 * it shows (numbers aside): the tutorial's graph (the YAML the doc shows, which
 * test/e2e/tutorial.test.ts saves from the editor) run headless, the student's script joining
 * it, Ctrl-C, and the doc's h5py command reading the file. In a temporary folder, so the
 * repository's graphs/ and out/ stay as they are: `npx patchbay` is bin/patchbay.js (the
 * package's bin, what npx runs inside the repository), `python3` the tests' Python
 * (test/helpers/env.ts), and a free port stands in for the doc's 5555.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Child } from '../helpers/child.ts';
import { fenced, samplesAfter, shCommands, unlike } from '../helpers/doc-blocks.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { uniqAddress } from '../helpers/run-harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/tutorial.md'), 'utf8');
const DOC_ENDPOINT = 'tcp://127.0.0.1:5555';
const noPython = missing('Python 3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));

const RUN = 'npx patchbay run graphs/tutorial.yaml';
const STUDENT = `python3 examples/python/subscriber.py ${DOC_ENDPOINT} camera_frame`;
/** The h5py command: a heredoc, its program on standard input. */
const H5PY = 'python3 -';

let dir = '';
let endpoint = '';
const children: Child[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-tutorial-'));
  endpoint = await uniqAddress('tcp');
  mkdirSync(join(dir, 'graphs'));
  const graph = fenced(DOC, 'yaml').find((b) => b.startsWith('patchbay: 1'))!;
  writeFileSync(join(dir, 'graphs/tutorial.yaml'), graph.replaceAll(DOC_ENDPOINT, endpoint));
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a command of the doc as written, but for the substitutions above. */
function run(line: string, cwd: string): Child {
  const [cmd, ...args] = line.replaceAll(DOC_ENDPOINT, endpoint).split(/\s+/);
  const argv =
    cmd === 'npx' && args[0] === 'patchbay'
      ? [process.execPath, join(ROOT, 'bin/patchbay.js'), ...args.slice(1)]
      : [cmd === 'python3' ? PYTHON : cmd, ...args];
  const child = start(argv[0], argv.slice(1), { cwd });
  children.push(child);
  return child;
}

/** The first line of `child`'s stdout that satisfies `pred`; fails, saying why, if it exits first. */
function lineOf(child: Child, what: string, pred: (l: string) => boolean): Promise<string> {
  const exited = child.exit.then(({ code, stdout, stderr }) => {
    throw new Error(`${what} exited (${code}) before the line awaited:\n${stdout}\n${stderr}`);
  });
  return Promise.race([child.line(pred), exited]);
}

/** The summary table's row of a node: its in and out counts, dropped and errors. */
function row(summary: string, node: string): { in: number; out: number; dropped: number; errors: number } {
  const m = new RegExp(`^${node} +\\w+ +(\\d+) +(\\d+) +(\\d+) +(\\d+) `, 'm').exec(summary);
  if (!m) throw new Error(`no row for ${node} in\n${summary}`);
  const [i, o, d, e] = m.slice(1).map(Number);
  return { in: i, out: o, dropped: d, errors: e };
}

describe('docs/tutorial.md', () => {
  it('its commands are the ones this test and test/e2e/tutorial.test.ts run (npm install: .ci/run)', () => {
    expect(shCommands(DOC).map((c) => c.line)).toEqual(['npm install', 'npm start', H5PY, RUN, STUDENT]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toMatch(/ bin\/patchbay\.js edit$/);
  });

  it.skipIf(noPython)(
    "the graph runs headless; the student's script joins it late, gets every frame from then on, and ends with the run's Ctrl-C; h5py reads the recording",
    async () => {
      const headless = run(RUN, dir);
      // Not before the run has shown frames flowing (its first progress line), so the student joins late.
      await lineOf(headless, 'patchbay run', (l) => /^\[[\d.]+ s\] camera [1-9]\d*/.test(l));
      const student = run(STUDENT, ROOT);
      const seq = (l: string) => Number(/^seq (\d+) /.exec(l)?.[1]);
      const first = seq(await lineOf(student, 'the student', (l) => l.startsWith('seq ')));
      await lineOf(student, 'the student', (l) => seq(l) >= first + 2);
      headless.kill('SIGINT');
      const ran = await headless.exit;
      const joined = await student.exit;

      expect(ran.code, ran.stderr).toBe(0);
      expect(unlike(samplesAfter(DOC, RUN)[0], ran.stderr + ran.stdout), ran.stderr + ran.stdout).toEqual([]);
      const sent = row(ran.stdout, 'camera').out;
      expect(sent).toBeGreaterThan(first);
      // The FFT, the graph's own subscriber, lost nothing; every frame reached the file.
      for (const node of ['publish', 'fft']) expect(row(ran.stdout, node)).toMatchObject({ in: sent, dropped: 0 });
      expect(row(ran.stdout, 'recorder')).toMatchObject({ in: sent, dropped: 0, errors: 0 });
      expect(ran.stdout).toContain(`recorder: ${sent} frames in its file out/tutorial.h5\n`);

      expect(joined.code, joined.stderr).toBe(0);
      const [perFrame, end] = samplesAfter(DOC, STUDENT);
      expect(unlike(perFrame, joined.stdout), joined.stdout).toEqual([]);
      expect(unlike(end, joined.stdout), joined.stdout).toEqual([]);
      const summary = JSON.parse(joined.stdout.trim().split('\n').at(-1)!) as {
        received: number;
        sent: number;
        missed: number;
        seqs: number[];
      };
      // It missed what was published before it joined, and nothing after.
      expect(summary.sent).toBe(sent);
      expect(summary.seqs).toEqual(Array.from({ length: sent - first }, (_, i) => first + i));
      expect(summary).toMatchObject({ received: sent - first, missed: first });

      const h5py = shCommands(DOC).find((c) => c.line === H5PY)!;
      const read = spawnSync(PYTHON, ['-'], { cwd: dir, input: h5py.input, encoding: 'utf8' });
      expect(read.status, read.stderr).toBe(0);
      expect(unlike(samplesAfter(DOC, H5PY)[0], read.stdout), read.stdout).toEqual([]);
      expect(read.stdout).toMatch(new RegExp(` \\(${sent}, 240, 320\\) float64 seq 0 to ${sent - 1}\\n$`));
    },
    120_000,
  );
});
