/**
 * What this machine can do at all, measured in the same sitting as the benches, so that
 * every figure of theirs reads as a fraction of a limit (bench/main.ts --limits):
 *   memcpy    Buffer.copy of 2 MiB frames from 8 sources (out of the caches' reach), GB/s;
 *   dd        `dd` of 2 MiB blocks into a file where the benches write (the system's
 *             temporary directory): into the page cache, then with conv=fdatasync, GB/s;
 *             as many blocks as bench/hdf5.ts appends frames (DISK_FRAMES), so that both
 *             meet the same page cache: in 1500 the kernel's writeback sets the pace;
 *             each after an untimed dd of as many blocks, as every disk writer (disk.ts);
 *   writers   the same number of 2 MiB frames (8 in turn) written into one new file there
 *             by pwrite (libuv's pool), one frame at a time, then each frame as two halves
 *             at once on two threads: whether the page cache takes a second writer into one
 *             file (the HDF5Sink writes one file from one thread), GB/s;
 *   FFTW      r2c float64 at 1024², 1 and 2 threads (pyfftw, FFTW_MEASURE), ms;
 *   ZeroMQ    PUSH -> PULL over tcp, 2 MiB messages, in one process: pyzmq and zeromq.js, GB/s.
 * Each is the median of 3 runs in a quick run and 5 in a full one; `light` takes 1 run of each
 * and moves less data: a look that the tests can afford, not a figure to quote.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { ddSeconds, primePageCache } from './disk.ts';
import { median } from './report.ts';
import { ROOT } from './pipelines.ts';

const FRAME = 2 * 2 ** 20;

/**
 * 2 MiB frames the HDF5 bench appends per run, and blocks the dd limit writes: 1500 in a full
 * run (3 GB, past what the page cache takes before it writes back), 100 in a quick one.
 */
export const DISK_FRAMES = { quick: 100, full: 1500 };

export interface Limits {
  memcpyGBps: number;
  ddPageCacheGBps?: number;
  ddFdatasyncGBps?: number;
  /** 2 MiB blocks each dd wrote. */
  ddBlocks?: number;
  /** The same bytes into one file by pwrite: a frame at a time, and two halves at once (2 threads). */
  writersGBps?: { one: number; two: number };
  fftw1024Ms?: { threads1: number; threads2: number };
  pyzmqGBps?: number;
  zeromqJsGBps: number;
  /** What could not be measured, and why. */
  missing: string[];
}

function memcpy(frames: number): number {
  const sources = Array.from({ length: 8 }, (_, k) => Buffer.alloc(FRAME, k + 1));
  const dst = Buffer.allocUnsafe(FRAME);
  for (let i = 0; i < 16; i++) sources[i % 8].copy(dst);
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) sources[i % 8].copy(dst);
  return (frames * FRAME) / ((performance.now() - t0) / 1000) / 1e9;
}

/** `dd` of `blocks` 2 MiB blocks from /dev/zero into a new file in `dir`, after the priming (disk.ts); GB/s, or undefined without dd. */
function dd(dir: string, blocks: number, sync: boolean): number | undefined {
  const file = join(dir, 'dd.bin');
  try {
    primePageCache(dir, blocks);
    return (blocks * FRAME) / ddSeconds(file, blocks, sync) / 1e9;
  } catch {
    return undefined;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * `blocks` 2 MiB frames (8 sources in turn) into a new file in `dir` by pwrite, after the
 * priming (disk.ts): each frame whole, or as two halves written at once by two of libuv's
 * pool threads; GB/s.
 */
async function writers(dir: string, blocks: number, sources: Buffer[], halves: 1 | 2): Promise<number> {
  const file = join(dir, 'writers.bin');
  primePageCache(dir, blocks);
  const fh = await open(file, 'w');
  try {
    const part = FRAME / halves;
    const t0 = performance.now();
    for (let i = 0; i < blocks; i++) {
      const src = sources[i % sources.length];
      const writes: Promise<unknown>[] = [];
      for (let h = 0; h < halves; h++) writes.push(fh.write(src, h * part, part, i * FRAME + h * part));
      await Promise.all(writes);
    }
    const seconds = (performance.now() - t0) / 1000;
    return (blocks * FRAME) / seconds / 1e9;
  } finally {
    await fh.close();
    rmSync(file, { force: true });
  }
}

async function zeromqJs(messages: number): Promise<number> {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const push = new zmq.Push({ sendHighWaterMark: 16 });
  push.connect(pull.lastEndpoint!);
  const payload = Buffer.alloc(FRAME, 7);
  let t0 = 0;
  const received = (async () => {
    await pull.receive();
    t0 = performance.now();
    for (let i = 0; i < messages; i++) await pull.receive();
  })();
  for (let i = 0; i <= messages; i++) await push.send(payload);
  await received;
  const gbps = (messages * FRAME) / ((performance.now() - t0) / 1000) / 1e9;
  push.close();
  pull.close();
  return gbps;
}

function python(python: string, args: string[]): unknown {
  const r = spawnSync(python, [join(ROOT, 'bench/python/limits.py'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
  return JSON.parse(r.stdout) as unknown;
}

export async function measureLimits(opts: { python: string; quick: boolean; light?: boolean }): Promise<Limits> {
  const reps = opts.light ? 1 : opts.quick ? 3 : 5;
  const size = (quick: number, full: number) => (opts.light ? Math.ceil(quick / 4) : opts.quick ? quick : full);
  const missing: string[] = [];
  const runs = <T>(what: string, f: () => T, n = reps): T[] => {
    const out: T[] = [];
    try {
      for (let r = 0; r < n; r++) out.push(f());
    } catch (e) {
      missing.push(`${what}: ${(e as Error).message}`);
    }
    return out;
  };
  const memcpyGBps = median(runs('memcpy', () => memcpy(size(500, 2000))));
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-limits-'));
  const blocks = size(DISK_FRAMES.quick, DISK_FRAMES.full);
  // 3 GB a run in a full one: at most 3 runs of each, not 5.
  const ddReps = Math.min(reps, 3);
  const cache = runs('dd', () => dd(dir, blocks, false), ddReps).filter((x): x is number => x !== undefined);
  const sync = runs('dd', () => dd(dir, blocks, true), ddReps).filter((x): x is number => x !== undefined);
  // One writer and two in turns, so that the page cache's drift is in both.
  const sources = Array.from({ length: 8 }, (_, k) => Buffer.alloc(FRAME, k + 1));
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < ddReps; r++) {
    one.push(await writers(dir, blocks, sources, 1));
    two.push(await writers(dir, blocks, sources, 2));
  }
  rmSync(dir, { recursive: true, force: true });
  if (cache.length === 0) missing.push('dd: not found or failed');
  const fftw = runs(
    'FFTW (pyfftw)',
    () =>
      python(opts.python, ['fftw', '1024', '1024', String(size(20, 50))]) as {
        threads1: number;
        threads2: number;
      },
  );
  const pyzmq = runs(
    'pyzmq',
    () => (python(opts.python, ['zmq', String(FRAME), String(size(300, 1000))]) as { gbps: number }).gbps,
  );
  const js: number[] = [];
  for (let r = 0; r < reps; r++) js.push(await zeromqJs(size(300, 1000)));
  return {
    memcpyGBps,
    ddPageCacheGBps: cache.length ? median(cache) : undefined,
    ddFdatasyncGBps: sync.length ? median(sync) : undefined,
    ddBlocks: blocks,
    writersGBps: { one: median(one), two: median(two) },
    fftw1024Ms: fftw.length
      ? { threads1: median(fftw.map((f) => f.threads1)), threads2: median(fftw.map((f) => f.threads2)) }
      : undefined,
    pyzmqGBps: pyzmq.length ? median(pyzmq) : undefined,
    zeromqJsGBps: median(js),
    missing,
  };
}

/** The limits as a Markdown table. */
export function limitsTable(l: Limits): string {
  const f = (x: number | undefined, unit: string, digits = 2) =>
    x === undefined ? 'n/a' : `${x.toFixed(digits)} ${unit}`;
  const rows: [string, string][] = [
    ['memcpy, 2 MiB frames (Node Buffer.copy)', f(l.memcpyGBps, 'GB/s')],
    [`dd ${l.ddBlocks ?? '?'} × 2 MiB into the page cache (temporary directory)`, f(l.ddPageCacheGBps, 'GB/s')],
    [`dd ${l.ddBlocks ?? '?'} × 2 MiB, conv=fdatasync`, f(l.ddFdatasyncGBps, 'GB/s')],
    [`pwrite ${l.ddBlocks ?? '?'} × 2 MiB into one file, a frame at a time`, f(l.writersGBps?.one, 'GB/s')],
    [`the same, two halves of each frame at once (2 threads)`, f(l.writersGBps?.two, 'GB/s')],
    ['FFTW r2c 1024² float64, 1 thread', f(l.fftw1024Ms?.threads1, 'ms')],
    ['FFTW r2c 1024² float64, 2 threads', f(l.fftw1024Ms?.threads2, 'ms')],
    ['ZeroMQ PUSH -> PULL tcp, 2 MiB: pyzmq', f(l.pyzmqGBps, 'GB/s')],
    ['ZeroMQ PUSH -> PULL tcp, 2 MiB: zeromq.js', f(l.zeromqJsGBps, 'GB/s')],
  ];
  return [
    '| limit | this machine |',
    '| --- | --- |',
    ...rows.map(([a, b]) => `| ${a} | ${b} |`),
    ...l.missing.map((m) => `\nnot measured: ${m}`),
  ].join('\n');
}
