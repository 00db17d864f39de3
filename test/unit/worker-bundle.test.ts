/**
 * Worker threads run a JavaScript bundle of their TypeScript entry (runtime/util/bundle.mjs):
 * no tsx in the thread, each module keeping its own import.meta.url, and the bundle made again
 * when a source file changes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, expect, test } from 'vitest';
import { startTsWorker } from '../../runtime/util/ts-worker.ts';
import { bundleOf } from '../../runtime/util/bundle.mjs';

const FIXTURE = fileURLToPath(new URL('../fixtures/worker-bundle/', import.meta.url));
// A copy to change, inside the project (as node types are), so packages resolve as they would.
// Always the same name, so its bundle is made again in place rather than left beside the others.
const dir = path.join(FIXTURE, '..', 'worker-bundle-copy');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['entry.ts', 'helper.ts', 'beside.txt']) copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
const entry = pathToFileURL(path.join(dir, 'entry.ts'));

function firstMessage(w: Worker): Promise<{ url: string; beside: string; execArgv: string[]; version: number }> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('a worker runs the bundle: no tsx loader, and its modules find the files beside their sources', async () => {
  const w = await startTsWorker(entry);
  const said = await firstMessage(w);
  await w.terminate();
  expect(said.url).toBe(pathToFileURL(path.join(dir, 'helper.ts')).href);
  expect(said.beside).toBe('found beside the helper');
  expect(said.execArgv.join(' ')).not.toMatch(/tsx/);
  expect(await bundleOf(entry)).toMatch(/\.mjs$/);
});

test('a bundled process makes its bundles in the project’s cache, not in one inside the cache', async () => {
  // runtime/util/ts-worker.ts bundled carries bundle.mjs, which finds the cache from its own URL.
  const tsWorker = await bundleOf(new URL('../../runtime/util/ts-worker.ts', import.meta.url));
  expect(tsWorker).toMatch(/\.mjs$/);
  const script = `
    const { workerOptions } = await import(${JSON.stringify(pathToFileURL(tsWorker!).href)});
    console.log(JSON.stringify((await workerOptions(new URL(${JSON.stringify(entry.href)}))).filename));
  `;
  const made = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  expect(fileURLToPath(made)).toBe(await bundleOf(entry));
});

test('a changed source file makes the bundle again', async () => {
  const bundle = await bundleOf(entry);
  const run = async () => {
    const w = await startTsWorker(entry);
    const said = await firstMessage(w);
    await w.terminate();
    return said.version;
  };
  expect(await run()).toBe(1);
  const helper = path.join(dir, 'helper.ts');
  writeFileSync(helper, readFileSync(helper, 'utf8').replace('VERSION = 1', 'VERSION = 22'));
  expect(await run()).toBe(22);
  expect(await bundleOf(entry)).toBe(bundle);
});

test('a bundle whose file is gone is made again, whatever its stamp says', async () => {
  const bundle = (await bundleOf(entry))!;
  rmSync(bundle);
  expect(await bundleOf(entry)).toBe(bundle);
  expect(readFileSync(bundle, 'utf8')).toContain('besideMe');
});

/**
 * A process asks for the bundle of the copy's entry, then says whether esbuild's API was loaded
 * (a package imported from ESM through CommonJS, as esbuild is, lands in the require cache).
 */
function esbuildLoadedBy(): boolean {
  const script = `
    import { createRequire } from 'node:module';
    const { bundleOf } = await import(${JSON.stringify(new URL('../../runtime/util/bundle.mjs', import.meta.url).href)});
    if (!(await bundleOf(new URL(${JSON.stringify(entry.href)})))) throw new Error('no bundle');
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(cache.some((k) => k.includes('/node_modules/esbuild/')));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

test('esbuild is loaded only when a bundle has to be made, not where it is fresh', async () => {
  await bundleOf(entry);
  // Fresh: the stamp is read and the bundle used (esbuild's API: about 10 MB of a run's peak RSS).
  expect(esbuildLoadedBy()).toBe(false);
  const helper = path.join(dir, 'helper.ts');
  writeFileSync(helper, readFileSync(helper, 'utf8') + '\n');
  expect(esbuildLoadedBy()).toBe(true);
  expect(esbuildLoadedBy()).toBe(false);
});
