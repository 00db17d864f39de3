/**
 * The frames the recorder's writer has not written yet, in the order it writes them: each
 * one copied into a slot of the slab, or kept where it is (libhdf5 writing one frame per
 * chunk reads it in place, by its address) until the writer says it is written. A kept
 * frame costs no copy on the pipeline's thread. At most `keeps` lent frames are kept at once
 * (a producer's pool counts them, frame-lifetimes.md), and lent frames beyond go to the slab;
 * frames that are not lent are held by reference, as many as wait.
 */
import type { Frame } from '../../runtime/wire/index.ts';
import type { SlotPool } from './slots.ts';

interface Kept {
  /** Holds the buffer: a frame that is not lent is the garbage collector's once nobody refers to it. */
  readonly data: Frame['data'];
  /** Gives a lent frame back to its producer (io.keep's); undefined for a frame that is not lent. */
  readonly done?: () => void;
}

export class WriteQueue {
  /** Oldest first from `head`: a kept frame, or null for a frame in the slab's next slot. */
  private entries: (Kept | null)[] = [];
  private head = 0;
  /** Lent frames kept now. */
  kept = 0;

  constructor(
    readonly pool: SlotPool,
    readonly keeps: number,
  ) {}

  /** Whether the next lent frame may be kept instead of copied. */
  get canKeep(): boolean {
    return this.kept < this.keeps;
  }

  /** The next frame, lent, is kept in its buffer until written; `done` is called then. */
  keep(data: Frame['data'], done: () => void): void {
    this.entries.push({ data, done });
    this.kept++;
  }

  /** The next frame, not lent, is held in its buffer until written. */
  hold(data: Frame['data']): void {
    this.entries.push({ data });
  }

  /** The next frame goes to the slab: the slot to copy it into. */
  slot(): number {
    this.entries.push(null);
    return this.pool.take();
  }

  /** The writer has written the `n` oldest frames: their slots are free, the kept ones go back. */
  written(n: number): void {
    let slots = 0;
    for (let i = 0; i < n && this.head < this.entries.length; i++) {
      const e = this.entries[this.head];
      this.entries[this.head++] = null;
      if (e) this.give(e);
      else slots++;
    }
    this.pool.written(slots);
    if (this.head >= 1024) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** The writer is done with every frame (closed, failed or gone): the kept ones go back. */
  releaseAll(): void {
    for (; this.head < this.entries.length; this.head++) {
      const e = this.entries[this.head];
      if (e) this.give(e);
    }
    this.entries = [];
    this.head = 0;
  }

  private give(e: Kept): void {
    if (!e.done) return;
    this.kept--;
    e.done();
  }
}
