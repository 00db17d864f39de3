/**
 * HDF5Sink's sustained write rate against h5py, in the same run: 1024² uint16 frames
 * appended by the stage (its writer fed frames where they lie or through the shared slab)
 * with the HDF5 library it picks (libhdf5 where its addon is built) and, beside it, with
 * h5wasm (in a writer thread of its own); by the writer
 * called directly on the main thread; and by h5py (bench/python/h5py_append.py), in
 * turns, medians over repetitions. Every patchbay run is read back by h5py to count the
 * frames (0 lost is part of the result). Figures: docs/performance-hdf5.md.
 *
 *   node bin/run-ts.js bench/hdf5.ts [--quick] [--reps N] [--frames N] [--dir DIR] [--out FILE] [--python PATH]
 *
 * --dir picks where the files go (default: the system's temporary directory); a tmpfs such
 * as /dev/shm takes the disk out and leaves what each writer costs in CPU.
 *
 * The graph variant runs Camera(emulator, Mono16) → Publish (tcp) → HDF5Sink through the
 * compiler and executor, as `patchbay run` does, with the camera at --camera-fps (default
 * 250 frames/s = 524 MB/s, above the fastest USB3 Basler camera); its time runs from the
 * camera's first frame to the closed file, and what h5py does not find in the file is lost.
 * The publisher's high-water mark is 64 frames (128 MiB): what a recorder on a shared
 * machine needs to ride out a stall of a quarter second without a drop.
 *
 * To add a variant, append to VARIANTS.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hdf5Sink } from '../nodes/hdf5-sink/index.ts';
import { Hdf5SinkStage } from '../nodes/hdf5-sink/stage.ts';
import { defaultLibrary, type H5LibraryName } from '../nodes/hdf5-sink/library.ts';
import { loadHdf5Addon } from '../native/hdf5-addon.ts';
import { Hdf5Writer, patchbayVersion } from '../nodes/hdf5-sink/writer.ts';
import { emptyStats, type StageIO } from '../runtime/exec/stage.ts';
import { loadGraph } from '../runtime/graph/index.ts';
import { compileGraph } from '../runtime/compile/index.ts';
import { runGraph } from '../runtime/exec/executor.ts';
import type { Frame } from '../runtime/wire/index.ts';
import { tuneMalloc } from '../runtime/util/malloc.ts';
import { ddSeconds, primePageCache } from './lib/disk.ts';
import { DISK_FRAMES } from './lib/limits.ts';
import { median } from './lib/report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Stages are driven here without an executor: give this process the malloc settings a run has.
tuneMalloc();

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    frames: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    dir: { type: 'string' },
    out: { type: 'string', default: 'bench/results/hdf5.json' },
    'camera-fps': { type: 'string', default: '250' },
  },
});
const DIR = (args.dir as string | undefined) ?? tmpdir();
const quick = args.quick as boolean;
const reps = args.reps ? Number(args.reps) : quick ? 1 : 3;
/**
 * 1500 frames (3 GB per run) in a full run: long enough that the kernel writes back as fast as
 * the writers write, as in an hours-long recording. In 100 to 500 the page cache takes it all
 * and the figures are of the writers' user-space work (docs/performance-hdf5.md).
 */
const N = args.frames ? Number(args.frames) : quick ? DISK_FRAMES.quick : DISK_FRAMES.full;
/** gzip is about 20× slower: fewer frames keep the run short. */
const N_GZIP = Math.max(10, Math.round(N / 8));
const H = 1024;
const W = 1024;
const FRAME_BYTES = H * W * 2;
const PYTHON = args.python as string;
const CAMERA_FPS = Number(args['camera-fps']);

interface RunResult {
  seconds: number;
  /** Frames found in the file afterwards. */
  stored: number;
  /** Extra facts worth printing (open time...). */
  note?: string;
  /** User + system CPU seconds of the writing process over the run (every thread), where measured alone. */
  cpuSeconds?: number;
}

/** User + system CPU seconds this process spends in `f` (every thread of it). */
async function cpuOf<T>(f: () => Promise<T>): Promise<{ value: T; cpuSeconds: number }> {
  const a = process.cpuUsage();
  const value = await f();
  const d = process.cpuUsage(a);
  return { value, cpuSeconds: (d.user + d.system) / 1e6 };
}

interface Variant {
  name: string;
  compression: 'none' | 'gzip-1';
  frames: number;
  /** The anchor this variant is compared with (same compression). */
  anchor?: string;
  run(file: string, frames: number): Promise<RunResult>;
}

/** Four frames of 12-bit noise, like a camera's, reused in turn (the stage copies each into its slab). */
function framePool(): Uint8Array[] {
  let x = 0x9e3779b9;
  return Array.from({ length: 4 }, () => {
    const px = new Uint16Array(H * W);
    for (let i = 0; i < px.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      px[i] = (x >>> 0) & 0x0fff;
    }
    return new Uint8Array(px.buffer);
  });
}
const POOL = framePool();

function frame(seq: number): Frame {
  return {
    kind: 'frame',
    seq,
    t: BigInt(Date.now()) * 1_000_000n,
    dtype: 'uint16',
    shape: [H, W],
    meta: { exposureUs: 5000 },
    data: POOL[seq % POOL.length],
  };
}

function sinkIO(params: Record<string, string | number>): StageIO {
  const values: Record<string, string | number> = {};
  for (const [name, decl] of Object.entries(hdf5Sink.params))
    if ('default' in decl && decl.default !== undefined) values[name] = decl.default as string | number;
  return {
    node: { id: 'recorder', type: 'HDF5Sink', params: { ...values, ...params } },
    graphText: 'patchbay: 1\n',
    startedAt: new Date(),
    stats: emptyStats(),
    emit: () => Promise.reject(new Error('HDF5Sink has no outputs')),
    warn: (e) => {
      throw e;
    },
    signal: new AbortController().signal,
  };
}

/** Frames h5py finds in group `g` (and whether seq is exactly 0..n-1). */
function checkWithH5py(file: string, frames: number): number {
  const r = spawnSync(
    PYTHON,
    [join(ROOT, 'bench/python/h5py_append.py'), '--check', file, '--group', 'g', '--frames', String(frames)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`h5py could not read ${file}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { frames: number; ok: boolean };
  return out.ok ? out.frames : -Math.abs(out.frames);
}

async function runStage(
  file: string,
  frames: number,
  compression: 'none' | 'gzip',
  library: H5LibraryName = LIBRARY,
  copy = false,
): Promise<RunResult> {
  const stage = new Hdf5SinkStage(sinkIO({ file, group: 'g', compression, level: 1 }));
  const o0 = performance.now();
  // The stage picks its library from the environment in open() (h5wasm in a thread of its
  // own), and whether frames go through the slab.
  const before = { PATCHBAY_HDF5: process.env.PATCHBAY_HDF5, PATCHBAY_HDF5_COPY: process.env.PATCHBAY_HDF5_COPY };
  process.env.PATCHBAY_HDF5 = library;
  process.env.PATCHBAY_HDF5_COPY = copy ? '1' : '0';
  try {
    await stage.open();
  } finally {
    for (const [k, v] of Object.entries(before))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
  if (stage.library !== library) throw new Error(`the stage wrote with ${stage.library}, not ${library}`);
  const openMs = performance.now() - o0;
  const t0 = performance.now();
  const { cpuSeconds } = await cpuOf(async () => {
    for (let i = 0; i < frames; i++) await stage.receive('in', frame(i));
    await stage.end();
  });
  const seconds = (performance.now() - t0) / 1000;
  await stage.close();
  if (stage.framesStored !== frames) throw new Error(`the stage stored ${stage.framesStored} of ${frames} frames`);
  const note = `open ${openMs.toFixed(0)} ms${stage.framesKept > 0 ? `, ${stage.framesKept} written where they lay` : ''}`;
  return { seconds, stored: checkWithH5py(file, frames), note, cpuSeconds };
}

async function runWriter(file: string, frames: number): Promise<RunResult> {
  const w = await Hdf5Writer.open({
    file,
    group: 'g',
    dataset: 'frames',
    compression: 'none',
    level: 1,
    chunkFrames: 1,
    ifExists: 'error',
    library: LIBRARY,
    attrs: {
      graph: 'patchbay: 1\n',
      node: 'recorder',
      started: new Date().toISOString(),
      patchbay_version: patchbayVersion(),
    },
  });
  const t0 = performance.now();
  const { cpuSeconds } = await cpuOf(async () => {
    let flushed = t0;
    for (let i = 0; i < frames; i++) {
      w.append([frame(i)]);
      if (performance.now() - flushed >= 1000) {
        w.flush();
        flushed = performance.now();
      }
    }
    w.close();
  });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, stored: checkWithH5py(file, frames), cpuSeconds };
}

/** Camera(emulator) → Publish → HDF5Sink, compiled and run as `patchbay run` runs it. */
async function runGraphVariant(file: string, frames: number): Promise<RunResult> {
  const text = `patchbay: 1
name: bench-hdf5
nodes:
  camera: {type: Camera, params: {width: ${W}, height: ${H}, pixelFormat: Mono16, fps: ${CAMERA_FPS}, frames: ${frames}}}
  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5690", topic: camera_frame, hwm: 64}}
  recorder: {type: HDF5Sink, params: {file: ${JSON.stringify(file)}, group: g}}
links:
  - camera.out -> publish.in
  - publish.out -> recorder.in
`;
  const loaded = loadGraph(text);
  if (!loaded.graph || loaded.errors.some((e) => e.severity === 'error'))
    throw new Error(`bench graph: ${loaded.errors.map((e) => e.code).join(', ')}`);
  let first: number | undefined;
  const run = runGraph(compileGraph(loaded.graph, loaded.analysis), {
    graphText: text,
    tap: (node) => void (node === 'camera' && first === undefined && (first = performance.now())),
  });
  const summary = await run.done;
  const end = performance.now();
  if (!summary.ok)
    throw new Error(`the graph failed: ${summary.failures.map((f) => `${f.node}: ${f.message}`).join('; ')}`);
  const camera = summary.stats.nodes.camera;
  // PUB may drop at the high-water mark: count what is in the file (gaps in seq and all).
  const stored = Math.abs(checkWithH5py(file, frames));
  return {
    seconds: (end - (first ?? end)) / 1000,
    stored,
    note: `camera sent ${camera.framesOut}, dropped ${camera.dropped}; publish dropped ${summary.stats.links['publish.out -> recorder.in']?.dropped ?? 0}`,
  };
}

function runH5py(file: string, frames: number, gzip: number): RunResult {
  const r = spawnSync(
    PYTHON,
    [
      join(ROOT, 'bench/python/h5py_append.py'),
      '--file',
      file,
      '--frames',
      String(frames),
      '--height',
      String(H),
      '--width',
      String(W),
      '--gzip',
      String(gzip),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`h5py_append.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { seconds: number; cpu_seconds: number; frames: number };
  return { seconds: out.seconds, stored: out.frames, cpuSeconds: out.cpu_seconds };
}

/**
 * `dd` of the same bytes (2 MiB blocks from /dev/zero) into the same directory, in its turn
 * among the writers and primed as they are: the page cache's pace at that moment, which the
 * goals compare the stage with run by run. The limits' dd (bench/lib/limits.ts) runs minutes
 * apart, three times in a row.
 */
function runDd(file: string, frames: number): RunResult {
  return { seconds: ddSeconds(file, frames), stored: frames };
}

/** The library the stage picks on this machine; the goals read its row. */
const LIBRARY = defaultLibrary();
const DD_VARIANT = 'dd of the same bytes into the same directory (page cache)';

const VARIANTS: Variant[] = [
  { name: 'h5py (resize + write per frame)', compression: 'none', frames: N, run: async (f, n) => runH5py(f, n, 0) },
  {
    name: `HDF5Sink stage (${LIBRARY === 'libhdf5' ? 'libhdf5, frames written where they lie' : `${LIBRARY} in its writer thread, slab`})`,
    compression: 'none',
    frames: N,
    anchor: 'h5py (resize + write per frame)',
    run: (f, n) => runStage(f, n, 'none'),
  },
  // Right after the stage in every repetition: whatever order effect there is, the stage is not
  // the one that follows dd.
  { name: DD_VARIANT, compression: 'none', frames: N, run: async (f, n) => runDd(f, n) },
  // Where libhdf5 is the stage's library, h5wasm's figure beside it (what machines without it
  // get), and libhdf5's through the slab (a copy per frame on the pipeline's thread).
  ...(LIBRARY === 'libhdf5'
    ? [
        {
          name: 'the same stage, frames copied into the slab',
          compression: 'none' as const,
          frames: N,
          anchor: 'h5py (resize + write per frame)',
          run: (f: string, n: number) => runStage(f, n, 'none', 'libhdf5', true),
        },
        {
          name: 'the same stage with h5wasm',
          compression: 'none' as const,
          frames: N,
          anchor: 'h5py (resize + write per frame)',
          run: (f: string, n: number) => runStage(f, n, 'none', 'h5wasm'),
        },
      ]
    : []),
  {
    name: `${LIBRARY} writer, main thread`,
    compression: 'none',
    frames: N,
    anchor: 'h5py (resize + write per frame)',
    run: runWriter,
  },
  {
    name: `Camera ${CAMERA_FPS} fps → Publish → HDF5Sink`,
    compression: 'none',
    frames: N,
    anchor: 'h5py (resize + write per frame)',
    run: runGraphVariant,
  },
  { name: 'h5py gzip-1', compression: 'gzip-1', frames: N_GZIP, run: async (f, n) => runH5py(f, n, 1) },
  {
    name: 'HDF5Sink stage gzip-1',
    compression: 'gzip-1',
    frames: N_GZIP,
    anchor: 'h5py gzip-1',
    run: (f, n) => runStage(f, n, 'gzip'),
  },
];

interface Row {
  variant: string;
  compression: string;
  frames: number;
  mbps: number[];
  /** CPU ms per frame of each run, where measured. */
  cpuMs: number[];
  lost: number[];
  notes: string[];
}

const rows: Row[] = VARIANTS.map((v) => ({
  variant: v.name,
  compression: v.compression,
  frames: v.frames,
  mbps: [],
  cpuMs: [],
  lost: [],
  notes: [],
}));
// The machine may be shared: the load around the run goes with the figures.
const loadBefore = loadavg()[0];
const work = mkdtempSync(join(DIR, 'patchbay-bench-hdf5-'));
try {
  for (let rep = 0; rep < reps; rep++) {
    // Each repetition starts with another variant, so none always runs first (or after gzip).
    const order = VARIANTS.map((_, k) => (k + rep) % VARIANTS.length);
    for (const i of order) {
      const v = VARIANTS[i];
      const file = join(work, `run-${rep}-${i}.h5`);
      // Every writer starts with the guest's memory backed again, as the others (disk.ts).
      primePageCache(work, v.frames);
      const r = await v.run(file, v.frames);
      rmSync(file, { force: true });
      const mbps = (v.frames * FRAME_BYTES) / 1e6 / r.seconds;
      rows[i].mbps.push(mbps);
      if (r.cpuSeconds !== undefined) rows[i].cpuMs.push((r.cpuSeconds * 1000) / v.frames);
      rows[i].lost.push(r.stored >= 0 ? v.frames - r.stored : v.frames);
      if (r.note) rows[i].notes.push(r.note);
      process.stderr.write(`rep ${rep + 1}/${reps} ${v.name}: ${mbps.toFixed(0)} MB/s\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const byName = new Map(rows.map((r) => [r.variant, r]));
const head = [
  'variant',
  'compression',
  'frames',
  'MB/s (median)',
  'frames/s',
  '÷ anchor (median of runs side by side)',
  'lost (worst)',
  'CPU ms/frame (median)',
  'CPU ÷ anchor',
  'MB/s of each run',
];
const lines = [head, head.map(() => '---')];
const results = rows.map((r, i) => {
  const anchor = VARIANTS[i].anchor;
  const m = median(r.mbps);
  // The machine is shared: compare each run with the anchor's run of the same repetition.
  const a = anchor ? byName.get(anchor) : undefined;
  const ratio = a ? median(r.mbps.map((x, k) => x / a.mbps[k])) : undefined;
  const cpuMs = r.cpuMs.length ? median(r.cpuMs) : undefined;
  const cpuRatio =
    a && r.cpuMs.length && a.cpuMs.length === r.cpuMs.length
      ? median(r.cpuMs.map((x, k) => x / a.cpuMs[k]))
      : undefined;
  lines.push([
    r.variant,
    r.compression,
    String(r.frames),
    m.toFixed(0),
    ((m * 1e6) / FRAME_BYTES).toFixed(1),
    ratio === undefined ? 'anchor' : `×${ratio.toFixed(2)}`,
    String(Math.max(...r.lost)),
    cpuMs === undefined ? 'n/a' : cpuMs.toFixed(2),
    cpuRatio === undefined ? (anchor ? 'n/a' : 'anchor') : `×${cpuRatio.toFixed(2)}`,
    r.mbps.map((x) => x.toFixed(0)).join(' '),
  ]);
  return {
    ...r,
    medianMBps: m,
    medianFps: (m * 1e6) / FRAME_BYTES,
    anchor,
    ratioToAnchor: ratio,
    medianCpuMs: cpuMs,
    cpuRatioToAnchor: cpuRatio,
  };
});
const command = `node bin/run-ts.js bench/hdf5.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`;
const load = { before: loadBefore, after: loadavg()[0], cores: cpus().length };
process.stdout.write(
  `\n${command}\n1024×1024 uint16 frames (${FRAME_BYTES} bytes), ${reps} repetition(s), files in ${DIR}, load average ${load.before.toFixed(1)} → ${load.after.toFixed(1)} on ${load.cores} cores\n\n${lines.map((l) => `| ${l.join(' | ')} |`).join('\n')}\n`,
);

const py = spawnSync(PYTHON, ['-c', 'import h5py; print(h5py.__version__, h5py.version.hdf5_version)'], {
  encoding: 'utf8',
})
  .stdout.trim()
  .split(' ');
const h5wasmVersion = (
  JSON.parse(readFileSync(join(ROOT, 'node_modules/h5wasm/package.json'), 'utf8')) as { version: string }
).version;
const outFile = resolve(ROOT, args.out as string);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      command,
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model,
        node: process.version,
        h5wasm: h5wasmVersion,
        stageLibrary: LIBRARY,
        libhdf5: loadHdf5Addon().addon?.version(),
        h5py: py[0],
        hdf5: py[1],
      },
      frame: { dtype: 'uint16', shape: [H, W], bytes: FRAME_BYTES },
      reps,
      dir: DIR,
      loadAverage: load,
      results,
    },
    null,
    2,
  ) + '\n',
);
