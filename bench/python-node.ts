/**
 * The Python node's cost per frame against the same `process` in a plain Python loop over the
 * same frames, 1 MiB frames (512 × 1024 uint16), in the same run:
 *   loop:   Debian's python3 calling process(frame, header) on frames already in memory;
 *   node:   source → Python node (workers 1, then 2) → a sink that keeps nothing, through the
 *           executor: the frame into shared memory, the headers on the ipc:// PAIR socket both
 *           ways, the result read back, ordering, emission. Timed in steady state (the first
 *           WARMUP frames untimed: their page faults and JIT are start-up, not per frame), with
 *           the CPU the run's own process spends per frame beside the wall time.
 * Four `process` bodies: `return frame` (the node's own overhead), `frame * 2`, a background
 * subtraction in float32 (docs/custom-nodes.md's example) and an rfft2 magnitude (heavy work).
 *
 *   node bin/run-ts.js bench/python-node.ts [--quick]
 *
 * Prints a table of medians (µs per frame; node ÷ loop) and writes bench/results/python-node.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineNodeType, getNodeType, registerNodeType } from '../nodes/registry.ts';
import { python } from '../nodes/python/index.ts';
import { output } from '../nodes/python/stage.ts';
import { runGraph } from '../runtime/exec/executor.ts';
import type { StageFactory } from '../runtime/exec/stage.ts';
import type { Frame } from '../runtime/wire/index.ts';
import { PYTHON } from '../test/helpers/env.ts';
import { makePlan } from '../test/helpers/run-harness.ts';
import { MALLOC_ENV } from '../runtime/util/malloc.ts';
import { canMapFiles, mapWhole } from '../runtime/util/shared-map.ts';
import { median } from './lib/report.ts';
import * as zmq from 'zeromq';

if (!getNodeType('Python')) registerNodeType(defineNodeType(python, () => import('../nodes/python/stage.ts')));

const quick = process.argv.includes('--quick');
const FRAMES = quick ? 300 : 1000;
/** Frames through the node before the clock starts: steady state is timed, not the first frames' page faults and JIT. */
const WARMUP = 200;
const RUNS = quick ? 3 : 5;
const H = 512;
const W = 1024;
/** Distinct frames, sent in turn (never written again once emitted). */
const DISTINCT = 8;

const BODIES: Record<string, string> = {
  'return frame': 'def process(frame, header):\n    return frame\n',
  'frame * 2': 'def process(frame, header):\n    return frame * 2\n',
  'background subtraction': [
    'import numpy as np',
    'background = None',
    'def process(frame, header):',
    '    global background',
    '    f = frame.astype(np.float32)',
    '    if background is None:',
    '        background = f.copy()',
    '    background *= 0.95',
    '    background += 0.05 * f',
    '    return f - background',
    '',
  ].join('\n'),
  '|rfft2| float32':
    'import numpy as np\ndef process(frame, header):\n    return np.abs(np.fft.rfft2(frame)).astype(np.float32)\n',
};

const work = mkdtempSync(path.join(tmpdir(), 'patchbay-bench-python-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** The frames both sides work on: the same pseudo-random pixels (a fixed LCG), so numpy sees equal work. */
function frames(): Frame[] {
  const out: Frame[] = [];
  let x = 12345;
  for (let k = 0; k < DISTINCT; k++) {
    const px = new Uint16Array(H * W);
    for (let i = 0; i < px.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      px[i] = x >>> 20;
    }
    out.push({ kind: 'frame', seq: 0, t: 0n, dtype: 'uint16', shape: [H, W], data: new Uint8Array(px.buffer) });
  }
  return out;
}
const FRAME_SET = frames();
const framesFile = path.join(work, 'frames.bin');
writeFileSync(framesFile, Buffer.concat(FRAME_SET.map((f) => f.data)));

const LOOP = `
import importlib.util, json, sys, time
import numpy as np
script, frames_file, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec = importlib.util.spec_from_file_location("work", script)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
raw = np.fromfile(frames_file, dtype=np.uint16).reshape(${DISTINCT}, ${H}, ${W})
frames = [raw[k].copy() for k in range(${DISTINCT})]
out = []
for _ in range(runs):
    t0 = time.perf_counter()
    for i in range(n):
        mod.process(frames[i % ${DISTINCT}], {"seq": i, "t": 0, "dtype": "uint16", "shape": [${H}, ${W}], "meta": {}})
    out.append((time.perf_counter() - t0) / n * 1e6)
print(json.dumps(out))
`;

/** µs per frame of the plain loop, one figure per repetition; `tuned`: with the malloc settings the node's interpreters get. */
function loop(script: string, tuned: boolean): number[] {
  const env = tuned ? { ...process.env, ...MALLOC_ENV } : process.env;
  const r = spawnSync(PYTHON, ['-c', LOOP, script, framesFile, String(FRAMES), String(RUNS)], {
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`the plain loop failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** µs per frame through the node, in steady state: from the sink's frame WARMUP to its last, FRAMES intervals. */
async function node(script: string, workers: number): Promise<{ us: number; cpuUs: number }> {
  let t0 = 0;
  let t1 = 0;
  let cpu0 = process.cpuUsage();
  let cpu = cpu0;
  let got = 0;
  const source: StageFactory = (io) => ({
    async run() {
      let i = 0;
      for (; i <= WARMUP + FRAMES && !io.signal.aborted; i++)
        await io.emit('out', { ...FRAME_SET[i % DISTINCT], seq: i });
      return i;
    },
  });
  const sink: StageFactory = () => ({
    async receive() {
      if (got === WARMUP) {
        t0 = performance.now();
        cpu0 = process.cpuUsage();
      }
      got++;
      t1 = performance.now();
      cpu = process.cpuUsage(cpu0);
    },
  });
  const plan = makePlan(
    [
      { id: 'src', type: 'BenchSource' },
      { id: 'py', type: 'Python', params: { script, python: PYTHON, workers } },
      { id: 'sink', type: 'BenchSink' },
    ],
    ['src.out -> py.in', 'py.out -> sink.in'],
  );
  const summary = await runGraph(plan, { graphText: '', stages: { BenchSource: source, BenchSink: sink } }).done;
  if (!summary.ok) throw new Error(`the node's run failed: ${JSON.stringify(summary.failures)}`);
  if (got !== WARMUP + FRAMES + 1) throw new Error(`the sink got ${got} frames of ${WARMUP + FRAMES + 1}`);
  return { us: ((t1 - t0) / FRAMES) * 1000, cpuUs: (cpu.user + cpu.system) / FRAMES };
}

const ECHO = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PAIR)
s.connect(sys.argv[1])
while True:
    parts = s.recv_multipart(copy=False)
    if len(parts) == 1:
        break
    s.send_multipart(parts, copy=False)
`;

/**
 * The transport alone, for reference: zeromq.js PAIR ↔ pyzmq PAIR over ipc://, each frame sent
 * and echoed back from the received buffer, sends pipelined: 1 MiB each way per frame.
 */
async function floor(): Promise<number> {
  const endpoint = `ipc://${path.join(work, 'echo')}`;
  const socket = new zmq.Pair({ linger: 0 });
  await socket.bind(endpoint);
  const child = spawn(PYTHON, ['-c', ECHO, endpoint], { stdio: 'inherit', env: { ...process.env, ...MALLOC_ENV } });
  const exited = new Promise((r) => child.once('exit', r));
  const header = '{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint16","shape":[512,1024]}';
  await socket.send([header, FRAME_SET[0].data]);
  await socket.receive();
  const t0 = performance.now();
  const received = (async () => {
    for (let i = 0; i < FRAMES; i++) await socket.receive();
  })();
  for (let i = 0; i < FRAMES; i++) await socket.send([header, FRAME_SET[i % DISTINCT].data]);
  await received;
  const us = ((performance.now() - t0) / FRAMES) * 1000;
  await socket.send('end');
  await exited;
  socket.close();
  return us;
}

/**
 * The copies the node cannot avoid, for reference: the frame into a slot file on /dev/shm and a
 * result of the same size back out, as the stage does them (through a mapping where the addon
 * is built, else write and read), in a loop of their own: `mapped` says which.
 */
function shmCopies(): { us: number; mapped: boolean } {
  const dir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/patchbay-bench-') : work;
  const fd = openSync(path.join(dir, 'slot'), 'w+');
  const bytes = H * W * 2;
  ftruncateSync(fd, bytes);
  const mapped = canMapFiles();
  const map = mapped ? mapWhole(fd, bytes) : undefined;
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    const back = Buffer.allocUnsafe(bytes);
    if (map) {
      map.set(FRAME_SET[i % DISTINCT].data);
      back.set(map);
    } else {
      writeSync(fd, FRAME_SET[i % DISTINCT].data, 0, bytes, 0);
      readSync(fd, back, 0, bytes, 0);
    }
  }
  const us = ((performance.now() - t0) / FRAMES) * 1000;
  closeSync(fd);
  rmSync(dir === work ? path.join(dir, 'slot') : dir, { recursive: true, force: true });
  return { us, mapped };
}

interface Result {
  body: string;
  loopUs: number;
  /** The same loop with glibc's default malloc thresholds. */
  loopDefaultUs: number;
  nodeUs: Record<string, number>;
  /** CPU of the run's own process (not the interpreters') per frame. */
  nodeCpuUs: Record<string, number>;
  ratio: Record<string, number>;
}

output.write = (text) => void process.stderr.write(text);
const floors: number[] = [];
for (let r = 0; r < RUNS; r++) floors.push(await floor());
const floorUs = median(floors);
const copies: number[] = [];
let copiesMapped = false;
for (let r = 0; r < RUNS; r++) {
  const c = shmCopies();
  copies.push(c.us);
  copiesMapped = c.mapped;
}
const copiesUs = median(copies);
const results: Result[] = [];
for (const [body, source] of Object.entries(BODIES)) {
  const script = path.join(work, `${body.replace(/\W+/g, '-')}.py`);
  writeFileSync(script, source);
  const loopUs = median(loop(script, true));
  const loopDefaultUs = median(loop(script, false));
  const nodeUs: Record<string, number> = {};
  const nodeCpuUs: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  for (const workers of [1, 2]) {
    const runs: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { us, cpuUs } = await node(script, workers);
      runs.push(us);
      cpus.push(cpuUs);
    }
    nodeUs[`workers ${workers}`] = median(runs);
    nodeCpuUs[`workers ${workers}`] = median(cpus);
    ratio[`workers ${workers}`] = median(runs) / loopUs;
  }
  results.push({ body, loopUs, loopDefaultUs, nodeUs, nodeCpuUs, ratio });
}

const rows = [
  [
    'process',
    'loop, default malloc µs',
    'plain loop µs',
    'node w1 µs',
    'node w1 ÷ loop',
    'w1 CPU µs',
    'node w2 µs',
    'node w2 ÷ loop',
    'w2 CPU µs',
  ],
  ...results.map((r) => [
    r.body,
    r.loopDefaultUs.toFixed(0),
    r.loopUs.toFixed(0),
    r.nodeUs['workers 1'].toFixed(0),
    r.ratio['workers 1'].toFixed(2),
    r.nodeCpuUs['workers 1'].toFixed(0),
    r.nodeUs['workers 2'].toFixed(0),
    r.ratio['workers 2'].toFixed(2),
    r.nodeCpuUs['workers 2'].toFixed(0),
  ]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
process.stdout.write(
  `Python node vs a plain Python loop: ${H}×${W} uint16 (1 MiB), ${FRAMES} frames after ${WARMUP} untimed, medians of ${RUNS}\n`,
);
for (const row of rows)
  process.stdout.write(
    `${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}\n`,
  );
process.stdout.write(
  `the frame into /dev/shm and 1 MiB back, in Node (the node's own copies, ${copiesMapped ? 'mapped' : 'write and read'}, in a loop of their own): ${copiesUs.toFixed(0)} µs per frame\n` +
    `for comparison, 1 MiB each way through a socket (zeromq.js ↔ pyzmq PAIR echo over ipc://): ${floorUs.toFixed(0)} µs per frame\n`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/python-node.json',
  `${JSON.stringify({ frames: FRAMES, runs: RUNS, bytes: H * W * 2, floorUs, copiesUs, results }, null, 2)}\n`,
);
