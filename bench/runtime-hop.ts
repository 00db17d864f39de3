/**
 * Per-hop cost of the runtime against raw zeromq.js, 1 MiB frames, in the same run:
 *   raw:     a zeromq.js PUSH sending [header, payload] to a PULL, nothing else;
 *   runtime: source -> Push node (PUSH bind) -> sink with its PULL link socket, through the
 *            executor (in-process hand-off from the source, send queue, decode, stats, inbox).
 * Over tcp and inproc, plus the runtime's in-process hand-off alone (no socket) for reference.
 *
 *   node bin/run-ts.js bench/runtime-hop.ts [--quick]
 *
 * Prints a table of medians and writes bench/results/runtime-hop.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as zmq from 'zeromq';
import type { Plan } from '../runtime/compile/plan.ts';
import { routeSockets } from '../runtime/compile/route.ts';
import { runGraph } from '../runtime/exec/executor.ts';
import type { StageFactory } from '../runtime/exec/stage.ts';
import { encode, decode, type Frame } from '../runtime/wire/index.ts';
import { freePort } from '../test/helpers/run-harness.ts';

zmq.context.blocky = false;

const quick = process.argv.includes('--quick');
const FRAMES = quick ? 300 : 1000;
const RUNS = quick ? 3 : 7;
const BYTES = 1 << 20;
const payload = new Uint8Array(BYTES).fill(7);

const frame = (seq: number): Frame => ({
  kind: 'frame',
  seq,
  t: 0n,
  dtype: 'uint8',
  shape: [1024, 1024],
  data: payload,
});

async function endpoint(proto: 'tcp' | 'inproc', tag: string): Promise<string> {
  return proto === 'tcp'
    ? `tcp://127.0.0.1:${await freePort()}`
    : `inproc://bench-${tag}-${Math.random().toString(36).slice(2)}`;
}

/** Raw zeromq.js: ms for FRAMES frames, decode included (what any receiver must do). */
async function raw(proto: 'tcp' | 'inproc'): Promise<Measure> {
  const ep = await endpoint(proto, 'raw');
  const push = new zmq.Push({ sendHighWaterMark: 4, linger: 0 });
  const pull = new zmq.Pull({ receiveHighWaterMark: 4, linger: 0 });
  await push.bind(ep);
  pull.connect(ep);
  // Warm the connection so the handshake is not timed.
  await push.send(encode(frame(0)));
  await pull.receive();
  // Timed like the runtime case: from the first frame received to the last, FRAMES intervals.
  let c0 = process.cpuUsage();
  let t0 = 0;
  const receiver = (async () => {
    for (let i = 0; i <= FRAMES; i++) {
      decode(await pull.receive());
      if (i === 0) {
        t0 = performance.now();
        c0 = process.cpuUsage();
      }
    }
  })();
  for (let i = 0; i <= FRAMES; i++) await push.send(encode(frame(i)));
  await receiver;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  push.close();
  pull.close();
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

interface Measure {
  ms: number;
  /** CPU time of this process (main thread and libzmq's I/O threads): less sensitive to other load than wall time. */
  cpuMs: number;
}

const source: StageFactory = (io) => ({
  async run() {
    const n = Number(io.node.params.frames);
    for (let i = 0; i < n && !io.signal.aborted; i++) await io.emit('out', frame(i));
    return n;
  },
});

/** The runtime: ms from the first frame emitted to the sink having the last one. */
async function runtime(proto: 'tcp' | 'inproc' | 'in-process'): Promise<Measure> {
  let first = 0;
  let last = 0;
  let got = 0;
  let c0 = process.cpuUsage();
  let cpu = 0;
  const sink: StageFactory = () => ({
    async receive() {
      if (got++ === 0) {
        first = performance.now();
        c0 = process.cpuUsage();
      }
      last = performance.now();
      if (got === FRAMES + 1) {
        const c = process.cpuUsage(c0);
        cpu = (c.user + c.system) / 1000;
      }
    },
  });
  const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({
    id,
    type,
    params: params as never,
  });
  let plan: Plan;
  if (proto === 'in-process') {
    plan = {
      name: 'hop',
      nodes: [node('src', 'Src', { frames: FRAMES + 1 }), node('sink', 'Sink')],
      links: [
        {
          text: 'src.out -> sink.in',
          from: { node: 'src', port: 'out' },
          to: { node: 'sink', port: 'in' },
          via: 'inproc',
          endpoint: 'inproc://hop',
          lossless: true,
        },
      ],
      sockets: [],
      pools: [],
      startOrder: ['sink', 'src'],
    };
  } else {
    const ep = await endpoint(proto, 'rt');
    plan = {
      name: 'hop',
      nodes: [
        node('src', 'Src', { frames: FRAMES + 1 }),
        node('push', 'Push', { endpoint: ep, hwm: 4, bind: true }),
        node('sink', 'Sink'),
      ],
      links: [
        {
          text: 'src.out -> push.in',
          from: { node: 'src', port: 'out' },
          to: { node: 'push', port: 'in' },
          via: 'inproc',
          endpoint: 'inproc://a',
          lossless: true,
        },
        {
          text: 'push.out -> sink.in',
          from: { node: 'push', port: 'out' },
          to: { node: 'sink', port: 'in' },
          via: 'socket',
          endpoint: ep,
          lossless: true,
        },
      ],
      sockets: [
        { node: 'push', type: 'PUSH', side: 'bind', endpoint: ep, hwm: 4, route: { role: 'own' } },
        {
          node: 'sink',
          type: 'PULL',
          side: 'connect',
          endpoint: ep,
          hwm: 4,
          link: 'push.out -> sink.in',
          route: { role: 'link' },
        },
      ],
      pools: [],
      startOrder: ['sink', 'push', 'src'],
    };
    routeSockets(plan.sockets, plan.links);
  }
  const summary = await runGraph(plan, { graphText: '', stages: { Src: source, Sink: sink }, statsIntervalMs: 60_000 })
    .done;
  if (!summary.ok || got !== FRAMES + 1)
    throw new Error(`runtime run failed: ${JSON.stringify(summary.failures)} got ${got}`);
  // The first frame (handshake, warm-up) is not timed; FRAMES intervals remain.
  return { ms: last - first, cpuMs: cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  case: string;
  rawUsPerFrame: number;
  runtimeUsPerFrame: number;
  /** Median over runs of runtime/raw wall time, each pair measured back to back. */
  ratio: number;
  rawCpuUsPerFrame: number;
  runtimeCpuUsPerFrame: number;
  cpuRatio: number;
}
const rows: Row[] = [];

async function compare(name: string, rawCase: () => Promise<Measure>, rtCase: () => Promise<Measure>): Promise<void> {
  const r: Measure[] = [];
  const rt: Measure[] = [];
  // Interleaved, so both see the same machine load; ratios are taken pair by pair.
  for (let i = 0; i < RUNS; i++) {
    r.push(await rawCase());
    rt.push(await rtCase());
    if (process.env.BENCH_VERBOSE)
      console.log(name, r[i].ms.toFixed(0), rt[i].ms.toFixed(0), r[i].cpuMs.toFixed(0), rt[i].cpuMs.toFixed(0));
  }
  const us = (ms: number) => (ms * 1000) / FRAMES;
  rows.push({
    case: name,
    rawUsPerFrame: us(median(r.map((m) => m.ms))),
    runtimeUsPerFrame: us(median(rt.map((m) => m.ms))),
    ratio: median(r.map((m, i) => rt[i].ms / m.ms)),
    rawCpuUsPerFrame: us(median(r.map((m) => m.cpuMs))),
    runtimeCpuUsPerFrame: us(median(rt.map((m) => m.cpuMs))),
    cpuRatio: median(r.map((m, i) => rt[i].cpuMs / m.cpuMs)),
  });
}

await compare(
  'PUSH->PULL tcp',
  () => raw('tcp'),
  () => runtime('tcp'),
);
await compare(
  'PUSH->PULL inproc',
  () => raw('inproc'),
  () => runtime('inproc'),
);
await compare(
  'in-process hand-off (anchor: raw inproc)',
  () => raw('inproc'),
  () => runtime('in-process'),
);

const fmt = (n: number, d = 1) => n.toFixed(d).padStart(10);
console.log(
  `runtime hop, ${FRAMES} frames of 1 MiB, median of ${RUNS} interleaved runs (µs per frame; ratio = runtime / raw)`,
);
console.log(
  `${'case'.padEnd(42)} ${'raw wall'.padStart(10)} ${'runtime'.padStart(10)} ${'ratio'.padStart(10)} ${'raw cpu'.padStart(10)} ${'runtime'.padStart(10)} ${'ratio'.padStart(10)}`,
);
for (const r of rows)
  console.log(
    `${r.case.padEnd(42)} ${fmt(r.rawUsPerFrame)} ${fmt(r.runtimeUsPerFrame)} ${fmt(r.ratio, 2)} ${fmt(r.rawCpuUsPerFrame)} ${fmt(r.runtimeCpuUsPerFrame)} ${fmt(r.cpuRatio, 2)}`,
  );

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/runtime-hop.json', import.meta.url),
  JSON.stringify(
    {
      command: `node bin/run-ts.js bench/runtime-hop.ts${quick ? ' --quick' : ''}`,
      frames: FRAMES,
      runs: RUNS,
      bytes: BYTES,
      rows,
    },
    null,
    2,
  ) + '\n',
);
