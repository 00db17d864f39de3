/**
 * docs/placement.md is true to what runs: its sample plan is what `plan --host` prints, and
 * every patchbay command in its sh blocks runs (in a copy of the graphs folder: keys and units
 * are written there) with exit code 0. Its `run` commands start long runs: they are dispatched
 * with --help here, and run for real, on two network namespaces, by test/faults/two-hosts.test.ts.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-main.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/placement.md'), 'utf8');

describe('docs/placement.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-placement-'));
  afterAll(() => {
    process.chdir(root);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the sample plan is what plan --host prints', async () => {
    process.chdir(root);
    const sample = /```text\n\$ patchbay plan graphs\/two-hosts\.yaml --host analysis-pc\n([\s\S]*?)```/.exec(doc);
    expect(sample).not.toBeNull();
    expect((await cli('plan', 'graphs/two-hosts.yaml', '--host', 'analysis-pc')).out).toBe(sample![1]);
  });

  it('every patchbay command of its sh blocks runs, exit 0', async () => {
    cpSync(join(root, 'graphs/two-hosts.yaml'), join(dir, 'graphs/two-hosts.yaml'));
    process.chdir(dir);
    const commands = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1].split('\n'))
      .map((l) => l.trim())
      .filter((l) => l.startsWith('patchbay '));
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const line of commands) {
      const argv = line.split(/\s+/).slice(1);
      const r = await cli(...(argv[0] === 'run' ? ['run', '--help'] : argv));
      expect(r.code, `${line}\n${r.err}`).toBe(0);
    }
    expect(existsSync('graphs/keys/camera-pc.key_secret')).toBe(true);
    expect(existsSync('units/patchbay-two-hosts-camera-pc.service')).toBe(true);
  });
});
