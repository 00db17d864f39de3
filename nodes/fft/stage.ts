/**
 * The FFT node at run time: a Piscina pool of `threads` workers, fed through a
 * SharedArrayBuffer slab. Each frame is copied into a free slot, a worker is told only
 * where it is, writes the spectrum into the same slot, and the stage copies the
 * spectrum out into a fresh buffer (downstream may keep a frame as long as it likes, so
 * slots are never handed out). About two frames per worker are in flight; frames leave
 * in the order they came in, with their seq, t and meta.
 */
import { Piscina } from 'piscina';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import type { Frame } from '../../runtime/wire/index.ts';
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
  private slotIn = 0;
  private freeSlots: number[] = [];
  private readonly inFlight: InFlight[] = [];
  /** The last frame's emission: each frame's emission chains on it, which keeps the order. */
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(private readonly io: StageIO) {
    const p = io.node.params;
    this.threads = p.threads as number;
    this.output = p.output as OutputMode;
    this.shift = p.shift as boolean;
    this.precision = p.precision as Precision;
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
    const [h, w] = frame.shape;
    try {
      checkInput(frame.dtype, frame.shape);
    } catch (e) {
      this.io.warn(e as Error);
      return;
    }
    // Wait only when the pipeline is full.
    while (this.inFlight.length >= this.maxInFlight) await this.inFlight[0].done;
    this.rethrow();
    const spec = outputSpec(h, w, { output: this.output, precision: this.precision });
    await this.ensureSlab(frame.data.byteLength, spec.bytes);
    const slot = this.freeSlots.pop() as number;
    const base = slot * this.slotBytes;
    new Uint8Array(this.slab, base, frame.data.byteLength).set(frame.data);
    this.io.stats.bytesCopied += frame.data.byteLength;
    const pool = this.pool;
    if (!pool) throw new Error('FFT stage: receive() before open()');
    const task = pool.run({
      slab: this.slab,
      inOffset: base,
      outOffset: base + this.slotIn,
      dtype: frame.dtype as FftTask['dtype'],
      height: h,
      width: w,
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

  /** Copies the spectrum out of its slot into a buffer of its own, frees the slot, emits. */
  private async finish(entry: InFlight, result: FftResult): Promise<void> {
    const { frame, spec, slot } = entry;
    const base = slot * this.slotBytes + this.slotIn;
    const data = new Uint8Array(spec.bytes);
    data.set(new Uint8Array(this.slab, base, spec.bytes));
    this.io.stats.bytesCopied += spec.bytes;
    this.io.stats.busyNs += result.busyNs;
    this.freeSlots.push(slot);
    this.inFlight.shift();
    this.io.stats.queueDepth = this.inFlight.length;
    const out: Frame = { kind: 'frame', seq: frame.seq, t: frame.t, dtype: spec.dtype, shape: spec.shape, data };
    if (frame.meta !== undefined) out.meta = frame.meta;
    await this.io.emit('out', out);
  }

  /** Makes room for frames of this size; a bigger frame waits for the pool to drain, then gets a new slab. */
  private async ensureSlab(inBytes: number, outBytes: number): Promise<void> {
    const needIn = align8(inBytes);
    if (needIn <= this.slotIn && needIn + align8(outBytes) <= this.slotBytes) return;
    await this.tail;
    this.rethrow();
    // Keep the larger of old and new needs so alternating sizes do not reallocate each time.
    const outPart = Math.max(this.slotBytes - this.slotIn, align8(outBytes));
    this.slotIn = Math.max(this.slotIn, needIn);
    this.slotBytes = this.slotIn + outPart;
    this.slab = new SharedArrayBuffer(this.slotBytes * this.maxInFlight);
    this.freeSlots = Array.from({ length: this.maxInFlight }, (_, i) => this.maxInFlight - 1 - i);
  }
}

/** The FFT node's StageFactory (runtime/exec/stage.ts). */
const createFftStage: StageFactory = (io) => new FftStage(io);
export default createFftStage;
