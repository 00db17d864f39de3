#!/usr/bin/env -S node --initial-old-space-size=128
// The CLI is TypeScript run through tsx's loader: no build step between a clone and a run.
// --initial-old-space-size: the graph's frames live outside the JavaScript heap, which stays small;
// at V8's default a small heap is collected every few dozen MB of frames (docs/runtime.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
