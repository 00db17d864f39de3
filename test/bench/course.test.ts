// The benchmark's parts work: the harness answers --help and runs a Python side end to end,
// and each of the course's Python programs runs a few small frames and prints its JSON line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { cliNodeFlags } from '../../bench/lib/pipelines.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PY_DIR = join(ROOT, 'bench/python');
const noPython = missing('Debian python3 with zmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));
const noPyfftw = missing('Debian python3 with zmq and pyfftw', () => pythonHas('zmq', 'numpy', 'pyfftw'));
const noAddon = missing('the camera addon (npm run build:native)', () =>
  existsSync(join(ROOT, 'native/build/Release/patchbay_camera.node')),
);
const tmp = mkdtempSync(join(tmpdir(), 'patchbay-bench-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd = ROOT): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * bench/main.ts on one pattern and side, 5 frames, 1 repetition, its JSON to `name` in the
 * test's directory: it must exit 0. What it printed, and that JSON.
 */
async function benchMain<T>(
  pattern: string,
  side: string,
  name: string,
  ...more: string[]
): Promise<{ stdout: string; json: T }> {
  const out = join(tmp, name);
  const r = await run(process.execPath, [
    'bin/run-ts.js',
    'bench/main.ts',
    ...['--pattern', pattern, '--side', side, '--frames', '5', '--reps', '1'],
    ...more,
    ...['--out', out],
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return { stdout: r.stdout, json: JSON.parse(readFileSync(out, 'utf8')) as T };
}
const py = (script: string, args: string[]): Promise<Exit> => run(PYTHON, [join(PY_DIR, script), ...args], PY_DIR);

/** The one JSON line a course program prints, checked for the fields the harness reads. */
function resultLine(exit: Exit): Record<string, unknown> {
  expect(exit.code, exit.stderr).toBe(0);
  const lines = exit.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]) as Record<string, unknown>;
  for (const k of ['program', 'mode', 'seconds', 'fps', 'mbps']) expect(line).toHaveProperty(k);
  expect(line.error).toBeUndefined();
  return line;
}

const SMALL = ['--frames', '6', '--width', '64', '--height', '48', '--timeout', '20'];
const tcp = (port: number): string => `tcp://127.0.0.1:${port}`;

describe('bench/main.ts', () => {
  it('prints its usage with --help and exits 0', async () => {
    const r = await run(process.execPath, ['bin/run-ts.js', 'bench/main.ts', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: /);
    expect(r.stdout).toContain('--quick');
    expect(r.stdout).toContain('--all');
  });

  it('refuses an unknown pattern, and a rate that is not a positive whole number, with exit code 2', async () => {
    const r = await run(process.execPath, ['bin/run-ts.js', 'bench/main.ts', '--pattern', 'nope']);
    expect(r.code).toBe(2);
    const f = await run(process.execPath, ['bin/run-ts.js', 'bench/main.ts', '--fps', '0']);
    expect(f.code).toBe(2);
    expect(f.stderr + f.stdout).toMatch(/--fps: expected a positive integer/);
  });

  it.skipIf(noPython)('runs the Python REQ/REP side and writes its table row as JSON', async () => {
    const { json } = await benchMain<{
      rows: { pattern: string; side: string; consumer: string; lostMax: number; sent: number; fps: number }[];
    }>('reqrep', 'course', 'main.json');
    const row = json.rows.find((x) => x.pattern === 'reqrep' && x.side === 'course');
    expect(row).toMatchObject({ consumer: 'client', lostMax: 0, sent: 5 });
    expect(row!.fps).toBeGreaterThan(0);
  });

  it.skipIf(noPython)(
    '--tmpfs runs PUB/SUB once more with its recorder writing into /dev/shm, as a consumer of its own',
    async () => {
      const { stdout, json } = await benchMain<{
        rows: { consumer: string; side: string; sent: number }[];
        runs: { label?: string; raw: { program?: string; file?: string }[] }[];
      }>('pubsub', 'fast', 'tmpfs.json', '--tmpfs');
      expect(stdout).toContain('pubsub in tmpfs fast #1');
      expect(
        json.rows
          .filter((x) => x.side === 'fast')
          .map((x) => x.consumer)
          .sort(),
      ).toEqual(['fft', 'recorder', 'recorder in tmpfs']);
      expect(json.rows.find((x) => x.consumer === 'recorder in tmpfs')!.sent).toBe(5);
      const fileOf = (label?: string): string | undefined =>
        json.runs.find((x) => x.label === label)!.raw.find((l) => l.program === 'hdf5-subscriber')?.file;
      expect(fileOf('in tmpfs')).toMatch(/^\/dev\/shm\/patchbay-bench-/);
      expect(fileOf(undefined)).not.toMatch(/^\/dev\/shm\//);
    },
    60_000,
  );

  it.skipIf(noPyfftw)(
    "--limits measures the machine's limits in the same run and prints them beside the table",
    async () => {
      const {
        stdout,
        json: { limits },
      } = await benchMain<{ limits: Record<string, unknown> }>('reqrep', 'course', 'limits.json', '--limits');
      expect(stdout).toContain("the machine's limits (medians):");
      // Every limit measured here: dd and pyfftw are installed where the tests run.
      expect(limits.missing).toEqual([]);
      for (const k of ['memcpyGBps', 'ddPageCacheGBps', 'ddFdatasyncGBps', 'pyzmqGBps', 'zeromqJsGBps'])
        expect(limits[k], k).toBeGreaterThan(0);
      // dd writes as many 2 MiB blocks as the HDF5 bench appends frames, and says how many.
      expect(limits.ddBlocks).toBeGreaterThan(0);
      expect(stdout).toContain(`dd ${limits.ddBlocks as number} × 2 MiB into the page cache`);
      // The same bytes by pwrite into one file, one writer and two.
      const writers = limits.writersGBps as { one: number; two: number };
      expect(writers.one).toBeGreaterThan(0);
      expect(writers.two).toBeGreaterThan(0);
      expect(stdout).toContain(`pwrite ${limits.ddBlocks as number} × 2 MiB into one file, a frame at a time`);
      const fftw = limits.fftw1024Ms as { threads1: number; threads2: number };
      expect(fftw.threads1).toBeGreaterThan(0);
      expect(fftw.threads2).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('the node flags of the patchbay command', () => {
  it("npm start and the bench run with the flags of bin/patchbay.js's shebang, and the shebang runs", async () => {
    const flags = cliNodeFlags();
    expect(flags).toEqual(['--initial-old-space-size=128']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${flags.join(' ')} bin/patchbay.js edit`);
    // Executed as a program (how npm's bin link runs it), through env -S.
    const r = await run(join(ROOT, 'bin/patchbay.js'), ['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^patchbay \d+\.\d+\.\d+/);
  });
});

describe('bench/lib/run-graph.ts', () => {
  it('refuses a bad --stop-when with exit code 2', async () => {
    const r = await run(process.execPath, [
      'bin/run-ts.js',
      'bench/lib/run-graph.ts',
      'bench/graphs/reqrep.yaml',
      '--stop-when',
      'recorder',
    ]);
    expect(r.code).toBe(2);
  });

  it.skipIf(noAddon)(
    'runs the REQ/REP graph until the client has its replies, and times it from the first frame',
    async () => {
      const { json } = await benchMain<{
        rows: { side: string; consumer: string; lostMax: number; sent: number; fps: number; failed: number }[];
        runs: {
          raw: {
            summary: { stats: { nodes: Record<string, { framesIn: number }> } };
            firstFrameMs: number;
            lastInMs: Record<string, number>;
          }[];
        }[];
      }>('reqrep', 'patchbay', 'patchbay.json');
      expect(json.rows.find((x) => x.side === 'patchbay')).toMatchObject({
        consumer: 'client',
        lostMax: 0,
        sent: 5,
        failed: 0,
      });
      const timing = json.runs[0].raw[0];
      // The recorder counted every reply (it keeps only the first), after the camera's first frame.
      expect(timing.summary.stats.nodes.recorder.framesIn).toBe(5);
      expect(timing.lastInMs.recorder).toBeGreaterThan(timing.firstFrameMs);
    },
  );
});

describe.skipIf(noPython).each(['course', 'fast'])("the course's Python programs, %s way", (mode) => {
  // Ports 5690–5696, shared by both ways since tests in a file run one after the other: the
  // bench's own runs use 5610–5631 and patchbay's graphs 5650–5670.
  const base = 5690;
  const args = [...SMALL, '--mode', mode];

  it('REQ/REP: the client gets every frame it asks for', async () => {
    const ep = ['--endpoint', tcp(base)];
    const [server, client] = await Promise.all([
      py('course_reqrep_server.py', [...args, ...ep]),
      py('course_reqrep_client.py', [...args, ...ep]),
    ]);
    expect(resultLine(server)).toMatchObject({ program: 'reqrep-server', frames_sent: 6 });
    expect(resultLine(client)).toMatchObject({
      program: 'reqrep-client',
      mode,
      frames_sent: 6,
      frames_received: 6,
      lost: 0,
    });
  });

  it('PUSH/PULL: two workers transform every frame and the sink collects them all', async () => {
    const ep = { vent: tcp(base + 1), sink: tcp(base + 2), sync: tcp(base + 3), control: tcp(base + 4) };
    const worker = (): Promise<Exit> =>
      py('course_worker.py', [
        ...args,
        '--ventilator',
        ep.vent,
        '--sink',
        ep.sink,
        '--sync',
        ep.sync,
        '--control',
        ep.control,
      ]);
    const [sink, w1, w2, vent] = await Promise.all([
      py('course_sink.py', [
        ...args,
        '--workers',
        '2',
        '--endpoint',
        ep.sink,
        '--sync',
        ep.sync,
        '--control',
        ep.control,
      ]),
      worker(),
      worker(),
      py('course_ventilator.py', [...args, '--workers', '2', '--endpoint', ep.vent, '--sync', ep.sync]),
    ]);
    expect(resultLine(vent)).toMatchObject({ program: 'ventilator', frames_sent: 6 });
    expect(resultLine(sink)).toMatchObject({ program: 'sink', frames_sent: 6, frames_received: 6, lost: 0 });
    const done = [resultLine(w1), resultLine(w2)].map((l) => l.frames_received as number);
    expect(done[0] + done[1]).toBe(6);
  });

  it('PUB/SUB: both subscribers count what they got against what was published', async () => {
    const ep = { pub: tcp(base + 5), sync: tcp(base + 6) };
    const file = join(tmp, `pubsub-${mode}.h5`);
    const sub = ['--publisher', ep.pub, '--sync', ep.sync];
    // A high-water mark above the frame count and a slow camera: nothing is dropped here, so the counts must match exactly.
    const calm = ['--hwm', '100'];
    const [fft, rec, pub] = await Promise.all([
      py('course_fft_subscriber.py', [...args, ...calm, ...sub]),
      py('course_hdf5_subscriber.py', [...args, ...calm, ...sub, '--file', file]),
      py('course_publisher.py', [
        ...args,
        ...calm,
        '--subscribers',
        '2',
        '--fps',
        '200',
        '--endpoint',
        ep.pub,
        '--sync',
        ep.sync,
      ]),
    ]);
    expect(resultLine(pub)).toMatchObject({ program: 'publisher', frames_sent: 6 });
    expect(resultLine(fft)).toMatchObject({ program: 'fft-subscriber', frames_sent: 6, frames_received: 6, lost: 0 });
    expect(resultLine(rec)).toMatchObject({
      program: 'hdf5-subscriber',
      frames_sent: 6,
      frames_received: 6,
      recorded: 6,
    });
    // The recording is real: h5py reads back 6 frames of 48x64 uint16 with their seq.
    const check = await run(PYTHON, [
      '-c',
      `import h5py; f = h5py.File(${JSON.stringify(file)}, 'r'); g = f[list(f)[0]]; print(g['frames'].shape, g['frames'].dtype, list(g['seq'][:]))`,
    ]);
    expect(check.stdout.trim()).toBe('(6, 48, 64) uint16 [0, 1, 2, 3, 4, 5]');
  });
});
