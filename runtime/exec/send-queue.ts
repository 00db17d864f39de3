import type { Socket, Writable } from 'zeromq';

type Parts = (Buffer | Uint8Array | string)[];

/**
 * One socket, one pending send: zeromq.js throws EBUSY synchronously on a second
 * concurrent send, so every sender of a socket goes through this queue.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly socket: Socket & Writable) {}

  /** Messages queued here and not yet taken by libzmq. */
  get depth(): number {
    return this.pending;
  }

  /** Resolves when libzmq has queued the message (it is not copied: never write its buffers again). */
  send(parts: Parts): Promise<void> {
    this.pending++;
    const run = () => this.socket.send(parts);
    const p = this.tail.then(run, run).finally(() => {
      this.pending--;
    });
    // The chain continues whether this send succeeded or not; the caller sees its own result.
    this.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }
}
