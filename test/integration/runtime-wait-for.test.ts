/**
 * A teacher's ventilator: a Push node with `waitFor: 2` holds its camera until two students'
 * workers (examples/python/worker.py, pyzmq) have connected, so both share the round robin
 * from the first frame. Without it the first worker to connect takes every frame.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import * as zmq from 'zeromq';
import { freePort, makePlan, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';
import { decode } from '../../runtime/wire/index.ts';
import { start } from '../helpers/child.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../../examples/python/worker.py', import.meta.url));
const skip = missing('python3 with pyzmq and numpy', () => pythonHas('zmq', 'numpy'));

describe.skipIf(skip)('Push waitFor', () => {
  test('the camera waits for two outside workers; both get frames, every seq exactly once', async () => {
    const N = 40;
    const ep = `tcp://127.0.0.1:${await freePort()}`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'patchbay-waitfor-')), 'class.yaml');
    writeFileSync(
      file,
      [
        'patchbay: 1',
        'nodes:',
        `  camera: {type: Camera, params: {width: 32, height: 32, fps: 0, frames: ${N}}}`,
        `  ventilator: {type: Push, params: {endpoint: "${ep}", waitFor: 2}}`,
        'links:',
        '  - camera.out -> ventilator.in',
        '',
      ].join('\n'),
    );
    const run = start(process.execPath, [BIN, 'run', file, '--json']);
    // The graph is up (its first stats line) before any worker exists.
    await run.line((l) => l.startsWith('{'));
    const a = start(PYTHON, [WORKER, ep]);
    await a.line((l) => l === 'ready');
    // The first worker is connected; the camera must still be holding back.
    const first = JSON.parse(await run.line((l) => l.startsWith('{') && 'nodes' in JSON.parse(l)));
    expect(first.nodes?.camera?.framesOut ?? 0).toBe(0);
    const b = start(PYTHON, [WORKER, ep]);
    const [ra, rb, rr] = await Promise.all([a.exit, b.exit, run.exit]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const sa = JSON.parse(ra.stdout.trim().split('\n').at(-1)!) as { seqs: number[] };
    const sb = JSON.parse(rb.stdout.trim().split('\n').at(-1)!) as { seqs: number[] };
    expect(sa.seqs.length).toBeGreaterThan(0);
    expect(sb.seqs.length).toBeGreaterThan(0);
    expect([...sa.seqs, ...sb.seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});

describe('end of stream to outside workers', () => {
  test('a slow worker whose queue is full at the end still gets its end of stream', async () => {
    const ep = await uniqAddress('tcp');
    const N = 200;
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 1024 } },
        { id: 'push', type: 'Push', params: { endpoint: ep, waitFor: 2, hwm: 1 } },
      ],
      ['src.out -> push.in'],
      [sock('push', 'PUSH', 'bind', ep, { hwm: 1 })],
    );
    const run = runPlan(plan);
    // Two students' workers: one takes frames at once, one 20 ms each (its queue stays full).
    const worker = async (delayMs: number): Promise<{ seqs: number[]; ended: boolean }> => {
      const pull = new zmq.Pull({ receiveHighWaterMark: 1, receiveTimeout: 10_000, linger: 0 });
      pull.connect(ep);
      const seqs: number[] = [];
      try {
        for (;;) {
          const { msg } = decode(await pull.receive());
          if (msg.kind === 'eos') return { seqs, ended: true };
          seqs.push(msg.seq);
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        }
      } catch {
        return { seqs, ended: false };
      } finally {
        pull.close();
      }
    };
    const [fast, slow] = await Promise.all([worker(0), worker(20)]);
    const summary = await run.done;
    expect(summary.exitCode).toBe(0);
    expect(fast.ended && slow.ended).toBe(true);
    expect(slow.seqs.length).toBeGreaterThan(0);
    expect([...fast.seqs, ...slow.seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});
