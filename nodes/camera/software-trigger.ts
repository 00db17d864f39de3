/**
 * Software triggers for a running camera, fired one at a time: each waits for the frame it
 * started (or gives up after `answerMs`, counted), so N triggers make N frames whatever the
 * camera's own pace, and no trigger is fired into a camera still busy with the last one (a
 * camera ignores those).
 */
import type { Camera } from '../../native/index.ts';

/** Resolves after `ms`, or at once when `signal` aborts (which is no failure here: the loop looks at it). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class SoftwareTrigger {
  /** Triggers no frame answered in time, and ticks of the rate the camera was too slow for: frames that never were. */
  unanswered = 0;
  /** Frames that came, answering a trigger or not. */
  arrivals = 0;
  private readonly waiting: ((arrived: boolean) => void)[] = [];
  private ended = false;

  constructor(
    private readonly camera: Camera,
    private readonly answerMs: number,
  ) {}

  /** The acquisition loop got a frame. */
  arrived(): void {
    this.arrivals++;
    this.waiting.shift()?.(true);
  }

  /** Acquisition has ended: triggers go nowhere from now on. */
  end(): void {
    this.ended = true;
    for (const w of this.waiting.splice(0)) w(false);
  }

  /** Fires one trigger and waits for its frame: false when none came in time (counted) or acquisition ended. */
  async fire(): Promise<boolean> {
    if (this.ended) return false;
    let answer!: (arrived: boolean) => void;
    const arrived = new Promise<boolean>((resolve) => this.waiting.push((answer = resolve)));
    await this.camera.fireTrigger();
    const answered = new AbortController();
    const outcome = await Promise.race([arrived, sleep(this.answerMs, answered.signal).then(() => 'late' as const)]);
    answered.abort();
    if (outcome !== 'late') return outcome;
    const i = this.waiting.indexOf(answer);
    if (i >= 0) this.waiting.splice(i, 1);
    this.unanswered++;
    return false;
  }

  /**
   * Fires at `fps` (at 0, each as soon as the last was answered) until `frames` frames have come
   * (0: until `signal` aborts). A tick due while the camera is still busy is not fired but counted.
   */
  async atRate(fps: number, frames: number, signal: AbortSignal): Promise<void> {
    const period = fps > 0 ? 1000 / fps : 0;
    let due = performance.now();
    while (!signal.aborted && !this.ended && (frames === 0 || this.arrivals < frames)) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, signal);
      if (signal.aborted) break;
      await this.fire();
      if (period === 0) continue;
      due += period;
      const behind = Math.floor((performance.now() - due) / period);
      if (behind > 0) {
        this.unanswered += behind;
        due += behind * period;
      }
    }
  }
}
