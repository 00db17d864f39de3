/**
 * The FFT node against numpy and FFTW, in the same run: ms per frame of one transform on
 * one thread (ours exact and fast vs numpy fft2, numpy rfft2, FFTW real-input; the exact
 * half spectrum also through WebAssembly where the native path is what runs), then the
 * stage's frames/s through a Piscina pool of 1 and 2 workers, and with 2 workers at 1024²
 * in the half spectrum (FFTW on 2 threads is its anchor: bench/lib/limits.ts).
 * Figures: docs/performance-fft.md.
 *
 *   node bin/run-ts.js bench/fft.ts [--quick] [--reps N] [--python PATH]
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { emptyStats, type StageIO } from '../runtime/exec/stage.ts';
import type { Frame } from '../runtime/wire/index.ts';
import { fft } from '../nodes/fft/index.ts';
import createFftStage from '../nodes/fft/stage.ts';
import { Fft2, outputSpec, outputView, transformInto, type Fft2Options } from '../nodes/fft/fft2.ts';
import { wasmFft2For, wasmSupports } from '../nodes/fft/wasm-fft2.ts';
import { NativeFft2, nativeAddress, nativeIsa, nativeSupports } from '../nodes/fft/native-fft2.ts';
import { tuneMalloc } from '../runtime/util/malloc.ts';
import { median } from './lib/report.ts';
import type { AloneResult, AloneTask } from './lib/fft-alone-worker.ts';
import { workerOptions } from '../runtime/util/ts-worker.ts';
import type { Piscina } from 'piscina';

const ALONE_WORKER = new URL('./lib/fft-alone-worker.ts', import.meta.url);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Stages are driven here without an executor: give this process the malloc settings a run has.
tuneMalloc();

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    // Internal: one pool measurement in a fresh process, printed as JSON ("H,W,THREADS[,OUTPUT]").
    'pool-child': { type: 'string' },
    // Internal: N transforms of an H x W frame once told to go, ms each as JSON ("H,W,N").
    'transform-child': { type: 'string' },
  },
});
const quick = args.quick as boolean;
const reps = args.reps ? Number(args.reps) : quick ? 8 : 30;
/**
 * Transforms timed per size. A quick run took 8 everywhere, and its goal ratios against FFTW
 * moved by ±40 % from run to run; 24 cost a few seconds below 2048², where they matter most.
 */
const repsFor = (h: number, w: number): number => (args.reps || !quick || h * w >= 2048 * 2048 ? reps : 24);
/** Turns numpy and ours take at each size (samples are pooled for the median). */
const ROUNDS = 3;
const SIZES: [number, number][] = [
  [256, 256],
  [512, 512],
  [1024, 1024],
  [480, 640],
  [1200, 1920],
  // Against 1024²: does the time per pixel grow faster than log N (the cache)?
  [2048, 2048],
];
const POOL_SIZES: [number, number][] = quick
  ? [[480, 640]]
  : [
      [480, 640],
      [1024, 1024],
      [1200, 1920],
    ];
/** Timed frames through the pool: 8 rounds (POOL_ROUNDS) of 30, each followed by as many transforms alone. */
const POOL_FRAMES = quick ? 40 : 240;
/**
 * Frames through the pool before the clock starts. The workers' first frames page-fault their
 * output buffers in fresh (the main thread frees them only as it collects): with 2 frames of
 * warm-up a 480x640 frame took 3.0 ms of worker time, with 100 it took 2.3-2.5 (steady state).
 */
const POOL_WARMUP = quick ? 60 : 100;

function frame(h: number, w: number, seed: number): Uint8Array {
  const x = new Uint8Array(h * w);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s >>> 24;
  }
  return x;
}

/** ms of each of `n` runs of `f`, after `untimed` (3) that build plans and let the JIT settle. */
function timeRuns(f: () => void, n: number, untimed = 3): number[] {
  for (let i = 0; i < untimed; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    f();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ts;
}

/** ms of each of `n` transforms by the path transformInto takes here. */
function timeOurs(x: Uint8Array, h: number, w: number, opts: Fft2Options, n: number): number[] {
  const spec = outputSpec(h, w, opts);
  const out = outputView(spec, new ArrayBuffer(spec.bytes), 0);
  return timeRuns(() => transformInto(x, h, w, out, opts), n);
}

/** The exact half spectrum through WebAssembly, whichever path transformInto takes here. */
function timeWasm(x: Uint8Array, h: number, w: number, n: number): number[] {
  const opts = { output: 'half', shift: false, precision: 'exact' } as const;
  const out = new Float64Array(outputSpec(h, w, opts).bytes / 8);
  const f = wasmFft2For(h, w);
  return timeRuns(() => f.transform(x, out, opts), n);
}

/** The same, on the JavaScript path (what sizes with prime factors above 5 get). */
function timeJs(x: Uint8Array, h: number, w: number, n: number): number[] {
  const opts = { output: 'complex', shift: false, precision: 'exact' } as const;
  const f = new Fft2(h, w);
  const out = new Float64Array(2 * h * w);
  return timeRuns(() => f.transform(x, out, opts), n);
}

/** Rounds of the step in turns: a round is about 20 ms at 2048² (2 s at most in all). */
const STEP_ROUNDS = 60;
/** Untimed 1024² transforms before the warm one of a round: its buffers back in the cache. */
const STEP_WARMUP = 3;

/**
 * The step from 1024² to 2048² (the exact half spectrum, one thread) with both sizes in turns,
 * so that the machine's pace, which drifts by a third from minute to minute on a shared VM,
 * is the same for both. Each round times a 1024² transform right after the last round's
 * 2048² (cold: its spectrum evicted, as in a pipeline whose frames and spectra pass through
 * the cache), then one after STEP_WARMUP more (warm: as in the per-size medians above, a loop
 * over one buffer), then a 2048². Ratios by N log N (×4.4), paired per round; medians. Native
 * path only: its transforms keep one size each (nativeFft2For holds one at a time).
 */
function stepInTurns(): { warm: number; cold: number; warmMs: number; coldMs: number; ms2048: number } | null {
  if (!nativeSupports(1024, 1024) || !nativeSupports(2048, 2048)) return null;
  const opts = { output: 'half', shift: false, precision: 'exact' } as const;
  const [small, large] = [1024, 2048].map((n) => {
    const f = new NativeFft2(n, n);
    const x = frame(n, n, 7);
    const out = new Float64Array(outputSpec(n, n, opts).bytes / 8);
    return () => f.transform(x, out, opts);
  });
  const time = (f: () => void): number => timeRuns(f, 1, 0)[0];
  for (let i = 0; i < 3; i++) [small, large].forEach((f) => f());
  const cold: number[] = [];
  const warm: number[] = [];
  const big: number[] = [];
  for (let r = 0; r < STEP_ROUNDS; r++) {
    cold.push(time(small));
    for (let i = 0; i < STEP_WARMUP; i++) small();
    warm.push(time(small));
    big.push(time(large));
  }
  const steps = (t: number[]) => median(big.map((b, i) => b / (t[i] * 4 * 1.1)));
  return { warm: steps(warm), cold: steps(cold), warmMs: median(warm), coldMs: median(cold), ms2048: median(big) };
}

interface Anchor {
  numpy_fft2: number[];
  numpy_rfft2: number[];
  fftw_rfft2: number[] | null;
  fftw_problem?: string;
  numpy?: string;
  pyfftw?: string;
}

function anchor(h: number, w: number, n: number): Anchor {
  const r = spawnSync(
    args.python as string,
    [join(ROOT, 'bench/python/fft_anchor.py'), String(h), String(w), String(n)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench/python/fft_anchor.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Anchor;
}

interface PoolRun {
  fps: number;
  /** Mean worker time per frame, ms: grows when the workers do not get a core each. */
  workerMs: number;
  /** Median worker time per frame, ms. */
  workerMedianMs: number;
  /**
   * The goal's ratio: per round, the median frame's worker time over the median transform alone
   * of the same round; the median over rounds (the machine's pace drifts between rounds).
   */
  ratioInTurns: number;
  /** Share of the time the main thread was busy (copying frames in, emitting). */
  mainThreadBusy: number;
  /**
   * The same transform alone (the stage's output, exact), ms, timed in the stage's own worker
   * in turns with the stage's frames, on the stage's inputs in turn and into as many outputs in
   * turn as the stage used: what the goal holds the stage's CPU per frame against.
   */
  transformMs: number;
  /** Spectra the stage had in use: distinct output buffers among its last frames of a round (median). */
  outputs: number;
  /** Whether every transform alone ran in one of the stage's own worker threads. */
  aloneInStageWorkers: boolean;
}

/** Rounds the pool's timed frames are split into, each followed by as many transforms alone. */
const POOL_ROUNDS = 8;

/**
 * Frames per second through the stage with `threads` workers, into a consumer that keeps
 * nothing and gives each spectrum back at once (HDF5Sink does once it has copied it:
 * docs/frame-lifetimes.md), so the stage reuses its spectra.
 */
async function poolFps(h: number, w: number, threads: number, output: Fft2Options['output']): Promise<PoolRun> {
  const defaults = Object.fromEntries(Object.entries(fft.params).map(([k, d]) => [k, d.default]));
  const io: StageIO = {
    node: { id: 'fft', type: 'FFT', params: { ...defaults, threads, output, precision: 'exact' } as never },
    graphText: '',
    startedAt: new Date(),
    stats: emptyStats(),
    emit: async (_port, msg, _branch, release) => {
      if (msg.kind === 'frame') {
        emitted.push(nativeAddress(msg.data));
        // The stage adds each frame's worker time to busyNs just before it emits the frame.
        perFrame.push((io.stats.busyNs - counted) / 1e6);
        counted = io.stats.busyNs;
      }
      release?.();
    },
    // An in-process consumer's inbox (4) and the frame in its receive().
    lends: () => 5,
    warn: (e) => {
      throw e;
    },
    signal: new AbortController().signal,
  };
  // Where each spectrum the stage emitted lies (the buffers it rotates), and each one's worker time.
  const emitted: number[] = [];
  let perFrame: number[] = [];
  let counted = 0;
  const stage = await createFftStage(io);
  await stage.open!();
  try {
    const frames: Frame[] = [0, 1, 2, 3].map((i) => ({
      kind: 'frame',
      seq: i,
      t: 0n,
      dtype: 'uint8',
      shape: [h, w],
      data: frame(h, w, i + 1),
    }));
    // Warm-up: workers start, load the transform, build plans, and reach steady state.
    for (let i = 0; i < POOL_WARMUP; i++) await stage.receive!('in', { ...frames[i % 4], seq: i });
    await stage.end!();
    // The stage's frames in rounds, each followed by as many transforms alone in the stage's
    // own worker (fft-alone-worker.ts): both meet the machine of the same seconds, which
    // drifts by a third from minute to minute on a shared VM, on the same thread, so the same
    // CPU (this VM's two are not alike). The transform alone gets what the stage's transforms
    // get from memory: its 4 frames in turn, into as many spectra in turn as it rotated (a
    // spectrum per task in flight, and the one being emitted): 1 to 8 outputs in turn cost
    // 0.78 to 0.90 ms at 480×640 (docs/performance-goals.md).
    const opts = { output, shift: false, precision: 'exact' } as const;
    // The stage's pool (private to it: the bench borrows it between rounds, when it is idle).
    const pool = (stage as unknown as { pool?: Piscina<AloneTask, AloneResult> }).pool;
    if (!pool) throw new Error('the FFT stage has no pool to time its transform in');
    const aloneWorker = (await workerOptions(ALONE_WORKER)).filename;
    const addresses = frames.map((f) => nativeAddress(f.data));
    const aloneThreads = new Set<number>();
    const alone: number[] = [];
    const used: number[] = [];
    const timed: number[] = [];
    const ratios: number[] = [];
    let busyNs = 0;
    let seconds = 0;
    let busyMain = 0;
    const perRound = Math.ceil(POOL_FRAMES / POOL_ROUNDS);
    for (let round = 0; round < POOL_ROUNDS; round++) {
      const busy0 = io.stats.busyNs;
      const elu0 = performance.eventLoopUtilization();
      emitted.length = 0;
      perFrame = [];
      counted = io.stats.busyNs;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await stage.receive!('in', { ...frames[i % 4], seq: round * perRound + i });
      await stage.end!();
      const took = Number(process.hrtime.bigint() - t0) / 1e9;
      busyMain += performance.eventLoopUtilization(elu0).utilization * took;
      seconds += took;
      busyNs += io.stats.busyNs - busy0;
      timed.push(...perFrame);
      const k = new Set(emitted.slice(-32)).size;
      used.push(k);
      const task: AloneTask = {
        frames: addresses,
        bytes: h * w,
        height: h,
        width: w,
        opts,
        outputs: k,
        runs: perRound,
        untimed: 2 * k,
      };
      const { times, threadId } = await pool.run(task, { filename: aloneWorker });
      aloneThreads.add(threadId);
      alone.push(...times);
      ratios.push(median(perFrame) / median(times));
    }
    const n = perRound * POOL_ROUNDS;
    return {
      fps: n / seconds,
      workerMs: busyNs / n / 1e6,
      workerMedianMs: median(timed),
      ratioInTurns: median(ratios),
      mainThreadBusy: busyMain / seconds,
      transformMs: median(alone),
      outputs: median(used),
      aloneInStageWorkers: [...aloneThreads].every((id) => pool.threads.some((t) => t.threadId === id)),
    };
  } finally {
    await stage.close!();
  }
}

/**
 * One pool measurement in a child process, so the pool starts from a fresh heap and not
 * from the one the single-thread timings above filled (that slowed its main thread).
 */
function poolInChild(h: number, w: number, threads: number, output: Fft2Options['output'] = 'magnitude'): PoolRun {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'bin/run-ts.js'),
      join(ROOT, 'bench/fft.ts'),
      '--pool-child',
      `${h},${w},${threads},${output}`,
      ...(quick ? ['--quick'] : []),
    ],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    throw new Error(`pool measurement ${h}x${w} with ${threads} threads failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PoolRun;
}

/**
 * The transform's own capacity on `threads` cores, as FFTW's threads give it: one process per
 * thread, each transforming frames of its own (exact, half spectrum, into one reused output),
 * all started together once every one has warmed up. Frames/s summed over the processes.
 */
async function transformsInParallel(h: number, w: number, threads: number, n: number): Promise<number> {
  const children = Array.from({ length: threads }, () =>
    spawn(
      process.execPath,
      [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/fft.ts'), '--transform-child', `${h},${w},${n}`],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  try {
    const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
    for (const l of lines) if ((await l.next()).value !== 'ready') throw new Error('a transform child did not start');
    for (const c of children) c.stdin!.end('go\n');
    const fps = await Promise.all(
      lines.map(async (l) => {
        const ms = JSON.parse((await l.next()).value as string) as number[];
        return 1000 / median(ms);
      }),
    );
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => once(c, 'exit')));
    return fps.reduce((a, b) => a + b, 0);
  } finally {
    // A child that failed or hangs is not left behind.
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

async function transformChild(spec: string): Promise<void> {
  const [h, w, n] = spec.split(',').map(Number);
  const x = frame(h, w, 7);
  const opts = { output: 'half', shift: false, precision: 'exact' } as const;
  const out = outputView(outputSpec(h, w, opts), new ArrayBuffer(outputSpec(h, w, opts).bytes), 0);
  for (let i = 0; i < 5; i++) transformInto(x, h, w, out, opts);
  process.stdout.write('ready\n');
  const go = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  await go.next();
  process.stdout.write(JSON.stringify(timeRuns(() => transformInto(x, h, w, out, opts), n)) + '\n');
  process.stdin.destroy();
}

const f2 = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
const pad = (s: string, n: number): string => s.padStart(n);

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const rows = [];
  process.stdout.write(
    `FFT, one thread, uint8 frames, ms per frame (median of ${repsFor(1024, 1024)}, ${repsFor(2048, 2048)} at 2048²); ratio = ours / anchor; the exact precision runs ${nativeSupports(1024, 1024) ? `natively (${nativeIsa() === 'avx512' ? 'AVX-512' : 'AVX2 + FMA'})` : 'in WebAssembly'}\n`,
  );
  process.stdout.write(
    `${'size'.padEnd(10)}${pad('np.fft2', 9)}${pad('np.rfft2', 9)}${pad('fftw r2c', 9)}${pad('exact', 8)}${pad('ex/fft2', 8)}${pad('ex half', 8)}${pad('wasm half', 10)}${pad('fast half', 10)}${pad('fa/rfft2', 9)}${pad('fast cplx', 10)}${pad('js exact', 9)}\n`,
  );
  for (const [h, w] of SIZES) {
    const x = frame(h, w, 7);
    // numpy and ours take turns, size by size and in rounds, so both see the same machine load.
    const samples: Record<string, number[]> = {
      fft2: [],
      rfft2: [],
      fftw: [],
      exact: [],
      exactHalf: [],
      exactHalfWasm: [],
      fastHalf: [],
      fastComplex: [],
      js: [],
    };
    const perRound = Math.ceil(repsFor(h, w) / ROUNDS);
    let fftwProblem: string | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const a = anchor(h, w, perRound);
      samples.fft2.push(...a.numpy_fft2);
      samples.rfft2.push(...a.numpy_rfft2);
      if (a.fftw_rfft2) samples.fftw.push(...a.fftw_rfft2);
      else fftwProblem = a.fftw_problem;
      samples.exact.push(...timeOurs(x, h, w, { output: 'complex', shift: false, precision: 'exact' }, perRound));
      samples.exactHalf.push(...timeOurs(x, h, w, { output: 'half', shift: false, precision: 'exact' }, perRound));
      if (wasmSupports(h, w)) samples.exactHalfWasm.push(...timeWasm(x, h, w, perRound));
      samples.fastHalf.push(...timeOurs(x, h, w, { output: 'half', shift: false, precision: 'fast' }, perRound));
      samples.fastComplex.push(...timeOurs(x, h, w, { output: 'complex', shift: false, precision: 'fast' }, perRound));
      samples.js.push(...timeJs(x, h, w, perRound));
    }
    const a = {
      numpy_fft2: median(samples.fft2),
      numpy_rfft2: median(samples.rfft2),
      fftw_rfft2: samples.fftw.length ? median(samples.fftw) : null,
    };
    const exact = median(samples.exact);
    const exactHalf = median(samples.exactHalf);
    const exactHalfWasm = samples.exactHalfWasm.length ? median(samples.exactHalfWasm) : null;
    const fastHalf = median(samples.fastHalf);
    const fastComplex = median(samples.fastComplex);
    const js = median(samples.js);
    const row = {
      size: `${h}x${w}`,
      numpyFft2Ms: a.numpy_fft2,
      numpyRfft2Ms: a.numpy_rfft2,
      fftwRfft2Ms: a.fftw_rfft2,
      exactComplexMs: exact,
      exactVsFft2: exact / a.numpy_fft2,
      exactHalfMs: exactHalf,
      exactHalfWasmMs: exactHalfWasm,
      fastHalfMs: fastHalf,
      fastVsRfft2: fastHalf / a.numpy_rfft2,
      fastComplexMs: fastComplex,
      exactComplexJavaScriptMs: js,
      path: nativeSupports(h, w) ? `native ${nativeIsa()}` : wasmSupports(h, w) ? 'webassembly simd' : 'javascript',
      fftwProblem,
    };
    rows.push(row);
    process.stdout.write(
      `${row.size.padEnd(10)}${pad(f2(a.numpy_fft2), 9)}${pad(f2(a.numpy_rfft2), 9)}${pad(f2(a.fftw_rfft2), 9)}${pad(f2(exact), 8)}${pad(f2(row.exactVsFft2), 8)}${pad(f2(exactHalf), 8)}${pad(f2(exactHalfWasm), 10)}${pad(f2(fastHalf), 10)}${pad(f2(row.fastVsRfft2), 9)}${pad(f2(fastComplex), 10)}${pad(f2(js), 9)}\n`,
    );
  }
  const step = stepInTurns();
  if (step)
    process.stdout.write(
      `\n2048² against 1024² by N log N (×4.4), in turns (${STEP_ROUNDS} rounds, medians of paired ratios): ×${step.warm.toFixed(2)} against a warm 1024² (${f2(step.warmMs)} ms), ×${step.cold.toFixed(2)} against a cold one (${f2(step.coldMs)} ms); 2048² ${f2(step.ms2048)} ms\n`,
    );
  const pool = [];
  process.stdout.write(
    `\nFFT stage through a Piscina pool, exact, output magnitude, ${POOL_FRAMES} uint8 frames after ${POOL_WARMUP} untimed\n`,
  );
  process.stdout.write(
    `${'size'.padEnd(10)}${pad('1 thread f/s', 13)}${pad('worker ms', 10)}${pad('2 threads f/s', 14)}${pad('worker ms', 10)}${pad('ratio', 7)}${pad('main busy', 10)}${pad('median ms', 10)}${pad('alone ms', 10)}${pad('outputs', 9)}${pad('in turns', 10)}\n`,
  );
  for (const [h, w] of POOL_SIZES) {
    const one = poolInChild(h, w, 1);
    const two = poolInChild(h, w, 2);
    pool.push({ size: `${h}x${w}`, one, two, ratio: two.fps / one.fps });
    process.stdout.write(
      `${`${h}x${w}`.padEnd(10)}${pad(one.fps.toFixed(1), 13)}${pad(f2(one.workerMs), 10)}${pad(two.fps.toFixed(1), 14)}${pad(f2(two.workerMs), 10)}${pad((two.fps / one.fps).toFixed(2), 7)}${pad(two.mainThreadBusy.toFixed(2), 10)}${pad(f2(one.workerMedianMs), 10)}${pad(f2(one.transformMs), 10)}${pad(String(one.outputs), 9)}${pad(one.ratioInTurns.toFixed(2), 10)}\n`,
    );
  }
  // The half spectrum as FFTW's r2c gives it, on 2 cores: the transform alone, then the stage
  // with 2 workers (which also copies frames in and collects fresh spectra), against FFTW on 2 threads.
  const parallel1024 = await transformsInParallel(1024, 1024, 2, quick ? 40 : 100);
  const half1024 = poolInChild(1024, 1024, 2, 'half');
  process.stdout.write(
    `\n1024x1024, exact half spectrum on 2 cores: the transform, a process per core, ${parallel1024.toFixed(1)} frames/s; the stage with 2 workers ${half1024.fps.toFixed(1)} frames/s (worker ${f2(half1024.workerMs)} ms, main busy ${half1024.mainThreadBusy.toFixed(2)})\n`,
  );
  const loadAfter = loadavg()[0];
  process.stdout.write(
    `\nload average (1 min) before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)} on ${cpus().length} cores\n`,
  );
  const out = join(ROOT, 'bench/results/fft.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        command: `node bin/run-ts.js bench/fft.ts${quick ? ' --quick' : ''}`,
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        loadBefore,
        loadAfter,
        reps,
        transforms: rows,
        stepInTurns: step,
        pool,
        half1024Two: half1024,
        parallel1024Fps: parallel1024,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nwrote ${out}\n`);
}

if (args['transform-child']) {
  await transformChild(args['transform-child'] as string);
} else if (args['pool-child']) {
  const [h, w, threads, output] = (args['pool-child'] as string).split(',');
  process.stdout.write(
    JSON.stringify(await poolFps(Number(h), Number(w), Number(threads), output as Fft2Options['output'])) + '\n',
  );
} else {
  await main();
}
