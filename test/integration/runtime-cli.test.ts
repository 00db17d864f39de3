import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import * as zmq from 'zeromq';
import { afterEach, expect, test } from 'vitest';
import { encode } from '../../runtime/wire/index.ts';
import { runCommand } from '../../runtime/exec/run-command.ts';
import { freePort, numberedFrame } from '../helpers/run-harness.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { spawnSync } from 'node:child_process';
import { start } from '../helpers/child.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

/** A graph fed from outside: Pull (frames from the test's PUSH) -> Copy -> Publish to outside subscribers. */
async function graphFile(): Promise<{ file: string; pullEp: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-run-'));
  const pullEp = `tcp://127.0.0.1:${await freePort()}`;
  const pubEp = `tcp://127.0.0.1:${await freePort()}`;
  const file = join(dir, 'feed.yaml');
  await writeFile(
    file,
    [
      'patchbay: 1',
      'name: feed',
      'nodes:',
      `  pull: {type: Pull, params: {endpoint: "${pullEp}"}}`,
      '  copy: {type: Copy}',
      `  publish: {type: Publish, params: {endpoint: "${pubEp}", topic: t}}`,
      'links:',
      '  - pull.out -> copy.in',
      '  - copy.out -> publish.in',
      '',
    ].join('\n'),
  );
  return { file, pullEp };
}

/** Sends numbered frames until stopped; EAGAIN once nobody listens any more. */
function feed(ep: string): { stop(): Promise<number> } {
  const push = new zmq.Push({ linger: 0, sendTimeout: 200 });
  opened.push(push);
  push.connect(ep);
  let on = true;
  let sent = 0;
  const loop = (async () => {
    while (on) {
      try {
        await push.send(encode(numberedFrame(sent, 1024)));
        sent++;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      }
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return sent;
    },
  };
}

test('SIGINT to `patchbay run --json`: clean exit 0, summary printed, every frame received went through', async () => {
  const { file, pullEp } = await graphFile();
  const child = start(process.execPath, [BIN, 'run', file, '--json']);
  const feeder = feed(pullEp);
  // Wait until the run reports frames flowing, then Ctrl-C.
  await child.line((l) => {
    const s = JSON.parse(l);
    return s.type === 'stats' && s.nodes.publish.framesIn >= 200;
  });
  child.kill('SIGINT');
  const { code, stdout, stderr } = await child.exit;
  await feeder.stop();
  expect(stderr).toContain('SIGINT');
  expect(code).toBe(0);
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const summary = lines.at(-1);
  expect(summary.type).toBe('summary');
  expect(summary.exitCode).toBe(0);
  expect(summary.failures).toEqual([]);
  const n = summary.stats.nodes;
  expect(n.pull.framesIn).toBeGreaterThanOrEqual(200);
  expect(n.copy.framesIn).toBe(n.pull.framesIn);
  expect(n.publish.framesIn).toBe(n.pull.framesIn);
  expect(n.publish.framesOut).toBe(n.pull.framesIn);
});

test('runCommand called directly: a graph with errors exits 1 with file:line:col CODE; no file is bad usage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-run-'));
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'patchbay: 1\nnodes:\n  x: {type: Nope}\nlinks: []\n');
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await runCommand([file], { stdout: sink(() => undefined), stderr: sink((s) => (err += s)) });
  expect(code).toBe(1);
  expect(err).toMatch(/bad\.yaml:3:\d+ .*UNKNOWN_TYPE/);
  await expect(runCommand([], { stdout: sink(() => undefined), stderr: sink(() => undefined) })).rejects.toMatchObject({
    code: 'USAGE',
  });
});

function addonBuilt(): boolean {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./native/index.ts').then(m => process.exit(m.builtBackends().includes('emulator') ? 0 : 1), () => process.exit(1))",
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: 'ignore',
    },
  );
  return r.status === 0;
}
const noCamera = missing('the camera addon (emulator) and h5py', () => addonBuilt() && pythonHas('h5py'));

test.skipIf(noCamera)(
  'SIGINT to an endless camera -> HDF5Sink run: exit 0, every frame the camera sent is in the file',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchbay-run-'));
    const file = join(dir, 'rec.yaml');
    const h5 = join(dir, 'frames.h5');
    await writeFile(
      file,
      [
        'patchbay: 1',
        'name: endless',
        'nodes:',
        '  camera: {type: Camera, params: {backend: emulator, width: 128, height: 96, fps: 200, frames: 0}}',
        `  recorder: {type: HDF5Sink, params: {file: "${h5}", group: run}}`,
        'links:',
        '  - camera.out -> recorder.in',
        '',
      ].join('\n'),
    );
    const child = start(process.execPath, [BIN, 'run', file, '--json']);
    await child.line((l) => JSON.parse(l).nodes?.recorder?.framesIn >= 50);
    child.kill('SIGINT');
    const { code, stdout } = await child.exit;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.type).toBe('summary');
    const sent = summary.stats.nodes.camera.framesOut;
    expect(summary.stats.nodes.recorder.framesIn).toBe(sent);
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        'import h5py,json,sys; g=h5py.File(sys.argv[1],"r")["run"]; print(json.dumps({"n": g["frames"].shape[0], "seq": g["seq"][:].tolist()}))',
        h5,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout);
    expect(got.n).toBe(sent);
    // Every frame the camera handed over, in order (a frame the camera itself had to drop would be a gap in seq, counted at the camera).
    expect(got.seq).toHaveLength(sent);
    for (let i = 1; i < got.seq.length; i++) expect(got.seq[i]).toBeGreaterThan(got.seq[i - 1]);
  },
);

test('a run that cannot drain (a ventilator with no workers): the second SIGINT forces the end, exit code 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-run-'));
  const file = join(dir, 'stuck.yaml');
  const pullEp = `tcp://127.0.0.1:${await freePort()}`;
  const pushEp = `tcp://127.0.0.1:${await freePort()}`;
  await writeFile(
    file,
    [
      'patchbay: 1',
      'nodes:',
      `  pull: {type: Pull, params: {endpoint: "${pullEp}"}}`,
      `  push: {type: Push, params: {endpoint: "${pushEp}"}}`,
      'links:',
      '  - pull.out -> push.in',
      '',
    ].join('\n'),
  );
  const child = start(process.execPath, [BIN, 'run', file, '--json']);
  const feeder = feed(pullEp);
  // The Pull node has taken frames that the Push node can never hand to anyone.
  await child.line((l) => JSON.parse(l).nodes?.pull?.framesIn >= 3);
  child.kill('SIGINT');
  // The run says it is stopping; the second Ctrl-C forces the end.
  await child.errLine((l) => l.includes('SIGINT'));
  child.kill('SIGINT');
  const { code, stdout } = await child.exit;
  expect(code).toBe(1);
  await feeder.stop();
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(summary.type).toBe('summary');
  expect(summary.failures.map((f: { code: string }) => f.code)).toContain('FORCED_STOP');
});
