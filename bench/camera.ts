/**
 * Frames delivered to JavaScript by the camera addon at 1024² (Mono8, Mono16): frames/s,
 * MB/s and event-loop delay p99 while consuming, per backend and delivery mode, beside
 * the anchor: JavaScript allocating a fresh buffer and copying a frame into it (what a
 * camera hand-off costs at the least). Figures: docs/performance-camera.md.
 *
 *   node bin/run-ts.js bench/camera.ts [--quick]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  builtBackends,
  createSharedFramePool,
  openCamera,
  type OpenOptions,
  type PixelFormat,
  type StartOptions,
} from '../native/index.ts';
import createCameraStage from '../nodes/camera/stage.ts';
import { camera as cameraDecl } from '../nodes/camera/index.ts';
import { emptyStats } from '../runtime/exec/stage.ts';
import { withDefaults } from '../runtime/graph/param-rules.ts';
import { tuneMalloc } from '../runtime/util/malloc.ts';
import { median } from './lib/report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Stages are driven here without an executor: give this process the malloc settings a run has.
tuneMalloc();
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = args.quick as boolean;
const REPS = quick ? 3 : 5;
const FRAMES = quick ? 300 : 1000;
/**
 * Frames per repetition of the pool mode and the stage in turns. Each repetition starts the
 * camera, and a start faults its pool in (13 MiB of Mono8, 26 of Mono16 here: 2.5–3 ms, or
 * 30–50 ms on this virtual machine when the host has to back the pages again,
 * docs/performance-camera.md), which 300 frames (20–30 ms) do not outweigh: the quick run takes 2000.
 */
const PAIR_FRAMES = quick ? 2000 : 5000;
/** Pairs of the pool mode and the stage in turns: the goal's ratio is their median, and a pair's ratio swings ±8 %. */
const PAIRS = quick ? 3 : 9;
/** The Camera stage's default buffers, and what the bench's consumer holds (io.lends below). */
const STAGE_BUFFERS = cameraDecl.params.buffers.default;
const LENT = 5;
const W = 1024,
  H = 1024;

interface Row {
  source: string;
  format: PixelFormat;
  mode: string;
  fps: number;
  mbps: number;
  loopP99Ms: number;
  dropped: number;
  /**
   * The Camera stage's lent row: the median over repetitions of its frames/s over the pool
   * mode's, the two run in turns (issue 18's goal), so that the machine's drift between two
   * blocks of repetitions is no part of the ratio.
   */
  vsPoolInTurns?: number;
}

interface Sample {
  fps: number;
  mbps: number;
  p99: number;
  dropped: number;
}

/** `seconds`, when the run returns it: the part of the run to time (without opening the camera). */
async function measure(
  run: () => Promise<{ frames: number; bytes: number; dropped: number; seconds?: number }>,
  reps = REPS,
): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let r = 0; r < reps; r++) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = process.hrtime.bigint();
    const res = await run();
    const s = res.seconds ?? Number(process.hrtime.bigint() - t0) / 1e9;
    h.disable();
    out.push({ fps: res.frames / s, mbps: res.bytes / s / 1e6, p99: h.percentile(99) / 1e6, dropped: res.dropped });
  }
  return out;
}

function row(source: string, format: PixelFormat, mode: string, samples: Sample[]): Row {
  return {
    source,
    format,
    mode,
    fps: median(samples.map((s) => s.fps)),
    mbps: median(samples.map((s) => s.mbps)),
    loopP99Ms: median(samples.map((s) => s.p99)),
    dropped: median(samples.map((s) => s.dropped)),
  };
}

async function camera(
  open: OpenOptions,
  format: PixelFormat,
  mode: NonNullable<StartOptions['mode']>,
  fps = 0,
  reps = REPS,
  n = FRAMES,
  slots: Pick<StartOptions, 'buffers' | 'ahead'> = { buffers: 8 },
) {
  const cam = await openCamera(open);
  await cam.set({ pixelFormat: format, width: W, height: H, fps });
  try {
    return await measure(async () => {
      const pool =
        mode === 'shared' ? createSharedFramePool({ width: W, height: H, pixelFormat: format, slots: 8 }) : undefined;
      await cam.start({ mode, ...slots, shared: pool });
      let frames = 0,
        bytes = 0;
      while (frames < n) {
        const f = await cam.next();
        if (!f) throw new Error('acquisition ended early');
        frames++;
        bytes += f.data.byteLength;
        cam.release(f);
      }
      const dropped = cam.counters.dropped;
      await cam.stop();
      return { frames, bytes, dropped };
    }, reps);
  } finally {
    await cam.close();
  }
}

/**
 * The Camera stage driven alone. `lent`: its consumer gives every frame back as soon as it has
 * it (what HDF5Sink and FFT do, docs/frame-lifetimes.md), so the stage runs the addon's pool;
 * else a consumer that may keep frames, and the stage takes a fresh block per frame.
 */
async function stage(format: PixelFormat, lent: boolean, reps = REPS, n = FRAMES) {
  return measure(async () => {
    const params = {
      ...withDefaults(cameraDecl, {}),
      width: W,
      height: H,
      pixelFormat: format,
      fps: 0,
      frames: n,
    };
    const io = {
      node: { id: 'camera', type: 'Camera', params },
      graphText: '',
      startedAt: new Date(),
      stats: emptyStats(),
      signal: new AbortController().signal,
      warn: () => {},
      emit: async (_port: string, _frame: unknown, _branch?: number, release?: () => void) => release?.(),
      // An in-process consumer's inbox (4) and the frame in its receive().
      lends: () => (lent ? LENT : 0),
    };
    const st = await createCameraStage(io as never);
    // Timed like the addon's rows: from the start of acquisition (in run()) to its stop.
    await st.open!();
    const t0 = process.hrtime.bigint();
    const frames = await st.run!();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await st.close!();
    return { frames, bytes: io.stats.bytesOut, dropped: io.stats.dropped, seconds };
  }, reps);
}

/**
 * The addon's pool mode and the Camera stage running it (lent), one repetition of each in
 * turns, the first of the pair alternating: the goal's two figures, side by side in time. The
 * pool mode gets the pool the stage takes (its buffers plus what its consumer holds, `buffers`
 * of them ahead at most): each start faults its pool in, and on a virtual machine that costs
 * about 2 ms per MiB, so a smaller pool would start faster for that alone.
 */
async function poolAndStageInTurns(format: PixelFormat): Promise<{ pool: Sample[]; lent: Sample[] }> {
  const pool: Sample[] = [];
  const lent: Sample[] = [];
  const slots = { buffers: STAGE_BUFFERS + LENT, ahead: STAGE_BUFFERS };
  for (let r = 0; r < PAIRS; r++) {
    const turns = [
      async () => pool.push(...(await camera({ backend: 'emulator' }, format, 'pool', 0, 1, PAIR_FRAMES, slots))),
      async () => lent.push(...(await stage(format, true, 1, PAIR_FRAMES))),
    ];
    if (r % 2 === 1) turns.reverse();
    for (const turn of turns) await turn();
  }
  return { pool, lent };
}

/** The anchor: a fresh buffer per frame and one copy into it, in JavaScript. */
async function anchor(format: PixelFormat) {
  const bytes = W * H * (format === 'Mono16' ? 2 : 1);
  const src = Buffer.alloc(bytes, 7);
  return measure(async () => {
    let total = 0;
    for (let i = 0; i < FRAMES; i++) {
      const dst = Buffer.allocUnsafeSlow(bytes);
      dst.set(src);
      total += dst.byteLength;
      // Yield like a consumer awaiting each frame does.
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    return { frames: FRAMES, bytes: total, dropped: 0 };
  });
}

/** The event loop's own delay with no camera at all: what the machine's load adds to every row. */
async function idle() {
  return measure(async () => {
    await new Promise((r) => setTimeout(r, quick ? 300 : 1000));
    return { frames: 0, bytes: 0, dropped: 0 };
  });
}

const rows: Row[] = [row('idle loop (no camera)', 'Mono8', 'idle', await idle())];
for (const format of ['Mono8', 'Mono16'] as const) {
  rows.push(row('anchor: JS alloc + copy', format, '-', await anchor(format)));
  const inTurns = await poolAndStageInTurns(format);
  rows.push(row('emulator', format, 'owned', await camera({ backend: 'emulator' }, format, 'owned')));
  rows.push(row('emulator', format, 'pool', inTurns.pool));
  rows.push(row('emulator', format, 'shared', await camera({ backend: 'emulator' }, format, 'shared')));
  rows.push(row('emulator via Camera stage', format, 'owned', await stage(format, false)));
  rows.push({
    ...row('emulator via Camera stage', format, 'lent', inTurns.lent),
    vsPoolInTurns: median(inTurns.lent.map((s, i) => s.fps / inTurns.pool[i].fps)),
  });
  // A camera's own rate rather than flat out: what an operator's pipeline sees.
  rows.push(row('emulator at 250 fps', format, 'owned', await camera({ backend: 'emulator' }, format, 'owned', 250)));
  // The goal's operating point: 1 GB/s (1000 frames/s of Mono8, 500 of Mono16) in the default mode.
  const gbFps = format === 'Mono8' ? 1000 : 500;
  rows.push(
    row(
      `emulator at ${gbFps} fps (1 GB/s)`,
      format,
      'owned',
      await camera({ backend: 'emulator' }, format, 'owned', gbFps),
    ),
  );
  if (builtBackends().includes('aravis')) {
    process.env.PATCHBAY_ARAVIS_FAKE = '1';
    rows.push(
      row('aravis Fake_1', format, 'owned', await camera({ backend: 'aravis', device: 'Fake_1' }, format, 'owned')),
    );
  }
}

const header = ['source', 'format', 'mode', 'frames/s', 'MB/s', 'vs anchor', 'loop p99 ms', 'dropped'];
const table = rows.map((r) => {
  const a = rows.find((x) => x.format === r.format && x.mode === '-')!;
  const vs = r.mode === 'idle' ? '-' : (r.mbps / a.mbps).toFixed(2);
  return [
    r.source,
    r.mode === 'idle' ? '-' : r.format,
    r.mode,
    r.fps.toFixed(0),
    r.mbps.toFixed(0),
    vs,
    r.loopP99Ms.toFixed(2),
    String(r.dropped),
  ];
});
const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c].length)));
const line = (cells: string[]) => cells.map((v, c) => (c < 3 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
console.log(
  `camera delivery, ${W}x${H}, ${FRAMES} frames x ${REPS} runs (pool and the stage's lent: ${PAIRS} pairs of ${PAIR_FRAMES} in turns, the pool mode with the stage's ${STAGE_BUFFERS + LENT} slots), medians`,
);
console.log(line(header));
for (const t of table) console.log(line(t));

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench', 'results', 'camera.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      quick,
      frames: FRAMES,
      pairFrames: PAIR_FRAMES,
      reps: REPS,
      pairs: PAIRS,
      width: W,
      height: H,
      rows,
    },
    null,
    2,
  ) + '\n',
);
