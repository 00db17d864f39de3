#!/usr/bin/env -S node --initial-old-space-size=128
// The CLI is TypeScript with no build step between a clone and a run: it runs as an esbuild
// bundle of runtime/cli/main.ts, made the first time and again whenever a source changes
// (runtime/util/bundle.mjs, which worker threads use too), or through tsx's loader where no
// bundle can be made. The bundle starts in about 0.4 s and 72 MB, tsx in 0.65 s and 85 MB.
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
