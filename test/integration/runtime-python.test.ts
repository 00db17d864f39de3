import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { typedView } from '../../runtime/wire/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { captures, makePlan, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

const skip = missing('python3 with pyzmq and numpy', () => pythonHas('zmq', 'numpy'));
const script = (name: string) => fileURLToPath(new URL(`../../examples/python/${name}`, import.meta.url));

function python(args: string[]): { out: Promise<string>; ready: Promise<void> } {
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const out = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python exited ${code}: ${stderr}`))));
  });
  return { out, ready };
}

describe.skipIf(skip)('Python peers (examples/python)', () => {
  test('a pyzmq SUB reads every frame of a Publish node that waits for it', async () => {
    const ep = await uniqAddress('tcp');
    const N = 200;
    const bytes = 4096;
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes } },
        { id: 'pub', type: 'Publish', params: { endpoint: ep, topic: 'camera_frame', waitFor: 1, hwm: 1000 } },
      ],
      ['src.out -> pub.in'],
      [sock('pub', 'PUB', 'bind', ep, { hwm: 1000 })],
    );
    const run = runPlan(plan);
    // The source waits for this subscriber (waitFor: 1): no slow-joiner loss.
    const py = python([script('subscriber.py'), ep, 'camera', '--quiet']);
    const summary = await run.done;
    const result = JSON.parse((await py.out).trim().split('\n').at(-1)!);
    expect(summary.exitCode).toBe(0);
    expect(result.sent).toBe(N);
    expect(result.received).toBe(N);
    expect(result.missed).toBe(0);
    expect(result.seqs).toEqual([...Array(N).keys()]);
    // numberedFrame: every byte is seq & 0xff, except bytes 0..3 which hold seq little-endian.
    let want = 0;
    for (let s = 0; s < N; s++) want += (s & 0xff) * (bytes - 4) + (s & 0xff) + ((s >> 8) & 0xff);
    expect(result.sum).toBe(want);
  });

  test('a pyzmq PUSH feeds a Pull node: numpy frames arrive whole, end of stream ends the run', async () => {
    const ep = await uniqAddress('tcp');
    const N = 50;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'pull', type: 'Pull', params: { endpoint: ep } },
        { id: 'sink', type: 'Capture' },
      ],
      ['pull.out -> sink.in'],
      [sock('pull', 'PULL', 'bind', ep)],
    );
    const run = runPlan(plan, { capture: cap });
    const py = python([script('pusher.py'), ep, String(N), '48', '64']);
    const summary = await run.done;
    await py.out;
    expect(summary.exitCode).toBe(0);
    const frames = cap.of('sink').frames;
    expect(frames.map((f) => f.seq)).toEqual([...Array(N).keys()]);
    for (const f of frames) {
      expect(f.dtype).toBe('uint16');
      expect(f.shape).toEqual([48, 64]);
      expect(f.meta).toEqual({ from: 'pyzmq' });
      const px = typedView(f);
      expect(px[0]).toBe(f.seq);
      expect(px[48 * 64 - 1]).toBe((48 * 64 - 1 + f.seq) % 65536);
    }
  });

  test('pyzmq REQ clients ask a Reply node: each reply a newer frame', async () => {
    const ep = await uniqAddress('tcp');
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 0, bytes: 256, intervalMs: 2 } },
        { id: 'reply', type: 'Reply', params: { endpoint: ep } },
      ],
      ['src.out -> reply.in'],
      [sock('reply', 'REP', 'bind', ep, { hwm: 1 })],
    );
    const run = runPlan(plan);
    const result = JSON.parse((await python([script('requester.py'), ep, '8']).out).trim().split('\n').at(-1)!);
    run.stop();
    const summary = await run.done;
    expect(summary.exitCode).toBe(0);
    expect(result.received).toBe(8);
    for (let i = 1; i < 8; i++) expect(result.seqs[i]).toBeGreaterThan(result.seqs[i - 1]);
    expect(summary.stats.nodes.reply.framesOut).toBe(8);
  });

  test("two pyzmq PULL workers share a Push node's frames: each frame to exactly one, both get end of stream", async () => {
    const ep = await uniqAddress('tcp');
    const N = 300;
    const plan = makePlan(
      [
        // Slow enough that both workers are connected long before the end (end of stream goes to the workers connected then).
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 1024, intervalMs: 3 } },
        { id: 'push', type: 'Push', params: { endpoint: ep } },
      ],
      ['src.out -> push.in'],
      [sock('push', 'PUSH', 'bind', ep)],
    );
    // Workers first: a ventilator with no worker waits (nothing is lost), and both should get a share.
    const a = python([script('worker.py'), ep]);
    const b = python([script('worker.py'), ep]);
    await Promise.all([a.ready, b.ready]);
    const run = runPlan(plan);
    const summary = await run.done;
    const [ra, rb] = await Promise.all([a.out, b.out]).then((outs) =>
      outs.map((o) => JSON.parse(o.trim().split('\n').at(-1)!)),
    );
    expect(summary.exitCode).toBe(0);
    const all = [...ra.seqs, ...rb.seqs].sort((x: number, y: number) => x - y);
    expect(all).toEqual([...Array(N).keys()]);
    expect(ra.received).toBeGreaterThan(0);
    expect(rb.received).toBeGreaterThan(0);
  });

  test('a pyzmq publisher (XPUB, waiting for the first subscription) feeds a Subscribe node: every frame, then end of stream ends it', async () => {
    const port = (await uniqAddress('tcp')).split(':').at(-1);
    const N = 60;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'sub', type: 'Subscribe', params: { endpoint: `tcp://127.0.0.1:${port}`, topics: ['camera_frame'] } },
        { id: 'sink', type: 'Capture' },
      ],
      ['sub.out -> sink.in'],
      [sock('sub', 'SUB', 'connect', `tcp://127.0.0.1:${port}`, { topics: ['camera_frame'] })],
    );
    const py = python([script('publisher.py'), `tcp://*:${port}`, String(N), '48', '64']);
    await py.ready;
    const run = runPlan(plan, { capture: cap });
    const summary = await run.done;
    expect(JSON.parse((await py.out).trim().split('\n').at(-1)!)).toEqual({ sent: N });
    expect(summary.exitCode).toBe(0);
    expect(summary.stats.nodes.sub.dropped).toBe(0);
    const frames = cap.of('sink').frames;
    expect(frames.map((f) => f.seq)).toEqual([...Array(N).keys()]);
    for (const f of frames) expect(typedView(f)[100]).toBe((100 + f.seq) % 65536);
  });

  test("a Push node asks a pyzmq sink's ready socket (handshake), then every frame reaches the sink, and its end of stream ends it", async () => {
    const [data, ready] = [await uniqAddress('tcp'), await uniqAddress('tcp')];
    const N = 40;
    const py = python([script('sink.py'), data.replace('127.0.0.1', '*'), ready.replace('127.0.0.1', '*')]);
    await py.ready;
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 512 } },
        { id: 'push', type: 'Push', params: { endpoint: data, bind: false, handshake: ready } },
      ],
      ['src.out -> push.in'],
      [
        sock('push', 'PUSH', 'connect', data),
        sock('push', 'REQ', 'connect', ready, { hwm: 1, route: { role: 'own', handshake: true } }),
      ],
    );
    const summary = await runPlan(plan).done;
    expect(summary.exitCode).toBe(0);
    const result = JSON.parse((await py.out).trim().split('\n').at(-1)!);
    expect(result.received).toBe(N);
    expect(result.seqs).toEqual([...Array(N).keys()]);
  });

  test('a Request node asks a pyzmq REP server: its frames in order, then its end of stream ends the Request', async () => {
    const port = (await uniqAddress('tcp')).split(':').at(-1);
    const py = python([script('server.py'), `tcp://*:${port}`, '10']);
    await py.ready;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'req', type: 'Request', params: { endpoint: `tcp://127.0.0.1:${port}`, rate: 1000 } },
        { id: 'sink', type: 'Capture' },
      ],
      ['req.out -> sink.in'],
      [sock('req', 'REQ', 'connect', `tcp://127.0.0.1:${port}`, { hwm: 1 })],
    );
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.exitCode).toBe(0);
    expect(JSON.parse((await py.out).trim().split('\n').at(-1)!)).toEqual({ served: 10 });
    const frames = cap.of('sink').frames;
    expect(frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
    for (const f of frames) expect(typedView(f)[7]).toBe(7 + f.seq);
  });
});

describe.skipIf(skip)('examples/python with the wrong interpreter', () => {
  test('an interpreter without pyzmq gets a message naming it and what to install, not a bare traceback', async () => {
    // An interpreter whose zmq cannot be imported, as pyenv's or conda's python3 without pyzmq.
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-nozmq-'));
    mkdirSync(join(dir, 'zmq'));
    writeFileSync(
      join(dir, 'zmq', '__init__.py'),
      "raise ModuleNotFoundError(\"No module named 'zmq'\", name='zmq')\n",
    );
    for (const name of [
      'publisher.py',
      'subscriber.py',
      'pusher.py',
      'worker.py',
      'sink.py',
      'server.py',
      'requester.py',
    ]) {
      const r = spawnSync(PYTHON, [script(name)], { env: { ...process.env, PYTHONPATH: dir }, encoding: 'utf8' });
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toContain('has no module zmq: this script needs pyzmq and numpy');
      expect(r.stderr, name).not.toContain('Traceback');
    }
  });
});
