#!/usr/bin/env -S node --initial-old-space-size=128
// The CLI is TypeScript with no build step between a clone and a run: it runs as an esbuild
// bundle of runtime/cli/main.ts, made the first time and again whenever a source changes
// (runtime/util/bundle.mjs, which worker threads use too), or through tsx's loader where no
// bundle can be made (PATCHBAY_NO_BUNDLE=1: always tsx). `patchbay validate` bundled: 72-74 MB
// and 0.3-0.6 s; through tsx 87-89 MB and 0.5-0.6 s (docs/performance-runtime.md).
// --initial-old-space-size: the graph's frames live outside the JavaScript heap, which stays small;
// at V8's default a small heap is collected every few dozen MB of frames (docs/runtime.md).
import { pathToFileURL } from 'node:url';
import { bundleOf } from '../runtime/util/bundle.mjs';

const entry = new URL('../runtime/cli/main.ts', import.meta.url);
const bundled = process.env.PATCHBAY_NO_BUNDLE ? undefined : await bundleOf(entry);
let main;
if (bundled) ({ main } = await import(pathToFileURL(bundled).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(entry.href));
}
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
