/**
 * What the pool-backed stages (FFT, Script) share: frames copied into slots of one
 * SharedArrayBuffer slab (or, submitInPlace, read where they lie), handed to a Piscina worker
 * by position (or address), and their results emitted
 * in the order the frames came, however the workers finish. About `maxInFlight` frames are in
 * flight; a bigger frame than the slots hold waits for the pipeline to drain and gets a new
 * slab. A failure is kept and raised by the next submit() or end(); nothing after it is emitted.
 */
import type { Frame } from '../../runtime/wire/index.ts';

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

interface InFlight {
  /** Its slot of the slab; undefined for a frame read where it lies. */
  slot: number | undefined;
  /** Resolves once this frame's results have been emitted (after every frame before it). */
  done: Promise<void>;
}

export class SlabPipeline {
  private slab = new SharedArrayBuffer(0);
  private slotBytes = 0;
  private freeSlots: number[] = [];
  private readonly inFlight: InFlight[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;

  /**
   * @param wrap makes a worker's error the stage's (say which frame, which node); called once.
   */
  constructor(
    private readonly maxInFlight: number,
    private readonly onDepth: (depth: number) => void,
    private readonly wrap: (e: unknown, frame: Frame) => unknown = (e) => e,
  ) {}

  /**
   * Copies `frame` into a free slot, starts `run` on it, and, in input order, `finish`es with
   * the result. Resolves once the frame is in flight (backpressure: waits while the pipeline is full).
   */
  async submit<R>(
    frame: Frame,
    run: (slab: SharedArrayBuffer, offset: number) => Promise<R>,
    finish: (result: R) => Promise<void>,
  ): Promise<void> {
    await this.room();
    await this.ensureSlab(frame.data.byteLength);
    const slot = this.freeSlots.pop()!;
    const offset = slot * this.slotBytes;
    new Uint8Array(this.slab, offset, frame.data.byteLength).set(frame.data);
    this.follow(frame, slot, run(this.slab, offset), finish);
  }

  /**
   * The same for a frame the worker reads where it lies (the caller holds it until `run`'s
   * promise settles, and gives it back in `finish` or on failure): no slot, no copy.
   */
  async submitInPlace<R>(frame: Frame, run: () => Promise<R>, finish: (result: R) => Promise<void>): Promise<void> {
    await this.room();
    this.follow(frame, undefined, run(), finish);
  }

  /** Waits while the pipeline is full (backpressure); throws a failure kept from before. */
  private async room(): Promise<void> {
    this.rethrow();
    while (this.inFlight.length >= this.maxInFlight) {
      await this.inFlight[0].done.catch(() => undefined);
      this.rethrow();
    }
  }

  /** Queues `task`'s result to be finished after every frame before it. */
  private follow<R>(
    frame: Frame,
    slot: number | undefined,
    task: Promise<R>,
    finish: (result: R) => Promise<void>,
  ): void {
    // Its failure is taken up by the chain below, possibly later than it happens: not unhandled meanwhile.
    task.catch(() => undefined);
    const entry: InFlight = { slot, done: Promise.resolve() };
    entry.done = this.tail
      .then(() => task)
      .then(async (r) => {
        if (slot !== undefined) this.freeSlots.push(slot);
        this.inFlight.shift();
        this.onDepth(this.inFlight.length);
        await finish(r);
      });
    // Kept here, raised by the next submit() or end(): nothing is dropped silently.
    entry.done.catch((e: unknown) => {
      this.failure ??= this.wrap(e, frame);
    });
    this.tail = entry.done;
    this.inFlight.push(entry);
    this.onDepth(this.inFlight.length);
  }

  /** Every frame submitted has been emitted (or the first failure is thrown). */
  async end(): Promise<void> {
    await this.tail.catch(() => undefined);
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async ensureSlab(bytes: number): Promise<void> {
    const need = align8(bytes);
    if (need <= this.slotBytes) return;
    await this.end();
    this.slotBytes = need;
    this.slab = new SharedArrayBuffer(this.slotBytes * this.maxInFlight);
    this.freeSlots = Array.from({ length: this.maxInFlight }, (_, i) => this.maxInFlight - 1 - i);
  }
}
