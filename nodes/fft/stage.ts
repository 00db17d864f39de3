/**
 * The FFT node at run time: a Piscina pool of `threads` workers. Where the native exact
 * transform runs, a worker reads each frame where it lies, by its address, and the stage keeps
 * the frame until the worker is done; elsewhere each frame is copied into a free slot of a
 * SharedArrayBuffer slab and a worker is told only where it is. The worker writes the spectrum
 * into an ArrayBuffer (one the consumers gave back, or a fresh one allocated here and moved to
 * it with the task when large, MAIN_ALLOC_BYTES; else by the worker) and moves it back in the
 * transfer list (no copy); that buffer becomes the output payload. About two frames per worker
 * are in flight; frames leave in the order they came in, with their seq, t and meta (the slab
 * and the order: nodes/shared/slab-pipeline.ts).
 *
 * Why not a SharedArrayBuffer per spectrum (the first version): its memory is freed only
 * when every thread that ever held it has collected its handle, and the worker, which
 * allocates almost nothing on its own heap, hardly ever collects: the process grew by one
 * spectrum per frame (3.7 GB RSS after 400 frames of 1024x1024, docs/performance-fft.md).
 * A transferred ArrayBuffer is detached in the worker and owned by the main thread alone,
 * whose garbage collector counts it and frees it.
 */
import type { Piscina } from 'piscina';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { ExecError } from '../../runtime/exec/errors.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { SlabPipeline } from '../shared/slab-pipeline.ts';
import type { ParamsOf } from '../types.ts';
import type { fft } from './index.ts';
import { borrowPool, loadPiscina, returnPool } from '../../runtime/util/pool-cache.ts';
import { workerOptions } from '../../runtime/util/ts-worker.ts';
import { checkInput, INPUT_ITEM, outputSpec, type OutputMode, type OutputSpec, type Precision } from './fft2.ts';
import { newSpectrumBuffer, type FftResult, type FftTask } from './messages.ts';
import { nativeAddress, nativeFft2Available, nativeSupports } from './native-fft2.ts';

/** The slab a task names when its frame is read where it lies (FftTask.at): nothing in it. */
const NO_SLAB = new SharedArrayBuffer(0);

const WORKER = new URL('./worker.ts', import.meta.url);

/** Frames in flight per worker: one computing, one waiting, so a worker never idles. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Spectra this large are allocated here, on the main thread, and moved to the worker with the
 * task; smaller ones by the worker. The main thread's malloc heap keeps a freed spectrum for the
 * next (with the run's malloc settings, runtime/util/malloc.ts); a worker's arena gave whole
 * heaps back to the kernel, so an 8 MiB spectrum was page-faulted in anew: 206-235 faults per
 * 1024x1024 frame, 16 allocated here, and 12.3-12.8 ms of CPU per frame against 10.3.
 * Below 4 MiB it depends on who has time to spare. With one worker the main thread does:
 * 480x640 magnitude (2.4 MB) went from 423-461 to 494-508 frames/s allocated here. With two,
 * the main thread is the busier side and the extra move cost more than the faults it saved
 * (773-853 frames/s from the worker, 703-805 from here), so they allocate their own
 * (bench/fft.ts --pool-child; docs/performance-fft.md).
 */
const MAIN_ALLOC_BYTES = 4 * 2 ** 20;
const MAIN_ALLOC_BYTES_ONE_WORKER = 2 ** 20;

/** The FFT stage: see the file's comment. */
export class FftStage implements Stage {
  /**
   * Each frame is copied into the slab before receive() settles; or, for the native exact
   * transform, read where it lies: the stage keeps it (io.keep) until its worker is done.
   */
  readonly lifetime = 'done-on-receive';
  /** Frames kept at once for the native transform: those in flight (a producer's pool counts them). */
  readonly keeps: number;
  private readonly threads: number;
  private readonly output: OutputMode;
  private readonly shift: boolean;
  private readonly precision: Precision;
  private pool?: Piscina<FftTask, FftResult>;
  private readonly pipeline: SlabPipeline;
  /**
   * Where the consumers give spectra back (frame lifetimes): spectra they are done with, for
   * the next frames' transforms; at most `spareMax`, all of the current size.
   */
  private lending?: boolean;
  private spare: ArrayBuffer[] = [];
  private spareMax = 0;

  constructor(private readonly io: StageIO) {
    const p = io.node.params as ParamsOf<typeof fft>;
    this.threads = p.threads;
    this.output = p.output;
    this.shift = p.shift;
    this.precision = p.precision;
    this.pipeline = new SlabPipeline(this.threads * IN_FLIGHT_PER_WORKER, (depth) => (io.stats.queueDepth = depth));
    // PATCHBAY_FFT_COPY=1 copies every frame into the slab (to compare; docs/performance-fft.md).
    const inPlace = nativeFft2Available() && process.env.PATCHBAY_FFT_COPY !== '1';
    this.keeps = inPlace ? this.threads * IN_FLIGHT_PER_WORKER : 0;
  }

  async open(): Promise<void> {
    // The workers keep no state of a run (each task names its slab): the next run reuses them.
    const options = await workerOptions(WORKER);
    const Pool = await loadPiscina();
    this.pool = borrowPool(
      this.poolKind(),
      () =>
        new Pool<FftTask, FftResult>({
          ...options,
          minThreads: this.threads,
          maxThreads: this.threads,
          // Workers load the transform once and keep their plans: never retire them while idle.
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
    );
  }

  private poolKind(): string {
    return `${WORKER.href} ${this.threads}`;
  }

  /** A spectrum buffer for the next transform: one given back, else new when worth it (or lending). */
  private outputBuffer(bytes: number): ArrayBuffer | undefined {
    if (this.lending === undefined) {
      // Known from the first frame on (sockets open after stages): spectra out at once are
      // what the consumers hold, and those in the workers' hands.
      const holds = this.io.lends?.('out') ?? 0;
      this.lending = holds > 0;
      this.spareMax = holds + this.threads * IN_FLIGHT_PER_WORKER;
    }
    if (this.lending) {
      const spare = this.spare.pop();
      if (spare && spare.byteLength === bytes) return spare;
      // Another size: the frames changed shape, the old spectra are no use.
      this.spare = [];
      return newSpectrumBuffer(bytes);
    }
    const from = this.threads === 1 ? MAIN_ALLOC_BYTES_ONE_WORKER : MAIN_ALLOC_BYTES;
    return bytes >= from ? newSpectrumBuffer(bytes) : undefined;
  }

  async receive(_port: string, frame: Frame): Promise<void> {
    // channels: C of an (H, W, C) colour frame, undefined for an (H, W) one.
    const [h, w, channels] = frame.shape;
    try {
      checkInput(frame.dtype, frame.shape, frame.data.byteLength);
    } catch (e) {
      this.io.warn(e as Error);
      return;
    }
    const pool = this.pool;
    if (!pool) throw new ExecError('STAGE_FAILED', 'receive() before open() or after close()', this.io.node.id);
    const spec = outputSpec(h, w, { output: this.output, precision: this.precision }, channels);
    // The worker's task; `at`: the frame read where it lies, else the slab's slot at `inOffset`.
    const run = (slab: SharedArrayBuffer, inOffset: number, at?: number) => {
      const out = this.outputBuffer(spec.bytes);
      const task: FftTask = {
        slab,
        inOffset,
        ...(at === undefined ? {} : { at, inBytes: frame.data.byteLength }),
        dtype: frame.dtype as FftTask['dtype'],
        height: h,
        width: w,
        channels: channels ?? 1,
        output: this.output,
        shift: this.shift,
        precision: this.precision,
        out,
      };
      return pool.run(task, out ? { transferList: [out] } : undefined);
    };
    // A frame whose values are not aligned in memory (a message's payload may start anywhere)
    // goes through the slab, which aligns it.
    const at = this.keeps > 0 && nativeSupports(h, w, channels ?? 1) ? nativeAddress(frame.data) : undefined;
    if (at !== undefined && at % INPUT_ITEM[frame.dtype] === 0) {
      // The native transform reads the frame where it lies: kept (a lent frame) or referred to
      // (the garbage collector's) until its worker is done with it. No copy on this thread.
      const giveBack = this.io.lent?.(frame) ? this.io.keep!(frame) : undefined;
      let started = false;
      try {
        await this.pipeline.submitInPlace(
          frame,
          () => {
            started = true;
            return run(NO_SLAB, 0, at).finally(() => giveBack?.());
          },
          (r) => this.finish(frame, spec, r),
        );
      } finally {
        // Refused before its task started (an earlier failure): the frame goes back now.
        if (!started) giveBack?.();
      }
      return;
    }
    this.io.stats.bytesCopied += frame.data.byteLength;
    await this.pipeline.submit(frame, run, (r) => this.finish(frame, spec, r));
  }

  async end(): Promise<void> {
    await this.pipeline.end();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await returnPool(this.poolKind(), pool);
  }

  /** Emits the frame's spectrum, with its seq, t and meta. */
  private async finish(frame: Frame, spec: OutputSpec, result: FftResult): Promise<void> {
    this.io.stats.busyNs += result.busyNs;
    this.io.stats.bytesCopied += result.bytesCopied;
    const next: Frame = {
      kind: 'frame',
      seq: frame.seq,
      t: frame.t,
      dtype: spec.dtype,
      shape: spec.shape,
      data: new Uint8Array(result.out),
    };
    if (frame.meta !== undefined) next.meta = frame.meta;
    if (!this.lending) return this.io.emit('out', next);
    const out = result.out;
    await this.io.emit('out', next, undefined, () => {
      if (this.spare.length < this.spareMax) this.spare.push(out);
    });
  }
}

/** The FFT node's StageFactory (runtime/exec/stage.ts). */
const createFftStage: StageFactory = (io) => new FftStage(io);
export default createFftStage;
