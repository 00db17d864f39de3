/**
 * The Script node's per-frame cost against the same function called directly in Node, on
 * the same 1 MiB frames, in the same run (issue 14's goal: ≤ 1.2×):
 *   direct: threshold(frame, header) in a loop in this thread;
 *   node:   source -> Script (threads 1, then 2) -> sink through the executor (slab copy,
 *           worker call, buffer moved back, in-order emission).
 *
 *   node bin/run-ts.js bench/script-node.ts [--quick]
 *
 * Prints a table of medians; docs/custom-nodes.md quotes it.
 */
import { fileURLToPath } from 'node:url';
import { compileGraph } from '../runtime/compile/index.ts';
import { runGraph } from '../runtime/exec/executor.ts';
import type { StageFactory } from '../runtime/exec/stage.ts';
import { loadGraph } from '../runtime/graph/index.ts';
import type { Frame } from '../runtime/wire/index.ts';
import threshold from '../test/fixtures/script-node/threshold.ts';

const quick = process.argv.includes('--quick');
const FRAMES = quick ? 200 : 1000;
/** Frames through the node before the clock starts: steady state is timed, not the pool's first page faults and JIT. */
const WARMUP = 100;
const RUNS = quick ? 3 : 5;
const MODULE = fileURLToPath(new URL('../test/fixtures/script-node/threshold.ts', import.meta.url));
const frames = Array.from({ length: 8 }, (_, k) =>
  Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + k * 13) & 0xff),
);

function direct(): number {
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++)
    threshold({ data: frames[i % 8], shape: [1024, 1024], dtype: 'uint8' }, { seq: i, t: 0n });
  return (performance.now() - t0) / FRAMES;
}

async function node(threads: number): Promise<number> {
  const yaml = `patchbay: 1
name: bench
nodes:
  src: {type: Camera, params: {frames: ${FRAMES}}}
  step: {type: Script, params: {module: "${MODULE}", threads: ${threads}}}
  sink: {type: HDF5Sink, params: {file: unused.h5}}
links:
  - src.out -> step.in
  - step.out -> sink.in
`;
  const plan = compileGraph(loadGraph(yaml).graph!);
  let t0 = 0;
  let last = 0;
  const source: StageFactory = (io) => ({
    async run() {
      for (let i = 0; i < WARMUP + FRAMES; i++) {
        const f: Frame = { kind: 'frame', seq: i, t: 0n, dtype: 'uint8', shape: [1024, 1024], data: frames[i % 8] };
        await io.emit('out', f);
      }
      return WARMUP + FRAMES;
    },
  });
  const sink: StageFactory = () => ({
    async receive(_p, f) {
      if (f.seq === WARMUP) t0 = performance.now();
      last = performance.now();
    },
  });
  const summary = await runGraph(plan, {
    graphText: yaml,
    stages: { Camera: source, HDF5Sink: sink },
    statsIntervalMs: 60_000,
  }).done;
  if (!summary.ok) throw new Error(JSON.stringify(summary.failures));
  busy[threads].push(summary.stats.nodes.step.msPerFrame);
  // From result WARMUP to the last: FRAMES - 1 intervals, the pool's start-up and first frames not timed.
  return (last - t0) / (FRAMES - 1);
}

/** The function's own time per frame inside the threads, one figure per node run. */
const busy: Record<number, number[]> = { 1: [], 2: [] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: [string, number][] = [];
const d: number[] = [];
const n1: number[] = [];
const n2: number[] = [];
for (let r = 0; r < RUNS; r++) {
  d.push(direct());
  n1.push(await node(1));
  n2.push(await node(2));
}
rows.push(
  ['direct call (this thread)', median(d)],
  ['Script node, threads 1', median(n1)],
  ['Script node, threads 2', median(n2)],
);
console.log(
  `Script node vs a direct call, 1 MiB uint8 frames (threshold), ${FRAMES} frames (the node's after ${WARMUP} untimed), medians of ${RUNS}`,
);
console.log('| | ms per frame | vs direct |');
console.log('|---|---|---|');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(3)} | ×${(ms / median(d)).toFixed(2)} |`);
console.log(
  `the function's own time per frame inside the threads: threads 1 ${median(busy[1]).toFixed(3)} ms, threads 2 ${median(busy[2]).toFixed(3)} ms`,
);
