/**
 * What ZeroMQ CURVE (a graph's `secure: true`) costs on a link carrying 1 MiB frames, plain and
 * CURVE in turns, in the same run:
 *   zeromq.js: a PUSH (bound: the CURVE server, as patchbay's ventilator) sending 1 MiB messages
 *              to a PULL in another process over tcp://127.0.0.1, nothing else: the link's limit;
 *   pyzmq:     the same two programs in Python, an anchor (skipped when pyzmq is missing);
 *   patchbay:  bench/graphs/curve-halves.yaml, its camera half and its analysis half as two
 *              `patchbay run --host NAME --json` processes, as on two machines.
 * Each gives frames/s, MB/s and the CPU time each end spends per frame (every thread of the
 * process, libzmq's I/O thread included: that is where CURVE encrypts and decrypts). CURVE ÷ plain
 * is taken pair by pair, each CURVE run beside its plain run. Figures: docs/performance-runtime.md#curve.
 *
 *   node bin/run-ts.js bench/curve.ts [--quick] [--reps N] [--python PATH] [--out FILE]
 *
 * Prints a table of medians and writes bench/results/curve.json.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { parseDocument } from 'yaml';
import * as zmq from 'zeromq';
import { freeTheirPorts } from '../test/helpers/ports.ts';
import { cliNodeFlags, ROOT } from './lib/pipelines.ts';
import { machine, median } from './lib/report.ts';

const GRAPH = join(ROOT, 'bench/graphs/curve-halves.yaml');
const execFileAsync = promisify(execFile);
const BYTES = 1 << 20;
/** As patchbay's sockets: a few 1 MiB frames in flight cost no throughput (FINDINGS). */
const HWM = 4;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    python: {
      type: 'string',
      default: process.env.PATCHBAY_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'),
    },
    out: { type: 'string', default: join(ROOT, 'bench/results/curve.json') },
  },
  strict: true,
});
const quick = args.quick!;
const REPS = args.reps === undefined ? (quick ? 1 : 5) : Number(args.reps);
if (!Number.isSafeInteger(REPS) || REPS < 1)
  throw new Error(`--reps: expected a positive integer, received ${JSON.stringify(args.reps)}`);
/** Messages timed per raw run, after RAW_WARMUP that are not (see the raw programs). */
const RAW_FRAMES = quick ? 200 : 1000;
const RAW_WARMUP = 100;
/** Stats intervals (1 s each with --json) measured per graph run, after the first with frames. */
const GRAPH_INTERVALS = quick ? 1 : 4;

type Mode = 'plain' | 'curve';
const MODES: Mode[] = ['plain', 'curve'];

/** One run of one case. */
interface Sample {
  fps: number;
  mbps: number;
  /** CPU ms per frame of the sending process (push / camera half) and of the receiving one. */
  sendCpuMs: number;
  recvCpuMs: number;
}

// ---------------------------------------------------------------------------------------------
// The raw programs, in JavaScript and in Python, side by side: small enough to start in a blink
// (no TypeScript loader), and both speak the same protocol on stdout, one JSON object a line. The
// PUSH binds and says where ({type: 'bound'}); the PULL connects, takes W warm-up messages, times
// the next N and says so ({type: 'result'}); the PUSH reports its CPU time from its W-th message
// on once its stdin closes, after the PULL has everything, so all its encryption is counted. The
// warm-up keeps out the handshake and a new process's first hundred 1 MiB messages, which cost
// 3 ms each where later ones cost 0.6 (page faults on fresh buffers, the JIT, the heap growing).
// CPU time is the process's, every thread: libzmq's I/O thread is where CURVE encrypts and decrypts.
// CURVE keys come in the environment: BENCH_SERVER_SECRET / _PUBLIC, BENCH_CLIENT_SECRET / _PUBLIC.

const JS_CHILD = `
import { once } from 'node:events';
import * as zmq from 'zeromq';
const [role] = process.argv.slice(1), env = process.env;
const n = Number(env.BENCH_FRAMES), w = Number(env.BENCH_WARMUP), curve = env.BENCH_SERVER_SECRET !== undefined;
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
zmq.context.blocky = false;
if (role === 'push') {
  const s = new zmq.Push({ sendHighWaterMark: ${HWM}, linger: 0 });
  if (curve) Object.assign(s, { curveServer: true, curveSecretKey: env.BENCH_SERVER_SECRET });
  await s.bind('tcp://127.0.0.1:*');
  say({ type: 'bound', endpoint: s.lastEndpoint });
  // Sent as is and never written again: zeromq.js does not copy it.
  const payload = new Uint8Array(${BYTES}).fill(7);
  for (let i = 0; i < w; i++) await s.send(payload);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await s.send(payload);
  process.stdin.resume();
  await once(process.stdin, 'end');
  const c = process.cpuUsage(c0);
  say({ type: 'result', cpuMs: (c.user + c.system) / 1000, messages: n });
  s.close();
} else {
  const s = new zmq.Pull({ receiveHighWaterMark: ${HWM}, linger: 0 });
  if (curve) Object.assign(s, { curveServerKey: env.BENCH_SERVER_PUBLIC, curvePublicKey: env.BENCH_CLIENT_PUBLIC, curveSecretKey: env.BENCH_CLIENT_SECRET });
  s.connect(env.BENCH_ENDPOINT);
  for (let i = 0; i < w; i++) await s.receive();
  const t0 = performance.now(), c0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += (await s.receive())[0].length;
  const ms = performance.now() - t0, c = process.cpuUsage(c0);
  say({ type: 'result', ms, bytes, cpuMs: (c.user + c.system) / 1000, messages: n });
  s.close();
}
`;

/** process_time counts every thread, as cpuUsage does. */
const PY_CHILD = `
import json, os, sys, time, zmq
role, env = sys.argv[1], os.environ
n, w, curve = int(env['BENCH_FRAMES']), int(env['BENCH_WARMUP']), 'BENCH_SERVER_SECRET' in env
ctx = zmq.Context()
def say(**o): print(json.dumps(o), flush=True)
if role == 'push':
    s = ctx.socket(zmq.PUSH); s.sndhwm = ${HWM}; s.linger = 0
    if curve:
        s.curve_server = True; s.curve_secretkey = env['BENCH_SERVER_SECRET'].encode()
    s.bind('tcp://127.0.0.1:*')
    say(type='bound', endpoint=s.last_endpoint.decode())
    payload = bytes(${BYTES})
    for i in range(w): s.send(payload, copy=False)
    c0 = time.process_time()
    for i in range(n): s.send(payload, copy=False)
    sys.stdin.read()
    say(type='result', cpuMs=(time.process_time() - c0) * 1000, messages=n)
else:
    s = ctx.socket(zmq.PULL); s.rcvhwm = ${HWM}; s.linger = 0
    if curve:
        s.curve_serverkey = env['BENCH_SERVER_PUBLIC'].encode()
        s.curve_publickey = env['BENCH_CLIENT_PUBLIC'].encode(); s.curve_secretkey = env['BENCH_CLIENT_SECRET'].encode()
    s.connect(env['BENCH_ENDPOINT'])
    for i in range(w): s.recv(copy=False)
    t0, c0, nbytes = time.perf_counter(), time.process_time(), 0
    for i in range(n): nbytes += len(s.recv(copy=False).buffer)
    ms = (time.perf_counter() - t0) * 1000
    say(type='result', ms=ms, bytes=nbytes, cpuMs=(time.process_time() - c0) * 1000, messages=n)
ctx.destroy(linger=0)
`;

// ---------------------------------------------------------------------------------------------
// Children and their JSON lines.

interface Child {
  readonly process: ChildProcess;
  /** The first JSON line of that type it printed or will print; rejects if it ends or times out first. */
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Hears every JSON line from now on, as it comes. */
  listen(fn: (o: Record<string, unknown>) => void): void;
  readonly closed: Promise<number | null>;
  stderr(): string;
}

function start(cmd: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: boolean }): Child {
  const child = spawn(cmd, argv, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const seen: Record<string, unknown>[] = [];
  const listeners: ((o: Record<string, unknown>) => void)[] = [];
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const o = JSON.parse(line) as Record<string, unknown>;
    seen.push(o);
    for (const fn of listeners) fn(o);
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const what = [cmd, ...argv.filter((a) => !a.includes('\n'))].join(' ');
  return {
    process: child,
    stderr: () => err,
    closed,
    listen: (fn) => listeners.push(fn),
    next(type, timeoutMs = 60_000) {
      const found = seen.find((o) => o.type === type);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${what}: no ${type} line within ${timeoutMs} ms; stderr: ${err.trim()}`)),
          timeoutMs,
        );
        listeners.push((o) => {
          if (o.type !== type) return;
          clearTimeout(timer);
          resolve(o);
        });
        void closed.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${what}: exited (${code}) without a ${type} line; stderr: ${err.trim()}`));
        });
      });
    },
  };
}

/** Waits for a child we started to end; SIGKILL to its pid if it is still there after `graceMs`. */
async function finish(c: Child, graceMs: number): Promise<void> {
  const p = c.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  await c.closed;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The cases.

const keys = { server: zmq.curveKeyPair(), client: zmq.curveKeyPair() };
const keyEnv = {
  BENCH_SERVER_SECRET: keys.server.secretKey,
  BENCH_SERVER_PUBLIC: keys.server.publicKey,
  BENCH_CLIENT_SECRET: keys.client.secretKey,
  BENCH_CLIENT_PUBLIC: keys.client.publicKey,
};

/** One raw run: push and pull programs of `impl` in two processes. */
async function raw(impl: 'zeromq.js' | 'pyzmq', mode: Mode): Promise<Sample> {
  // The JavaScript side runs with the node flags patchbay's CLI runs with, as the halves below do.
  const argv = (role: string): [string, string[]] =>
    impl === 'pyzmq'
      ? [args.python!, ['-c', PY_CHILD, role]]
      : [process.execPath, [...cliNodeFlags(), '--input-type=module', '-e', JS_CHILD, role]];
  const env = {
    ...process.env,
    BENCH_FRAMES: String(RAW_FRAMES),
    BENCH_WARMUP: String(RAW_WARMUP),
    ...(mode === 'curve' ? keyEnv : {}),
  };
  const push = start(...argv('push'), { env, stdin: true });
  let pull: Child | undefined;
  try {
    const bound = await push.next('bound');
    pull = start(...argv('pull'), { env: { ...env, BENCH_ENDPOINT: String(bound.endpoint) } });
    const got = await pull.next('result');
    push.process.stdin!.end();
    const sent = await push.next('result');
    const ms = Number(got.ms);
    return {
      fps: (Number(got.messages) * 1000) / ms,
      mbps: Number(got.bytes) / ms / 1000,
      sendCpuMs: Number(sent.cpuMs) / Number(sent.messages),
      recvCpuMs: Number(got.cpuMs) / Number(got.messages),
    };
  } finally {
    push.process.stdin!.end();
    await finish(push, 5000);
    if (pull) await finish(pull, 5000);
  }
}

/**
 * What CURVE's cipher costs alone: libsodium's crypto_box_easy_afternm (XSalsa20 and Poly1305, the
 * call libzmq makes for every message) and its opening, on 1 MiB in one thread. Through ctypes on
 * the libsodium Debian's libzmq links (zeromq.js has its own copy inside its addon, not callable).
 */
const SODIUM_ANCHOR = `
import ctypes, ctypes.util, json, os, statistics, sys, time
lib = ctypes.util.find_library('sodium')
if not lib: sys.exit('libsodium is not installed')
s = ctypes.CDLL(lib); s.sodium_init(); s.sodium_version_string.restype = ctypes.c_char_p
n, batches, per = ${BYTES} + 1, int(sys.argv[1]), int(sys.argv[2])
m = ctypes.create_string_buffer(os.urandom(n), n); c = ctypes.create_string_buffer(n + 16)
pk, sk, k = (ctypes.create_string_buffer(32) for _ in range(3)); nonce = ctypes.create_string_buffer(24)
s.crypto_box_keypair(pk, sk); s.crypto_box_beforenm(k, pk, sk)
def seal(): assert s.crypto_box_easy_afternm(c, m, ctypes.c_ulonglong(n), nonce, k) == 0
def open_(): assert s.crypto_box_open_easy_afternm(m, c, ctypes.c_ulonglong(n + 16), nonce, k) == 0
def ms(f):
    f(); t = time.process_time()
    for _ in range(per): f()
    return (time.process_time() - t) * 1000 / per
# Seal and open in turns, batch by batch: both see the same load.
runs = [(ms(seal), ms(open_)) for _ in range(batches)]
print(json.dumps({'type': 'result', 'version': s.sodium_version_string().decode(), 'sealMs': statistics.median(r[0] for r in runs), 'openMs': statistics.median(r[1] for r in runs)}))
`;

/** ms of CPU per MiB to seal and to open, or why not measured. */
function sodiumAlone(): { version: string; sealMs: number; openMs: number } | string {
  const r = spawnSync(args.python!, ['-c', SODIUM_ANCHOR, String(quick ? 3 : 7), String(quick ? 10 : 40)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return `${args.python}: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as { version: string; sealMs: number; openMs: number };
}

/** Clock ticks per second, the unit of /proc/PID/stat's CPU times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** User + system CPU ms of a process so far, every thread counted. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** What one half has done at one stats line: the child's clock and counters, and our reading of its CPU. */
interface Point {
  elapsedMs: number;
  frames: number;
  bytes: number;
  cpuMs: number;
}

/** Frames/s, MB/s and CPU per frame between a half's first stats line with frames and its last. */
function windowOf(points: Point[]): { fps: number; mbps: number; cpuMs: number } {
  const moving = points.filter((p) => p.frames > 0);
  const a = moving[0];
  const b = moving[moving.length - 1];
  const frames = b.frames - a.frames;
  const ms = b.elapsedMs - a.elapsedMs;
  return { fps: (frames * 1000) / ms, mbps: (b.bytes - a.bytes) / ms / 1000, cpuMs: (b.cpuMs - a.cpuMs) / frames };
}

/** The graph copied twice into `dir`: plain/ and curve/ (with both hosts' key pairs), ports free. */
async function prepareGraphs(dir: string): Promise<Record<Mode, string>> {
  const files = {} as Record<Mode, string>;
  for (const mode of MODES) {
    const sub = join(dir, mode);
    mkdirSync(sub, { recursive: true });
    const doc = parseDocument(readFileSync(GRAPH, 'utf8'));
    if (mode === 'plain') {
      doc.delete('secure');
      for (const host of ['camera-pc', 'analysis-pc'])
        doc.setIn(['hosts', host], doc.getIn(['hosts', host, 'address']));
    } else {
      // Both pairs in one keys/ folder that both halves share: each finds its secret and the other's public key.
      await Promise.all(
        ['camera-pc', 'analysis-pc'].map((host) =>
          execFileAsync(process.execPath, [
            ...cliNodeFlags(),
            join(ROOT, 'bin/patchbay.js'),
            'keys',
            host,
            '--dir',
            join(sub, 'keys'),
          ]),
        ),
      );
    }
    files[mode] = join(sub, 'graph.yaml');
    writeFileSync(files[mode], doc.toString());
    await freeTheirPorts(sub);
  }
  return files;
}

/** One graph run: both halves started together, stopped with Ctrl-C's signal once enough stats lines came. */
async function graph(file: string): Promise<Sample> {
  const half = (host: string): Child =>
    start(process.execPath, [...cliNodeFlags(), join(ROOT, 'bin/patchbay.js'), 'run', file, '--host', host, '--json'], {
      cwd: join(file, '..'),
    });
  const analysis = half('analysis-pc');
  const camera = half('camera-pc');
  const points: Record<'camera' | 'analysis', Point[]> = { camera: [], analysis: [] };
  const enough = (ps: Point[]): boolean => ps.filter((p) => p.frames > 0).length > GRAPH_INTERVALS;
  let stopped = false;
  const watch = (
    c: Child,
    into: Point[],
    counter: (
      nodes: Record<string, { framesIn: number; framesOut: number; bytesIn: number; bytesOut: number }>,
    ) => [number, number],
  ) =>
    c.listen((o) => {
      if (o.type !== 'stats' || stopped) return;
      const [frames, bytes] = counter(o.nodes as never);
      into.push({ elapsedMs: Number(o.elapsedMs), frames, bytes, cpuMs: cpuMsOf(c.process.pid!) });
      if (enough(points.camera) && enough(points.analysis)) {
        stopped = true;
        camera.process.kill('SIGINT');
      }
    });
  watch(camera, points.camera, (n) => [n.ventilator.framesOut, n.ventilator.bytesOut]);
  watch(analysis, points.analysis, (n) => [n.sink.framesIn, n.sink.bytesIn]);
  const limit = setTimeout(() => {
    stopped = true;
    camera.process.kill('SIGINT');
    analysis.process.kill('SIGINT');
  }, 60_000);
  try {
    const summaries = await Promise.all([camera.next('summary', 90_000), analysis.next('summary', 90_000)]);
    for (const [i, s] of summaries.entries())
      if (!s.ok) throw new Error(`${i ? 'analysis' : 'camera'} half failed: ${JSON.stringify(s.failures)}`);
    if (!enough(points.camera) || !enough(points.analysis))
      throw new Error(
        `too few stats lines with frames (camera ${points.camera.length}, analysis ${points.analysis.length}); stderr: ${camera.stderr()} ${analysis.stderr()}`,
      );
  } finally {
    clearTimeout(limit);
    await finish(camera, 10_000);
    // The analysis half ends at the camera half's end of stream; Ctrl-C's signal if it did not.
    const t = setTimeout(() => analysis.process.kill('SIGINT'), 10_000);
    await finish(analysis, 20_000);
    clearTimeout(t);
  }
  const rx = windowOf(points.analysis);
  return { fps: rx.fps, mbps: rx.mbps, sendCpuMs: windowOf(points.camera).cpuMs, recvCpuMs: rx.cpuMs };
}

// ---------------------------------------------------------------------------------------------
// Runs in turns, medians, the table.

interface Row {
  case: string;
  plain: Sample;
  curve: Sample;
  /** Medians of CURVE ÷ plain, pair by pair. */
  ratio: Sample;
  /** CPU ms per frame CURVE adds at each end (median of the pairs' differences). */
  addedSendCpuMs: number;
  addedRecvCpuMs: number;
  runs: Record<Mode, Sample>[];
}

const KEYS: (keyof Sample)[] = ['fps', 'mbps', 'sendCpuMs', 'recvCpuMs'];
const medianSample = (xs: Sample[]): Sample =>
  Object.fromEntries(KEYS.map((k) => [k, median(xs.map((x) => x[k]))])) as unknown as Sample;

async function compare(name: string, run: (mode: Mode) => Promise<Sample>): Promise<Row> {
  const runs: Record<Mode, Sample>[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // In turns, and each repetition starts with the other mode: neither always runs on a warmer machine.
    const order = rep % 2 ? [...MODES].reverse() : MODES;
    const pair = {} as Record<Mode, Sample>;
    for (const mode of order) {
      pair[mode] = await run(mode);
      const s = pair[mode];
      process.stdout.write(
        `${name} ${mode} #${rep + 1}: ${s.fps.toFixed(0)} frames/s, ${s.mbps.toFixed(0)} MB/s, CPU ms/frame send ${s.sendCpuMs.toFixed(2)} receive ${s.recvCpuMs.toFixed(2)}\n`,
      );
    }
    runs.push(pair);
  }
  return {
    case: name,
    plain: medianSample(runs.map((r) => r.plain)),
    curve: medianSample(runs.map((r) => r.curve)),
    ratio: Object.fromEntries(
      KEYS.map((k) => [k, median(runs.map((r) => r.curve[k] / r.plain[k]))]),
    ) as unknown as Sample,
    addedSendCpuMs: median(runs.map((r) => r.curve.sendCpuMs - r.plain.sendCpuMs)),
    addedRecvCpuMs: median(runs.map((r) => r.curve.recvCpuMs - r.plain.recvCpuMs)),
    runs,
  };
}

function table(rows: Row[]): string {
  const f = (x: number, d: number): string => x.toFixed(d);
  const signed = (x: number): string => `${x >= 0 ? '+' : ''}${f(x, 2)}`;
  const lines = [
    ['case', '', 'frames/s', 'MB/s', 'sending end CPU ms/frame', 'receiving end CPU ms/frame'],
    ['---', '---', '---:', '---:', '---:', '---:'],
  ];
  for (const r of rows) {
    lines.push([
      r.case,
      'plain',
      f(r.plain.fps, 0),
      f(r.plain.mbps, 0),
      f(r.plain.sendCpuMs, 2),
      f(r.plain.recvCpuMs, 2),
    ]);
    lines.push(['', 'CURVE', f(r.curve.fps, 0), f(r.curve.mbps, 0), f(r.curve.sendCpuMs, 2), f(r.curve.recvCpuMs, 2)]);
    lines.push([
      '',
      'CURVE ÷ plain',
      `×${f(r.ratio.fps, 2)}`,
      `×${f(r.ratio.mbps, 2)}`,
      `×${f(r.ratio.sendCpuMs, 2)}`,
      `×${f(r.ratio.recvCpuMs, 2)}`,
    ]);
    lines.push(['', 'CURVE − plain', '', '', signed(r.addedSendCpuMs), signed(r.addedRecvCpuMs)]);
  }
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function pyzmqMissing(): string | undefined {
  const r = spawnSync(args.python!, ['-c', 'import zmq, sys; sys.exit(0 if zmq.has("curve") else 3)'], {
    encoding: 'utf8',
  });
  if (r.status === 0) return undefined;
  return r.status === 3
    ? `${args.python}'s libzmq has no CURVE`
    : `${args.python} cannot import zmq (set --python or PATCHBAY_PYTHON)`;
}

async function main(): Promise<number> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-curve-'));
  const sodium = sodiumAlone();
  try {
    rows.push(await compare('zeromq.js PUSH→PULL', (mode) => raw('zeromq.js', mode)));
    const why = pyzmqMissing();
    if (why) skipped.push(`pyzmq: ${why}`);
    else rows.push(await compare('pyzmq PUSH→PULL', (mode) => raw('pyzmq', mode)));
    const files = await prepareGraphs(dir);
    rows.push(await compare('patchbay two halves', (mode) => graph(files[mode])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const mach = machine(args.python!);
  process.stdout.write(
    `\nCURVE vs plain, 1 MiB frames over tcp://127.0.0.1, two processes; medians of ${REPS} runs in turns (raw: ${RAW_FRAMES} messages timed after ${RAW_WARMUP}; patchbay: ${GRAPH_INTERVALS} s of stats lines once frames flow)\n`,
  );
  process.stdout.write(`${table(rows)}\n`);
  if (typeof sodium === 'string') skipped.push(`libsodium alone: ${sodium}`);
  else
    process.stdout.write(
      `libsodium ${sodium.version} alone, 1 MiB, one thread (crypto_box_easy_afternm, as libzmq calls it): seal ${sodium.sealMs.toFixed(2)} ms, open ${sodium.openMs.toFixed(2)} ms of CPU\n`,
    );
  for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
  process.stdout.write(
    `${mach.cores} cores (${mach.cpu}), Node ${mach.node}, zeromq.js ${mach.zeromqJs}, zeromq.js libzmq ${zmq.version}, Python ${mach.python}\n`,
  );
  const command = `node bin/run-ts.js bench/curve.ts ${process.argv.slice(2).join(' ')}`.trim();
  mkdirSync(join(args.out!, '..'), { recursive: true });
  writeFileSync(
    args.out!,
    JSON.stringify(
      {
        command,
        date: new Date().toISOString(),
        machine: mach,
        libzmq: zmq.version,
        reps: REPS,
        rawFrames: RAW_FRAMES,
        rawWarmup: RAW_WARMUP,
        graphIntervals: GRAPH_INTERVALS,
        bytes: BYTES,
        skipped,
        sodium,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`results: ${args.out}\n`);
  return 0;
}

process.exitCode = await main();
