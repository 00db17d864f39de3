/**
 * The HDF5 writer behind HDF5Sink (docs/hdf5.md): one file, one group per run, frames
 * appended along N of an extendable dataset with their seq and timestamps beside them.
 * It writes with libhdf5 or h5wasm (library.ts), every call synchronous but appendAsync and
 * flushAsync, which libhdf5 does on a thread of its own; the stage runs this through
 * writer-host.ts, tests and benches may call it directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { itemSize, shapeSize, type DType } from '../../runtime/wire/index.ts';
import {
  Hdf5SinkError,
  codeForErrno,
  codeForOsMessage,
  fileExistsError,
  type Hdf5SinkErrorCode,
  type Hdf5SinkErrorData,
} from './errors.ts';
import { makeParentDir, pathIdentity, sameFile, type FileIdentity } from './fs-checks.ts';
import type { Diag } from '../shared/h5wasm.ts';
import {
  type FrameBytes,
  H5CallError,
  loadLibrary,
  type AttrValue,
  type H5Handle,
  type H5Library,
  type H5LibraryName,
} from './library.ts';

/** The largest meta value (as JSON) kept as an attribute: HDF5 holds at most 64 KiB in one, with room for its header. */
const META_ATTR_LIMIT = 60_000;

/** Attribute names the sink writes itself; a meta key with one of these names is stored as `meta_<key>`. */
const RESERVED_ATTRS = new Set(['graph', 'node', 'patchbay_version', 'started']);

/** Elements per chunk of `seq` and `timestamps` (32 KiB). */
const INDEX_CHUNK = 4096;

/** HDF5 refuses chunks of 4 GiB or more. */
const MAX_CHUNK_BYTES = 2 ** 32 - 1;

export interface WriterOptions {
  /** The path to write, placeholders already expanded (see expandFileName). */
  file: string;
  group: string;
  dataset: string;
  compression: 'none' | 'gzip';
  /** gzip level 1–9. */
  level: number;
  chunkFrames: number;
  ifExists: 'error' | 'append' | 'overwrite';
  /** Stored on the group as they are. */
  attrs: { graph: string; node: string; started: string; patchbay_version: string };
  /**
   * The file as the caller locked it (nodes/hdf5-sink/file-lock.ts): `created` empty by the
   * lock, or there before. Without it the writer checks for the file itself.
   */
  claimed?: { created: boolean; identity: FileIdentity };
  /**
   * Disk to hold back while recording and give back when a write fails, so that HDF5 has
   * room to write what makes the file whole again: at most this many bytes, an eighth of
   * the free space when that is less, but 64 KiB at least. 0: none.
   */
  reserveBytes?: number;
  /** The HDF5 library to write with; default: libhdf5 where its addon is built (library.ts). */
  library?: H5LibraryName;
}

/** Whether each frame is a whole chunk, unfiltered: it may go to the file as it lies (H5Handle.writeFrames). */
export function wholeChunks(o: Pick<WriterOptions, 'chunkFrames' | 'compression'>): boolean {
  return o.chunkFrames === 1 && o.compression === 'none';
}

/** One frame to append: the wire Frame's fields the file keeps. */
export interface FrameIn {
  seq: number;
  t: bigint;
  dtype: DType;
  shape: readonly number[];
  meta?: Record<string, unknown>;
  /** Its bytes: a view, or (libhdf5, whole chunks) where the stage keeps them. */
  data: FrameBytes;
}

/** The package's version, for the `patchbay_version` attribute. */
export function patchbayVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The run's start as Python's `str(datetime.now())` prints it (local time, microseconds), the course's group name. */
export function defaultGroupName(startedAt: Date): string {
  const d = startedAt;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
  );
}

/** Replaces `{date}` (YYYY-MM-DD) and `{time}` (HH-MM-SS, local) in a file name with the run's start. */
export function expandFileName(pattern: string, startedAt: Date): string {
  const d = startedAt;
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  return pattern.replaceAll('{date}', date).replaceAll('{time}', time);
}

/** Appends frames to one group of one HDF5 file. Create with Hdf5Writer.open. */
export class Hdf5Writer {
  /** The absolute path of the file. */
  readonly file: string;
  readonly group: string;
  private readonly opts: WriterOptions;
  private readonly lib: H5Library;
  private h5file: H5Handle | undefined;
  /** The file this writer opened, to notice when its path is deleted or replaced. */
  private readonly identity: FileIdentity | undefined;
  /** An unlinked file of reserveBytes, open: disk space to give back when a write fails. */
  private reserveFd: number | undefined;
  private groupPath: string;
  private framesPath: string | undefined;
  private dtype: DType | undefined;
  private shape: readonly number[] | undefined;
  private n = 0;
  private flushedN = 0;
  /** Meta keys whose value has not changed so far, with the value's JSON text. */
  private constantMeta: Map<string, { json: string; value: unknown }> | undefined;
  /** Meta attributes on the group now: key -> JSON text written. */
  private writtenMeta = new Map<string, string>();
  /** Meta keys left out (their JSON as last seen), so each is warned about once. */
  private skippedMeta = new Map<string, string>();
  /** Warnings for the stage (meta left out): taken and cleared by the worker after each flush. */
  readonly warnings: Hdf5SinkErrorData[] = [];
  private metaDirty = false;
  private failed: Hdf5SinkError | undefined;
  /** An appendAsync or flushAsync not settled yet. */
  private inFlight = false;

  private constructor(
    opts: WriterOptions,
    lib: H5Library,
    h5file: H5Handle,
    file: string,
    identity: FileIdentity | undefined,
    reserveFd: number | undefined,
  ) {
    this.opts = opts;
    this.lib = lib;
    this.identity = identity;
    this.reserveFd = reserveFd;
    this.h5file = h5file;
    this.file = file;
    this.group = opts.group;
    this.groupPath = `/${opts.group}`;
  }

  /**
   * Creates (or, with ifExists append, opens) the file and creates the group with its
   * attributes and empty `seq` and `timestamps`; the frames dataset comes with the first
   * frame, which fixes its dtype and shape. Flushed before returning: the file is readable
   * from here on.
   */
  static async open(opts: WriterOptions): Promise<Hdf5Writer> {
    const file = path.resolve(opts.file);
    checkOptions(opts, file);
    const lib = await loadLibrary(opts.library);
    const claimed = opts.claimed;
    const exists = claimed ? !claimed.created : fs.existsSync(file);
    if (exists && opts.ifExists === 'error') throw fileExistsError(file);
    makeParentDir(file);
    // Unclaimed, 'x' rather than 'w' so a file that appeared since the check is still not
    // clobbered; a claimed file is locked, and the lock created it when it is new.
    const mode = claimed
      ? claimed.created || opts.ifExists === 'overwrite'
        ? 'w'
        : 'a'
      : exists
        ? opts.ifExists === 'append'
          ? 'a'
          : 'w'
        : 'x';
    // The space of a file being replaced counts towards the reserve (a full disk is often full of the last recording).
    if (claimed && mode === 'w') fs.truncateSync(file, 0);
    // Held before the file is opened, so the disk cannot fill between the two.
    const reserve = opts.reserveBytes ? holdReserve(file, opts.reserveBytes) : undefined;
    // The format HDF5 1.10 (Debian's h5py) reads: both libraries open files that way.
    let h5file: H5Handle;
    try {
      h5file = lib.open(file, mode);
    } catch (e) {
      if (reserve !== undefined) fs.closeSync(reserve);
      const diag = e instanceof H5CallError ? e.diag : undefined;
      throw new Hdf5SinkError({
        code: codeForOsMessage(diag?.osMessage, 'OPEN_FAILED'),
        file,
        detail: diag?.osMessage ?? diag?.summary ?? 'HDF5 could not open the file',
      });
    }
    if (mode === 'w') takeCloseFlush(file);
    const writer = new Hdf5Writer(opts, lib, h5file, file, pathIdentity(file), reserve);
    try {
      if (claimed && !sameFile(writer.identity, claimed.identity))
        throw new Hdf5SinkError({
          code: 'FILE_IN_USE',
          file,
          detail: 'the file was replaced between its lock and its opening',
        });
      writer.createGroup();
      writer.flush();
    } catch (e) {
      writer.abandon();
      throw e;
    }
    return writer;
  }

  /** The HDF5 library writing the file. */
  get library(): H5LibraryName {
    return this.lib.name;
  }

  /** Frames in the dataset (written; on disk for sure up to `flushedFrames`). */
  get frames(): number {
    return this.n;
  }

  /** Frames in the file as of the last flush: what a killed process leaves readable. */
  get flushedFrames(): number {
    return this.flushedN;
  }

  /** The frames' dtype and shape once the first frame has fixed them. */
  get layout(): { dtype: DType; shape: readonly number[] } | undefined {
    return this.dtype && this.shape ? { dtype: this.dtype, shape: this.shape } : undefined;
  }

  /** Why a frame does not fit the dataset, or undefined when it does. */
  mismatch(frame: Pick<FrameIn, 'dtype' | 'shape' | 'data'>): Hdf5SinkError | undefined {
    return frameMismatch(this.file, this.dtype, this.shape, frame);
  }

  /**
   * Appends frames (all of one dtype and shape) in one HDF5 write. A batch that fails
   * leaves the datasets as they were before it, and the writer refuses further work.
   */
  append(frames: readonly FrameIn[]): void {
    if (!this.ready(frames)) return;
    const n0 = this.n;
    try {
      this.writeBatch(frames, n0);
    } catch (e) {
      throw this.fail(e, n0);
    }
    this.appended(frames, n0);
  }

  /**
   * append, with libhdf5 writing on a thread of its own (H5Handle.deferred) while the caller's
   * thread goes on; the frames' bytes must stay as they are until it settles. Resolves with the
   * nanoseconds the library spent writing. Calls on this writer wait until it has settled.
   */
  async appendAsync(frames: readonly FrameIn[]): Promise<number> {
    const h = this.h5file;
    if (!h?.deferred) return timed(() => this.append(frames));
    this.assertIdle();
    if (!this.ready(frames)) return 0;
    const n0 = this.n;
    const ns = await this.offThread(h, n0, () => this.writeBatch(frames, n0));
    this.appended(frames, n0);
    return ns;
  }

  /**
   * The library calls `fn` makes, done off this thread (H5Handle.deferred); a refusal fails the
   * writer back to `n` frames. Resolves with the nanoseconds they took.
   */
  private async offThread(h: H5Handle, n: number, fn: () => void): Promise<number> {
    this.inFlight = true;
    try {
      return await h.deferred!(fn);
    } catch (e) {
      throw this.fail(this.coded('WRITE_FAILED', e), n);
    } finally {
      this.inFlight = false;
    }
  }

  /** One deferred call at a time: a second append before the first settled would write over it. */
  private assertIdle(): void {
    if (this.inFlight)
      throw new Hdf5SinkError({
        code: 'WRITE_FAILED',
        file: this.file,
        detail: 'a call on the writer before its last appendAsync or flushAsync settled',
      });
  }

  /** Whether there are frames to append, once the dataset is there and they fit it. */
  private ready(frames: readonly FrameIn[]): boolean {
    this.assertUsable();
    if (frames.length === 0) return false;
    if (this.framesPath === undefined) this.createFrames(frames[0].dtype, frames[0].shape);
    for (const f of frames) {
      const bad = this.mismatch(f);
      if (bad) throw bad;
    }
    return true;
  }

  /** The library calls of an append of `frames` at n0: the frames, then their seq and timestamps. */
  private writeBatch(frames: readonly FrameIn[], n0: number): void {
    const k = frames.length;
    const shape = this.shape as readonly number[];
    const h = this.h5file as H5Handle;
    const framesPath = this.framesPath as string;
    this.call('WRITE_FAILED', () => h.resize(framesPath, [n0 + k, ...shape]));
    this.call('WRITE_FAILED', () =>
      h.writeFrames(
        framesPath,
        n0,
        shape,
        frames.map((f) => f.data),
        wholeChunks(this.opts),
      ),
    );
    const seqs = new BigUint64Array(k);
    const times = new BigInt64Array(k);
    for (let i = 0; i < k; i++) {
      seqs[i] = BigInt(frames[i].seq);
      times[i] = frames[i].t;
    }
    this.writeIndex('seq', n0, seqs);
    this.writeIndex('timestamps', n0, times);
  }

  private appended(frames: readonly FrameIn[], n0: number): void {
    this.n = n0 + frames.length;
    for (const f of frames) this.trackMeta(f.meta);
  }

  /** Writes the constant meta attributes and asks HDF5 to write everything out (not an fsync). */
  flush(): void {
    this.checkFile();
    try {
      this.syncMeta();
      this.call('WRITE_FAILED', () => (this.h5file as H5Handle).flush());
    } catch (e) {
      throw this.fail(e, this.n);
    }
    this.flushedN = this.n;
  }

  /** flush, with libhdf5 writing on a thread of its own as appendAsync does; resolves with the nanoseconds it took. */
  async flushAsync(): Promise<number> {
    const h = this.h5file;
    if (!h?.deferred) return timed(() => this.flush());
    this.assertIdle();
    this.checkFile();
    const n = this.n;
    const t0 = process.hrtime.bigint();
    try {
      this.syncMeta();
    } catch (e) {
      throw this.fail(e, n);
    }
    const ns = Number(process.hrtime.bigint() - t0) + (await this.offThread(h, n, () => h.flush()));
    this.flushedN = n;
    return ns;
  }

  /** Throws WRITE_FAILED when the path no longer names the file being written (deleted, replaced). */
  checkFile(): void {
    this.assertUsable();
    const now = pathIdentity(this.file);
    if (!sameFile(now, this.identity)) {
      this.failed = new Hdf5SinkError({
        code: 'WRITE_FAILED',
        file: this.file,
        detail: now ? 'the file was replaced by another while recording' : 'the file was deleted while recording',
      });
      throw this.failed;
    }
  }

  /** Flushes and closes the file; returns the number of frames in it. */
  close(): number {
    if (this.h5file === undefined) return this.n;
    if (this.failed) {
      this.abandon();
      return this.n;
    }
    this.flush();
    const h5file = this.h5file;
    this.release();
    this.call('WRITE_FAILED', () => h5file.close());
    return this.n;
  }

  /**
   * After a failure: closes the file as best it can, keeping what the last good flush
   * wrote. Returns what went wrong while closing (for the report), never throws.
   */
  abandon(): Hdf5SinkError | undefined {
    const h5file = this.h5file;
    if (h5file === undefined) return undefined;
    this.release();
    try {
      this.call('WRITE_FAILED', () => h5file.close());
    } catch (e) {
      return e as Hdf5SinkError;
    }
    return undefined;
  }

  /**
   * After a failure: gives the reserve back to the file system, keeps every frame appended
   * when HDF5 can write what makes them whole, else goes back to the last flush, closes the
   * file, and reads it back. Returns how many frames a reader finds there (0 when the path
   * no longer names this file or it cannot be read), and what went wrong on the way. Never throws.
   */
  salvage(): { frames: number; problem?: string } {
    this.releaseReserve();
    const h5file = this.h5file;
    const problems: string[] = [];
    if (h5file !== undefined && sameFile(pathIdentity(this.file), this.identity)) {
      const flushNow = () => {
        try {
          h5file.flush();
          return true;
        } catch (e) {
          // HDF5 refused: the caller tries with less.
          void e;
          return false;
        }
      };
      let whole = flushNow();
      if (!whole && this.n > this.flushedN) {
        problems.push(`the frames after the last flush could not be kept`);
        this.shrinkTo(this.flushedN);
        this.n = this.flushedN;
        whole = flushNow();
      }
      if (!whole) problems.push('HDF5 could not write the file whole again');
    }
    const closing = this.abandon();
    if (closing) problems.push(`closing: ${closing.detail ?? closing.code}`);
    const frames = this.readBack();
    return problems.length ? { frames, problem: problems.join('; ') } : { frames };
  }

  /** Frames a reader finds in this writer's group of the file at its path now: the shortest of frames, seq and timestamps. */
  private readBack(): number {
    if (!sameFile(pathIdentity(this.file), this.identity)) return 0;
    let opened: H5Handle;
    try {
      opened = this.lib.open(this.file, 'r');
    } catch (e) {
      // A file HDF5 cannot open holds no frames for any reader: that is the answer sought.
      void e;
      return 0;
    }
    try {
      const names = ['seq', 'timestamps', ...(this.framesPath !== undefined ? [this.opts.dataset] : [])];
      const lengths = names.map((name) => opened.shape(`${this.groupPath}/${name}`)?.[0] ?? 0);
      return Math.min(...lengths);
    } catch (e) {
      // Likewise a group HDF5 cannot read.
      void e;
      return 0;
    } finally {
      try {
        opened.close();
      } catch (e) {
        // Read-only: nothing of the file is lost by a failed close.
        void e;
      }
    }
  }

  private releaseReserve(): void {
    if (this.reserveFd === undefined) return;
    fs.closeSync(this.reserveFd);
    this.reserveFd = undefined;
  }

  private assertUsable(): void {
    if (this.failed) throw this.failed;
    if (this.h5file === undefined)
      throw new Hdf5SinkError({ code: 'WRITER_CLOSED', file: this.file, detail: 'the writer is closed' });
  }

  /**
   * Shrinks the datasets back to `n` (so the close writes a consistent group) and refuses
   * further work. Returns the error to throw: `e`, saying so when the shrinking failed too.
   */
  private fail(e: unknown, n: number): Hdf5SinkError {
    let err =
      e instanceof Hdf5SinkError
        ? e
        : new Hdf5SinkError({ code: 'WRITE_FAILED', file: this.file, detail: (e as Error).message });
    if (!this.shrinkTo(n))
      err = new Hdf5SinkError({
        ...err.toData(),
        message: undefined,
        detail: `${err.detail ?? ''}; the datasets could not be shrunk back to ${n} frames: readers see the last flush`,
      });
    this.failed = err;
    this.n = n;
    return err;
  }

  /** Sets the length of every dataset of the group to `n` frames; false when HDF5 refused one. */
  private shrinkTo(n: number): boolean {
    const h = this.h5file;
    if (h === undefined) return false;
    const shrink = (p: string, dims: number[]) => {
      try {
        h.resize(p, dims);
        return true;
      } catch (e) {
        // HDF5 refused: the caller says the datasets could not be shrunk.
        void e;
        return false;
      }
    };
    const results = [`${this.groupPath}/seq`, `${this.groupPath}/timestamps`].map((p) => shrink(p, [n]));
    if (this.framesPath !== undefined && this.shape) results.push(shrink(this.framesPath, [n, ...this.shape]));
    return results.every(Boolean);
  }

  private release(): void {
    this.releaseReserve();
    this.h5file = undefined;
  }

  private writeIndex(name: 'seq' | 'timestamps', n0: number, values: BigUint64Array | BigInt64Array): void {
    const p = `${this.groupPath}/${name}`;
    const k = values.length;
    const h = this.h5file as H5Handle;
    this.call('WRITE_FAILED', () => h.resize(p, [n0 + k]));
    this.call('WRITE_FAILED', () =>
      h.write(p, [n0], [k], new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
    );
  }

  /** Runs a library call; HDF5's refusal (or any exception) becomes a coded error. */
  private call<T>(fallback: Hdf5SinkErrorCode, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw this.coded(fallback, e);
    }
  }

  /** What a library call threw, as a coded error. */
  private coded(fallback: Hdf5SinkErrorCode, e: unknown): Hdf5SinkError {
    if (e instanceof Hdf5SinkError) return e;
    if (e instanceof H5CallError && e.diag) return this.errorFrom(fallback, e.diag);
    return new Hdf5SinkError({ code: fallback, file: this.file, detail: (e as Error).message });
  }

  private errorFrom(fallback: Hdf5SinkErrorCode, diag: Diag | undefined): Hdf5SinkError {
    return new Hdf5SinkError({
      code: codeForOsMessage(diag?.osMessage, fallback),
      file: this.file,
      detail: diag?.osMessage ?? diag?.summary ?? 'HDF5 returned an error',
    });
  }

  private createGroup(): void {
    const h = this.h5file as H5Handle;
    if (this.opts.ifExists === 'append' && h.exists(this.group))
      throw new Hdf5SinkError({
        code: 'GROUP_EXISTS',
        file: this.file,
        param: 'group',
        expected: 'a group not yet in the file',
        received: this.group,
      });
    const g = this.groupPath;
    this.call('OPEN_FAILED', () => h.createGroup(g));
    const { attrs } = this.opts;
    this.call('OPEN_FAILED', () => {
      for (const name of ['graph', 'node', 'patchbay_version', 'started'] as const)
        h.setAttr(g, name, { type: 'str', data: attrs[name] });
      h.createDataset(`${g}/seq`, { type: 'uint64', shape: [0], chunks: [INDEX_CHUNK], gzipLevel: 0 });
      h.createDataset(`${g}/timestamps`, { type: 'int64', shape: [0], chunks: [INDEX_CHUNK], gzipLevel: 0 });
    });
  }

  private createFrames(dtype: DType, shape: readonly number[]): void {
    const frameBytes = shapeSize(shape) * itemSize(dtype);
    const chunkBytes = frameBytes * this.opts.chunkFrames;
    if (chunkBytes > MAX_CHUNK_BYTES)
      throw new Hdf5SinkError({
        code: 'BAD_PARAM',
        file: this.file,
        param: 'chunkFrames',
        expected: `chunks under 4 GiB (at most ${Math.floor(MAX_CHUNK_BYTES / Math.max(frameBytes, 1))} frames of this shape)`,
        received: String(this.opts.chunkFrames),
      });
    if (frameBytes === 0)
      throw new Hdf5SinkError({
        code: 'FRAME_MISMATCH',
        file: this.file,
        expected: 'a frame with at least one element',
        received: `shape ${JSON.stringify(shape)}`,
      });
    const framesPath = `${this.groupPath}/${this.opts.dataset}`;
    this.call('WRITE_FAILED', () =>
      (this.h5file as H5Handle).createDataset(framesPath, {
        type: dtype,
        shape: [0, ...shape],
        chunks: [this.opts.chunkFrames, ...shape],
        gzipLevel: this.opts.compression === 'gzip' ? this.opts.level : 0,
      }),
    );
    this.framesPath = framesPath;
    this.dtype = dtype;
    this.shape = [...shape];
  }

  private trackMeta(meta: Record<string, unknown> | undefined): void {
    if (this.constantMeta === undefined) {
      this.constantMeta = new Map();
      for (const [k, v] of Object.entries(meta ?? {})) this.constantMeta.set(k, { json: JSON.stringify(v), value: v });
      this.metaDirty = true;
      return;
    }
    for (const [k, c] of this.constantMeta) {
      if (meta === undefined || !(k in meta) || JSON.stringify(meta[k]) !== c.json) {
        this.constantMeta.delete(k);
        this.metaDirty = true;
      }
    }
  }

  /**
   * Makes the group's meta attributes match the keys constant so far: written at the
   * first flush after the first frame, removed at the flush after their value changed.
   */
  private syncMeta(): void {
    if (!this.metaDirty || this.constantMeta === undefined) return;
    const h = this.h5file as H5Handle;
    for (const [key] of this.writtenMeta) {
      if (!this.constantMeta.has(key)) {
        this.call('WRITE_FAILED', () => h.deleteAttr(this.groupPath, attrName(key)));
        this.writtenMeta.delete(key);
      }
    }
    for (const [key, c] of this.constantMeta) {
      if (this.writtenMeta.has(key) || this.skippedMeta.get(key) === c.json) continue;
      // Meta is the source's business, the frames are the recording's: what HDF5 cannot hold
      // as an attribute is left out with a warning, and the recorder goes on.
      let why =
        key === ''
          ? 'an attribute needs a name'
          : c.json.length > META_ATTR_LIMIT
            ? `its value has ${c.json.length} bytes, more than ${META_ATTR_LIMIT}`
            : undefined;
      if (why === undefined) {
        const value = attrValue(c.value);
        try {
          this.call('WRITE_FAILED', () => h.setAttr(this.groupPath, attrName(key), value));
          this.writtenMeta.set(key, c.json);
          continue;
        } catch (e) {
          why = (e as Error).message;
        }
      }
      this.skippedMeta.set(key, c.json);
      this.warnings.push(
        new Hdf5SinkError({
          code: 'META_NOT_STORED',
          file: this.file,
          param: `meta ${JSON.stringify(key.slice(0, 40))}`,
          detail: why,
        }).toData(),
      );
    }
    this.metaDirty = false;
  }
}

/** Why a frame does not fit a dataset of `dtype` and `shape` (undefined ones fit anything), or undefined. */
export function frameMismatch(
  file: string,
  dtype: DType | undefined,
  shape: readonly number[] | undefined,
  frame: Pick<FrameIn, 'dtype' | 'shape' | 'data'>,
): Hdf5SinkError | undefined {
  if (dtype !== undefined && frame.dtype !== dtype)
    return new Hdf5SinkError({ code: 'FRAME_MISMATCH', file, param: 'dtype', expected: dtype, received: frame.dtype });
  if (shape !== undefined && (frame.shape.length !== shape.length || frame.shape.some((d, i) => d !== shape[i])))
    return new Hdf5SinkError({
      code: 'FRAME_MISMATCH',
      file,
      param: 'shape',
      expected: JSON.stringify(shape),
      received: JSON.stringify(frame.shape),
    });
  const want = shapeSize(frame.shape) * itemSize(frame.dtype);
  if (want === 0)
    return new Hdf5SinkError({
      code: 'FRAME_MISMATCH',
      file,
      param: 'shape',
      expected: 'a frame with at least one element',
      received: JSON.stringify(frame.shape),
    });
  if (frame.data.byteLength !== want)
    return new Hdf5SinkError({
      code: 'FRAME_MISMATCH',
      file,
      param: 'data',
      expected: `${want} bytes`,
      received: `${frame.data.byteLength} bytes`,
    });
  return undefined;
}

/**
 * Holds `bytes` of the disk that `file` is on, in a file unlinked as soon as it is made (so
 * nothing is left behind, even by a killed process): closing its descriptor gives them back.
 */
function holdReserve(file: string, most: number): number {
  const { bavail, bsize } = fs.statfsSync(path.dirname(file));
  const bytes = Math.min(most, Math.max(64 * 1024, Math.floor((bavail * bsize) / 8)));
  const name = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.reserve`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(name, 'w', 0o600);
    fs.unlinkSync(name);
    // Not zeros: a file system that compresses or deduplicates would store none.
    const block = Buffer.alloc(64 * 1024, 0x5a);
    for (let done = 0; done < bytes;) done += fs.writeSync(fd, block, 0, Math.min(block.length, bytes - done));
    return fd;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(name, { force: true });
    const errno = (e as NodeJS.ErrnoException).code;
    throw new Hdf5SinkError({
      code: codeForErrno(errno, 'OPEN_FAILED'),
      file,
      detail: `cannot hold back ${Math.round(bytes / 1024)} KiB of disk for closing the file whole should the disk fill: ${errno ?? (e as Error).message}`,
    });
  }
}

/**
 * ext4 writes a file back whole at the first close after the file was truncated to zero
 * (auto_da_alloc: a guard for programs that rewrite a file in place without fsync). HDF5
 * creates with O_TRUNC, over the empty file the lock made or the one being replaced, so a
 * recording's close started writeback of everything it had written and waited for the
 * blocks to be allocated: 0.4–0.5 s per 3 GB (docs/performance-hdf5.md). One close now,
 * while the file holds a few KiB, takes that turn. Elsewhere it is an open and a close.
 */
function takeCloseFlush(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'r'));
  } catch {
    // Not being able to open the file HDF5 has just created shows at its first write.
  }
}

/** Nanoseconds `fn` took. */
function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0);
}

function attrName(key: string): string {
  return RESERVED_ATTRS.has(key) ? `meta_${key}` : key;
}

/**
 * How a meta value is stored: whole numbers as int64 (h5wasm would pick int32), other
 * numbers as float64, strings as UTF-8, booleans as int8 0/1 (HDF5 has no plain bool),
 * lists of numbers or strings as 1-D arrays, anything else as its JSON text.
 */
function attrValue(v: unknown): AttrValue {
  if (typeof v === 'number') return { data: v, type: Number.isSafeInteger(v) ? 'i8' : 'f8' };
  if (typeof v === 'string') return { data: v, type: 'str' };
  if (typeof v === 'boolean') return { data: v ? 1 : 0, type: 'i1' };
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'))
    return { data: v as number[], type: (v as number[]).every((x) => Number.isSafeInteger(x)) ? 'i8' : 'f8' };
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))
    return { data: v as string[], type: 'str' };
  return { data: JSON.stringify(v) ?? 'null', type: 'str' };
}

function checkOptions(o: WriterOptions, file: string): void {
  const bad = (param: string, expected: string, received: unknown): never => {
    throw new Hdf5SinkError({ code: 'BAD_PARAM', file, param, expected, received: JSON.stringify(received) });
  };
  if (!Number.isSafeInteger(o.chunkFrames) || o.chunkFrames < 1) bad('chunkFrames', 'an integer ≥ 1', o.chunkFrames);
  if (o.compression === 'gzip' && (!Number.isInteger(o.level) || o.level < 1 || o.level > 9))
    bad('level', 'an integer 1–9', o.level);
  if (!/^[A-Za-z0-9_.-]+$/.test(o.dataset) || o.dataset === 'seq' || o.dataset === 'timestamps')
    bad('dataset', 'a name of letters, digits, _ . - other than seq and timestamps', o.dataset);
  if (o.group === '' || o.group.includes('/') || o.group === '.') bad('group', 'a non-empty name without "/"', o.group);
}
