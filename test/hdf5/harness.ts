/**
 * Runs the HDF5Sink stage the way the executor does (one node, its StageIO) and reads
 * the files back with independent readers: Debian's h5py and h5dump.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hdf5Sink } from '../../nodes/hdf5-sink/index.ts';
import type { H5LibraryName } from '../../nodes/hdf5-sink/library.ts';
import { patchbayVersion, type WriterOptions } from '../../nodes/hdf5-sink/writer.ts';
import { loadHdf5Addon } from '../../native/hdf5-addon.ts';
import type { ParamValues } from '../../nodes/types.ts';
import { emptyStats, type StageIO } from '../../runtime/exec/stage.ts';
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

/** Why the libhdf5 writer cannot be tested here (undefined when it can, and always under CI). */
export const noLibhdf5 = missing(
  'the libhdf5 addon (Debian libhdf5-dev, then npm run build:native)',
  () => loadHdf5Addon().addon !== undefined,
);

/** The HDF5 libraries the writer's tests run with: h5wasm everywhere, libhdf5 where its addon is built (always under CI). */
export const LIBRARIES: H5LibraryName[] = noLibhdf5 ? ['h5wasm'] : ['h5wasm', 'libhdf5'];

/** Writer options for `file`: group g, dataset frames, uncompressed, one frame per chunk; `more` overrides. */
export function writerOptions(file: string, more: Partial<WriterOptions> = {}): WriterOptions {
  return {
    file,
    group: 'g',
    dataset: 'frames',
    compression: 'none',
    level: 4,
    chunkFrames: 1,
    ifExists: 'error',
    attrs: {
      graph: 'patchbay: 1\n',
      node: 'recorder',
      started: '2026-11-25T09:05:07.042Z',
      patchbay_version: patchbayVersion(),
    },
    ...more,
  };
}

/** Runs `fn` with PATCHBAY_HDF5 set to `library` (what the sink's stage and defaultLibrary() read), then puts it back. */
export async function withHdf5Library<T>(library: H5LibraryName, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PATCHBAY_HDF5;
  process.env.PATCHBAY_HDF5 = library;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PATCHBAY_HDF5;
    else process.env.PATCHBAY_HDF5 = before;
  }
}

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

export { killRuns, runCli, type CliRun, type TimedLine } from '../helpers/cli-run.ts';
