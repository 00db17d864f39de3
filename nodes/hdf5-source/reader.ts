/**
 * Reading a recording for HDF5Source: finding the dataset (and the seq and timestamps beside
 * it), and reading one frame at a time as patchbay's dtypes, with h5wasm.
 */
import { existsSync, statSync } from 'node:fs';
import type { DType } from '../../runtime/wire/index.ts';
import { captureDiag, loadH5wasm, type H5File } from '../shared/h5wasm.ts';
import { Hdf5SourceError } from './errors.ts';

type H5Dataset = { shape: number[]; dtype: unknown; slice(ranges: [number, number][]): unknown };

/** HDF5 type (as h5wasm names it) → wire dtype; complex is h5py's compound {r, i}. */
const DTYPES: Record<string, DType> = {
  '<B': 'uint8',
  '|u1': 'uint8',
  '<H': 'uint16',
  '<h': 'int16',
  '<i': 'int32',
  '<f': 'float32',
  '<d': 'float64',
};

export interface Recording {
  /** Where the dataset was found: "/group/dataset". */
  path: string;
  count: number;
  dtype: DType;
  shape: number[];
  /** Each frame's recorded seq and t, when the recording has them (same length as the frames). */
  seq?: BigInt64Array | BigUint64Array;
  timestamps?: BigInt64Array;
  read(i: number): Uint8Array;
  close(): void;
}

/** Opens `file` and finds `dataset` in `group` (empty: the last group by name that has it, else the top level). */
export async function openRecording(file: string, group: string, dataset: string): Promise<Recording> {
  if (!existsSync(file)) throw new Hdf5SourceError('FILE_NOT_FOUND', `${file} does not exist`, file);
  if (statSync(file).isDirectory())
    throw new Hdf5SourceError('FILE_NOT_FOUND', `${file} is a directory, not an HDF5 file`, file);
  const { h5 } = await loadH5wasm();
  const { value: f, diag } = captureDiag(() => {
    try {
      return new h5.File(file, 'r');
    } catch {
      return undefined;
    }
  });
  if (
    !f ||
    (f as unknown as { file_id?: bigint }).file_id === undefined ||
    Number((f as unknown as { file_id: bigint }).file_id) < 0
  )
    throw new Hdf5SourceError(
      'OPEN_FAILED',
      `${file} could not be opened as HDF5${diag?.summary ? ` (${diag.summary})` : ''}`,
      file,
    );
  try {
    const where = findDataset(f, group, dataset);
    const d = f.get(where) as unknown as H5Dataset;
    const dtype = dtypeOf(d.dtype, where, file);
    if (d.shape.length < 1)
      throw new Hdf5SourceError(
        'BAD_DATASET',
        `${where} in ${file} is a scalar, not an (N, ...) dataset of frames`,
        file,
      );
    const [count, ...shape] = d.shape;
    const dir = where.slice(0, where.lastIndexOf('/')) || '/';
    const beside = (name: string) => {
      const x = f.get(`${dir === '/' ? '' : dir}/${name}`) as unknown as H5Dataset | null;
      if (!x || typeof x.slice !== 'function' || x.shape?.length !== 1 || x.shape[0] !== count) return undefined;
      const v = x.slice([[0, count]]);
      return v instanceof BigInt64Array || v instanceof BigUint64Array ? v : undefined;
    };
    const seq = beside('seq');
    const timestamps = beside('timestamps');
    return {
      path: where,
      count,
      dtype,
      shape: shape.length ? shape : [1],
      seq,
      timestamps: timestamps instanceof BigInt64Array ? timestamps : undefined,
      read: (i) => bytesOf(d.slice([[i, i + 1]]), dtype),
      close: () => f.close(),
    };
  } catch (e) {
    f.close();
    throw e;
  }
}

/** The dataset's path, or an error listing the datasets the file has. */
function findDataset(f: H5File, group: string, dataset: string): string {
  const all = datasets(f);
  if (group !== '') {
    const path = `/${group.replace(/^\/+|\/+$/g, '')}/${dataset}`;
    if (all.includes(path)) return path;
  } else {
    // The last group by name that has it: patchbay names a run's group by its start time.
    const inGroups = all.filter((p) => p.endsWith(`/${dataset}`) && p !== `/${dataset}`).sort();
    if (inGroups.length) return inGroups.at(-1)!;
    if (all.includes(`/${dataset}`)) return `/${dataset}`;
  }
  const where = group === '' ? '' : ` in group ${group}`;
  throw new Hdf5SourceError(
    'DATASET_NOT_FOUND',
    `no dataset ${dataset}${where}; the file has: ${all.length ? all.join(', ') : 'no datasets'}`,
    undefined,
    all,
  );
}

/** Groups below this depth are not searched for datasets. */
const MAX_DEPTH = 16;

/** Every dataset's path in the file (groups walked with a stack, not recursion). */
function datasets(f: H5File): string[] {
  const out: string[] = [];
  const stack: string[] = ['/'];
  while (stack.length) {
    const at = stack.pop()!;
    // A link back to a group above (h5py can make one) would be walked forever: a depth no recording has.
    if (at.split('/').length > MAX_DEPTH) continue;
    const g = at === '/' ? f : (f.get(at) as unknown as H5File);
    for (const k of g.keys()) {
      const path = `${at === '/' ? '' : at}/${k}`;
      const item = f.get(path) as unknown as { keys?: unknown; shape?: unknown } | null;
      if (item && typeof item.keys === 'function') stack.push(path);
      else if (item && Array.isArray(item.shape)) out.push(path);
    }
  }
  return out.sort();
}

function dtypeOf(t: unknown, where: string, file: string): DType {
  if (typeof t === 'string' && DTYPES[t]) return DTYPES[t];
  if (Array.isArray(t) && t.length === 2 && t[0][0] === 'r' && t[1][0] === 'i' && t[0][1] === t[1][1]) {
    if (t[0][1] === '<f') return 'complex64';
    if (t[0][1] === '<d') return 'complex128';
  }
  throw new Hdf5SourceError(
    'BAD_DTYPE',
    `${where} in ${file} holds ${JSON.stringify(t)}, which patchbay has no frame dtype for (uint8, uint16, int16, int32, float32, float64, complex64, complex128)`,
    file,
  );
}

/** One frame's bytes as the wire carries them (complex compounds come from h5wasm as [r, i] pairs). */
function bytesOf(v: unknown, dtype: DType): Uint8Array {
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const pairs = v as [number, number][];
  const out = dtype === 'complex64' ? new Float32Array(pairs.length * 2) : new Float64Array(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    out[2 * i] = pairs[i][0];
    out[2 * i + 1] = pairs[i][1];
  }
  return new Uint8Array(out.buffer);
}
