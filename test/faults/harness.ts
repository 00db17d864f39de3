/**
 * What the fault tests share: the real CLI on a graph written to a temporary folder
 * (`runCli`, also the HDF5 tests'), `patchbay plan`, pyzmq peers from test/faults/fixtures,
 * and the figures docs/reliability.md quotes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, type Child } from '../helpers/child.ts';
import { PYTHON } from '../helpers/env.ts';

export { runCli, type CliRun } from '../helpers/cli-run.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

/** A measured figure for docs/reliability.md: `npx vitest run test/faults | grep figure:` lists them. */
export function figure(text: string): void {
  process.stdout.write(`figure: ${text}\n`);
}

/** A fresh folder for one test's graph and files. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'patchbay-fault-'));
}

/** Writes `yaml` as DIR/NAME and runs `patchbay plan` on it; its output once it exits. */
export async function patchbayPlan(
  dir: string,
  yaml: string,
  name = 'plan.yaml',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  writeFileSync(join(dir, name), yaml);
  return start(process.execPath, [BIN, 'plan', name], { cwd: dir }).exit;
}

/** A Python peer from test/faults/fixtures (Debian's python3 with pyzmq). */
export function pythonPeer(script: string, ...args: string[]): Child {
  return start(PYTHON, [fileURLToPath(new URL(`fixtures/${script}`, import.meta.url)), ...args]);
}
