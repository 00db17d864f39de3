/**
 * Every example graph in graphs/ runs headless through the real CLI, with the emulated
 * camera, to completion; the recordings are read back with h5py and every frame's seq is
 * checked: exactly once where the path is lossless, counted drops where it is not.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { loadGraph } from '../../runtime/graph/index.ts';
import { missing, pythonHas } from '../helpers/env.ts';
import { start } from '../helpers/child.ts';
import { freeTheirPorts } from '../helpers/ports.ts';
import { readH5 } from '../hdf5/harness.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(repo, 'bin/patchbay.js');
const work = mkdtempSync(path.join(tmpdir(), 'patchbay-examples-'));
cpSync(path.join(repo, 'graphs'), path.join(work, 'graphs'), { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The examples: the .yaml files of graphs/ that the repository tracks. A reader's own graph
 * saved there (the tutorial's, say) is not one; outside a git checkout, every .yaml there is.
 */
function exampleGraphs(): string[] {
  const git = spawnSync('git', ['ls-files', '-z', '--', 'graphs'], { cwd: repo, encoding: 'utf8' });
  const files =
    git.status === 0 && git.stdout
      ? git.stdout
          .split('\0')
          .filter((f) => path.dirname(f) === 'graphs')
          .map((f) => path.basename(f))
      : readdirSync(path.join(repo, 'graphs'));
  return files.filter((f) => f.endsWith('.yaml')).sort();
}
// The copies run on ports of their own: an example running in the editor meanwhile is left alone.
const ports = await freeTheirPorts(path.join(work, 'graphs'));
// The examples' own ports are held meanwhile, as an editor running an example holds them
// (where one already is, it holds them for us).
const holders: zmq.Pull[] = [];
beforeAll(async () => {
  for (const old of ports.keys()) {
    const s = new zmq.Pull({ linger: 0 });
    try {
      await s.bind(`tcp://127.0.0.1:${old}`);
      holders.push(s);
    } catch {
      s.close();
    }
  }
});
afterAll(() => holders.forEach((s) => s.close()));

const noH5py = missing('Debian python3-h5py', () => pythonHas('h5py', 'numpy'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function patchbay(...args: string[]): Promise<Run> {
  return start(process.execPath, [cli, ...args], { cwd: work }).exit;
}

interface Summary {
  type: 'summary';
  exitCode: number;
  lost: number;
  stats: {
    nodes: Record<string, { framesIn: number; framesOut: number; dropped: number; framesStored?: number }>;
    links: Record<string, { dropped: number }>;
  };
}

function summaryOf(run: Run): Summary {
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  const s = JSON.parse(last) as Summary;
  expect(s.type).toBe('summary');
  return s;
}

function seqOf(file: string): number[] {
  const groups = Object.values(readH5(path.join(work, file)).groups);
  expect(groups).toHaveLength(1);
  return groups[0].seq ?? [];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/** The HDF5Sink files of a graph, by node id, and the Camera's frame count. */
function graphFacts(name: string): { files: Record<string, string>; frames: number } {
  const { graph, errors } = loadGraph(readFileSync(path.join(work, 'graphs', name), 'utf8'), name);
  expect(errors.filter((e) => e.severity === 'error')).toEqual([]);
  const files: Record<string, string> = {};
  let frames = 0;
  for (const [id, n] of Object.entries(graph!.nodes)) {
    if (n.type === 'HDF5Sink') files[id] = String(n.params.file);
    if (n.type === 'Camera') frames = Number(n.params.frames);
  }
  return { files, frames };
}

/** What each example must show; a new example graph must say what it expects here. */
const expectations: Record<string, (name: string) => Promise<void>> = {
  async 'copy-shallow-deep.yaml'(name) {
    const { files, frames } = graphFacts(name);
    const s = summaryOf(await runOk(name, '--json'));
    expect(s.lost).toBe(0);
    // In-process links and Copy are lossless and keep order: every seq once, in order.
    for (const [sink, file] of Object.entries(files)) {
      expect(seqOf(file)).toEqual(range(frames));
      // The summary says how many frames each file holds, and it is what h5py finds.
      expect(s.stats.nodes[sink].framesStored).toBe(frames);
    }
  },
  async 'push-pull.yaml'(name) {
    const { files, frames } = graphFacts(name);
    const s = summaryOf(await runOk(name, '--json'));
    expect(s.lost).toBe(0);
    // Round robin over two workers, fair-queued back: every seq exactly once, in any order.
    expect(s.stats.nodes.worker1.framesIn).toBeGreaterThan(0);
    expect(s.stats.nodes.worker2.framesIn).toBeGreaterThan(0);
    const seq = seqOf(files.recorder);
    expect([...seq].sort((a, b) => a - b)).toEqual(range(frames));
  },
  async 'pubsub-fft-hdf5.yaml'(name) {
    const { files, frames } = graphFacts(name);
    const s = summaryOf(await runOk(name, '--json'));
    // PUB/SUB may drop at the high-water mark: what each subscriber misses is what its link counted.
    for (const [sink, upstream] of [
      ['spectra', 'publish.out -> fft.in'],
      ['raw', 'publish.out -> raw.in'],
    ] as const) {
      const seq = seqOf(files[sink]);
      expect(s.stats.nodes[sink].framesStored).toBe(seq.length);
      expect(increasing(seq)).toBe(true);
      expect(seq.length + s.stats.links[upstream].dropped).toBe(frames);
    }
  },
  async 'req-rep.yaml'(name) {
    const { files, frames } = graphFacts(name);
    const { graph } = loadGraph(readFileSync(path.join(work, 'graphs', name), 'utf8'));
    const replies = Number(graph!.nodes.request.params.frames);
    const s = summaryOf(await runOk(name, '--json'));
    expect(s.lost).toBe(0);
    // Each reply is the latest frame the server had: fewer than were taken, always newer.
    const seq = seqOf(files.recorder);
    expect(seq).toHaveLength(replies);
    expect(seq.every((x) => x >= 0 && x < frames)).toBe(true);
    expect(seq.every((x, i) => i === 0 || x >= seq[i - 1])).toBe(true);
  },
  async 'two-hosts.yaml'(name) {
    const { files, frames } = graphFacts(name);
    // Each half in its own process, as on two machines; either may start first.
    const [analysis, camera] = await Promise.all([
      patchbay('run', `graphs/${name}`, '--host', 'analysis-pc', '--json'),
      patchbay('run', `graphs/${name}`, '--host', 'camera-pc', '--json'),
    ]);
    for (const r of [analysis, camera]) expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(camera).stats.nodes.camera.framesOut).toBe(frames);
    expect(summaryOf(analysis).stats.nodes.recorder.framesIn).toBe(frames);
    expect(seqOf(files.recorder)).toEqual(range(frames));
  },
};

async function runOk(name: string, ...flags: string[]): Promise<Run> {
  const r = await patchbay('run', `graphs/${name}`, ...flags);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe.skipIf(noH5py)('example graphs run headless to completion', () => {
  const names = exampleGraphs();

  it('runs the copies on ports of their own, none of them one the examples use', () => {
    expect(ports.size).toBeGreaterThanOrEqual(4);
    const text = names.map((n) => readFileSync(path.join(work, 'graphs', n), 'utf8')).join('\n');
    for (const [old, now] of ports) {
      expect(now).not.toBe(old);
      expect(text).not.toContain(`:${old}`);
      expect(text).toContain(`:${now}`);
    }
  });

  it('every example graph has its expectations here', () => {
    expect(names.sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const name of names) {
    it(
      name,
      async () => {
        await expectations[name]?.(name);
      },
      120_000,
    );
  }

  // In this file, not its own: its run would race the runs above for the copies' ports.
  it('every npx patchbay command in the README runs and exits 0', async () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1].split('\n'))
      .filter((l) => l.startsWith('npx patchbay '));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) {
      const args = line
        .replace(/\s+#.*$/, '')
        .split(/\s+/)
        .slice(2);
      const expanded = args.flatMap((a) => (a === 'graphs/*.yaml' ? names.map((n) => `graphs/${n}`) : [a]));
      const r = await patchbay(...expanded);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length, line).toBeGreaterThan(0);
    }
  }, 180_000);

  it('the plain (non-JSON) run prints a summary with every node and what each file holds', async () => {
    const r = await runOk('push-pull.yaml');
    for (const id of ['camera', 'ventilator', 'worker1', 'worker2', 'sink', 'recorder']) expect(r.stdout).toContain(id);
    expect(r.stdout).toContain(`recorder: ${graphFacts('push-pull.yaml').frames} frames in its file`);
  }, 120_000);
});
