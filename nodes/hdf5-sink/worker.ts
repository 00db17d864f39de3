/**
 * The HDF5Sink's writer thread: takes frames from the shared slab in order, appends them
 * in batches, flushes every `flushEvery` seconds and tells the stage which slots are free.
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
let drainScheduled = false;
let stopped = false;

function post(msg: FromWorker): void {
  port!.postMessage(msg);
}

function asSinkError(e: unknown): Hdf5SinkError {
  if (e instanceof Hdf5SinkError) return e;
  return new Hdf5SinkError({ code: 'WRITE_FAILED', file: writer?.file, detail: e instanceof Error ? e.message : String(e) });
}

/** Stops for good: closes what can be closed and tells the stage why. */
function fail(e: unknown): void {
  if (stopped) return;
  stopped = true;
  if (flushTimer) clearInterval(flushTimer);
  const error = asSinkError(e);
  const closing = writer?.abandon();
  const data = error.toData();
  if (closing) data.detail = `${data.detail ?? ''}; closing also failed: ${closing.detail ?? closing.code}`;
  // Closed cleanly, the file holds every frame written before the failure; otherwise trust only the last flush.
  const frames = writer === undefined ? 0 : closing ? writer.flushedFrames : writer.frames;
  post({ type: 'failed', error: data, frames });
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
      data: l.slab.subarray(p.slot * l.frameBytes, (p.slot + 1) * l.frameBytes),
    }));
    const t0 = process.hrtime.bigint();
    writer.append(frames);
    busyNs += process.hrtime.bigint() - t0;
    consumed += k;
    wrote = true;
  }
  if (wrote) post({ type: 'written', frames: consumed, busyNs: Number(busyNs) });
}

function flush(): void {
  if (!writer || stopped) return;
  drain(false);
  if (writer.frames === writer.flushedFrames) return;
  const t0 = process.hrtime.bigint();
  writer.flush();
  busyNs += process.hrtime.bigint() - t0;
  post({ type: 'flushed', frames: writer.flushedFrames });
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
      flushTimer = setInterval(() => guarded(flush), msg.flushEvery * 1000);
      post({ type: 'opened', file: writer.file, group: writer.group });
      return;
    }
    case 'begin': {
      const frameBytes = shapeSize(msg.shape) * itemSize(msg.dtype);
      layout = { dtype: msg.dtype, shape: msg.shape, slab: new Uint8Array(msg.slab), frameBytes, batchFrames: msg.batchFrames };
      return;
    }
    case 'frame': {
      if (stopped) return;
      pending.push({ slot: msg.slot, seq: msg.seq, t: msg.t, meta: msg.meta });
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
      post({ type: 'closed', frames, busyNs: Number(busyNs) });
      return;
    }
  }
}

port.on('message', (msg: ToWorker) => {
  handle(msg).catch(fail);
});
