/**
 * Runs the server's graph work (graph-check.ts) in a worker thread, one job at a time, with a
 * time limit. Parsing and validating a document of megabytes takes a second or more, and the
 * editor's server also runs graphs: their stats, previews and sockets share its event loop. A
 * job over the limit ends the worker (a fresh one serves the next job) and answers TOO_COMPLEX.
 */
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../util/ts-worker.ts';
import type { CheckAnswer, CheckJob } from './graph-check.ts';

interface Pending {
  id: number;
  job: CheckJob;
  done: (a: CheckAnswer) => void;
}

/** The worker's messages to this side. */
type FromWorker = { ready: true } | { id: number; answer: CheckAnswer };

export class GraphChecker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;
  private closed = false;

  /** @param timeLimitMs how long one job may take before the worker is ended */
  constructor(private readonly timeLimitMs: number) {}

  /** Starts the worker now, so the first request does not wait for it. */
  warmUp(): Promise<void> {
    return this.start();
  }

  run(job: CheckJob): Promise<CheckAnswer> {
    if (this.closed)
      return Promise.resolve({ ok: false, status: 503, code: 'INTERNAL', message: 'the server is closing' });
    return new Promise((done) => {
      this.queue.push({ id: this.nextId++, job, done });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.done({ ok: false, status: 503, code: 'INTERNAL', message: 'the server is closing' });
    this.finish({ ok: false, status: 503, code: 'INTERNAL', message: 'the server is closing' });
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await w?.terminate();
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const ready: Promise<void> = startTsWorker(new URL('./check-worker.ts', import.meta.url)).then((worker) =>
      this.started(worker, ready),
    );
    this.ready = ready;
    return ready;
  }

  /** The worker is up: unless it was given up meanwhile (closed, a job over time), it serves. */
  private started(worker: Worker, ready: Promise<void>): Promise<void> {
    if (this.ready !== ready || this.closed) {
      void worker.terminate();
      return Promise.reject(new Error('the checker was stopped while it started'));
    }
    this.worker = worker;
    const up = new Promise<void>((ok, fail) => {
      const onFirst = (m: FromWorker) => {
        if ('ready' in m) {
          worker.off('error', fail);
          ok();
        }
      };
      worker.on('message', onFirst);
      worker.once('error', fail);
    });
    worker.on('message', (m: FromWorker) => {
      if ('id' in m && this.current?.id === m.id) this.finish(m.answer);
    });
    worker.on('error', (e) => this.lost(worker, `the checker failed: ${e.message}`));
    worker.on('exit', (code) => this.lost(worker, `the checker stopped (exit code ${code})`));
    // An idle checker must not keep a finished process alive.
    worker.unref();
    return up;
  }

  /** The worker died under a job (out of memory, a crash): that job fails, the next gets a new worker. */
  private lost(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
    this.finish({ ok: false, status: 500, code: 'INTERNAL', message: why, internal: why });
  }

  private finish(a: CheckAnswer): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.current;
    this.current = undefined;
    p?.done(a);
    this.pump();
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const p = this.queue.shift();
    if (!p) return;
    this.current = p;
    this.start().then(
      () => {
        if (this.current !== p) return;
        this.timer = setTimeout(() => this.overtime(p), this.timeLimitMs);
        this.worker!.postMessage({ id: p.id, job: p.job });
      },
      (e: Error) => {
        if (this.current === p)
          this.finish({
            ok: false,
            status: 500,
            code: 'INTERNAL',
            message: `the checker could not start: ${e.message}`,
            internal: e.stack,
          });
      },
    );
  }

  private overtime(p: Pending): void {
    if (this.current !== p) return;
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    void w?.terminate();
    const bytes = 'body' in p.job ? p.job.body.length : p.job.text.length;
    this.finish({
      ok: false,
      status: 422,
      code: 'TOO_COMPLEX',
      message: `checking this document (${bytes} characters) took more than ${this.timeLimitMs / 1000} s; it is too large or too intricate to check`,
    });
  }
}
