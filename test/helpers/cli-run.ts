/**
 * `patchbay run --json` as a user starts it, for tests that watch a real run from outside:
 * its JSON lines timed as they arrive, stats awaited by predicate, the summary at its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunSummary, StatsSnapshot } from '../../runtime/exec/types.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

/** One --json line of `patchbay run`, with when this process read it (ms, Date.now()). */
export interface TimedLine {
  at: number;
  json: ({ type: 'stats' } & StatsSnapshot) | ({ type: 'summary' } & RunSummary);
}

/** `patchbay run GRAPH --json` as a user starts it, its JSON lines timed as they arrive. */
export interface CliRun {
  readonly pid: number;
  readonly lines: TimedLine[];
  /** The first stats line (already read or still to come) that satisfies `pred`. */
  stats(pred: (s: StatsSnapshot) => boolean): Promise<StatsSnapshot>;
  /** The first stderr line (already written or still to come) that satisfies `pred`. */
  stderrLine(pred: (l: string) => boolean): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  /** Exit code (null when killed), stderr, and the summary line when the run printed one. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; summary?: RunSummary }>;
}

/** Resolves, in the order they came, and drops the waiters whose predicate `value` meets. */
function wake<T>(waiters: { pred: (v: T) => boolean; resolve: (v: T) => void }[], value: T): void {
  for (const w of [...waiters]) {
    if (!w.pred(value)) continue;
    waiters.splice(waiters.indexOf(w), 1);
    w.resolve(value);
  }
}

const running = new Set<ChildProcess>();

/** Kills every run runCli started that is still going (a test that failed half-way leaves one). */
export function killRuns(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * A graph whose Subscribe binds tcp://127.0.0.1:PORT, so any number of publishers may dial it,
 * and records the frames of topic camera_frame into `file` (group run).
 */
export const collectorGraph = (port: number, file: string) => `patchbay: 1
name: collector
nodes:
  listen: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:${port}", bind: true, topics: [camera_frame]}}
  recorder: {type: HDF5Sink, params: {file: ${file}, group: run}}
links:
  - listen.out -> recorder.in
`;

/** `p`, or a failure saying `what` did not happen within `ms` (a run that would otherwise wait for ever). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `yaml` to DIR/NAME and starts `patchbay run NAME --json ...flags` on it, in DIR. */
export function runCli(dir: string, yaml: string, name = 'graph.yaml', ...flags: string[]): CliRun {
  return runCliOn([], dir, yaml, name, ...flags);
}

/** runCli under a command prefix (`ip netns exec NS`: the run on another host). */
export function runCliOn(prefix: string[], dir: string, yaml: string, name = 'graph.yaml', ...flags: string[]): CliRun {
  writeFileSync(path.join(dir, name), yaml);
  const argv = [process.execPath, BIN, 'run', name, '--json', ...flags];
  const [cmd, ...args] = [...prefix, ...argv];
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const lines: TimedLine[] = [];
  const waiters: {
    pred: (s: StatsSnapshot) => boolean;
    resolve: (s: StatsSnapshot) => void;
    reject: (e: Error) => void;
  }[] = [];
  let stderr = '';
  const errWaiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const errLines = () => stderr.split('\n').slice(0, -1);
  createInterface({ input: child.stderr }).on('line', (l) => {
    stderr += l + '\n';
    wake(errWaiters, l);
  });
  createInterface({ input: child.stdout }).on('line', (l) => {
    const line: TimedLine = { at: Date.now(), json: JSON.parse(l) };
    lines.push(line);
    const json = line.json;
    if (json.type !== 'stats') return;
    wake(waiters, json);
  });
  const exit = new Promise<Awaited<CliRun['exit']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const summary = lines.find((l) => l.json.type === 'summary')?.json as RunSummary | undefined;
      for (const w of waiters.splice(0))
        w.reject(new Error(`the run ended (${code ?? signal}) before the stats awaited:\n${stderr}`));
      resolve({ code, signal, stderr, summary });
    });
  });
  return {
    pid: child.pid!,
    lines,
    stats(pred) {
      for (const l of lines) if (l.json.type === 'stats' && pred(l.json)) return Promise.resolve(l.json);
      if (child.exitCode !== null || child.signalCode !== null)
        return Promise.reject(new Error(`the run has ended:\n${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
    stderrLine(pred) {
      const hit = errLines().find(pred);
      return hit !== undefined ? Promise.resolve(hit) : new Promise((resolve) => errWaiters.push({ pred, resolve }));
    },
    kill: (signal) => void child.kill(signal),
    exit,
  };
}
