/**
 * Options that let a worker thread load a TypeScript file, whether the parent runs under
 * tsx (the CLI), vitest, or anything else: the worker gets tsx's loader explicitly.
 */
export function tsWorkerOptions(file: URL): { filename: string; execArgv: string[] } {
  return { filename: file.href, execArgv: ['--import', import.meta.resolve('tsx')] };
}
