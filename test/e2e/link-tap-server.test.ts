/**
 * Link taps over the server's WebSocket: only the editor that tapped a link gets its frames'
 * headers, at most 5 per second, in order; a tap on something that is not a link is refused.
 * And the min/max/histogram a tap carries, on known values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startEditorServer, type EditorServer } from '../../runtime/server/server.ts';
import { frameSummary, HISTOGRAM_BINS } from '../../runtime/server/link-tap.ts';
import type { ServerMessage, TapMessage } from '../../runtime/server/protocol.ts';
import type { Graph } from '../../runtime/graph/types.ts';

let dir: string;
let server: EditorServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchbay-tap-'));
  server = await startEditorServer({ dir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A WebSocket of the editor's, and every message it got. */
async function connect(): Promise<{ ws: WebSocket; got: ServerMessage[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
    origin: `http://127.0.0.1:${server.port}`,
    headers: { authorization: `Bearer ${server.token}` },
  });
  const got: ServerMessage[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as ServerMessage));
  await new Promise<void>((ok, fail) => ws.once('open', () => ok()).once('error', fail));
  return { ws, got };
}

function until(got: ServerMessage[], pred: (m: ServerMessage) => boolean, timeout = 30_000): Promise<ServerMessage> {
  return new Promise((ok, fail) => {
    const t0 = Date.now();
    const poll = (): void => {
      const m = got.find(pred);
      if (m) return ok(m);
      if (Date.now() - t0 > timeout)
        return fail(new Error(`no such message in ${timeout} ms; got ${got.map((x) => x.type).join(', ')}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

describe('tap over the WebSocket', () => {
  it("the tapping editor alone gets the link's headers, in order, at most 5 per second; a bad link is BAD_REQUEST", async () => {
    const tapper = await connect();
    const other = await connect();
    try {
      tapper.ws.send(JSON.stringify({ op: 'tap', link: 'camera.out' }));
      const bad = await until(tapper.got, (m) => m.type === 'error');
      expect(bad).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });

      const link = 'camera.out -> recorder.in';
      tapper.ws.send(JSON.stringify({ op: 'tap', link }));
      const graph: Graph = {
        nodes: {
          camera: { type: 'Camera', params: { width: 16, height: 8, fps: 50, frames: 100 } },
          recorder: { type: 'HDF5Sink', params: { file: join(dir, 'tap.h5'), ifExists: 'overwrite' } },
        },
        links: [{ from: { node: 'camera', port: 'out' }, to: { node: 'recorder', port: 'in' } }],
      } as unknown as Graph;
      const t0 = Date.now();
      other.ws.send(JSON.stringify({ op: 'run', graph }));
      await until(tapper.got, (m) => m.type === 'done');
      const secs = (Date.now() - t0) / 1000;
      const taps = tapper.got.filter((m): m is TapMessage => m.type === 'tap');
      expect(taps.length).toBeGreaterThanOrEqual(2);
      // 100 frames at 50 fps take 2 s at least: 5 per second is ~10 of them, never 100.
      expect(taps.length).toBeLessThanOrEqual(Math.ceil(secs * 5) + 1);
      for (const m of taps)
        expect(m).toMatchObject({ link, dtype: 'uint8', shape: [8, 16], histogram: expect.any(Array) });
      const seqs = taps.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(other.got.filter((m) => m.type === 'tap')).toEqual([]);
    } finally {
      tapper.ws.close();
      other.ws.close();
    }
  });
});

describe('frameSummary', () => {
  it('min, max and a histogram from min to max', () => {
    const data = new Uint16Array([0, 100, 100, 1600]);
    const s = frameSummary({ dtype: 'uint16', data: new Uint8Array(data.buffer) });
    expect(s.min).toBe(0);
    expect(s.max).toBe(1600);
    expect(s.histogram).toHaveLength(HISTOGRAM_BINS);
    // Bins 100 wide: 0 in the first, the two 100s in the second, 1600 (the max) in the last.
    expect(s.histogram.slice(0, 3)).toEqual([1, 2, 0]);
    expect(s.histogram[HISTOGRAM_BINS - 1]).toBe(1);
    expect(s.histogram.reduce((a, b) => a + b)).toBe(4);
  });

  it('complex values by magnitude; a flat frame all in the first bin', () => {
    const c = frameSummary({ dtype: 'complex64', data: new Uint8Array(new Float32Array([3, 4, 0, 0]).buffer) });
    expect([c.min, c.max]).toEqual([0, 5]);
    const flat = frameSummary({ dtype: 'float32', data: new Uint8Array(new Float32Array([2, 2, 2]).buffer) });
    expect([flat.min, flat.max, flat.histogram[0]]).toEqual([2, 2, 3]);
  });
});
