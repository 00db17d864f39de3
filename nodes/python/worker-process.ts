/**
 * One worker of a Python node: an interpreter running nodes/python/harness.py, supervised.
 * The stage binds a PAIR socket at an ipc:// path in its private directory; the harness
 * connects to it. Frames go out and come back in order (one process works on one frame at a
 * time), so the answer that arrives is always for the oldest frame still pending.
 *
 * The pixels travel through shared memory, the socket carries only headers (harness.py says
 * how): each frame in flight has a slot, a pair of files in the private directory (on /dev/shm
 * where there is one). The frame is written into the slot's input file; the harness maps it,
 * and writes the results into the slot's output file, read here as soon as its reply comes.
 *
 * Its stdout and stderr (the script's prints, tracebacks) reach the run's stderr line by line,
 * prefixed with the node id. Its stdin is never written: closing it stops the harness, and the
 * pipe also closes when this process dies, so no interpreter outlives its run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { SendQueue } from '../../runtime/exec/send-queue.ts';
// The interpreters' malloc settings: a script's frame-sized temporaries are reused, not page-faulted in anew
// (a background subtraction on 1 MiB frames took 11 ms instead of 0.23; docs/custom-nodes.md).
import { MALLOC_ENV } from '../../runtime/util/malloc.ts';
import { canMapFiles, mapWhole } from '../../runtime/util/shared-map.ts';
import { PythonNodeError } from './errors.ts';
import type { Reply, StartReport } from './messages.ts';

const HARNESS = fileURLToPath(new URL('./harness.py', import.meta.url));

/** How long a harness whose stdin closed may take to exit before it is killed. */
const EXIT_GRACE_MS = 2000;

export interface WorkerOptions {
  /** The `python` param, as the user wrote it. */
  python: string;
  /** The script's path, resolved. */
  script: string;
  /** ipc:// endpoint in the stage's private directory. */
  endpoint: string;
  /** Path prefix of this worker's slot files (PREFIX.in<k>, PREFIX.out<k>), in the same directory. */
  slots: string;
  /** Node id, for the prefix of output lines and in messages. */
  node: string;
  /** Worker number, for messages ("worker 2 of 4"). */
  index: number;
  count: number;
  /** Where output lines go (the run's stderr). */
  write: (text: string) => void;
}

interface Pending {
  slot: Slot;
  resolve: (answer: Answer) => void;
  reject: (e: unknown) => void;
}

interface Answer {
  reply: Reply;
  payloads: Buffer[];
}

/** A frame's place in shared memory: its input file (written here) and output file (written by the harness). */
interface Slot {
  k: number;
  inFd: number;
  outFd: number;
  /** The files mapped here, where the addon can map them (else they are written and read). */
  inMap?: Uint8Array;
  outMap?: Uint8Array;
}

/** The smallest input file: the harness cannot map an empty one (a frame of no pixels). */
const MIN_SLOT_BYTES = 8;

/** The path an interpreter's name resolves to on PATH, for messages; the name itself when not found. */
export function whichPython(python: string): string {
  if (python.includes('/')) return python;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', python], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : python;
}

export class PythonWorker {
  private child?: ChildProcess;
  private socket?: zmq.Pair;
  private queue?: SendQueue;
  private readonly pending: Pending[] = [];
  private readonly freeSlots: Slot[] = [];
  /** Every slot whose files are open, by number. */
  private readonly slots = new Map<number, Slot>();
  private nextSlot = 0;
  private closing = false;
  private exited?: Promise<void>;
  /** Output streams fully read (their last lines written). */
  private drained: Promise<void>[] = [];
  /** Called once if the process dies while the node runs (not when close() stops it). */
  onDeath?: (e: PythonNodeError) => void;

  constructor(private readonly o: WorkerOptions) {}

  /** Frames sent and not yet answered. */
  get load(): number {
    return this.pending.length;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Binds the socket, starts the interpreter, and resolves once the harness has loaded the script; rejects with why not. */
  async start(): Promise<void> {
    const socket = new zmq.Pair({ linger: 0, sendHighWaterMark: 8, receiveHighWaterMark: 8 });
    this.socket = socket;
    this.queue = new SendQueue(socket);
    await socket.bind(this.o.endpoint);
    const child = spawn(this.o.python, [HARNESS, this.o.endpoint, this.o.script, this.o.slots], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...MALLOC_ENV, ...process.env },
    });
    this.child = child;
    let stderrTail: string[] = [];
    const prefix = `[${this.o.node}] `;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (stream === child.stderr) stderrTail = [...stderrTail.slice(-4), line];
        this.o.write(`${prefix}${line}\n`);
      });
      this.drained.push(new Promise((r) => lines.once('close', r)));
    }
    // stdin is never written; a closed pipe (the harness gone) is no error of ours.
    child.stdin?.on('error', () => undefined);
    const spawnError = new Promise<Error>((r) => child.once('error', r));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    this.exited = Promise.race([exit.then(() => undefined), spawnError.then(() => undefined)]);
    const notStarted = (e: Error) =>
      this.startError(
        `python: ${this.o.python} could not be started: ${e.message} (is Python installed? set python: to an interpreter's path)`,
      );
    const line = await Promise.race([firstLine(child.stdio[3] as Readable), spawnError]);
    if (line instanceof Error) throw notStarted(line);
    let parsed: StartReport | undefined;
    try {
      parsed = line === undefined ? undefined : (JSON.parse(line) as StartReport);
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      // The harness never spoke: the interpreter is not one, or it failed before our first line.
      const ended = await Promise.race([exit, spawnError]);
      if (ended instanceof Error) throw notStarted(ended);
      await Promise.all(this.drained);
      const how = ended.signal ? `was killed by ${ended.signal}` : `exited with code ${ended.code}`;
      const said = stderrTail.length > 0 ? `: ${stderrTail.join('\n')}` : '';
      throw this.startError(
        `python: ${this.o.python} (${whichPython(this.o.python)}) ${how} before patchbay's harness started (is it a Python 3 interpreter?)${said}`,
      );
    }
    if ('ok' in parsed) {
      void exit.then(({ code, signal }) => this.died(code, signal));
      return;
    }
    await exit;
    throw this.reportError(parsed);
  }

  /** Sends one frame (its wire header and pixels) and resolves with the harness's answer: the reply and each result's bytes. */
  run(header: string, data: Uint8Array): Promise<Answer> {
    const queue = this.queue;
    if (!queue)
      return Promise.reject(
        new PythonNodeError('WORKER_DIED', `worker ${this.o.index + 1} is not running`, this.o.node),
      );
    if (!header.endsWith('}')) throw new Error(`not a wire header: ${header.slice(0, 80)}`);
    const slot = this.freeSlots.pop() ?? this.newSlot();
    this.writeInput(slot, data);
    const message = `${header.slice(0, -1)},"slot":${slot.k},"bytes":${data.byteLength}}`;
    const answer = new Promise<Answer>((resolve, reject) => this.pending.push({ slot, resolve, reject }));
    if (this.pending.length === 1) void this.receiveLoop();
    queue.send([message]).catch((e: unknown) => this.pending.shift()?.reject(e));
    return answer;
  }

  /** Stops the interpreter (stdin closed; killed if it does not exit in time), closes the socket; waits for its last output lines. */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.stdin?.end();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), EXIT_GRACE_MS)));
      if ((await Promise.race([this.exited, late])) === 'late') {
        child.kill('SIGKILL');
        await this.exited;
      }
      clearTimeout(timer);
    }
    await Promise.all(this.drained);
    this.socket?.close();
    this.socket = undefined;
    this.queue = undefined;
    for (const slot of this.slots.values()) this.closeSlot(slot);
    this.slots.clear();
    this.freeSlots.length = 0;
    for (const p of this.pending.splice(0))
      p.reject(
        new PythonNodeError('WORKER_DIED', `worker ${this.o.index + 1} was closed with a frame pending`, this.o.node),
      );
  }

  /** Answers arrive in the order frames were sent: each resolves the oldest pending one. */
  private async receiveLoop(): Promise<void> {
    const socket = this.socket;
    while (socket && this.pending.length > 0 && !socket.closed) {
      let parts: Buffer[];
      try {
        parts = await socket.receive();
      } catch (e) {
        // Closing the socket ends a pending receive: close() rejects what is left.
        if (socket.closed) return;
        this.pending.shift()?.reject(e);
        continue;
      }
      const p = this.pending.shift();
      if (!p) continue;
      try {
        p.resolve(this.answer(p.slot, parts));
      } catch (e) {
        p.reject(e);
      }
    }
  }

  /** The reply to the frame in `slot` and its results, read from the slot's output file before the slot is used again. */
  private answer(slot: Slot, parts: Buffer[]): Answer {
    const reply = JSON.parse(parts[0].toString('utf8')) as Reply;
    const payloads: Buffer[] = [];
    if (reply.kind === 'out' && reply.outputs.length > 0) {
      const end = Math.max(...reply.outputs.map((o) => o.offset + o.bytes));
      const all = this.readOutput(slot, end);
      for (const o of reply.outputs) payloads.push(all.subarray(o.offset, o.offset + o.bytes));
    }
    // A frame the script kept lies in its input file: never written again.
    if (reply.kind === 'out' && reply.pinned) this.retire(slot);
    else this.freeSlots.push(slot);
    return { reply, payloads };
  }

  /** The frame into the slot's input file (grown to fit; never shortened, the harness maps it). */
  private writeInput(slot: Slot, data: Uint8Array): void {
    if (!canMapFiles()) {
      writeSync(slot.inFd, data, 0, data.byteLength, 0);
      return;
    }
    if (!slot.inMap || slot.inMap.byteLength < data.byteLength) {
      if (fstatSync(slot.inFd).size < data.byteLength) ftruncateSync(slot.inFd, data.byteLength);
      slot.inMap = mapWhole(slot.inFd, data.byteLength);
    }
    slot.inMap.set(data);
  }

  /** The first `end` bytes of the slot's output file, copied out (the slot is written again by the next frame). */
  private readOutput(slot: Slot, end: number): Buffer {
    const all = Buffer.allocUnsafe(end);
    if (canMapFiles()) {
      // The harness grows the file (never shortens it) before it replies: map it again when it grew.
      if (!slot.outMap || slot.outMap.byteLength < end) {
        try {
          slot.outMap = mapWhole(slot.outFd, end);
        } catch (e) {
          // A reply that names more bytes than the harness wrote: its result, not the run, is broken.
          if (e instanceof RangeError)
            throw new PythonNodeError('BAD_RESULT', `result file: ${e.message}`, this.o.node);
          throw e;
        }
      }
      all.set(slot.outMap.subarray(0, end));
      return all;
    }
    const got = readSync(slot.outFd, all, 0, end, 0);
    if (got !== end) throw new PythonNodeError('BAD_RESULT', `read ${got} of ${end} result bytes`, this.o.node);
    return all;
  }

  private newSlot(): Slot {
    const k = this.nextSlot++;
    const inFd = openSync(`${this.o.slots}.in${k}`, 'w+', 0o600);
    ftruncateSync(inFd, MIN_SLOT_BYTES);
    const outFd = openSync(`${this.o.slots}.out${k}`, 'w+', 0o600);
    const slot = { k, inFd, outFd };
    this.slots.set(k, slot);
    return slot;
  }

  private closeSlot(slot: Slot): void {
    closeSync(slot.inFd);
    closeSync(slot.outFd);
  }

  /** A pinned slot's files go (the harness's mapping of the input keeps what the script holds). */
  private retire(slot: Slot): void {
    this.closeSlot(slot);
    this.slots.delete(slot.k);
    for (const kind of ['in', 'out']) rmSync(`${this.o.slots}.${kind}${slot.k}`, { force: true });
  }

  private died(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closing) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const e = new PythonNodeError(
      'WORKER_DIED',
      `worker ${this.o.index + 1} of ${this.o.count} (${this.o.python}, pid ${this.child?.pid}) ${how} while the node ran`,
      this.o.node,
    );
    // Nothing more is sent to it (a second receive loop would meet the first one's pending receive).
    this.queue = undefined;
    for (const p of this.pending.splice(0)) p.reject(e);
    this.onDeath?.(e);
  }

  private startError(message: string): PythonNodeError {
    return new PythonNodeError('PYTHON_NOT_STARTED', message, this.o.node);
  }

  private reportError(r: Exclude<StartReport, { ok: true }>): PythonNodeError {
    const py = `${this.o.python} (${r.executable})`;
    const node = this.o.node;
    switch (r.error) {
      case 'MODULE_MISSING':
        return new PythonNodeError(
          'PYTHON_MODULE_MISSING',
          `${py} has no module named ${r.module}: install ${r.package} (or pip install ${r.pip}), or set python: to an interpreter that has it`,
          node,
        );
      case 'SCRIPT_MISSING':
        return new PythonNodeError('SCRIPT_MISSING', `script: ${r.path} does not exist`, node);
      case 'SCRIPT_SYNTAX':
        return new PythonNodeError(
          'SCRIPT_SYNTAX',
          `script: ${r.path} has a syntax error (${py}):\n${r.detail ?? ''}`,
          node,
        );
      case 'SCRIPT_FAILED':
        return new PythonNodeError(
          'SCRIPT_FAILED',
          `script: ${r.path} raised while loading (${py}):\n${r.detail ?? ''}`,
          node,
        );
      case 'SCRIPT_NO_PROCESS':
        return new PythonNodeError(
          'SCRIPT_NO_PROCESS',
          `script: ${r.path} defines no process(frame, header) function (it defines: ${r.detail || 'nothing'})`,
          node,
        );
    }
  }
}

/** The first line of a stream, or undefined if it ends without one. */
function firstLine(stream: Readable): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        stream.off('data', onData);
        resolve(text.slice(0, nl));
      }
    };
    stream.on('data', onData);
    stream.once('end', () => resolve(undefined));
    stream.once('close', () => resolve(undefined));
    stream.once('error', () => resolve(undefined));
  });
}
