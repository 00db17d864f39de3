/**
 * Runs the HDF5Sink stage the way the executor does (one node, its StageIO) and reads
 * the files back with independent readers: Debian's h5py and h5dump.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hdf5Sink } from '../../nodes/hdf5-sink/index.ts';
import type { ParamValues } from '../../nodes/types.ts';
import { emptyStats, type StageIO } from '../../runtime/exec/stage.ts';
import type { RunSummary, StatsSnapshot } from '../../runtime/exec/types.ts';
import { itemSize, shapeSize, type DType, type Frame } from '../../runtime/wire/index.ts';
import { PYTHON, commandWorks, missing, pythonHas } from '../helpers/env.ts';

export const GRAPH_TEXT = `patchbay: 1
name: record # a comment kept as is
nodes:
  camera: {type: Camera, params: {backend: emulator}}
  recorder: {type: HDF5Sink, params: {file: out/camera.h5}}
links:
  - camera.out -> recorder.in
`;

/** Why h5py or h5dump tests cannot run here (undefined when they can, and always under CI). */
export const noH5py = missing('Debian python3-h5py', () => pythonHas('h5py', 'numpy'));
export const noH5dump = missing('h5dump (hdf5-tools)', () => commandWorks('h5dump', ['--version']));

/** A fresh directory for one test's files. */
export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'patchbay-hdf5-'));
}

/** Every param of HDF5Sink with its default, overridden by `params`. */
export function sinkParams(params: Record<string, string | number>): ParamValues {
  const values: ParamValues = {};
  for (const [name, decl] of Object.entries(hdf5Sink.params)) {
    if ('default' in decl && decl.default !== undefined) values[name] = decl.default;
  }
  return { ...values, ...params };
}

export interface TestIO extends StageIO {
  warnings: Error[];
}

/** A StageIO for one HDF5Sink node called `recorder`. */
export function sinkIO(params: Record<string, string | number>, startedAt = new Date()): TestIO {
  const warnings: Error[] = [];
  return {
    node: { id: 'recorder', type: 'HDF5Sink', params: sinkParams(params) },
    graphText: GRAPH_TEXT,
    startedAt,
    stats: emptyStats(),
    emit: () => Promise.reject(new Error('HDF5Sink has no outputs')),
    warn: (e) => {
      warnings.push(e);
    },
    signal: new AbortController().signal,
    warnings,
  };
}

/** A frame whose bytes depend on seq, so every frame read back can be told apart. */
export function makeFrame(dtype: DType, shape: number[], seq: number, meta?: Record<string, unknown>): Frame {
  const n = shapeSize(shape) * itemSize(dtype);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (seq * 31 + i * 7 + (i >> 8)) & 0xff;
  // Keep floats finite and free of NaN payloads: the top byte of each element stays small.
  if (dtype.startsWith('float') || dtype.startsWith('complex')) {
    const part = dtype === 'complex64' || dtype === 'float32' ? 4 : 8;
    for (let i = part - 1; i < n; i += part) data[i] &= 0x3f;
  }
  return { kind: 'frame', seq, t: 1_732_380_000_123_456_789n + BigInt(seq) * 1_000_003n, dtype, shape, meta, data };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface H5Dataset {
  shape: number[];
  maxshape: (number | null)[];
  dtype: string;
  chunks: number[] | null;
  compression: string | null;
  compression_opts: number | null;
}

export interface H5Group {
  attrs: Record<string, unknown>;
  attrTypes: Record<string, string>;
  datasets: Record<string, H5Dataset>;
  seq?: number[];
  timestamps?: string[];
  frameHashes?: string[];
}

const READER = fileURLToPath(new URL('./read-h5.py', import.meta.url));

/** What h5py finds in the file. Throws (with h5py's message) when it cannot open it. */
export function readH5(file: string): { groups: Record<string, H5Group> } {
  const r = spawnSync(PYTHON, [READER, file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`h5py could not read ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** `h5dump -H -p`: the header with storage properties (chunks, filters). */
export function h5dumpHeader(file: string): string {
  return execFileSync('h5dump', ['-H', '-p', file], { encoding: 'utf8' });
}

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

/** One --json line of `patchbay run`, with when this process read it (ms, Date.now()). */
export interface TimedLine {
  at: number;
  json: ({ type: 'stats' } & StatsSnapshot) | ({ type: 'summary' } & RunSummary);
}

/** `patchbay run GRAPH --json` as a user starts it, its JSON lines timed as they arrive. */
export interface CliRun {
  readonly pid: number;
  readonly lines: TimedLine[];
  /** The first stats line (already read or still to come) that satisfies `pred`. */
  stats(pred: (s: StatsSnapshot) => boolean): Promise<StatsSnapshot>;
  kill(signal: NodeJS.Signals): void;
  /** Exit code (null when killed), stderr, and the summary line when the run printed one. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; summary?: RunSummary }>;
}

const running = new Set<ChildProcess>();

/** Kills every run runCli started that is still going (a test that failed half-way leaves one). */
export function killRuns(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Writes `yaml` to DIR/NAME and starts `patchbay run` on it, in DIR. */
export function runCli(dir: string, yaml: string, name = 'graph.yaml'): CliRun {
  writeFileSync(path.join(dir, name), yaml);
  const child = spawn(process.execPath, [BIN, 'run', name, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const lines: TimedLine[] = [];
  const waiters: { pred: (s: StatsSnapshot) => boolean; resolve: (s: StatsSnapshot) => void; reject: (e: Error) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  createInterface({ input: child.stdout }).on('line', (l) => {
    const line: TimedLine = { at: Date.now(), json: JSON.parse(l) };
    lines.push(line);
    const json = line.json;
    if (json.type !== 'stats') return;
    for (const w of [...waiters]) if (w.pred(json)) waiters.splice(waiters.indexOf(w), 1), w.resolve(json);
  });
  const exit = new Promise<Awaited<CliRun['exit']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const summary = lines.find((l) => l.json.type === 'summary')?.json as RunSummary | undefined;
      for (const w of waiters.splice(0)) w.reject(new Error(`the run ended (${code ?? signal}) before the stats awaited:\n${stderr}`));
      resolve({ code, signal, stderr, summary });
    });
  });
  return {
    pid: child.pid!,
    lines,
    stats(pred) {
      for (const l of lines) if (l.json.type === 'stats' && pred(l.json)) return Promise.resolve(l.json);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`the run has ended:\n${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
    kill: (signal) => void child.kill(signal),
    exit,
  };
}
