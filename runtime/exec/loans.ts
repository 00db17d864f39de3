/**
 * Frame lifetimes: a producer may lend a frame's buffer (a camera's pool slot, a stage's
 * reusable output) and get it back when every consumer is done with it, instead of leaving it
 * to the garbage collector. The rules (docs/frame-lifetimes.md):
 * - a consumer whose stage says `lifetime: 'done-on-receive'` is done with a frame when its
 *   receive() settles, unless it called io.keep(frame) (then when it calls what keep returned);
 * - a stage that says `lifetime: 'forwarded'` (Publish's pass-through, a shallow Copy) emits the
 *   frame's buffer as is: its consumers take over the loan;
 * - any other consumer (a socket, which sends without copying; a Script or Python node) may hold
 *   a frame for as long as it likes: a port that feeds one does not lend (io.lends is 0), and a
 *   lent frame emitted there anyway is copied once and given back at once.
 * Loans are known by the frame's data buffer, so a forwarded frame (a new Frame object around
 * the same buffer) keeps its loan.
 */
import type { Frame } from '../wire/index.ts';
import type { Runner } from './run-state.ts';

interface Loan {
  /** Consumers (and keeps) still holding the buffer. */
  holders: number;
  release: () => void;
}

export class Loans {
  private readonly byData = new WeakMap<Frame['data'], Loan>();
  /** lends() by runner and port, kept once every socket is open (the graph no longer changes). */
  private readonly holds = new Map<Runner, Map<string, number>>();
  private settled = false;

  /** Every output is in place (sockets open): lends() may keep its answers. */
  settle(): void {
    this.holds.clear();
    this.settled = true;
  }

  /**
   * How many of a port's frames may be out at once (each consumer's inbox and the one in its
   * receive(), what forwarding consumers hold downstream, a by-reference socket's queues, and
   * the frame waiting for room), or 0 when a consumer may keep a frame past what the executor
   * sees: then the port does not lend.
   */
  lends(r: Runner, port: string): number {
    // And the frame the producer is handing over, waiting for room in the first inbox.
    const holds = this.holding(r, port, new Set());
    return holds > 0 ? holds + 1 : 0;
  }

  /** What the consumers of `r`'s `port` may hold at once, or 0 (see lends). */
  private holding(r: Runner, port: string, seen: Set<Runner>): number {
    const cached = this.holds.get(r)?.get(port);
    if (cached !== undefined) return cached;
    // Only in-process links (and sockets by reference) name their consumer; a socket that
    // sends bytes sends the buffer itself, when it likes.
    const sinks = r.outputs.get(port);
    let holds = 0;
    if (!sinks || sinks.length === 0 || seen.has(r)) holds = 0;
    else {
      seen.add(r);
      for (const { to: c, holds: way = 0 } of sinks) {
        if (!c) {
          holds = 0;
          break;
        }
        const kind = c.stage?.lifetime;
        let h = 0;
        if (kind === 'done-on-receive') h = way + c.inbox.capacity + 1 + (c.stage?.keeps ?? 0);
        else if (kind === 'forwarded') {
          const outs = [...c.outputs.keys()];
          const down = outs.map((p) => this.holding(c, p, seen));
          if (outs.length > 0 && down.every((d) => d > 0))
            h = way + c.inbox.capacity + 1 + down.reduce((a, b) => a + b, 0);
        }
        if (h === 0) {
          holds = 0;
          break;
        }
        holds += h;
      }
      seen.delete(r);
    }
    if (!this.settled) return holds;
    let m = this.holds.get(r);
    if (!m) this.holds.set(r, (m = new Map()));
    m.set(port, holds);
    return holds;
  }

  /**
   * Before `frame` goes to `deliveries` in-process consumers of a port: a new loan (`release`
   * given), or more holders for a lent buffer forwarded. The caller then calls done() for its
   * own hold: the producer's, or the forwarding consumer's when its receive() settles.
   */
  lend(frame: Frame, deliveries: number, release?: () => void): void {
    let loan = this.byData.get(frame.data);
    if (!loan) {
      if (!release) return;
      loan = { holders: 0, release };
      this.byData.set(frame.data, loan);
    }
    loan.holders += deliveries;
  }

  /** Whether `frame`'s buffer is lent (a producer's or a forwarded one). */
  isLent(frame: Frame): boolean {
    return this.byData.has(frame.data);
  }

  /** One holder of `frame`'s buffer is done; the last one gives it back. */
  done(frame: Frame): void {
    const loan = this.byData.get(frame.data);
    if (loan) this.drop(frame.data, loan);
  }

  /** Whether `frame`'s buffer is on loan from its producer. */
  lent(frame: Frame): boolean {
    return this.byData.has(frame.data);
  }

  /** A consumer keeps `frame` past its receive(): one more holder until the returned function is called (once). */
  keep(frame: Frame): () => void {
    const loan = this.byData.get(frame.data);
    if (!loan) return () => {};
    loan.holders++;
    let once = false;
    return () => {
      if (once) return;
      once = true;
      this.drop(frame.data, loan);
    };
  }

  private drop(data: Frame['data'], loan: Loan): void {
    if (--loan.holders > 0) return;
    if (this.byData.get(data) === loan) this.byData.delete(data);
    loan.release();
  }
}
