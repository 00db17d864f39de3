import { spawn } from 'node:child_process';

export interface Child {
  /** Resolves with the first complete stdout line (seen so far or still to come) that satisfies `pred`. */
  line(pred: (l: string) => boolean): Promise<string>;
  /** Resolves when the process has exited and its streams are closed. */
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts a process with its stdout and stderr collected, for tests that talk to real programs. */
export function start(cmd: string, args: string[], options: { cwd?: string } = {}): Child {
  const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const check = () => {
    // Complete lines only: the last one may still be arriving.
    const lines = stdout.split('\n').slice(0, -1);
    for (const w of [...waiters]) {
      const hit = lines.find(w.pred);
      if (hit !== undefined) waiters.splice(waiters.indexOf(w), 1), w.resolve(hit);
    }
  };
  child.stdout.on('data', (d) => ((stdout += d), check()));
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    line: (pred) =>
      new Promise((resolve) => {
        waiters.push({ pred, resolve });
        check();
      }),
    exit,
  };
}
