/**
 * The Script node at run time: a Piscina pool of `threads` workers calling the module's
 * default export. Each frame is copied into a free slot of a SharedArrayBuffer slab and a
 * worker is told where it is; results come back as buffers moved, not copied, and leave in
 * the order their inputs came, each with its input's seq, t and meta.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import { ExecError } from '../../runtime/exec/errors.ts';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { tsWorkerOptions } from '../../runtime/util/ts-worker.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import type { script } from './index.ts';
import type { ScriptResult, ScriptTask } from './worker.ts';

/** Frames in flight per thread: one being called, one waiting. */
const IN_FLIGHT_PER_THREAD = 2;

interface InFlight {
  frame: Frame;
  slot: number;
  done: Promise<void>;
}

class ScriptStage implements Stage {
  private pool?: Piscina<ScriptTask, ScriptResult>;
  private readonly module: string;
  private readonly maxInFlight: number;
  private slab = new SharedArrayBuffer(0);
  private slotBytes = 0;
  private freeSlots: number[] = [];
  private readonly inFlight: InFlight[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(
    private readonly io: StageIO,
    private readonly threads: number,
    module: string,
  ) {
    this.module = path.resolve(module);
    this.maxInFlight = threads * IN_FLIGHT_PER_THREAD;
  }

  /** Starts the pool and loads the module once, so a missing file or a syntax error fails before any source starts. */
  async open(): Promise<void> {
    if (!existsSync(this.module) || statSync(this.module).isDirectory())
      throw new ExecError('STAGE_FAILED', `module ${this.module} does not exist`, this.io.node.id);
    this.pool = new Piscina<ScriptTask, ScriptResult>({
      ...tsWorkerOptions(new URL('./worker.ts', import.meta.url)),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    try {
      await this.pool.run({ module: this.module, check: true });
    } catch (e) {
      throw new ExecError('STAGE_FAILED', (e as Error).message, this.io.node.id);
    }
  }

  async receive(_port: string, frame: Frame): Promise<void> {
    this.rethrow();
    while (this.inFlight.length >= this.maxInFlight) {
      await this.inFlight[0].done.catch(() => undefined);
      this.rethrow();
    }
    await this.ensureSlab(frame.data.byteLength);
    const slot = this.freeSlots.pop()!;
    const offset = slot * this.slotBytes;
    new Uint8Array(this.slab, offset, frame.data.byteLength).set(frame.data);
    this.io.stats.bytesCopied += frame.data.byteLength;
    const pool = this.pool;
    if (!pool) throw new ExecError('STAGE_FAILED', 'receive() before open() or after close()', this.io.node.id);
    const task = pool.run({
      module: this.module,
      slab: this.slab,
      offset,
      bytes: frame.data.byteLength,
      dtype: frame.dtype,
      shape: frame.shape,
      seq: frame.seq,
      t: frame.t.toString(),
      ...(frame.meta ? { meta: frame.meta } : {}),
    });
    const entry: InFlight = { frame, slot, done: Promise.resolve() };
    entry.done = this.tail.then(() => task).then((r) => this.finish(entry, r));
    // Raised by the next receive() or end(): the function's exception fails the node.
    entry.done.catch((e: unknown) => {
      this.failure ??= e instanceof ExecError ? e : new ExecError('STAGE_FAILED', `${path.basename(this.module)} threw on frame ${frame.seq}: ${firstLines(e)}`, this.io.node.id);
    });
    this.tail = entry.done;
    this.inFlight.push(entry);
    this.io.stats.queueDepth = this.inFlight.length;
  }

  async end(): Promise<void> {
    await this.tail.catch(() => undefined);
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

  private async finish(entry: InFlight, result: ScriptResult): Promise<void> {
    const { frame, slot } = entry;
    this.io.stats.busyNs += result.busyNs;
    this.io.stats.bytesCopied += result.bytesCopied;
    this.freeSlots.push(slot);
    this.inFlight.shift();
    this.io.stats.queueDepth = this.inFlight.length;
    for (const r of result.frames) {
      const next: Frame = { kind: 'frame', seq: frame.seq, t: frame.t, dtype: r.dtype, shape: r.shape, data: new Uint8Array(r.buffer) };
      if (frame.meta !== undefined) next.meta = frame.meta;
      await this.io.emit('out', next);
    }
  }

  /** Room for frames of this size; a bigger frame waits for the pool to drain, then gets a new slab. */
  private async ensureSlab(bytes: number): Promise<void> {
    const need = Math.ceil(bytes / 8) * 8;
    if (need <= this.slotBytes) return;
    await this.tail.catch(() => undefined);
    this.rethrow();
    this.slotBytes = need;
    this.slab = new SharedArrayBuffer(this.slotBytes * this.maxInFlight);
    this.freeSlots = Array.from({ length: this.maxInFlight }, (_, i) => this.maxInFlight - 1 - i);
  }
}

/** An exception's message and the first lines of its stack that name the module. */
function firstLines(e: unknown): string {
  const err = e as Error;
  const where = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !l.includes('node_modules') && !l.includes('nodes/script/worker')).slice(0, 2).map((l) => l.trim());
  return [err.message, ...where].join(' | ');
}

const createScriptStage: StageFactory = (io) => {
  const p = io.node.params as ParamsOf<typeof script>;
  return new ScriptStage(io, p.threads, p.module);
};
export default createScriptStage;
