/**
 * The three pipelines of the course, each run two ways: as a patchbay graph
 * (bench/graphs/<pattern>.yaml through patchbay's executor) and as the course's Python
 * programs (bench/python/course_*.py), with the course's pickles or patchbay's wire format.
 * The graph is the truth: frame size, frame count, workers, high-water mark and camera rate
 * are read from it, so both sides always move the same frames through the same pattern.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument, type Document } from 'yaml';
import { bundleOf } from '../../runtime/util/bundle.mjs';
import { jsonLines, spawnMeasured, type ProcResult, type Running } from './proc.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PYTHON_DIR = join(ROOT, 'bench/python');
export const GRAPH_DIR = join(ROOT, 'bench/graphs');

/** The node flags the `patchbay` command runs with (its shebang): patchbay's side runs with them too. */
export function cliNodeFlags(): string[] {
  const first = readFileSync(join(ROOT, 'bin/patchbay.js'), 'utf8').split('\n')[0];
  return first
    .replace(/^#!.*?\bnode\b/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

export const PATTERNS = ['reqrep', 'pushpull', 'pubsub'] as const;
export type Pattern = (typeof PATTERNS)[number];
export const SIDES = ['patchbay', 'patchbay-f32', 'course', 'fast'] as const;
/**
 * patchbay: the graph as written (FFT precision exact: float64, equal to numpy's);
 * patchbay-f32: the same graph with the FFT nodes' precision fast (float32), where it has FFT nodes;
 * course: Python with pickled numpy arrays; fast: Python with patchbay's wire format.
 */
export type Side = (typeof SIDES)[number];

/** What one pattern moves, read from its graph (then overridden by the command line). */
export interface PatternConfig {
  pattern: Pattern;
  frames: number;
  width: number;
  height: number;
  /** FFT workers between ventilator and sink (pushpull). */
  workers: number;
  /** High-water mark of the data sockets, in messages. */
  hwm: number;
  /** Camera rate in Hz; 0 is as fast as possible. */
  fps: number;
  /** Where this run's files go (HDF5 output, the graph with its overrides). */
  outDir: string;
  /**
   * Run patchbay's graphs with every tcp endpoint turned into an inproc one (the same sockets,
   * no loopback TCP): what the graphs would cost if no outside program had to join them.
   */
  inproc?: boolean;
  /** First port of the Python side's endpoints (5600–5699). */
  portBase: number;
  timeoutMs: number;
  python: string;
}

/** One measured line of the table: what reached one consumer, over how long. */
export interface Delivery {
  /** Which consumer: "client", "sink", "recorder", "fft". */
  consumer: string;
  sent: number;
  received: number;
  lost: number;
  seconds: number;
}

export interface SideRun {
  pattern: Pattern;
  side: Side;
  /** A pass of the pattern run another way (main's --tmpfs: "in tmpfs"), its consumers so named. */
  label?: string;
  ok: boolean;
  /** Why the run failed or could not run, for the table and the report. */
  problem?: string;
  /** The pattern's consumers; the first is the one the ratio is taken on. */
  deliveries: Delivery[];
  /** User + system CPU seconds over every process of the side. */
  cpuS?: number;
  /** Sum over the side's processes of each one's peak RSS, MB (1e6 bytes). */
  rssMb?: number;
  /** Seconds from the first spawn to the last exit, start-up included. */
  wallS: number;
  frameBytes: number;
  /** Every process's result line (Python) or the run summary (patchbay). */
  raw: unknown[];
}

export function graphPath(pattern: Pattern): string {
  return join(GRAPH_DIR, `${pattern}.yaml`);
}

function loadDoc(pattern: Pattern): Document {
  const doc = parseDocument(readFileSync(graphPath(pattern), 'utf8'));
  if (doc.errors.length) throw new Error(`${graphPath(pattern)}: ${doc.errors[0].message}`);
  return doc;
}

type NodesJson = Record<string, { type: string; params?: Record<string, unknown> }>;

function nodesOf(doc: Document): NodesJson {
  return (doc.toJS() as { nodes: NodesJson }).nodes;
}

function nodesOfType(nodes: NodesJson, type: string): string[] {
  return Object.keys(nodes).filter((id) => nodes[id].type === type);
}

/** True when the pattern's graph has FFT nodes (so patchbay-f32 differs from patchbay). */
export function hasFft(pattern: Pattern): boolean {
  return nodesOfType(nodesOf(loadDoc(pattern)), 'FFT').length > 0;
}

/** The pattern's figures as its graph sets them. */
export function configFromGraph(
  pattern: Pattern,
): Omit<PatternConfig, 'outDir' | 'portBase' | 'timeoutMs' | 'python' | 'inproc'> {
  const nodes = nodesOf(loadDoc(pattern));
  const camera = nodes[nodesOfType(nodes, 'Camera')[0]]?.params ?? {};
  const socketIds = [...nodesOfType(nodes, 'Push'), ...nodesOfType(nodes, 'Publish')];
  const hwm = socketIds.length ? Number(nodes[socketIds[0]].params?.hwm ?? 4) : 4;
  return {
    pattern,
    // REQ/REP: the client's request count (its camera runs until stopped).
    frames: Number(nodes[nodesOfType(nodes, 'Request')[0]]?.params?.frames ?? camera.frames ?? 200),
    width: Number(camera.width ?? 1024),
    height: Number(camera.height ?? 1024),
    workers: Math.max(1, nodesOfType(nodes, 'FFT').length),
    hwm,
    fps: Number(camera.fps ?? 0),
  };
}

// ---- patchbay's side -----------------------------------------------------------------

/** Why patchbay's side cannot run in this tree, or undefined when it can. */
export function patchbayRunnable(): string | undefined {
  if (!existsSync(join(ROOT, 'runtime/exec/executor.ts')))
    return 'runtime/exec/executor.ts (the executor) is not there yet';
  return undefined;
}

/** Writes the graph with this run's frame count, size and output files; returns its path. */
export function prepareGraph(cfg: PatternConfig, precision?: 'exact' | 'fast'): string {
  const doc = loadDoc(cfg.pattern);
  const nodes = nodesOf(doc);
  for (const [id, node] of Object.entries(nodes)) {
    const set = (param: string, value: unknown): void => {
      doc.setIn(['nodes', id, 'params', param], value);
    };
    if (node.type === 'Camera') {
      // REQ/REP: the camera runs until the client has its replies (see runPatchbay).
      set('frames', cfg.pattern === 'reqrep' ? 0 : cfg.frames);
      set('width', cfg.width);
      set('height', cfg.height);
      set('fps', cfg.fps);
    }
    if (node.type === 'Request') set('frames', cfg.frames);
    if (node.type === 'HDF5Sink') set('file', join(cfg.outDir, `patchbay-${cfg.pattern}-${id}.h5`));
    if (['Push', 'Pull', 'Publish', 'Subscribe'].includes(node.type)) set('hwm', cfg.hwm);
    if (node.type === 'FFT' && precision) set('precision', precision);
    const endpoint = node.params?.endpoint;
    if (cfg.inproc && typeof endpoint === 'string')
      set('endpoint', endpoint.replace(/^tcp:\/\/[^:]+:(\d+)$/, 'inproc://bench-$1'));
  }
  mkdirSync(cfg.outDir, { recursive: true });
  const file = join(cfg.outDir, `${cfg.pattern}${precision ? `-${precision}` : ''}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

interface SummaryJson {
  ok: boolean;
  exitCode: number;
  durationMs: number;
  lost?: number;
  failures: { node: string; code: string; message: string }[];
  stats: { nodes: Record<string, { framesIn: number; framesOut: number; dropped: number }> };
}

interface TimingJson {
  type: 'bench';
  summary: SummaryJson;
  firstFrameMs?: number;
  lastInMs: Record<string, number>;
  endMs: number;
}

/**
 * Runs the pattern's graph through the executor that `patchbay run` uses (bench/lib/run-graph.ts)
 * and reads its summary and timings.
 */
export async function runPatchbay(
  cfg: PatternConfig,
  side: 'patchbay' | 'patchbay-f32' = 'patchbay',
): Promise<SideRun> {
  const frameBytes = cfg.width * cfg.height * 2;
  const base = { pattern: cfg.pattern, side, frameBytes, deliveries: [] as Delivery[] };
  const why = patchbayRunnable();
  if (why) return { ...base, ok: false, problem: why, wallS: 0, raw: [] };
  const graph = prepareGraph(cfg, side === 'patchbay-f32' ? 'fast' : undefined);
  const stopWhen = cfg.pattern === 'reqrep' ? ['--stop-when', `recorder=${cfg.frames}`] : [];
  // As `patchbay run` runs: a bundle (bin/patchbay.js), through tsx only where none can be made.
  const runner = join(ROOT, 'bench/lib/run-graph.ts');
  const bundled = await bundleOf(pathToFileURL(runner));
  const proc = await spawnMeasured(
    process.execPath,
    [...cliNodeFlags(), ...(bundled ? [bundled] : [join(ROOT, 'bin/run-ts.js'), runner]), graph, ...stopWhen],
    {
      cwd: ROOT,
      timeoutMs: cfg.timeoutMs,
    },
  ).done;
  const timing = jsonLines(proc.stdout).find((o) => o.type === 'bench') as TimingJson | undefined;
  const measured = {
    cpuS: proc.cpuS,
    rssMb: proc.maxRssKb === undefined ? undefined : (proc.maxRssKb * 1024) / 1e6,
    wallS: proc.wallS,
  };
  if (!timing)
    return {
      ...base,
      ...measured,
      ok: false,
      problem: describeFailure(proc, 'no run summary'),
      raw: [proc.stdout.slice(-2000)],
    };

  const { summary } = timing;
  const n = summary.stats.nodes;
  const sent = n.camera?.framesOut ?? 0;
  const got = (id: string): number => n[id]?.framesIn ?? 0;
  // Like the Python programs: from the camera's first frame to the consumer's last one.
  const seconds = (id: string): number =>
    timing.firstFrameMs !== undefined && timing.lastInMs[id] !== undefined
      ? (timing.lastInMs[id] - timing.firstFrameMs) / 1000
      : summary.durationMs / 1000;
  const deliveries: Delivery[] = [];
  // The Reply node answers with the latest frame, never the same one twice: frames the camera
  // made between two requests are replaced by design, not lost. The client asks for `frames`
  // replies and must get every one, as the Python client must.
  if (cfg.pattern === 'reqrep')
    deliveries.push({
      ...delivery('client', cfg.frames, got('recorder'), seconds('recorder')),
      lost: Math.max(0, cfg.frames - got('recorder')) + (summary.lost ?? 0),
    });
  if (cfg.pattern === 'pushpull') deliveries.push(delivery('sink', sent, got('recorder'), seconds('recorder')));
  if (cfg.pattern === 'pubsub')
    deliveries.push(
      delivery('recorder', sent, got('recorder'), seconds('recorder')),
      delivery('fft', sent, got('spectra'), seconds('spectra')),
    );
  const problems = summary.failures.map((f) => `${f.node}: ${f.code}`);
  if (summary.lost) problems.push(`${summary.lost} frames lost on lossless links`);
  if (timing.firstFrameMs === undefined) problems.push('no frame left the camera');
  return {
    ...base,
    ...measured,
    ok: problems.length === 0 && !proc.killed,
    problem: problems.length ? problems.join('; ') : proc.killed ? 'stopped after the time limit' : undefined,
    deliveries,
    raw: [timing],
  };
}

function delivery(consumer: string, sent: number, received: number, seconds: number): Delivery {
  return { consumer, sent, received, lost: Math.max(0, sent - received), seconds };
}

function describeFailure(proc: ProcResult, what: string): string {
  const tail = proc.stderr.trim().split('\n').slice(-3).join(' | ');
  const end = proc.killed ? 'stopped after the time limit' : `exit ${proc.code ?? proc.signal}`;
  return `${what} (${end})${tail ? `: ${tail}` : ''}`;
}

// ---- the course's Python side ---------------------------------------------------------

interface PyProc {
  /** Role name in the report. */
  role: string;
  script: string;
  args: string[];
  /** The pipeline is over when every `final` process has exited; the others are then sent home. */
  final: boolean;
}

const tcp = (port: number): string => `tcp://127.0.0.1:${port}`;

/** The processes of one Python pipeline, consumers first (the order they are started). */
export function pythonProcesses(cfg: PatternConfig, mode: 'course' | 'fast'): PyProc[] {
  const common = [
    '--mode',
    mode,
    '--frames',
    String(cfg.frames),
    '--width',
    String(cfg.width),
    '--height',
    String(cfg.height),
    '--hwm',
    String(cfg.hwm),
    '--timeout',
    String(Math.ceil(cfg.timeoutMs / 2000)),
  ];
  const p = cfg.portBase;
  if (cfg.pattern === 'reqrep') {
    const ep = ['--endpoint', tcp(p + 10)];
    return [
      { role: 'server', script: 'course_reqrep_server.py', args: [...common, ...ep], final: true },
      { role: 'client', script: 'course_reqrep_client.py', args: [...common, ...ep], final: true },
    ];
  }
  if (cfg.pattern === 'pushpull') {
    const vent = tcp(p + 20),
      sink = tcp(p + 21),
      sync = tcp(p + 22),
      control = tcp(p + 23);
    const workers = Array.from({ length: cfg.workers }, (_, i): PyProc => ({
      role: `worker${i + 1}`,
      script: 'course_worker.py',
      args: [...common, '--ventilator', vent, '--sink', sink, '--sync', sync, '--control', control],
      final: false,
    }));
    return [
      {
        role: 'sink',
        script: 'course_sink.py',
        args: [...common, '--workers', String(cfg.workers), '--endpoint', sink, '--sync', sync, '--control', control],
        final: true,
      },
      ...workers,
      {
        role: 'ventilator',
        script: 'course_ventilator.py',
        args: [...common, '--workers', String(cfg.workers), '--endpoint', vent, '--sync', sync],
        final: true,
      },
    ];
  }
  const pub = tcp(p + 30),
    sync = tcp(p + 31);
  const sub = ['--publisher', pub, '--sync', sync];
  return [
    { role: 'fft', script: 'course_fft_subscriber.py', args: [...common, ...sub], final: true },
    {
      role: 'recorder',
      script: 'course_hdf5_subscriber.py',
      args: [...common, ...sub, '--file', join(cfg.outDir, `python-${mode}-pubsub.h5`)],
      final: true,
    },
    {
      role: 'publisher',
      script: 'course_publisher.py',
      args: [...common, '--subscribers', '2', '--fps', String(cfg.fps), '--endpoint', pub, '--sync', sync],
      final: true,
    },
  ];
}

/** Runs one Python pipeline: every process measured, the table's figures from the consumers' lines. */
export async function runPython(cfg: PatternConfig, mode: 'course' | 'fast'): Promise<SideRun> {
  const frameBytes = cfg.width * cfg.height * 2;
  mkdirSync(cfg.outDir, { recursive: true });
  const t0 = process.hrtime.bigint();
  const specs = pythonProcesses(cfg, mode);
  const running: Running[] = specs.map((s) =>
    spawnMeasured(cfg.python, [join(PYTHON_DIR, s.script), ...s.args], { cwd: PYTHON_DIR, timeoutMs: cfg.timeoutMs }),
  );
  const finals = running.filter((_, i) => specs[i].final);
  await Promise.all(finals.map((r) => r.done));
  // Workers leave on the sink's signal; one that missed it is sent home after a moment.
  const grace = setTimeout(() => running.forEach((r) => r.stop()), 5000);
  const results = await Promise.all(running.map((r) => r.done));
  clearTimeout(grace);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;

  const lines = new Map<string, Record<string, unknown>>();
  const problems: string[] = [];
  results.forEach((res, i) => {
    const line = jsonLines(res.stdout).pop();
    if (line) lines.set(specs[i].role, line);
    if (!line || 'error' in line || (res.code !== 0 && specs[i].final))
      problems.push(`${specs[i].role}: ${line?.error ?? describeFailure(res, 'no result line')}`);
  });
  const fromLine = (consumer: string, role: string): Delivery | undefined => {
    const l = lines.get(role);
    if (!l || typeof l.frames_received !== 'number') return undefined;
    return delivery(consumer, Number(l.frames_sent), Number(l.frames_received), Number(l.seconds));
  };
  const wanted: [string, string][] =
    cfg.pattern === 'reqrep'
      ? [['client', 'client']]
      : cfg.pattern === 'pushpull'
        ? [['sink', 'sink']]
        : [
            ['recorder', 'recorder'],
            ['fft', 'fft'],
          ];
  const deliveries = wanted.map(([c, r]) => fromLine(c, r)).filter((d): d is Delivery => d !== undefined);
  const sum = (f: (r: ProcResult) => number | undefined): number | undefined =>
    results.every((r) => f(r) !== undefined) ? results.reduce((a, r) => a + f(r)!, 0) : undefined;
  const rssKb = sum((r) => r.maxRssKb);
  return {
    pattern: cfg.pattern,
    side: mode,
    ok: problems.length === 0 && deliveries.length === wanted.length,
    problem: problems.length ? problems.join('; ') : undefined,
    deliveries,
    cpuS: sum((r) => r.cpuS),
    rssMb: rssKb === undefined ? undefined : (rssKb * 1024) / 1e6,
    wallS,
    frameBytes,
    raw: specs.map((s) => ({ role: s.role, ...lines.get(s.role) })),
  };
}
