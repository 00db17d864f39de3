/**
 * Runs nodes inside a tiny graph: a plan built by hand (no compiler needed), a test source
 * that emits numbered frames, and capture sinks that keep what they receive. Real sockets,
 * real executor; only the plan is written here instead of compiled from YAML.
 */
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Plan, PlanLink, PlanNode, PlanSocket } from '../../runtime/compile/plan.ts';
import { routeSockets } from '../../runtime/compile/route.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import type { RunHandle, RunOptions } from '../../runtime/exec/types.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { defineNodeType, getNodeType, registerNodeType } from '../../nodes/registry.ts';

export type Transport = 'tcp' | 'ipc' | 'inproc';

/** A free loopback port (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A unique endpoint on a transport (zeromq.js's test helpers do the same). */
export async function uniqAddress(proto: Transport): Promise<string> {
  const id = randomBytes(6).toString('hex');
  if (proto === 'tcp') return `tcp://127.0.0.1:${await freePort()}`;
  if (proto === 'ipc') return `ipc://${join(tmpdir(), `patchbay-test-${id}`)}`;
  return `inproc://test-${id}`;
}

export interface TinyNode {
  id: string;
  type: string;
  params?: Record<string, unknown>;
}

/** Params with the node type's defaults applied (test types have none). */
function withDefaults(type: string, params: Record<string, unknown> = {}): PlanNode['params'] {
  const decl = getNodeType(type);
  const out: Record<string, unknown> = {};
  if (decl)
    for (const [k, p] of Object.entries(decl.params)) if ('default' in p && p.default !== undefined) out[k] = p.default;
  return { ...out, ...params } as PlanNode['params'];
}

/**
 * A plan as the compiler writes it. `links` are "a.out -> b.in"; a link is carried by a socket
 * when one of `sockets` names it, else it is in-process. Sources go last in the start order.
 */
export function makePlan(nodes: TinyNode[], links: string[], sockets: PlanSocket[] = []): Plan {
  const planLinks: PlanLink[] = links.map((text) => {
    const m = /^(\w[\w-]*)\.(\w+)\s*->\s*(\w[\w-]*)\.(\w+)$/.exec(text);
    if (!m) throw new Error(`bad link ${text}`);
    const carrier = sockets.find((s) => s.link === text);
    return {
      text,
      from: { node: m[1], port: m[2] },
      to: { node: m[3], port: m[4] },
      via: carrier ? 'socket' : 'inproc',
      endpoint: carrier?.endpoint ?? `inproc://${m[1]}-${m[3]}`,
      lossless: carrier?.type !== 'SUB',
    };
  });
  const hasInput = new Set(planLinks.map((l) => l.to.node));
  const order = [...nodes.filter((n) => hasInput.has(n.id)).reverse(), ...nodes.filter((n) => !hasInput.has(n.id))];
  const planSockets = sockets.map((s) => {
    // As the compiler does: a node's own socket carries its waitFor.
    const waitFor = Number(nodes.find((n) => n.id === s.node && s.link === undefined)?.params?.waitFor ?? 0);
    return waitFor > 0 && s.waitFor === undefined ? { ...s, waitFor } : { ...s };
  });
  // The compiler's routing, on this hand-made plan.
  routeSockets(planSockets, planLinks);
  return {
    name: 'test',
    nodes: nodes.map((n) => ({ id: n.id, type: n.type, params: withDefaults(n.type, n.params) })),
    links: planLinks,
    sockets: planSockets,
    pools: [],
    startOrder: order.map((n) => n.id),
  };
}

/** A socket as the compiler lists it. */
export function sock(
  node: string,
  type: PlanSocket['type'],
  side: PlanSocket['side'],
  endpoint: string,
  extra: Partial<PlanSocket> = {},
): PlanSocket {
  // A socket with a link is one the link gave its node; without, the node's own (as the compiler has it).
  return { node, type, side, endpoint, hwm: 4, route: { role: extra.link === undefined ? 'own' : 'link' }, ...extra };
}

/** Frames `0..n-1` of `bytes` uint8 each; byte 0..3 hold the seq (little-endian) so content can be checked. */
export function numberedFrame(seq: number, bytes: number): Frame {
  const data = new Uint8Array(bytes);
  data.fill(seq & 0xff);
  if (bytes >= 4) new DataView(data.buffer).setUint32(0, seq, true);
  return { kind: 'frame', seq, t: BigInt(Date.now()) * 1_000_000n, dtype: 'uint8', shape: [bytes], data };
}

/**
 * A source emitting `frames` numbered frames of `bytes` (params of the node, 0 frames = until
 * stopped, one every `intervalMs` if given), waiting for backpressure like a camera stage does.
 */
export const testSource: StageFactory = (io) => ({
  async run() {
    const n = Number(io.node.params.frames ?? 0);
    const bytes = Number(io.node.params.bytes ?? 16);
    const intervalMs = Number(io.node.params.intervalMs ?? 0);
    let i = 0;
    while (!io.signal.aborted && (n === 0 || i < n)) {
      await io.emit('out', numberedFrame(i, bytes));
      i++;
      if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
      // A source that never yields would starve the sockets' event handlers.
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    return i;
  },
});

// TestSource as a node type of its own: its `frames` is the progress bar's total, as a
// Camera's is (the executor reads that from the declaration, never from a param's name).
if (!getNodeType('TestSource'))
  registerNodeType(
    defineNodeType(
      {
        type: 'TestSource',
        role: 'source',
        inputs: [],
        outputs: [{ name: 'out', type: 'any', doc: 'Numbered frames' }],
        params: {
          frames: { kind: 'number', default: 0, min: 0, integer: true, doc: 'Frames to send; 0 until stopped' },
          bytes: { kind: 'number', default: 16, min: 1, integer: true, doc: 'Bytes per frame' },
          intervalMs: { kind: 'number', default: 0, min: 0, doc: 'Pause between frames' },
        },
        progress: { param: 'frames' },
        docs: { summary: 'Numbered frames for the tests', description: 'Numbered frames for the tests.' },
      },
      async () => ({ default: testSource }),
    ),
  );

export interface Capture {
  frames: Frame[];
  ended: boolean;
  /** Resolves once `n` frames have arrived. */
  reached(n: number): Promise<void>;
}

/**
 * Capture sinks by node id: `Capture` nodes keep every frame; params `delayMs` (every `delayEvery` frames) make one slow,
 * `mutate: true` writes into each frame it gets (to show shallow copies are shared).
 */
export function captures(): { factory: StageFactory; of(id: string): Capture } {
  const all = new Map<string, Capture & { waiters: { n: number; resolve: () => void }[] }>();
  const get = (id: string) => {
    let c = all.get(id);
    if (!c) {
      const waiters: { n: number; resolve: () => void }[] = [];
      const cap = {
        frames: [] as Frame[],
        ended: false,
        waiters,
        reached(n: number) {
          if (cap.frames.length >= n) return Promise.resolve();
          return new Promise<void>((resolve) => waiters.push({ n, resolve }));
        },
      };
      c = cap;
      all.set(id, c);
    }
    return c;
  };
  const factory: StageFactory = (io) => {
    const c = get(io.node.id);
    const delayMs = Number(io.node.params.delayMs ?? 0);
    const delayEvery = Number(io.node.params.delayEvery ?? 1);
    return {
      async receive(_port, frame) {
        if (io.node.params.mutate) frame.data.fill(0xee);
        c.frames.push(frame);
        for (const w of c.waiters.filter((x) => c.frames.length >= x.n)) {
          c.waiters.splice(c.waiters.indexOf(w), 1);
          w.resolve();
        }
        if (delayMs > 0 && c.frames.length % delayEvery === 0) await new Promise((r) => setTimeout(r, delayMs));
      },
      async end() {
        c.ended = true;
      },
    };
  };
  return { factory, of: get };
}

/** Runs a plan with the test stages available as types `TestSource` and `Capture`. */
export function runPlan(
  plan: Plan,
  extra: Partial<RunOptions> & { capture?: ReturnType<typeof captures> } = {},
): RunHandle {
  const cap = extra.capture ?? captures();
  return runGraph(plan, {
    graphText: '',
    statsIntervalMs: 100,
    ...extra,
    stages: { TestSource: testSource, Capture: cap.factory, ...extra.stages },
  });
}
