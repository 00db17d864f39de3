/**
 * The Python node at run time: `workers` interpreters, each running nodes/python/harness.py
 * with the user's script, fed through shared memory, with headers on ipc:// PAIR sockets, all in
 * a private directory (worker-process.ts). A frame goes to the least busy worker; about two frames per worker are
 * in flight. Answers are emitted in input order, whichever worker finishes first: each frame's
 * emission chains on the one before it (as the FFT node does), with the input's seq, t and
 * meta (the meta as process() left it); a list result gives several frames of that seq.
 *
 * A failure (process() raised, a worker died) takes its place in that chain: the frames before
 * it are emitted first, then the node fails (io.fail) and the run stops cleanly.
 */
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Stage, StageFactory, StageIO } from '../../runtime/exec/stage.ts';
import { encodeHeader, itemSize, shapeSize, type Frame } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import { PythonNodeError } from './errors.ts';
import type { python } from './index.ts';
import type { Reply } from './messages.ts';
import { PythonWorker } from './worker-process.ts';

/** Frames in flight per worker: one computing, one waiting in its socket, so a worker never idles. */
const IN_FLIGHT_PER_WORKER = 2;

interface InFlight {
  /** Resolves once this frame's outputs have been emitted (after every frame before it). */
  done: Promise<void>;
}

/** /dev/shm when it is a folder this process may write to, else the temporary folder. */
function sharedMemoryDir(): string {
  try {
    accessSync(SHM, constants.W_OK);
    if (statSync(SHM).isDirectory()) return SHM;
  } catch {
    // No /dev/shm here (or not ours to write): the temporary folder's page cache serves as well.
  }
  return tmpdir();
}
const SHM = '/dev/shm';

/** Where the output lines of the interpreters go: the run's stderr (a test may catch them). */
export const output = { write: (text: string): void => void process.stderr.write(text) };

export class PythonStage implements Stage {
  private readonly script: string;
  private readonly python: string;
  private readonly count: number;
  private dir?: string;
  private workers: PythonWorker[] = [];
  private readonly inFlight: InFlight[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;
  /** Frames taken in, and frames whose outputs were all emitted (or dropped by None). */
  private taken = 0;
  private completed = 0;

  constructor(private readonly io: StageIO) {
    const p = io.node.params as ParamsOf<typeof python>;
    this.script = path.resolve(p.script);
    this.python = p.python;
    this.count = p.workers;
  }

  /** Process ids of the running interpreters (tests check none outlives close()). */
  get pids(): number[] {
    return this.workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid]));
  }

  /** The private directory of the ipc:// endpoints. */
  get ipcDir(): string | undefined {
    return this.dir;
  }

  async open(): Promise<void> {
    const node = this.io.node.id;
    if (!existsSync(this.script))
      throw new PythonNodeError('SCRIPT_MISSING', `script: ${this.script} does not exist`, node);
    // mkdtemp makes it 0700: the sockets and the frames in it are this user's alone. On /dev/shm
    // (memory) where there is one: the frames are written there and mapped by the interpreters.
    this.dir = mkdtempSync(path.join(sharedMemoryDir(), 'patchbay-python-'));
    this.workers = Array.from(
      { length: this.count },
      (_, index) =>
        new PythonWorker({
          python: this.python,
          script: this.script,
          endpoint: `ipc://${path.join(this.dir!, `w${index}`)}`,
          slots: path.join(this.dir!, `w${index}`),
          node,
          index,
          count: this.count,
          write: (text) => output.write(text),
        }),
    );
    for (const w of this.workers) w.onDeath = (e) => this.failAfterTail(e);
    const started = await Promise.allSettled(this.workers.map((w) => w.start()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // Every worker loads the same script: the first one's reason is everyone's.
    if (failed) throw failed.reason;
  }

  async receive(_port: string, frame: Frame): Promise<void> {
    this.rethrow();
    // Wait only when the pipeline is full; a failed frame stays in it, and its failure is raised here.
    while (this.inFlight.length >= this.count * IN_FLIGHT_PER_WORKER) {
      await this.inFlight[0].done.catch(() => undefined);
      this.rethrow();
    }
    let worker = this.workers[0];
    for (const w of this.workers) if (w.load < worker.load) worker = w;
    this.taken++;
    const task = worker.run(encodeHeader(frame), frame.data);
    // Until the chain reaches it, a failed task is the chain's to report, not an unhandled rejection.
    task.catch(() => undefined);
    const entry: InFlight = { done: Promise.resolve() };
    entry.done = this.tail.then(() => task).then((r) => this.finish(entry, frame, r.reply, r.payloads));
    entry.done.catch((e: unknown) => this.onFailure(e));
    this.tail = entry.done;
    this.inFlight.push(entry);
    this.io.stats.queueDepth = this.inFlight.length;
  }

  async end(): Promise<void> {
    await this.tail;
    this.rethrow();
  }

  async close(): Promise<void> {
    // Frames taken in and never passed on (the failed one, those in flight after it): lost where loss is not allowed.
    if (this.failure !== undefined) this.io.stats.lost = (this.io.stats.lost ?? 0) + this.taken - this.completed;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.close()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private onFailure(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    // Between frames nobody may be waiting on this stage: say so, the run stops.
    this.io.fail?.(e as Error);
  }

  /** A failure that is nobody's frame (a worker died idle) still comes after the frames before it. */
  private failAfterTail(e: unknown): void {
    const p = this.tail.then(() => {
      throw e;
    });
    p.catch((x: unknown) => this.onFailure(x));
    this.tail = p;
  }

  private async finish(entry: InFlight, frame: Frame, reply: Reply, payloads: Buffer[]): Promise<void> {
    this.inFlight.splice(this.inFlight.indexOf(entry), 1);
    this.io.stats.queueDepth = this.inFlight.length;
    const node = this.io.node.id;
    if (reply.kind === 'error') {
      const what =
        reply.code === 'PROCESS_RAISED' ? 'process() raised' : 'process() returned something patchbay cannot send';
      throw new PythonNodeError(reply.code, `${what} on the frame of seq ${frame.seq}:\n${reply.message}`, node);
    }
    if (payloads.length !== reply.outputs.length)
      throw new PythonNodeError(
        'BAD_RESULT',
        `the harness sent ${payloads.length} payloads for ${reply.outputs.length} arrays (seq ${frame.seq})`,
        node,
      );
    const meta = reply.meta !== undefined && Object.keys(reply.meta).length > 0 ? reply.meta : undefined;
    for (const [i, out] of reply.outputs.entries()) {
      const data = payloads[i];
      if (data.byteLength !== shapeSize(out.shape) * itemSize(out.dtype))
        throw new PythonNodeError(
          'BAD_RESULT',
          `array ${i} of seq ${frame.seq}: ${data.byteLength} bytes for shape ${JSON.stringify(out.shape)} of ${out.dtype}`,
          node,
        );
      const next: Frame = { kind: 'frame', seq: frame.seq, t: frame.t, dtype: out.dtype, shape: out.shape, data };
      if (meta) next.meta = meta;
      await this.io.emit('out', next);
    }
    this.completed++;
  }
}

/** The Python node's StageFactory (runtime/exec/stage.ts). */
const createPythonStage: StageFactory = (io) => new PythonStage(io);
export default createPythonStage;
