/**
 * The HDF5Sink's writer, as the stage talks to it (messages.ts): takes frames in order from
 * the shared slab (or, by address, from the buffers the stage keeps for it), appends them in
 * batches, flushes every `flushEvery` seconds and tells the stage which frames are written
 * (their slots free). It runs on the stage's own thread where libhdf5 writes on a thread of
 * its own (H5Handle.deferred), and in a worker thread of its own with h5wasm (worker.ts).
 */
import type { DType } from '../../runtime/wire/index.ts';
import { itemSize, shapeSize } from '../../runtime/wire/index.ts';
import { Hdf5SinkError } from './errors.ts';
import type { FromWriter, ToWriter } from './messages.ts';
import { Hdf5Writer, type FrameIn } from './writer.ts';

interface Pending {
  slot: number;
  /** Where the stage keeps the frame's bytes, instead of the slot. */
  at?: number;
  seq: number;
  t: bigint;
  meta?: Record<string, unknown>;
}

function asSinkError(e: unknown, file: string | undefined): Hdf5SinkError {
  if (e instanceof Hdf5SinkError) return e;
  return new Hdf5SinkError({ code: 'WRITE_FAILED', file, detail: e instanceof Error ? e.message : String(e) });
}

export class WriterHost {
  private writer: Hdf5Writer | undefined;
  private compressed = false;
  private chunkFrames = 1;
  private layout:
    { dtype: DType; shape: number[]; slab: Uint8Array; frameBytes: number; batchFrames: number } | undefined;
  private readonly pending: Pending[] = [];
  private consumed = 0;
  private busyNs = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushEveryNs = 1e9;
  private lastFlushAt = process.hrtime.bigint();
  /** What writing one frame costs now, by the latest batches: quick to rise, slow to fall. */
  private nsPerFrame = 0;
  private drainScheduled = false;
  private flushQueued = false;
  private stopped = false;
  /**
   * Every step that touches the writer, one after the other: a batch being written (off this
   * thread, with libhdf5) is never flushed, closed or joined by another under it.
   */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly post: (msg: FromWriter) => void) {}

  /** A message from the stage. */
  receive(msg: ToWriter): void {
    switch (msg.type) {
      case 'open':
        this.serial(() => this.open(msg));
        return;
      case 'begin': {
        const frameBytes = shapeSize(msg.shape) * itemSize(msg.dtype);
        this.layout = {
          dtype: msg.dtype,
          shape: msg.shape,
          slab: new Uint8Array(msg.slab),
          frameBytes,
          batchFrames: msg.batchFrames,
        };
        return;
      }
      case 'frame':
        if (this.stopped) return;
        this.pending.push({ slot: msg.slot, at: msg.at, seq: msg.seq, t: msg.t, meta: msg.meta });
        // Frames arrive one message at a time: let a burst gather before writing it as one batch.
        if (!this.drainScheduled) {
          this.drainScheduled = true;
          setImmediate(() => {
            this.drainScheduled = false;
            this.serial(() => this.drain(false));
          });
        }
        return;
      case 'end':
        this.serial(() => this.end());
        return;
    }
  }

  /**
   * Stops without a word to the stage: waits for the step under way, then closes a file still
   * open as it stands (what its last flush wrote is what a reader finds).
   */
  async terminate(): Promise<void> {
    this.stopped = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.chain.catch(() => undefined);
    this.writer?.abandon();
  }

  private serial(step: () => Promise<void> | void): void {
    this.chain = this.chain.then(step).catch((e: unknown) => this.fail(e));
  }

  private async open(msg: Extract<ToWriter, { type: 'open' }>): Promise<void> {
    if (this.stopped) return;
    this.writer = await Hdf5Writer.open(msg.options);
    this.compressed = msg.options.compression === 'gzip';
    this.chunkFrames = msg.options.chunkFrames;
    this.flushEveryNs = msg.flushEvery * 1e9;
    this.lastFlushAt = process.hrtime.bigint();
    this.flushTimer = setInterval(() => {
      if (this.flushQueued) return;
      this.flushQueued = true;
      this.serial(() => {
        this.flushQueued = false;
        return this.flush();
      });
    }, msg.flushEvery * 1000);
    const w = this.writer;
    this.post({ type: 'opened', file: w.file, group: w.group, library: w.library });
  }

  /** Stops for good: makes the file whole as far as it can, and tells the stage why and what the file holds. */
  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    const error = asSinkError(e, this.writer?.file);
    const saved = this.writer?.salvage();
    const data = error.toData();
    if (saved?.problem) data.detail = `${data.detail ?? ''}; ${saved.problem}`;
    this.post({ type: 'failed', error: data, frames: saved?.frames ?? 0 });
  }

  /**
   * How many queued frames to write now. With gzip, chunks are written whole: a chunk written
   * in pieces is read back and compressed again for every piece, and, worse, a compressed
   * chunk rewritten after a flush no longer matches the size the flushed index gives it, so a
   * killed run would leave that chunk unreadable ("inflate() failed", seen in the SIGKILL
   * test). So the frames of an unfinished chunk wait in the slab until the chunk is complete,
   * or the end; `all` (the end) writes them.
   */
  private nextBatch(all: boolean): number {
    const l = this.layout!;
    const n = this.pending.length;
    if (n === 0) return 0;
    if (!this.compressed || this.chunkFrames > l.batchFrames) return Math.min(n, l.batchFrames);
    const toBoundary = this.chunkFrames - (this.writer!.frames % this.chunkFrames);
    if (n < toBoundary) return all ? n : 0;
    const room = Math.min(n, l.batchFrames) - toBoundary;
    return toBoundary + Math.floor(room / this.chunkFrames) * this.chunkFrames;
  }

  private async drain(all: boolean): Promise<void> {
    const l = this.layout;
    const writer = this.writer;
    if (!l || !writer || this.stopped) return;
    for (let k = this.nextBatch(all); k > 0 && !this.stopped; k = this.nextBatch(all)) {
      const batch = this.pending.splice(0, k);
      const frames: FrameIn[] = batch.map((p) => ({
        seq: p.seq,
        t: p.t,
        meta: p.meta,
        dtype: l.dtype,
        shape: l.shape,
        data:
          p.at !== undefined
            ? { address: p.at, byteLength: l.frameBytes }
            : l.slab.subarray(p.slot * l.frameBytes, (p.slot + 1) * l.frameBytes),
      }));
      const t0 = process.hrtime.bigint();
      this.busyNs += await writer.appendAsync(frames);
      // The pace the stage bounds its queue by: the batch's whole time, its wait for a thread of
      // the pool included (busyNs counts HDF5's own).
      const sample = Number(process.hrtime.bigint() - t0) / k;
      this.nsPerFrame = sample > this.nsPerFrame ? sample : 0.8 * this.nsPerFrame + 0.2 * sample;
      this.consumed += k;
      // Frames keep coming while a batch is written off this thread: each batch frees its
      // slots and kept frames at once, not when the queue is next empty.
      this.postWritten();
      // A long drain would hold the timer off: flush here when one is due.
      if (process.hrtime.bigint() - this.lastFlushAt >= this.flushEveryNs) await this.flushWritten();
    }
  }

  private postWritten(): void {
    this.post({ type: 'written', frames: this.consumed, busyNs: this.busyNs, nsPerFrame: this.nsPerFrame });
  }

  private async flush(): Promise<void> {
    if (!this.writer || this.stopped) return;
    await this.drain(false);
    await this.flushWritten();
  }

  private async flushWritten(): Promise<void> {
    const writer = this.writer!;
    if (this.stopped) return;
    this.lastFlushAt = process.hrtime.bigint();
    // Nothing new to flush: still make sure the file is there, so a quiet recorder whose file
    // was deleted says so now, not at its next frame.
    if (writer.frames === writer.flushedFrames) return writer.checkFile();
    this.busyNs += await writer.flushAsync();
    this.postWarnings();
    this.post({ type: 'flushed', frames: writer.flushedFrames });
  }

  private postWarnings(): void {
    for (const error of this.writer?.warnings.splice(0) ?? []) this.post({ type: 'warning', error });
  }

  private async end(): Promise<void> {
    if (this.stopped) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.drain(true);
    if (this.stopped) return;
    const t0 = process.hrtime.bigint();
    const frames = this.writer ? this.writer.close() : 0;
    this.busyNs += Number(process.hrtime.bigint() - t0);
    this.stopped = true;
    this.postWarnings();
    this.post({ type: 'closed', frames, busyNs: this.busyNs });
  }
}
