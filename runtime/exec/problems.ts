/**
 * Failures and warnings of a run: reported with the node and a code, counted per node and
 * reason, each warning shown once per node and code.
 */
import { errorCode, type ExecError } from './errors.ts';
import type { Runner } from './run-state.ts';
import type { NodeFailure } from './types.ts';

export class Problems {
  readonly failures: NodeFailure[] = [];

  constructor(private readonly emit: (event: 'failure' | 'warning', f: NodeFailure) => void) {}

  /** A failure: it makes the run's exit code non-zero. */
  report(r: Runner | undefined, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const node = r?.node.id ?? (e as ExecError).node ?? '';
    const failure: NodeFailure = { node, code: errorCode(e), message: err.message };
    if (r) r.state = 'failed';
    this.failures.push(failure);
    this.emit('failure', failure);
  }

  /** A stage's io.warn: counted in its errors, shown once per code. */
  warn(r: Runner, e: Error): void {
    r.stats.errors++;
    this.count(r, e);
  }

  /** A message the executor could not take for this node: counted with its reason, shown once per reason. */
  refuse(r: Runner, e: Error): void {
    r.flow.errors++;
    this.count(r, e);
  }

  /** Something to say once that is no error (frames let go after a node's limit): counted by reason only. */
  note(r: Runner, e: Error, n = 1): void {
    this.count(r, e, n);
  }

  private count(r: Runner, e: Error, n = 1): void {
    const code = errorCode(e);
    r.refused.set(code, (r.refused.get(code) ?? 0) + n);
    if (r.warned.has(code)) return;
    r.warned.add(code);
    this.emit('warning', { node: r.node.id, code, message: e.message });
  }
}
