/**
 * A bounded first-in first-out queue between one or more producers and one consumer: the
 * in-process hand-off. `put` waits while the queue is full (the producer waits, nothing is
 * dropped); `take` waits while it is empty.
 */
export class Mailbox<T> {
  private readonly items: T[] = [];
  private readonly putters: (() => void)[] = [];
  private taker?: (item: T) => void;
  private discarding = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Resolves when the item is queued (at once when there is room). */
  put(item: T): Promise<void> {
    if (this.taker) {
      const t = this.taker;
      this.taker = undefined;
      t(item);
      return Promise.resolve();
    }
    if (this.items.length < this.capacity || this.discarding) {
      this.items.push(item);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.putters.push(() => {
        this.items.push(item);
        resolve();
      });
    });
  }

  /** The next item, waiting for one if needed. Only one taker at a time. */
  take(): Promise<T> {
    if (this.taker) throw new Error('Mailbox.take: a take is already pending');
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.putters.shift()?.();
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => {
      this.taker = resolve;
    });
  }

  /** From now on puts never wait (a failed consumer must not block its producers). */
  unblock(): void {
    this.discarding = true;
    for (const p of this.putters.splice(0)) p();
  }
}
