import { spawn, spawnSync } from 'node:child_process';

export interface Child {
  /** Resolves with the first complete stdout line (seen so far or still to come) that satisfies `pred`. */
  line(pred: (l: string) => boolean): Promise<string>;
  /** The same for stderr. */
  errLine(pred: (l: string) => boolean): Promise<string>;
  /** Sends the process a signal (a test's Ctrl-C). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited and its streams are closed. */
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Calls back the waiters whose line has come, on a stream collected as text. */
class Lines {
  text = '';
  private readonly waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  add(chunk: string): void {
    this.text += chunk;
    this.check();
  }

  wait(pred: (l: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      this.waiters.push({ pred, resolve });
      this.check();
    });
  }

  private check(): void {
    // Complete lines only: the last one may still be arriving.
    const lines = this.text.split('\n').slice(0, -1);
    for (const w of [...this.waiters]) {
      const hit = lines.find(w.pred);
      if (hit === undefined) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(hit);
    }
  }
}

/** Starts a process with its stdout and stderr collected, for tests that talk to real programs. */
export function start(cmd: string, args: string[], options: { cwd?: string } = {}): Child {
  const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new Lines();
  const err = new Lines();
  child.stdout.on('data', (d) => out.add(String(d)));
  child.stderr.on('data', (d) => err.add(String(d)));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out.text, stderr: err.text }));
  });
  return {
    line: (pred) => out.wait(pred),
    errLine: (pred) => err.wait(pred),
    kill: (signal) => void child.kill(signal),
    exit,
  };
}

/** Runs a command to its end; throws with the command and its stderr when it fails. */
export function runSync(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}
