/**
 * `patchbay export --python`: the scripts it writes compile, run, and interoperate with
 * patchbay: a whole graph as scripts alone, one host's half beside `patchbay run --host` of the
 * other, and a course graph (pickles, the synchronised start) beside patchbay and the course's
 * workers. Graphs are copies with free ports; Debian's Python runs the scripts.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli-main.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { defineNodeType, registerNodeType } from '../../nodes/registry.ts';
import { collectorGraph, killRuns, runCli, within } from '../helpers/cli-run.ts';
import { start, type Child } from '../helpers/child.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { freeTheirPorts } from '../helpers/ports.ts';
import { freePort } from '../helpers/run-harness.ts';

const noPython = missing('Python 3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));
const GRAPHS = fileURLToPath(new URL('../../graphs', import.meta.url));
const COURSE = fileURLToPath(new URL('../course/fixtures', import.meta.url));
const CHECK = fileURLToPath(new URL('../fixtures/export/check-pubsub.py', import.meta.url));

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  killRuns();
});

/** A temp dir holding copies of `files` (relative to graphs/) with free ports, `edit` applied to each text. */
async function copies(files: string[], edit: (text: string) => string = (t) => t): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-export-'));
  for (const f of files) writeFileSync(join(dir, f.replace(/^.*\//, '')), edit(readFileSync(join(GRAPHS, f), 'utf8')));
  await freeTheirPorts(dir);
  return dir;
}

/** Exports `graph` (in dir) to dir/py and checks every script compiles; returns the scripts' paths. */
async function exported(dir: string, graph: string, ...flags: string[]): Promise<string[]> {
  const r = await cli('export', '--python', join(dir, graph), join(dir, 'py'), ...flags);
  expect(r.code, r.err).toBe(0);
  const files = readdirSync(join(dir, 'py')).map((f) => join(dir, 'py', f));
  for (const f of files) expect(r.out).toContain(`python3 ${f}`);
  if (!noPython) {
    const c = await start(PYTHON, ['-m', 'py_compile', ...files]).exit;
    expect(c.code, c.stderr).toBe(0);
  }
  return files;
}

function python(file: string, cwd: string): Child {
  const child = start(PYTHON, [file], { cwd });
  children.push(child);
  return child;
}

describe('every example graph exports to Python that compiles', () => {
  const examples = [
    ...readdirSync(GRAPHS).filter((f) => f.endsWith('.yaml')),
    ...readdirSync(join(GRAPHS, 'course')).map((f) => `course/${f}`),
  ];
  it.each(examples)('%s', async (graph) => {
    const dir = await copies([graph]);
    const files = await exported(dir, graph.replace(/^.*\//, ''));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toContain('inproc://');
  });
});

describe.skipIf(noPython)('exported scripts run', () => {
  it('the whole pubsub-fft-hdf5 graph as three scripts: the recordings hold every frame of the pattern and its numpy spectrum', async () => {
    const dir = await copies(['pubsub-fft-hdf5.yaml'], (t) => t.replace('frames: 200', 'frames: 30'));
    const files = await exported(dir, 'pubsub-fft-hdf5.yaml');
    expect(files.map((f) => f.replace(/^.*\//, '')).sort()).toEqual([
      'pubsub-fft-hdf5-camera.py',
      'pubsub-fft-hdf5-fft.py',
      'pubsub-fft-hdf5-raw.py',
    ]);
    // Any order: the publisher waits for both subscriptions before its first frame.
    const scripts = files.map((f) => python(f, dir));
    await Promise.all(scripts.map((s) => s.line((l) => l === 'ready')));
    for (const s of scripts) {
      const r = await s.exit;
      expect(r.code, r.stderr).toBe(0);
    }
    const check = await start(PYTHON, [
      CHECK,
      join(dir, 'out/pubsub-raw.h5'),
      join(dir, 'out/pubsub-spectra.h5'),
      '256',
      '256',
    ]).exit;
    expect(check.code, check.stderr).toBe(0);
    const seq = [...Array(30).keys()];
    expect(JSON.parse(check.stdout)).toEqual({
      raw: { shape: [30, 256, 256], dtype: 'uint8', seq, pattern: true, timesRise: true, node: 'raw' },
      spectra: { shape: [30, 256, 256], dtype: 'float64', seq, numpy: true },
    });
  });

  it("two-hosts: the camera PC's half as Python, the analysis PC's in patchbay: every frame arrives, exit 0", async () => {
    const dir = await copies(['two-hosts.yaml'], (t) => t.replace('frames: 200', 'frames: 40'));
    const files = await exported(dir, 'two-hosts.yaml', '--host', 'camera-pc');
    expect(files.map((f) => f.replace(/^.*\//, ''))).toEqual(['two-hosts-camera.py']);
    const analysis = runCli(
      dir,
      readFileSync(join(dir, 'two-hosts.yaml'), 'utf8'),
      'two-hosts.yaml',
      '--host',
      'analysis-pc',
    );
    const camera = python(files[0], dir);
    const py = await camera.exit;
    expect(py.code, py.stderr).toBe(0);
    expect(py.stderr).toContain('ventilator: 40 frames');
    const { code, summary, stderr } = await analysis.exit;
    expect(code, stderr).toBe(0);
    expect(summary).toMatchObject({ ok: true, lost: 0 });
    expect(summary?.stats.nodes.worker).toMatchObject({ framesIn: 40, errors: 0 });
    expect(summary?.stats.nodes.recorder.framesStored).toBe(40);
  });

  it('an exported publisher waiting for 2 subscribers counts patchbay subscribers once each (not their end-of-stream subscription), and repeats end of stream until they have it: both get or count every frame, and end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-export-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'lesson.yaml'),
      `patchbay: 1
name: lesson
nodes:
  camera: {type: Camera, params: {width: 64, height: 64, fps: 0, frames: 20}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}", topic: camera, waitFor: 2}}
links:
  - camera.out -> publish.in
`,
    );
    const [script] = await exported(dir, 'lesson.yaml');
    const listener = `patchbay: 1
name: listener
nodes:
  listen: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:${port}", topics: [camera], hwm: 64}}
  recorder: {type: HDF5Sink, params: {file: FILE, group: run}}
links:
  - listen.out -> recorder.in
`;
    const publisher = python(script, dir);
    const first = runCli(dir, listener.replace('FILE', 'first.h5'), 'first.yaml');
    await first.stats((s) => s.nodes.listen?.state === 'running');
    // The second student joins once the first is in: the publisher must still be waiting.
    const second = runCli(dir, listener.replace('FILE', 'second.h5'), 'second.yaml');
    const ends = await within(Promise.all([first.exit, second.exit]), 30_000, 'a subscriber did not end');
    expect((await publisher.exit).code).toBe(0);
    for (const end of ends) {
      expect(end.code, end.stderr).toBe(0);
      // Its high-water mark (4) drops frames at full speed: each is stored or counted, and end of
      // stream, which PUB drops the same way, is sent again until each subscriber has it.
      const { recorder, listen } = end.summary!.stats.nodes;
      const stored = recorder.framesStored ?? 0;
      expect(stored).toBeGreaterThan(0);
      expect(stored + listen.dropped).toBe(20);
    }
  });

  it('two exported publishers dial one bound patchbay Subscribe: it stores every frame of both, and the first ends without waiting for the second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-export-'));
    const port = await freePort();
    const scripts: string[] = [];
    for (const frames of [20, 400]) {
      const own = join(dir, `student${frames}`);
      mkdirSync(own);
      writeFileSync(
        join(own, 'student.yaml'),
        `patchbay: 1
name: student${frames}
nodes:
  camera: {type: Camera, params: {width: 64, height: 64, fps: 100, frames: ${frames}}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${port}", topic: camera_frame, bind: false, waitFor: 1, hwm: 1000}}
links:
  - camera.out -> publish.in
`,
      );
      const [script] = await exported(own, 'student.yaml');
      scripts.push(script);
    }
    const collector = runCli(dir, collectorGraph(port, 'all.h5'), 'collector.yaml');
    await collector.stats((s) => s.nodes.listen?.state === 'running');
    // The long one first, and the short one once the collector counts it: a publisher that has
    // not connected yet cannot be waited for (the collector ends at the end of stream of every
    // publisher that connected; docs/wire-format.md), and Python's start can take longer than
    // the short one's 20 frames on a busy machine.
    const long = python(scripts[1], dir);
    await collector.stats((s) => s.nodes.listen?.peers === 1);
    const short = python(scripts[0], dir);
    let longEnded = false;
    void long.exit.then(() => (longEnded = true));
    // The second has most of its 4 s of frames to send when the first has sent its 20.
    expect((await within(short.exit, 20_000, 'the first publisher did not end')).code).toBe(0);
    expect(longEnded, 'the first publisher waited for the second').toBe(false);
    expect((await within(long.exit, 20_000, 'the second publisher did not end')).code).toBe(0);
    const end = await within(collector.exit, 20_000, 'the collector did not end');
    expect(end.code, end.stderr).toBe(0);
    // Before publishers named themselves, the first's repeated end of stream ended the collector early.
    expect(end.summary!.stats.nodes.recorder.framesStored).toBe(420);
    expect(end.summary!.stats.nodes.listen.dropped).toBe(0);
  });

  it("the course's ventilator graph (pickles, a handshake) as Python: it asks patchbay's sink first, course workers carry its frames, the sink records them all", async () => {
    const dir = await copies(['course/ventilator.yaml', 'course/sink.yaml'], (t) =>
      t.replace('frames: 100', 'frames: 20'),
    );
    const [script] = await exported(dir, 'ventilator.yaml');
    const text = readFileSync(script, 'utf8');
    expect(text).toContain('send_pyobj');
    const ports = /tcp:\/\/\*:(\d+)[\s\S]*tcp:\/\/\*:(\d+)/.exec(readFileSync(join(dir, 'sink.yaml'), 'utf8'))!;
    const vent = /tcp:\/\/\*:(\d+)/.exec(readFileSync(join(dir, 'ventilator.yaml'), 'utf8'))![1];
    const sink = runCli(dir, readFileSync(join(dir, 'sink.yaml'), 'utf8'), 'sink.yaml');
    await sink.stats(() => true);
    const workers = [0, 1].map(() => {
      const w = start(PYTHON, [join(COURSE, 'course_worker.py'), vent, ports[1]], { cwd: COURSE });
      children.push(w);
      return w;
    });
    await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
    const ventilator = python(script, dir);
    const py = await ventilator.exit;
    expect(py.code, py.stderr).toBe(0);
    expect(py.stderr).toContain('ventilator: 20 frames');
    const { code, summary, stderr } = await sink.exit;
    expect(code, stderr).toBe(0);
    // Pickles only: nothing the sink could not read (no end of stream in pickle mode).
    expect(summary?.stats.nodes.sink).toMatchObject({ framesIn: 20, errors: 0 });
    expect(summary?.stats.nodes.recorder.framesStored).toBe(20);
  });
});

describe('export refuses', () => {
  registerNodeType(
    defineNodeType(
      {
        type: 'Sharpen',
        role: 'compute',
        inputs: [{ name: 'in', type: 'frame', doc: 'Frames' }],
        outputs: [{ name: 'out', type: 'frame', doc: 'Sharper frames' }],
        params: {},
        docs: { summary: 'A type with no Python', description: 'A type with no Python.' },
      },
      async () => ({ default: undefined }),
    ),
  );

  const graph = (dir: string, text: string) => {
    writeFileSync(join(dir, 'g.yaml'), text);
    return join(dir, 'g.yaml');
  };
  const tmp = () => mkdtempSync(join(tmpdir(), 'patchbay-export-'));

  it('a graph with a type that has no Python: one error naming every such node, nothing written', async () => {
    const dir = tmp();
    const file = graph(
      dir,
      `patchbay: 1
nodes:
  camera: {type: Camera, params: {frames: 3}}
  copy: {type: Copy}
  sharp1: {type: Sharpen}
  sharp2: {type: Sharpen}
  a: {type: HDF5Sink, params: {file: a.h5}}
  b: {type: HDF5Sink, params: {file: b.h5}}
links:
  - camera.out -> copy.in
  - copy.out -> sharp1.in
  - copy.out -> sharp2.in
  - sharp1.out -> a.in
  - sharp2.out -> b.in
`,
    );
    const r = await cli('export', '--python', file, join(dir, 'py'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NO_PYTHON_TEMPLATE/);
    expect(r.err).toContain('sharp1 (Sharpen)');
    expect(r.err).toContain('sharp2 (Sharpen)');
    expect(existsSync(join(dir, 'py'))).toBe(false);
  });

  it('existing files unless --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-export-'));
    cpSync(join(GRAPHS, 'req-rep.yaml'), join(dir, 'req-rep.yaml'));
    const file = join(dir, 'req-rep.yaml');
    expect((await cli('export', '--python', file, join(dir, 'py'))).code).toBe(0);
    const target = join(dir, 'py', 'req-rep-camera.py');
    writeFileSync(target, '# mine\n');
    const again = await cli('export', '--python', file, join(dir, 'py'));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/FILE_EXISTS/);
    expect(readFileSync(target, 'utf8')).toBe('# mine\n');
    expect((await cli('export', '--python', file, join(dir, 'py'), '--force')).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^#!\/usr\/bin\/env python3/);
  });

  it('a host with no nodes, and an inproc endpoint (no process can share it)', async () => {
    const dir = tmp();
    const two = join(dir, 'two-hosts.yaml');
    cpSync(join(GRAPHS, 'two-hosts.yaml'), two);
    // As run --host: bad usage (2) naming the graph's hosts, before anything is exported.
    const r = await cli('export', '--python', two, join(dir, 'py'), '--host', 'nowhere');
    expect(r.code).toBe(2);
    expect(r.err).toContain("no node runs on host nowhere; the graph's hosts: camera-pc, analysis-pc");
    const inproc = graph(
      dir,
      `patchbay: 1
nodes:
  camera: {type: Camera, params: {frames: 3}}
  publish: {type: Publish}
  raw: {type: HDF5Sink, params: {file: raw.h5}}
links:
  - camera.out -> publish.in
  - publish.out -> raw.in
`,
    );
    const i = await cli('export', '--python', inproc, join(dir, 'py'));
    expect(i.code).toBe(1);
    expect(i.err).toMatch(/INPROC_ENDPOINT/);
  });

  it('a graph with errors: its errors, exit 1; bad usage: exit 2', async () => {
    const dir = tmp();
    const bad = graph(dir, 'patchbay: 1\nnodes:\n  camera: {type: Camera, params: {fps: -1}}\n');
    const r = await cli('export', '--python', bad, join(dir, 'py'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/PARAM_OUT_OF_RANGE/);
    expect((await cli('export', bad, join(dir, 'py'))).code).toBe(2);
    expect((await cli('export', '--python', bad)).code).toBe(2);
    expect((await cli('export', '--python', bad, join(dir, 'py'), '--hots', 'x')).code).toBe(2);
    expect(existsSync(join(dir, 'py'))).toBe(false);
  });

  it('text from the graph (its name, a file name, a topic) cannot end a comment or a docstring and become code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-export-'));
    writeFileSync(
      join(dir, 'evil.yaml'),
      `patchbay: 1
name: "evil \\"\\"\\" \\\\N{x}\\nimport os"
nodes:
  camera: {type: Camera, params: {frames: 2}}
  rec: {type: HDF5Sink, params: {file: "out/a.h5\\nimport os; os.system('touch pwned')"}}
links:
  - camera.out -> rec.in
`,
    );
    const files = await exported(dir, 'evil.yaml');
    // The prelude imports os itself (one line, alone); the graph's text never starts a line of code.
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toMatch(/^\s*import os[;:" ]/m);
      expect(text.match(/^import os$/gm)).toHaveLength(1);
    }
  });
});
