/**
 * Child processes measured the way `time` measures them: CPU (user + system) and peak
 * memory (max RSS) from the kernel's rusage of each child, through GNU time's -f/-o, so the
 * figure covers every thread of the child (Piscina workers included) and nothing of ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** True when GNU time is there to account CPU and memory; without it those columns read n/a. */
export const canMeasure = existsSync(GNU_TIME);

export interface ProcResult {
  /** What was run, for the report. */
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Seconds from spawn to exit. */
  wallS: number;
  /** User + system CPU seconds of the child, or undefined without GNU time. */
  cpuS?: number;
  /** Peak resident memory of the child in kB, or undefined without GNU time. */
  maxRssKb?: number;
  /** True when we had to stop it (timeout or teardown). */
  killed: boolean;
}

export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<ProcResult>;
  /** SIGTERM to the child's process group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): void;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Stop the child after this long (ms); its result then says killed. */
  timeoutMs?: number;
}

/** Starts `cmd args` under GNU time (when present) in its own process group. */
export function spawnMeasured(cmd: string, args: string[], opts: SpawnOptions = {}): Running {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-'));
  const timeFile = join(dir, 'rusage');
  const argv = canMeasure ? [GNU_TIME, '-f', '%U %S %M', '-o', timeFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  // detached: its own process group, so stop() reaches the program under `time` too.
  const child = spawn(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  let forceTimer: NodeJS.Timeout | undefined;

  const stop = (graceMs = 3000): void => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    killed = true;
    signalGroup(child.pid, 'SIGTERM');
    forceTimer ??= setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
  };
  if (opts.timeoutMs) timer = setTimeout(() => stop(), opts.timeoutMs);

  const done = new Promise<ProcResult>((resolve) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(forceTimer);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const usage = readUsage(timeFile);
      rmSync(dir, { recursive: true, force: true });
      // GNU time exits with the child's status, or reports the signal in its output file.
      resolve({ command: [cmd, ...args].join(' '), code, signal, stdout, stderr, wallS, ...usage, killed });
    });
  });
  return { child, done, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group has already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function readUsage(file: string): { cpuS?: number; maxRssKb?: number } {
  if (!existsSync(file)) return {};
  // A killed child makes GNU time write "Command terminated by signal N" before the figures.
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
  if (!m) return {};
  return { cpuS: Number(m[1]) + Number(m[2]), maxRssKb: Number(m[3]) };
}

/** The JSON objects among a program's output lines (other lines are ignored). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      out.push(JSON.parse(s) as Record<string, unknown>);
    } catch (err) {
      // A line that starts like JSON but is not: progress output cut short. Not a result line.
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return out;
}
