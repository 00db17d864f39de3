/**
 * The recorder's libhdf5 addon (native/src/hdf5-file.cc), built beside the camera addon
 * where libhdf5's development files are. Absent, HDF5Sink writes with h5wasm instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A file open in libhdf5. */
export type RawH5Handle = { readonly __h5handle: unique symbol };

/** Typings of the raw addon; every call throws an Error with `h5stack` when HDF5 refuses. */
export interface RawHdf5Addon {
  version(): string;
  open(file: string, mode: 'r' | 'a' | 'w' | 'x'): RawH5Handle;
  close(h: RawH5Handle): void;
  flush(h: RawH5Handle): void;
  exists(h: RawH5Handle, name: string): boolean;
  createGroup(h: RawH5Handle, path: string): void;
  setAttr(
    h: RawH5Handle,
    object: string,
    name: string,
    type: 'i8' | 'i1' | 'f8' | 'str',
    value: number | string | number[] | string[],
  ): void;
  deleteAttr(h: RawH5Handle, object: string, name: string): void;
  createDataset(
    h: RawH5Handle,
    path: string,
    type: string,
    dims: number[],
    maxdims: number[],
    chunks: number[],
    gzipLevel: number,
  ): void;
  resize(h: RawH5Handle, path: string, dims: number[]): void;
  write(h: RawH5Handle, path: string, offset: number[], count: number[], data: Uint8Array): void;
  writeChunk(h: RawH5Handle, path: string, offset: number[], data: Uint8Array): void;
  /** writeChunk from `bytes` at `address` (address()), memory the caller's process holds until this returns. */
  writeChunkAt(h: RawH5Handle, path: string, offset: number[], address: number, bytes: number): void;
  /** Where a typed array's bytes start in this process's memory. */
  address(data: ArrayBufferView): number;
  shape(h: RawH5Handle, path: string): number[] | null;
  /**
   * The steps in order on a thread of libuv's pool, stopping at the first refused: a promise of
   * the nanoseconds they took, rejected as the call would have thrown. The caller keeps the
   * memory they name, and makes no other call on the file, until it settles.
   */
  run(h: RawH5Handle, steps: RawStep[]): Promise<number>;
}

/** One step of run(): as resize(), write() and writeChunkAt() (memory by address()), and flush(). */
export type RawStep =
  | ['resize', string, number[]]
  | ['write', string, number[], number[], number, number]
  | ['chunk', string, number[], number, number]
  | ['flush'];

const require = createRequire(import.meta.url);
const ADDON = fileURLToPath(new URL('./build/Release/patchbay_hdf5.node', import.meta.url));

let loaded: { addon?: RawHdf5Addon; why?: string } | undefined;

/** The addon, or why there is none (not built on this machine, or it did not load). */
export function loadHdf5Addon(): { addon?: RawHdf5Addon; why?: string } {
  if (loaded) return loaded;
  if (!existsSync(ADDON))
    loaded = { why: 'the libhdf5 addon is not built (no libhdf5 development files when it was built)' };
  else {
    try {
      loaded = { addon: require(ADDON) as RawHdf5Addon };
    } catch (e) {
      loaded = { why: `the libhdf5 addon did not load: ${(e as Error).message}` };
    }
  }
  return loaded;
}
