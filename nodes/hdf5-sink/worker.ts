/**
 * The HDF5Sink's writer thread: takes frames in order from the shared slab (or, by address,
 * from the buffers the stage keeps for it), appends them in batches, flushes every
 * `flushEvery` seconds and tells the stage which frames are written (their slots free).
 */
import { parentPort } from 'node:worker_threads';
import type { DType } from '../../runtime/wire/index.ts';
import { itemSize, shapeSize } from '../../runtime/wire/index.ts';
import { Hdf5SinkError } from './errors.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { Hdf5Writer, type FrameIn } from './writer.ts';

const port = parentPort;
if (!port) throw new Error('nodes/hdf5-sink/worker.ts runs in a worker thread');

interface Pending {
  slot: number;
  /** Where the stage keeps the frame's bytes, instead of the slot. */
  at?: number;
  seq: number;
  t: bigint;
  meta?: Record<string, unknown>;
}

let writer: Hdf5Writer | undefined;
let compressed = false;
let chunkFrames = 1;
let layout: { dtype: DType; shape: number[]; slab: Uint8Array; frameBytes: number; batchFrames: number } | undefined;
const pending: Pending[] = [];
let consumed = 0;
let busyNs = 0n;
let flushTimer: NodeJS.Timeout | undefined;
let flushEveryNs = 1e9;
let lastFlushAt = process.hrtime.bigint();
/** What writing one frame costs now, by the latest batches: quick to rise, slow to fall. */
let nsPerFrame = 0;
let drainScheduled = false;
let stopped = false;

function post(msg: FromWorker): void {
  port!.postMessage(msg);
}

function asSinkError(e: unknown): Hdf5SinkError {
  if (e instanceof Hdf5SinkError) return e;
  return new Hdf5SinkError({
    code: 'WRITE_FAILED',
    file: writer?.file,
    detail: e instanceof Error ? e.message : String(e),
  });
}

/** Stops for good: makes the file whole as far as it can, and tells the stage why and what the file holds. */
function fail(e: unknown): void {
  if (stopped) return;
  stopped = true;
  if (flushTimer) clearInterval(flushTimer);
  const error = asSinkError(e);
  const saved = writer?.salvage();
  const data = error.toData();
  if (saved?.problem) data.detail = `${data.detail ?? ''}; ${saved.problem}`;
  post({ type: 'failed', error: data, frames: saved?.frames ?? 0 });
}

/**
 * How many queued frames to write now. With gzip, chunks are written whole: a chunk written
 * in pieces is read back and compressed again for every piece, and, worse, a compressed
 * chunk rewritten after a flush no longer matches the size the flushed index gives it, so a
 * killed run would leave that chunk unreadable ("inflate() failed", seen in the SIGKILL
 * test). So the frames of an unfinished chunk wait in the slab until the chunk is complete,
 * or the end; `all` (the end) writes them.
 */
function nextBatch(all: boolean): number {
  const l = layout!;
  const n = pending.length;
  if (n === 0) return 0;
  if (!compressed || chunkFrames > l.batchFrames) return Math.min(n, l.batchFrames);
  const toBoundary = chunkFrames - (writer!.frames % chunkFrames);
  if (n < toBoundary) return all ? n : 0;
  const room = Math.min(n, l.batchFrames) - toBoundary;
  return toBoundary + Math.floor(room / chunkFrames) * chunkFrames;
}

function drain(all: boolean): void {
  const l = layout;
  if (!l || !writer || stopped) return;
  let wrote = false;
  for (let k = nextBatch(all); k > 0; k = nextBatch(all)) {
    const batch = pending.splice(0, k);
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
    writer.append(frames);
    const t1 = process.hrtime.bigint();
    busyNs += t1 - t0;
    const sample = Number(t1 - t0) / k;
    nsPerFrame = sample > nsPerFrame ? sample : 0.8 * nsPerFrame + 0.2 * sample;
    consumed += k;
    wrote = true;
    // A long drain would hold the timer off: flush here when one is due.
    if (t1 - lastFlushAt >= flushEveryNs) {
      post({ type: 'written', frames: consumed, busyNs: Number(busyNs), nsPerFrame });
      wrote = false;
      flushWritten();
    }
  }
  if (wrote) post({ type: 'written', frames: consumed, busyNs: Number(busyNs), nsPerFrame });
}

function flush(): void {
  if (!writer || stopped) return;
  drain(false);
  flushWritten();
}

function flushWritten(): void {
  lastFlushAt = process.hrtime.bigint();
  // Nothing new to flush: still make sure the file is there, so a quiet recorder whose file
  // was deleted says so now, not at its next frame.
  if (writer!.frames === writer!.flushedFrames) return writer!.checkFile();
  writer!.flush();
  busyNs += process.hrtime.bigint() - lastFlushAt;
  postWarnings();
  post({ type: 'flushed', frames: writer!.flushedFrames });
}

function postWarnings(): void {
  for (const error of writer?.warnings.splice(0) ?? []) post({ type: 'warning', error });
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    fail(e);
  }
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'open': {
      writer = await Hdf5Writer.open(msg.options);
      compressed = msg.options.compression === 'gzip';
      chunkFrames = msg.options.chunkFrames;
      flushEveryNs = msg.flushEvery * 1e9;
      lastFlushAt = process.hrtime.bigint();
      flushTimer = setInterval(() => guarded(flush), msg.flushEvery * 1000);
      post({ type: 'opened', file: writer.file, group: writer.group, library: writer.library });
      return;
    }
    case 'begin': {
      const frameBytes = shapeSize(msg.shape) * itemSize(msg.dtype);
      layout = {
        dtype: msg.dtype,
        shape: msg.shape,
        slab: new Uint8Array(msg.slab),
        frameBytes,
        batchFrames: msg.batchFrames,
      };
      return;
    }
    case 'frame': {
      if (stopped) return;
      pending.push({ slot: msg.slot, at: msg.at, seq: msg.seq, t: msg.t, meta: msg.meta });
      // Frames arrive one message at a time: let a burst gather before writing it as one batch.
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(() => {
          drainScheduled = false;
          guarded(() => drain(false));
        });
      }
      return;
    }
    case 'end': {
      if (stopped) return;
      if (flushTimer) clearInterval(flushTimer);
      drain(true);
      const t0 = process.hrtime.bigint();
      const frames = writer ? writer.close() : 0;
      busyNs += process.hrtime.bigint() - t0;
      stopped = true;
      postWarnings();
      post({ type: 'closed', frames, busyNs: Number(busyNs) });
      return;
    }
  }
}

port.on('message', (msg: ToWorker) => {
  handle(msg).catch(fail);
});
