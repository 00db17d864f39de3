/**
 * The slots of the recorder's slab: taken as frames arrive, given back in the order the
 * writer wrote them, and reused most recently freed first. A writer that keeps up then
 * touches only the few slots it needs, and the rest of the slab never becomes memory
 * (a SharedArrayBuffer's pages are only made when first written); a ring would touch every
 * slot in turn, 64 MiB per recorder however fast its disk.
 */
export class SlotPool {
  /** Free slots; the last is taken next. */
  private readonly free: number[];
  /** Slots holding frames the writer has not written yet, oldest at `head`. */
  private queued: number[] = [];
  private head = 0;
  private highest = -1;

  constructor(slots: number) {
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A free slot for the next frame; the caller makes sure one is free (frames waiting < slots). */
  take(): number {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error('every slot of the slab holds a frame');
    this.queued.push(slot);
    if (slot > this.highest) this.highest = slot;
    return slot;
  }

  /** The writer has written the `n` oldest frames waiting: their slots are free again. */
  written(n: number): void {
    for (let i = 0; i < n && this.head < this.queued.length; i++) this.free.push(this.queued[this.head++]);
    if (this.head >= 1024) {
      this.queued = this.queued.slice(this.head);
      this.head = 0;
    }
  }

  /** How many slots have ever held a frame (the slab's memory in use is this many frames). */
  get touched(): number {
    return this.highest + 1;
  }
}
