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
import { freePort } from '../helpers/run-harness.ts';
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
      ['patchbay: 1', 'nodes:', `  camera: {type: Camera, params: {width: 32, height: 32, fps: 0, frames: ${N}}}`, `  ventilator: {type: Push, params: {endpoint: "${ep}", waitFor: 2}}`, 'links:', '  - camera.out -> ventilator.in', ''].join('\n'),
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
