/**
 * The FFT node at run time: a Piscina pool of `threads` workers, fed through a
 * SharedArrayBuffer slab. Each frame is copied into a free slot of the slab and a worker
 * is told only where it is. The worker writes the spectrum into a fresh ArrayBuffer it
 * allocates and moves it back in the transfer list (no copy); that buffer becomes the output
 * payload (downstream may keep a frame as long as it likes, so an output buffer is never
 * reused). About two frames per worker are in flight; frames leave in the order they came
 * in, with their seq, t and meta.
 *
 * Why not a SharedArrayBuffer per spectrum (the first version): its memory is freed only
 * when every thread that ever held it has collected its handle, and the worker, which
 * allocates almost nothing on its own heap, hardly ever collects: the process grew by one
 * spectrum per frame (3.7 GB RSS after 400 frames of 1024x1024, docs/performance-fft.md).
 * A transferred ArrayBuffer is detached in the worker and owned by the main thread alone,
 * whose garbage collector counts it and frees it.
 */
import { Piscina } from 'piscina';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { ExecError } from '../../runtime/exec/errors.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import type { fft } from './index.ts';
import { tsWorkerOptions } from '../../runtime/util/ts-worker.ts';
import { checkInput, outputSpec, type OutputMode, type OutputSpec, type Precision } from './fft2.ts';
import type { FftResult, FftTask } from './messages.ts';

/** Frames in flight per worker: one computing, one waiting, so a worker never idles. */
const IN_FLIGHT_PER_WORKER = 2;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

interface InFlight {
  frame: Frame;
  slot: number;
  spec: OutputSpec;
  /** Resolves once this frame has been emitted (after every frame before it). */
  done: Promise<void>;
}

/** The FFT stage: see the file's comment. */
export class FftStage implements Stage {
  private readonly threads: number;
  private readonly output: OutputMode;
  private readonly shift: boolean;
  private readonly precision: Precision;
  private readonly maxInFlight: number;
  private pool?: Piscina<FftTask, FftResult>;
  private slab = new SharedArrayBuffer(0);
  private slotBytes = 0;
  private freeSlots: number[] = [];
  private readonly inFlight: InFlight[] = [];
  /** The last frame's emission: each frame's emission chains on it, which keeps the order. */
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(private readonly io: StageIO) {
    const p = io.node.params as ParamsOf<typeof fft>;
    this.threads = p.threads;
    this.output = p.output;
    this.shift = p.shift;
    this.precision = p.precision;
    this.maxInFlight = this.threads * IN_FLIGHT_PER_WORKER;
  }

  async open(): Promise<void> {
    this.pool = new Piscina<FftTask, FftResult>({
      ...tsWorkerOptions(new URL('./worker.ts', import.meta.url)),
      minThreads: this.threads,
      maxThreads: this.threads,
      // Workers load the transform once and keep their plans: never retire them while idle.
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  async receive(_port: string, frame: Frame): Promise<void> {
    this.rethrow();
    // channels: C of an (H, W, C) colour frame, undefined for an (H, W) one.
    const [h, w, channels] = frame.shape;
    try {
      checkInput(frame.dtype, frame.shape, frame.data.byteLength);
    } catch (e) {
      this.io.warn(e as Error);
      return;
    }
    // Wait only when the pipeline is full.
    while (this.inFlight.length >= this.maxInFlight) await this.inFlight[0].done;
    this.rethrow();
    const spec = outputSpec(h, w, { output: this.output, precision: this.precision }, channels);
    await this.ensureSlab(frame.data.byteLength);
    const slot = this.freeSlots.pop() as number;
    const base = slot * this.slotBytes;
    new Uint8Array(this.slab, base, frame.data.byteLength).set(frame.data);
    this.io.stats.bytesCopied += frame.data.byteLength;
    const pool = this.pool;
    if (!pool) throw new ExecError('STAGE_FAILED', 'receive() before open() or after close()', this.io.node.id);
    const task = pool.run({
      slab: this.slab,
      inOffset: base,
      dtype: frame.dtype as FftTask['dtype'],
      height: h,
      width: w,
      channels: channels ?? 1,
      output: this.output,
      shift: this.shift,
      precision: this.precision,
    });
    const entry: InFlight = { frame, slot, spec, done: Promise.resolve() };
    entry.done = this.tail.then(() => task).then((r) => this.finish(entry, r));
    // Recorded here and raised by the next receive() or end(); nothing is dropped silently.
    entry.done.catch((e: unknown) => {
      this.failure ??= e;
    });
    this.tail = entry.done;
    this.inFlight.push(entry);
    this.io.stats.queueDepth = this.inFlight.length;
  }

  async end(): Promise<void> {
    await this.tail;
    this.rethrow();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.destroy();
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Frees the frame's input slot and emits its spectrum. */
  private async finish(entry: InFlight, result: FftResult): Promise<void> {
    const { frame, spec, slot } = entry;
    this.io.stats.busyNs += result.busyNs;
    this.io.stats.bytesCopied += result.bytesCopied;
    this.freeSlots.push(slot);
    this.inFlight.shift();
    this.io.stats.queueDepth = this.inFlight.length;
    const next: Frame = { kind: 'frame', seq: frame.seq, t: frame.t, dtype: spec.dtype, shape: spec.shape, data: new Uint8Array(result.out) };
    if (frame.meta !== undefined) next.meta = frame.meta;
    await this.io.emit('out', next);
  }

  /** Makes room for frames of this size; a bigger frame waits for the pool to drain, then gets a new slab. */
  private async ensureSlab(inBytes: number): Promise<void> {
    const need = align8(inBytes);
    if (need <= this.slotBytes) return;
    await this.tail;
    this.rethrow();
    this.slotBytes = need;
    this.slab = new SharedArrayBuffer(this.slotBytes * this.maxInFlight);
    this.freeSlots = Array.from({ length: this.maxInFlight }, (_, i) => this.maxInFlight - 1 - i);
  }
}

/** The FFT node's StageFactory (runtime/exec/stage.ts). */
const createFftStage: StageFactory = (io) => new FftStage(io);
export default createFftStage;
