/**
 * bin/patchbay.js runs the CLI as an esbuild bundle of runtime/cli/main.ts (made again when
 * a source changes: test/unit/worker-bundle.test.ts), or through tsx where none can be made.
 * Every CLI test runs the bundle; these check it can be made and answers as tsx does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleOf } from '../../runtime/util/bundle.mjs';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));
const MAIN = new URL('../../runtime/cli/main.ts', import.meta.url);

function patchbay(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI bundle', () => {
  it('can be made: every command is in it, by a fixed path (no import a bundle cannot follow)', async () => {
    const bundle = await bundleOf(MAIN);
    expect(bundle).toMatch(/\.mjs$/);
    const code = readFileSync(bundle!, 'utf8');
    for (const command of ['runCommand', 'editCommand', 'devicesCommand', 'validateCommand', 'nodesCommand'])
      expect(code).toContain(command);
    // A command loaded by a computed URL would be TypeScript imported at run time, which only tsx can load.
    expect(code).not.toMatch(/import\(new URL\(/);
  });

  it('answers as the CLI through tsx does (PATCHBAY_NO_BUNDLE=1)', () => {
    const bundled = patchbay(['nodes', '--json']);
    const tsx = patchbay(['nodes', '--json'], { PATCHBAY_NO_BUNDLE: '1' });
    expect(bundled.code).toBe(0);
    expect(tsx.code).toBe(0);
    expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(tsx.stdout));
    expect(bundled.stderr).toBe('');
  });

  it('loads Piscina only when a stage makes a pool, and yaml from inside the bundle, not from its 73 modules', async () => {
    // A package a module imports statically is imported at the top of the bundle, whether
    // the module's stage runs or not; the runtime's bundle is what `patchbay run` loads.
    const executor = await bundleOf(new URL('../../runtime/exec/executor.ts', import.meta.url));
    expect(executor).toMatch(/\.mjs$/);
    const script = `
      import { createRequire } from 'node:module';
      const { runGraph } = await import(${JSON.stringify(pathToFileURL(executor!).href)});
      if (typeof runGraph !== 'function') throw new Error('no runGraph');
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(['zeromq', 'piscina', 'yaml'].map((p) => cache.some((k) => k.includes('/node_modules/' + p + '/')))));
    `;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    );
    // zeromq: every run has sockets, and shows the check sees packages the bundle loads.
    expect(loaded).toEqual([true, false, false]);
    expect(readFileSync(executor!, 'utf8')).toContain('import("piscina")');
  });
});
