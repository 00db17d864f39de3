import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleOf } from './bundle.mjs';

/**
 * Options that let a Piscina pool load a TypeScript task file, whether the parent runs
 * under tsx (the CLI), vitest, or anything else: its JavaScript bundle (bundle.mjs), or,
 * when none can be made or `tsx` is asked for (a task that imports users' TypeScript), the
 * file itself with tsx's loader. (Piscina's own JavaScript entry imports the task file, so
 * the loader is in place by then.)
 */
export async function workerOptions(
  file: URL,
  { tsx = false }: { tsx?: boolean } = {},
): Promise<{ filename: string; execArgv: string[] }> {
  const bundled = tsx ? undefined : await bundleOf(file);
  if (bundled) return { filename: pathToFileURL(bundled).href, execArgv: [] };
  return { filename: file.href, execArgv: ['--import', import.meta.resolve('tsx')] };
}

/**
 * A plain worker thread running a TypeScript entry file: its JavaScript bundle, or, when none
 * can be made, the file through tsx. On Node 20 a `new Worker` on a .ts file fails ("Unknown
 * file extension") even with tsx in execArgv, so a small JavaScript bootstrap registers tsx
 * inside the thread first. Modules named in `preload` are imported before tsx: large plain-JS
 * dependencies (h5wasm's 4 MB) load in 0.1 s that way instead of 1.5 s through tsx's transform.
 */
export async function startTsWorker(entry: URL, preload: string[] = []): Promise<Worker> {
  const bundled = await bundleOf(entry);
  if (bundled) return new Worker(bundled);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const q = JSON.stringify;
  const boot =
    `Promise.all(${q(preload)}.map((m) => import(m)))` +
    `.then(() => import(${q(tsxApi)}))` +
    `.then((tsx) => { tsx.register(); return import(${q(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}
