/**
 * The HDF5 library the recorder writes with: libhdf5 through the patchbay_hdf5 addon where
 * it was built (frames go to the file from the slab they are in, a whole chunk per pwrite),
 * h5wasm everywhere else. Both write the same file (docs/hdf5.md); the writer sees only
 * this interface. PATCHBAY_HDF5=h5wasm or =libhdf5 picks one for the process.
 */
import type { DType } from '../../runtime/wire/index.ts';
import type { Diag } from '../shared/h5wasm.ts';
import { loadHdf5Addon } from '../../native/hdf5-addon.ts';

export type H5LibraryName = 'libhdf5' | 'h5wasm';

/** A file type: a wire dtype, or the index datasets' uint64 (`seq`) and int64 (`timestamps`). */
export type H5Type = DType | 'uint64' | 'int64';

/** An attribute's value as stored: int64, int8 (booleans), float64 or UTF-8 strings; an array is 1-D. */
export interface AttrValue {
  type: 'i8' | 'i1' | 'f8' | 'str';
  data: number | number[] | string | string[];
}

/** A call HDF5 refused, with HDF5's error stack. */
export class H5CallError extends Error {
  readonly diag: Diag | undefined;
  constructor(what: string, diag: Diag | undefined) {
    super(diag?.osMessage ?? diag?.summary ?? what);
    this.diag = diag;
  }
}

/** An open file. Paths are absolute ("/group/dataset"). Every call throws H5CallError when HDF5 refuses. */
/**
 * A frame's bytes where the recorder's stage keeps them for the writer (write-queue.ts): the
 * writer reads them in place, with libhdf5, instead of from a copy in its slab.
 */
export interface LentBytes {
  readonly address: number;
  readonly byteLength: number;
}

/** One frame's bytes for writeFrames: a view (of the slab) or lent. */
export type FrameBytes = Uint8Array | LentBytes;

export interface H5Handle {
  /** Whether the root group has a link of this name. */
  exists(name: string): boolean;
  createGroup(path: string): void;
  setAttr(object: string, name: string, value: AttrValue): void;
  deleteAttr(object: string, name: string): void;
  /** An extendable dataset: `shape` now, unlimited along the first axis. */
  createDataset(
    path: string,
    o: { type: H5Type; shape: readonly number[]; chunks: readonly number[]; gzipLevel: number },
  ): void;
  resize(path: string, dims: readonly number[]): void;
  /** The block of `count` at `offset`, from data's bytes as they are (little-endian, the file's type). */
  write(path: string, offset: readonly number[], count: readonly number[], data: Uint8Array): void;
  /**
   * Frames n0, n0 + 1, … of the frames dataset (already long enough), each `data` one frame.
   * `wholeChunks`: a chunk is one frame and unfiltered, so each frame may go to the file as its chunk.
   * Lent bytes come only with `wholeChunks`, and only to libhdf5.
   */
  writeFrames(
    path: string,
    n0: number,
    frameShape: readonly number[],
    data: readonly FrameBytes[],
    wholeChunks: boolean,
  ): void;
  /** Everything HDF5 holds goes to the file (not an fsync). */
  flush(): void;
  /**
   * libhdf5 only: the resize, write, writeFrames and flush calls `fn` makes are done after it
   * returns, in order, on a thread of the library's own, stopping at the first refused.
   * Resolves with the nanoseconds they took; rejects with H5CallError. Their bytes must stay
   * as they are, and no other call be made on the file, until it settles.
   */
  deferred?(fn: () => void): Promise<number>;
  close(): void;
  /** A dataset's dimensions, or undefined when there is none at `path`. */
  shape(path: string): number[] | undefined;
}

export interface H5Library {
  readonly name: H5LibraryName;
  /** Opens a file: r read-only, a read-write, w truncated, x created (fails when there). Format readable by HDF5 1.10. */
  open(file: string, mode: 'r' | 'a' | 'w' | 'x'): H5Handle;
}

/** Which library a process uses when not told: PATCHBAY_HDF5, else libhdf5 where its addon loads. */
export function defaultLibrary(): H5LibraryName {
  const env = process.env.PATCHBAY_HDF5;
  if (env === 'libhdf5' || env === 'h5wasm') return env;
  return loadHdf5Addon().addon ? 'libhdf5' : 'h5wasm';
}

/** The library by name (default: defaultLibrary()); libhdf5 asked for and absent throws, saying why. */
export async function loadLibrary(name: H5LibraryName = defaultLibrary()): Promise<H5Library> {
  if (name === 'libhdf5') {
    const { addon, why } = loadHdf5Addon();
    if (!addon) throw new Error(`libhdf5 was asked for (PATCHBAY_HDF5=libhdf5) but ${why}`);
    const { libhdf5Library } = await import('./library-libhdf5.ts');
    return libhdf5Library(addon);
  }
  const { h5wasmLibrary } = await import('./library-h5wasm.ts');
  return h5wasmLibrary();
}
