/**
 * What the fault tests share: the real CLI on a graph written to a temporary folder, its
 * --json lines, and pyzmq peers from test/faults/fixtures.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, type Child } from '../helpers/child.ts';
import { PYTHON } from '../helpers/env.ts';
import type { RunSummary, StatsSnapshot } from '../../runtime/exec/types.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

/** A measured figure for docs/reliability.md: `npx vitest run test/faults | grep figure:` lists them. */
export function figure(text: string): void {
  process.stdout.write(`figure: ${text}\n`);
}

/** A fresh folder for one test's graph and files. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'patchbay-fault-'));
}

/** Writes `yaml` as DIR/graph.yaml and returns its path. */
export function graphFile(dir: string, yaml: string, name = 'graph.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** `patchbay run FILE --json ...` in `cwd`, as a user would start it. */
export function patchbayRun(file: string, cwd: string, ...flags: string[]): Child {
  return start(process.execPath, [BIN, 'run', file, '--json', ...flags], { cwd });
}

/** `patchbay plan FILE`, its output once it exits. */
export async function patchbayPlan(file: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return start(process.execPath, [BIN, 'plan', file], { cwd }).exit;
}

/** The summary line of a --json run's output. */
export function summaryOf(stdout: string): RunSummary {
  const line = stdout.split('\n').find((l) => l.startsWith('{"type":"summary"'));
  if (!line) throw new Error(`no summary in the run's output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as RunSummary;
}

/** A stats line of a --json run that satisfies `pred`. */
export async function statsWhere(run: Child, pred: (s: StatsSnapshot) => boolean): Promise<StatsSnapshot> {
  const line = await run.line((l) => l.startsWith('{"type":"stats"') && pred(JSON.parse(l) as StatsSnapshot));
  return JSON.parse(line) as StatsSnapshot;
}

/** A Python peer from test/faults/fixtures (Debian's python3 with pyzmq). */
export function pythonPeer(script: string, ...args: string[]): Child {
  return start(PYTHON, [fileURLToPath(new URL(`fixtures/${script}`, import.meta.url)), ...args]);
}
