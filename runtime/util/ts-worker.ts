import { Worker } from 'node:worker_threads';

/**
 * Options that let a Piscina pool load a TypeScript task file, whether the parent runs
 * under tsx (the CLI), vitest, or anything else: the worker gets tsx's loader explicitly.
 * (Piscina's own JavaScript entry imports the task file, so the loader is in place by then.)
 */
export function tsWorkerOptions(file: URL): { filename: string; execArgv: string[] } {
  return { filename: file.href, execArgv: ['--import', import.meta.resolve('tsx')] };
}

/**
 * A plain worker thread running a TypeScript entry file. On Node 20 a `new Worker` on a .ts
 * file fails ("Unknown file extension") even with tsx in execArgv, so a small JavaScript
 * bootstrap registers tsx inside the thread first. Modules named in `preload` are imported
 * before tsx: large plain-JS dependencies (h5wasm's 4 MB) load in 0.1 s that way instead of
 * 1.5 s through tsx's transform.
 */
export function startTsWorker(entry: URL, preload: string[] = []): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const q = JSON.stringify;
  const boot =
    `Promise.all(${q(preload)}.map((m) => import(m)))` +
    `.then(() => import(${q(tsxApi)}))` +
    `.then((tsx) => { tsx.register(); return import(${q(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}
