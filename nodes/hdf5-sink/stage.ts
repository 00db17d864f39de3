/**
 * HDF5Sink at run time: the stage on the executor's thread hands frames to its writer
 * (writer-host.ts) through a shared slab of frame slots (one copy, no structured clone of
 * pixels), or, where libhdf5 writes one frame per chunk, keeps a frame in its own buffer until
 * the writer has written it from there (no copy at all; write-queue.ts). With libhdf5 the
 * writer runs on this thread and HDF5 writes on a thread of libuv's pool; with h5wasm, whose
 * calls are long and synchronous, in a worker thread of its own.
 * It takes no more frames than the writer can write within a share of `flushEvery`, by
 * the writer's measured pace: that wait is the backpressure, so nothing is dropped and a
 * killed run loses little more than `flushEvery` of what it had received.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { NodeStats, Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { startTsWorker } from '../../runtime/util/ts-worker.ts';
import { itemSize, shapeSize, type DType, type Frame } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import type { hdf5Sink } from './index.ts';
import { Hdf5SinkError } from './errors.ts';
import { LockUnavailable, lockRecording, type RecordingLock } from './file-lock.ts';
import { pathIdentity, sameFile } from './fs-checks.ts';
import type { FromWriter, ToWriter } from './messages.ts';
import { defaultLibrary, type H5LibraryName } from './library.ts';
import { WriterHost } from './writer-host.ts';
import { SlotPool } from './slots.ts';
import { WriteQueue } from './write-queue.ts';
import { loadHdf5Addon, type RawHdf5Addon } from '../../native/hdf5-addon.ts';
import {
  defaultGroupName,
  expandFileName,
  frameMismatch,
  patchbayVersion,
  wholeChunks,
  type WriterOptions,
} from './writer.ts';

/** Largest batch the writer hands HDF5 at once: the wasm heap grows to it and never shrinks. */
const BATCH_BYTES = 16 * 2 ** 20;
/** The slab aims at this much memory, so a slow disk moment does not stall the pipeline at once. */
const SLAB_BYTES = 64 * 2 ** 20;
const SLAB_MAX_BYTES = 512 * 2 ** 20;
const MAX_BATCH_FRAMES = 1024;
const MAX_SLOTS = 4096;
/**
 * Frames the stage may keep in their own buffers for the writer at once; a producer's pool
 * takes this many slots more (Stage.keeps). With all of them kept, the next frame waits for
 * the writer when it will have written them within KEEP_WAIT_MS at its pace, and goes to the
 * slab when it will not (a slow disk moment: the slab absorbs it, as before).
 */
const KEEP_FRAMES = 8;
const KEEP_WAIT_MS = 20;
/** How long close() without end() waits for the writer to write what it holds and close the file. */
const CLOSE_TIMEOUT_MS = 30_000;
/**
 * The frames waiting for the writer may take this share of `flushEvery` to write: a frame
 * received is then flushed within about 1.25 × flushEvery, even when the writer is the
 * bottleneck (gzip) and its pace wavers.
 */
const QUEUE_SHARE_OF_FLUSH = 0.25;
/**
 * Disk held back while recording (or an eighth of the free space, when less), for HDF5 to
 * make the file whole should the disk fill: what it must still write grows by about 50
 * bytes per chunk since the last flush (the chunk index); 16 KiB was enough after 475
 * frames of 64², 1 MiB covers some 20 000.
 */
const RESERVE_BYTES = 2 ** 20;

/** The stage's writer (writer-host.ts), on this thread or in a worker thread: messages.ts both ways. */
interface WriterChannel {
  postMessage(msg: ToWriter): void;
  /** Stops it; a file it still has open is left as its last flush wrote it. */
  terminate(): Promise<unknown>;
}

/** Files a sink of this process has open: the file lock refuses a second one too, this says it is a node of this run. */
const filesInUse = new Set<string>();

/** NodeStats plus what only a sink knows. */
export interface Hdf5SinkStats extends NodeStats {
  /** Frames in the dataset now (written, flushed or not). */
  framesStored: number;
  /** Frames in the file as of the last flush: what a killed process leaves readable. */
  framesFlushed: number;
  /** Frames received after `maxFrames` was reached, not recorded. */
  framesIgnored: number;
}

/** How many frames go in a batch and how many slots the slab has, for frames of `frameBytes`. */
export function slabPlan(
  frameBytes: number,
  chunkFrames: number,
  compressed: boolean,
): { batchFrames: number; slots: number } {
  let batchFrames = Math.max(1, Math.min(MAX_BATCH_FRAMES, Math.floor(BATCH_BYTES / frameBytes)));
  // With gzip a batch is whole chunks, when two of them fit the slab's upper bound.
  if (compressed && 2 * chunkFrames * frameBytes <= SLAB_MAX_BYTES)
    batchFrames = Math.max(chunkFrames, Math.floor(batchFrames / chunkFrames) * chunkFrames);
  const slots = Math.max(4, 2 * batchFrames, Math.min(MAX_SLOTS, Math.floor(SLAB_BYTES / frameBytes)));
  return { batchFrames, slots };
}

/** The HDF5Sink stage; `on('flush', frames => ...)` reports each flush. */
export class Hdf5SinkStage extends EventEmitter implements Stage {
  /** Each frame is copied into the writer's slab before receive() settles, or kept (io.keep) until written. */
  readonly lifetime = 'done-on-receive';
  /** The absolute path of the file, once open() has created it. */
  file: string | undefined;
  /** The group this run writes to. */
  readonly group: string;
  private readonly io: StageIO;
  private readonly options: WriterOptions;
  private readonly flushEvery: number;
  private readonly maxFrames: number;
  private readonly stats: Hdf5SinkStats;
  private writer: WriterChannel | undefined;
  private layout:
    | { dtype: DType; shape: number[]; frameBytes: number; slab: Uint8Array; slots: number; queue: WriteQueue }
    | undefined;
  /** The addon that tells a frame's address, once open() found the writer reads frames in place. */
  private lender: RawHdf5Addon | undefined;
  private posted = 0;
  private consumed = 0;
  private failure: Hdf5SinkError | undefined;
  private lock: RecordingLock | undefined;
  /** The writer's latest pace, ns per frame (0 until it has written a batch). */
  private nsPerFrame = 0;
  /** Frames refused for not fitting the dataset (counted by io.warn, not lost). */
  private refused = 0;
  private slotWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private replyWaiter: { want: 'opened' | 'closed'; resolve: () => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  private holdsFile = false;
  /** Time spent copying frames into the slab, on the pipeline's thread (busyNs adds the writer's time). */
  private copyNs = 0;

  constructor(io: StageIO) {
    super();
    this.io = io;
    const p = io.node.params as ParamsOf<typeof hdf5Sink>;
    const started = io.startedAt;
    this.group = p.group || defaultGroupName(started);
    this.flushEvery = p.flushEvery;
    this.maxFrames = p.maxFrames;
    this.options = {
      file: p.file ? path.resolve(expandFileName(p.file, started)) : '',
      group: this.group,
      dataset: p.dataset,
      compression: p.compression,
      level: p.level,
      chunkFrames: p.chunkFrames,
      ifExists: p.ifExists,
      attrs: {
        graph: io.graphText,
        node: io.node.id,
        started: started.toISOString(),
        patchbay_version: patchbayVersion(),
      },
    };
    this.stats = Object.assign(io.stats, { framesStored: 0, framesFlushed: 0, framesIgnored: 0 });
  }

  /** The HDF5 library the writer writes with, once open() resolved. */
  library: H5LibraryName | undefined;

  /** How many of the slab's slots have held a frame: its memory in use, in frames. */
  get slotsTouched(): number {
    return this.layout?.queue.pool.touched ?? 0;
  }

  /** Frames kept for the writer at most (frame lifetimes): known once open() resolved. */
  get keeps(): number {
    return this.lender ? KEEP_FRAMES : 0;
  }

  /** Frames written from their own buffers, without a copy into the slab. */
  framesKept = 0;

  /** Frames in the file now (all of them after end()). */
  get framesStored(): number {
    return this.stats.framesStored;
  }

  /** Starts the writer and creates the file, so a bad path fails before any source starts. */
  async open(): Promise<void> {
    if (this.options.file === '')
      throw new Hdf5SinkError({ code: 'BAD_PARAM', param: 'file', expected: 'a file name', received: '""' });
    if (filesInUse.has(this.options.file))
      throw new Hdf5SinkError({
        code: 'FILE_IN_USE',
        file: this.options.file,
        param: 'file',
        expected: 'a file no other HDF5Sink of this run writes',
        received: this.options.file,
      });
    filesInUse.add(this.options.file);
    this.holdsFile = true;
    // Before the writer touches the file (overwrite truncates it), so a file that another
    // run or an h5py writer holds is refused untouched.
    try {
      this.lock = lockRecording(this.options.file, this.options.ifExists);
      this.options.claimed = { created: this.lock.created, identity: this.lock.identity };
    } catch (e) {
      if (!(e instanceof LockUnavailable)) throw e;
      this.io.warn(
        new Hdf5SinkError({
          code: 'NOT_LOCKED',
          file: this.options.file,
          detail: `recording without a lock: ${e.message}`,
        }),
      );
    }
    this.options.reserveBytes = RESERVE_BYTES;
    this.writer = (this.options.library ?? defaultLibrary()) === 'libhdf5' ? this.hostHere() : await this.startWorker();
    try {
      await this.request({ type: 'open', options: this.options, flushEvery: this.flushEvery }, 'opened');
    } catch (e) {
      // The lock made the file, and nothing was recorded: leave no empty or half-made file behind.
      if (this.lock?.created && sameFile(pathIdentity(this.options.file), this.lock.identity))
        fs.rmSync(this.options.file, { force: true });
      throw e;
    }
    this.lock?.share();
    // libhdf5 writing each frame as its chunk reads it where it is (PATCHBAY_HDF5_COPY=1: always
    // through the slab, to compare).
    if (this.library === 'libhdf5' && wholeChunks(this.options) && process.env.PATCHBAY_HDF5_COPY !== '1')
      this.lender = loadHdf5Addon().addon;
  }

  /** The writer on this thread: libhdf5 writes on a thread of libuv's pool (no worker thread's heap). */
  private hostHere(): WriterChannel {
    const host = new WriterHost((msg) => this.onMessage(msg));
    return { postMessage: (msg) => host.receive(msg), terminate: () => host.terminate() };
  }

  /** The writer in a worker thread of its own (h5wasm). */
  private async startWorker(): Promise<Worker> {
    const worker = await startTsWorker(new URL('./worker.ts', import.meta.url), [import.meta.resolve('h5wasm/node')]);
    worker.on('message', (msg: FromWriter) => this.onMessage(msg));
    worker.on('error', (e) =>
      this.onFailure(
        new Hdf5SinkError({ code: 'WORKER_FAILED', file: this.file ?? this.options.file, detail: e.message }),
      ),
    );
    worker.on('exit', (code) => {
      this.writer = undefined;
      if (!this.ended || this.replyWaiter)
        this.onFailure(
          new Hdf5SinkError({
            code: 'WORKER_FAILED',
            file: this.file ?? this.options.file,
            detail: `the writer thread exited with code ${code}`,
          }),
        );
    });
    return worker;
  }

  /**
   * Queues one frame; waits while the writer has as many waiting as it can write in a
   * share of `flushEvery` (room()). A frame that does not fit the dataset is refused through io.warn.
   */
  async receive(_port: string, frame: Frame): Promise<void> {
    // Counted before anything can refuse it: a frame taken and not stored is lost.
    this.stats.framesIn++;
    this.stats.bytesIn += frame.data.byteLength;
    if (this.failure) throw this.failure;
    if (this.maxFrames > 0 && this.posted >= this.maxFrames) {
      this.stats.framesIgnored++;
      return;
    }
    const bad = frameMismatch(this.file ?? this.options.file, this.layout?.dtype, this.layout?.shape, frame);
    if (bad) {
      this.refused++;
      this.io.warn(bad);
      return;
    }
    const layout = this.layout ?? this.begin(frame);
    // A lent frame is kept (up to KEEP_FRAMES, what its producer's pool counts); one that is
    // not lent is the garbage collector's, and held by reference: no copy, and no more memory
    // than the slab slot it would take (frames waiting are bounded by room() either way).
    const lent = this.io.lent?.(frame) ?? false;
    // Room for one more waiting; and with every keep in use, a writer that will have written
    // the kept frames soon is waited for rather than the frame copied.
    while (
      this.posted - this.consumed >= this.room(layout.slots) ||
      (this.lender && lent && !layout.queue.canKeep && this.nsPerFrame * layout.queue.kept <= KEEP_WAIT_MS * 1e6)
    ) {
      await new Promise<void>((resolve, reject) => {
        this.slotWaiter = { resolve, reject };
      });
      if (this.failure) throw this.failure;
    }
    if (this.failure) throw this.failure;
    let msg: ToWriter;
    if (this.lender && (!lent || layout.queue.canKeep)) {
      if (lent) layout.queue.keep(frame.data, this.io.keep!(frame));
      else layout.queue.hold(frame.data);
      msg = { type: 'frame', slot: -1, at: this.lender.address(frame.data), seq: frame.seq, t: frame.t };
      this.framesKept++;
    } else {
      const slot = layout.queue.slot();
      const t0 = process.hrtime.bigint();
      layout.slab.set(frame.data, slot * layout.frameBytes);
      this.copyNs += Number(process.hrtime.bigint() - t0);
      msg = { type: 'frame', slot, seq: frame.seq, t: frame.t };
    }
    if (frame.meta !== undefined) msg.meta = frame.meta;
    this.writer!.postMessage(msg);
    this.posted++;
    this.stats.queueDepth = this.posted - this.consumed;
  }

  /** Writes every queued frame, flushes and closes the file; `framesStored` then says how many frames it holds. */
  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.writer)
      throw new Hdf5SinkError({
        code: 'WRITER_CLOSED',
        file: this.file ?? this.options.file,
        detail: 'end() before open()',
      });
    await this.request({ type: 'end' }, 'closed');
    this.ended = true;
    await this.writer?.terminate();
  }

  /**
   * Stops the writer. Closed without end() (another node failed, a forced stop),
   * it still writes the frames already received and closes the file properly first, within
   * CLOSE_TIMEOUT_MS; what goes wrong doing so rejects.
   */
  async close(): Promise<void> {
    let error: Error | undefined;
    if (this.writer && !this.ended && !this.failure) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Hdf5SinkError({
                code: 'WORKER_FAILED',
                file: this.file ?? this.options.file,
                detail: `the writer did not finish within ${CLOSE_TIMEOUT_MS / 1000} s`,
              }),
            ),
          CLOSE_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([this.request({ type: 'end' }, 'closed'), limit]);
      } catch (e) {
        error = e as Error;
      } finally {
        clearTimeout(timer);
      }
    }
    this.ended = true;
    const w = this.writer;
    this.writer = undefined;
    if (w) await w.terminate();
    // The writer is gone: nothing reads the frames kept for it any more.
    this.layout?.queue.releaseAll();
    this.lock?.release();
    this.lock = undefined;
    if (this.holdsFile) filesInUse.delete(this.options.file);
    this.holdsFile = false;
    this.account();
    if (error) throw error;
  }

  /**
   * How many frames may wait for the writer: as many as it writes in a share of
   * `flushEvery` at its latest pace, at least a compressed chunk (the writer waits for
   * whole ones), at most the slab.
   */
  private room(slots: number): number {
    const hold = this.options.compression === 'gzip' ? this.options.chunkFrames : 1;
    const byPace =
      this.nsPerFrame > 0 ? Math.floor((this.flushEvery * 1e9 * QUEUE_SHARE_OF_FLUSH) / this.nsPerFrame) : 1;
    return Math.min(slots, Math.max(hold, byPace, 1));
  }

  /** After a failure, every frame received and neither stored, ignored (maxFrames) nor refused is lost. */
  private account(): void {
    if (!this.failure) return;
    const s = this.stats;
    s.lost = Math.max(0, s.framesIn - s.framesIgnored - this.refused - s.framesStored);
  }

  private begin(frame: Frame): NonNullable<Hdf5SinkStage['layout']> {
    const frameBytes = shapeSize(frame.shape) * itemSize(frame.dtype);
    const { batchFrames, slots } = slabPlan(
      Math.max(frameBytes, 1),
      this.options.chunkFrames,
      this.options.compression === 'gzip',
    );
    const sab = new SharedArrayBuffer(slots * frameBytes);
    this.layout = {
      dtype: frame.dtype,
      shape: [...frame.shape],
      frameBytes,
      slab: new Uint8Array(sab),
      slots,
      queue: new WriteQueue(new SlotPool(slots), this.keeps),
    };
    this.writer!.postMessage({
      type: 'begin',
      dtype: frame.dtype,
      shape: [...frame.shape],
      slab: sab,
      slots,
      batchFrames,
    } satisfies ToWriter);
    return this.layout;
  }

  private request(msg: ToWriter, want: 'opened' | 'closed'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.replyWaiter = { want, resolve, reject };
      this.writer!.postMessage(msg);
    });
  }

  private onMessage(msg: FromWriter): void {
    switch (msg.type) {
      case 'opened':
        this.file = msg.file;
        this.library = msg.library;
        this.settle('opened');
        return;
      case 'written':
        this.layout?.queue.written(msg.frames - this.consumed);
        this.consumed = msg.frames;
        this.nsPerFrame = msg.nsPerFrame;
        this.stats.framesStored = msg.frames;
        this.stats.busyNs = this.copyNs + msg.busyNs;
        this.stats.queueDepth = this.posted - this.consumed;
        this.wakeSlotWaiter();
        return;
      case 'warning':
        this.io.warn(Hdf5SinkError.fromData(msg.error));
        return;
      case 'flushed':
        this.stats.framesFlushed = msg.frames;
        this.emit('flush', msg.frames);
        return;
      case 'closed':
        this.layout?.queue.releaseAll();
        this.consumed = this.posted;
        this.stats.framesStored = msg.frames;
        this.stats.framesFlushed = msg.frames;
        this.stats.busyNs = this.copyNs + msg.busyNs;
        this.stats.queueDepth = 0;
        this.settle('closed');
        return;
      case 'failed':
        // The writer has stopped: it reads no kept frame again.
        this.layout?.queue.releaseAll();
        this.stats.framesStored = msg.frames;
        this.stats.framesFlushed = msg.frames;
        this.onFailure(Hdf5SinkError.fromData(msg.error));
        this.account();
        return;
    }
  }

  private settle(what: 'opened' | 'closed'): void {
    const w = this.replyWaiter;
    if (w?.want !== what) return;
    this.replyWaiter = undefined;
    w.resolve();
  }

  private wakeSlotWaiter(): void {
    const w = this.slotWaiter;
    this.slotWaiter = undefined;
    w?.resolve();
  }

  /** The first failure stops the sink: every pending and later call rejects with it. */
  private onFailure(e: Hdf5SinkError): void {
    if (this.failure) return;
    this.failure = e;
    // Nobody is waiting on the writer (no frame is coming, the source is quiet): the run must
    // still learn now that its recording stopped, not at the next frame or at its end.
    if (!this.slotWaiter && !this.replyWaiter && this.file !== undefined && !this.ended) this.io.fail?.(e);
    const s = this.slotWaiter;
    this.slotWaiter = undefined;
    s?.reject(e);
    const r = this.replyWaiter;
    this.replyWaiter = undefined;
    r?.reject(e);
  }
}

/** The executor's entry point (runtime/exec/stage.ts). */
const createHdf5Sink: StageFactory = (io) => new Hdf5SinkStage(io);
export default createHdf5Sink;
