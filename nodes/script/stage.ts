/**
 * The Script node at run time: a Piscina pool of `threads` workers calling the module's
 * default export. Each frame is copied into a free slot of a SharedArrayBuffer slab and a
 * worker is told where it is; results come back as buffers moved, not copied, and leave in
 * the order their inputs came, each with its input's seq, t and meta.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Piscina } from 'piscina';
import { ExecError } from '../../runtime/exec/errors.ts';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { borrowPool, loadPiscina, returnPool } from '../../runtime/util/pool-cache.ts';
import { workerOptions } from '../../runtime/util/ts-worker.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { SlabPipeline } from '../shared/slab-pipeline.ts';
import type { ParamsOf } from '../types.ts';
import type { script } from './index.ts';
import type { ScriptResult, ScriptTask } from './worker.ts';

const WORKER = new URL('./worker.ts', import.meta.url);

/** Frames in flight per thread: one being called, one waiting. */
const IN_FLIGHT_PER_THREAD = 2;

class ScriptStage implements Stage {
  private pool?: Piscina<ScriptTask, ScriptResult>;
  /** The pool's kind (pool-cache.ts): this module as it is on disk now. */
  private kind = '';
  private readonly module: string;
  private readonly pipeline: SlabPipeline;

  constructor(
    private readonly io: StageIO,
    private readonly threads: number,
    module: string,
  ) {
    this.module = path.resolve(module);
    this.pipeline = new SlabPipeline(
      threads * IN_FLIGHT_PER_THREAD,
      (depth) => (io.stats.queueDepth = depth),
      // The function's exception fails the node, saying on which frame.
      (e, frame) =>
        e instanceof ExecError
          ? e
          : new ExecError(
              'STAGE_FAILED',
              `${path.basename(this.module)} threw on frame ${frame.seq}: ${firstLines(e)}`,
              io.node.id,
            ),
    );
  }

  /** Starts the pool and loads the module once, so a missing file or a syntax error fails before any source starts. */
  async open(): Promise<void> {
    if (!existsSync(this.module) || statSync(this.module).isDirectory())
      throw new ExecError('STAGE_FAILED', `module ${this.module} does not exist`, this.io.node.id);
    // A thread keeps the module it loaded: a pool is reused only for the same file, unchanged.
    const st = statSync(this.module);
    this.kind = `${WORKER.href} ${this.threads} ${this.module} ${st.mtimeMs} ${st.size}`;
    // The user's module (TypeScript, or JavaScript importing TypeScript) needs tsx's loader.
    const options = await workerOptions(WORKER, { tsx: true });
    const Pool = await loadPiscina();
    this.pool = borrowPool(
      this.kind,
      () =>
        new Pool<ScriptTask, ScriptResult>({
          ...options,
          minThreads: this.threads,
          maxThreads: this.threads,
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
    );
    try {
      await this.pool.run({ module: this.module, check: true });
    } catch (e) {
      throw new ExecError('STAGE_FAILED', (e as Error).message, this.io.node.id);
    }
  }

  async receive(_port: string, frame: Frame): Promise<void> {
    const pool = this.pool;
    if (!pool) throw new ExecError('STAGE_FAILED', 'receive() before open() or after close()', this.io.node.id);
    this.io.stats.bytesCopied += frame.data.byteLength;
    await this.pipeline.submit(
      frame,
      (slab, offset) =>
        pool.run({
          module: this.module,
          slab,
          offset,
          bytes: frame.data.byteLength,
          dtype: frame.dtype,
          shape: frame.shape,
          seq: frame.seq,
          t: frame.t.toString(),
          ...(frame.meta ? { meta: frame.meta } : {}),
        }),
      (r) => this.finish(frame, r),
    );
  }

  async end(): Promise<void> {
    await this.pipeline.end();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await returnPool(this.kind, pool);
  }

  /** Emits what the function returned for `frame`, with its seq, t and meta. */
  private async finish(frame: Frame, result: ScriptResult): Promise<void> {
    this.io.stats.busyNs += result.busyNs;
    this.io.stats.bytesCopied += result.bytesCopied;
    for (const r of result.frames) {
      const next: Frame = {
        kind: 'frame',
        seq: frame.seq,
        t: frame.t,
        dtype: r.dtype,
        shape: r.shape,
        data: new Uint8Array(r.buffer),
      };
      if (frame.meta !== undefined) next.meta = frame.meta;
      await this.io.emit('out', next);
    }
  }
}

/** An exception's message and the first lines of its stack that name the module. */
function firstLines(e: unknown): string {
  const err = e as Error;
  const where = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l) && !l.includes('node_modules') && !l.includes('nodes/script/worker'))
    .slice(0, 2)
    .map((l) => l.trim());
  return [err.message, ...where].join(' | ');
}

const createScriptStage: StageFactory = (io) => {
  const p = io.node.params as ParamsOf<typeof script>;
  return new ScriptStage(io, p.threads, p.module);
};
export default createScriptStage;
