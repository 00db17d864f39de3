/**
 * One worker of a Python node: an interpreter running nodes/python/harness.py, supervised.
 * The stage binds a PAIR socket at an ipc:// path in its private directory; the harness
 * connects to it. Frames go out and come back in order (one process works on one frame at a
 * time), so the answer that arrives is always for the oldest frame still pending.
 *
 * Its stdout and stderr (the script's prints, tracebacks) reach the run's stderr line by line,
 * prefixed with the node id. Its stdin is never written: closing it stops the harness, and the
 * pipe also closes when this process dies, so no interpreter outlives its run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { SendQueue } from '../../runtime/exec/send-queue.ts';
import { PythonNodeError } from './errors.ts';
import type { Reply, StartReport } from './messages.ts';

const HARNESS = fileURLToPath(new URL('./harness.py', import.meta.url));
/**
 * glibc's malloc hands blocks over 128 KiB out as fresh mmap'd pages and gives them back on free,
 * so a script that makes a frame-sized temporary per frame (frame.astype(np.float32)) page-faults
 * through it every time: a background subtraction on 1 MiB frames took 11 ms instead of 0.23
 * (docs/custom-nodes.md). Larger thresholds keep such blocks in the heap for reuse; a user's own
 * settings win.
 */
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(128 * 2 ** 20) };

/** How long a harness whose stdin closed may take to exit before it is killed. */
const EXIT_GRACE_MS = 2000;

export interface WorkerOptions {
  /** The `python` param, as the user wrote it. */
  python: string;
  /** The script's path, resolved. */
  script: string;
  /** ipc:// endpoint in the stage's private directory. */
  endpoint: string;
  /** Node id, for the prefix of output lines and in messages. */
  node: string;
  /** Worker number, for messages ("worker 2 of 4"). */
  index: number;
  count: number;
  /** Where output lines go (the run's stderr). */
  write: (text: string) => void;
}

interface Pending {
  resolve: (parts: Buffer[]) => void;
  reject: (e: unknown) => void;
}

/** The path an interpreter's name resolves to on PATH, for messages; the name itself when not found. */
export function whichPython(python: string): string {
  if (python.includes('/')) return python;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', python], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : python;
}

export { MALLOC_ENV };

export class PythonWorker {
  private child?: ChildProcess;
  private socket?: zmq.Pair;
  private queue?: SendQueue;
  private readonly pending: Pending[] = [];
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
    const child = spawn(this.o.python, [HARNESS, this.o.endpoint, this.o.script], {
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

  /** Sends one frame (wire header and payload) and resolves with the harness's answer: [reply, payloads...]. */
  run(header: string, data: Uint8Array): Promise<{ reply: Reply; payloads: Buffer[] }> {
    const queue = this.queue;
    if (!queue)
      return Promise.reject(
        new PythonNodeError('WORKER_DIED', `worker ${this.o.index + 1} is not running`, this.o.node),
      );
    const answer = new Promise<Buffer[]>((resolve, reject) => this.pending.push({ resolve, reject }));
    if (this.pending.length === 1) void this.receiveLoop();
    queue.send([header, data]).catch((e: unknown) => this.pending.shift()?.reject(e));
    return answer.then(([first, ...payloads]) => ({ reply: JSON.parse(first.toString('utf8')) as Reply, payloads }));
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
      this.pending.shift()?.resolve(parts);
    }
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
