/**
 * The recorder's HDF5 library as h5wasm: HDF5 compiled to WebAssembly, on every machine.
 * Data is copied into WebAssembly memory (a scratch area kept per file) before HDF5 writes it.
 */
import path from 'node:path';
import {
  captureDiag,
  H5_DTYPE,
  loadH5wasm,
  type Diag,
  type H5,
  type H5Dtype,
  type H5Module,
} from '../shared/h5wasm.ts';
import { H5CallError, type AttrValue, type H5Handle, type H5Library, type H5Type } from './library.ts';

const TYPE: Record<H5Type, H5Dtype> = { ...H5_DTYPE, uint64: '<Q', int64: '<q' };

/** h5wasm's dtype for each attribute type; strings are guessed (variable-length UTF-8). */
const ATTR_TYPE: Record<AttrValue['type'], string | null> = { i8: '<q', i1: '<b', f8: '<d', str: null };

/** Runs one h5wasm call: a negative status, an exception or anything on HDF5's error stack becomes H5CallError. */
function run<T>(what: string, fn: () => T): T {
  let r: { value: T; diag?: Diag };
  try {
    r = captureDiag(fn);
  } catch (e) {
    throw new H5CallError(`${what}: ${(e as Error).message}`, undefined);
  }
  const v = r.value as unknown;
  const negative = typeof v === 'number' || typeof v === 'bigint' ? v < 0 : false;
  if (negative || r.diag) throw new H5CallError(`${what}: HDF5 returned an error`, r.diag);
  return r.value;
}

export async function h5wasmLibrary(): Promise<H5Library> {
  const { h5, M } = await loadH5wasm();
  return {
    name: 'h5wasm',
    open(file, mode) {
      const f = run('open', () => new h5.File(file, mode, { libver: ['earliest', 'v110'] }));
      if (f.file_id < 0n) throw new H5CallError('HDF5 could not open the file', undefined);
      return handle(h5, M, f.file_id);
    },
  };
}

function handle(h5: H5, M: H5Module, id: bigint): H5Handle {
  let scratchPtr = 0;
  let scratchBytes = 0;
  /** A wasm heap buffer of at least `bytes`, reused between calls (the heap never shrinks anyway). */
  const scratch = (bytes: number): number => {
    if (bytes > scratchBytes) {
      if (scratchPtr !== 0) M._free(scratchPtr);
      scratchPtr = M._malloc(bytes);
      scratchBytes = scratchPtr === 0 ? 0 : bytes;
      if (scratchPtr === 0) throw new H5CallError(`cannot allocate ${bytes} bytes in the wasm heap`, undefined);
    }
    return scratchPtr;
  };
  const group = (p: string) => new h5.Group(id, p);
  const set = (p: string, offset: readonly number[], count: readonly number[], ptr: number) =>
    run('write', () =>
      M.set_dataset_data(
        id,
        p,
        count.map(BigInt),
        offset.map(BigInt),
        count.map(() => 1n),
        BigInt(ptr),
      ),
    );
  return {
    exists: (name) => captureDiag(() => group('/').get(name)).value !== null,
    createGroup: (p) => void run('createGroup', () => M.create_group(id, p, false)),
    setAttr: (object, name, v) =>
      run('setAttr', () => group(object).create_attribute(name, v.data, null, ATTR_TYPE[v.type])),
    deleteAttr: (object, name) => void run('deleteAttr', () => group(object).delete_attribute(name)),
    createDataset(p, o) {
      const dtype = TYPE[o.type];
      const compound = Array.isArray(dtype) && Array.isArray(dtype[0]);
      run('createDataset', () =>
        group(path.posix.dirname(p)).create_dataset({
          name: path.posix.basename(p),
          data: compound
            ? new Map([
                ['r', []],
                ['i', []],
              ])
            : [],
          shape: [...o.shape],
          maxshape: [null, ...o.shape.slice(1)],
          chunks: [...o.chunks],
          dtype,
          ...(o.gzipLevel > 0 ? { compression: 'gzip' as const, compression_opts: o.gzipLevel } : {}),
        }),
      );
    },
    resize: (p, dims) => void run('resize', () => M.resize_dataset(id, p, dims.map(BigInt))),
    write(p, offset, count, data) {
      const ptr = scratch(data.byteLength);
      M.HEAPU8.set(data, ptr);
      set(p, offset, count, ptr);
    },
    writeFrames(p, n0, frameShape, data) {
      const frameBytes = data[0]?.byteLength ?? 0;
      const ptr = scratch(data.length * frameBytes);
      // HEAPU8 is fetched after malloc: growing the wasm memory replaces it.
      const heap = M.HEAPU8;
      for (let i = 0; i < data.length; i++) {
        const d = data[i];
        if (!(d instanceof Uint8Array)) throw new Error('h5wasm cannot read lent frame bytes (libhdf5 only)');
        heap.set(d, ptr + i * frameBytes);
      }
      set(p, [n0, ...frameShape.map(() => 0)], [data.length, ...frameShape], ptr);
    },
    flush: () => void run('flush', () => M.flush(id)),
    close() {
      if (scratchPtr !== 0) M._free(scratchPtr);
      scratchPtr = 0;
      scratchBytes = 0;
      run('close', () => M.close_file(id));
    },
    shape(p) {
      const d = captureDiag(() => group('/').get(p)).value as { shape?: number[] | null } | null;
      return d?.shape ?? undefined;
    },
  };
}
