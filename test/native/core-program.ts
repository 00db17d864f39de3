/**
 * A program built from the addon's core (native/src without the files that use Node-API and the SDK
 * backends) and a main() of a test's own, for what only C++ can reach: the grab thread with a
 * stand-in device, the arithmetic every backend shares.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../native/src/', import.meta.url));

const sdkBackend = (f: string) => /^(aravis|pylon)-backend\.cc$/.test(f);

/** A file that includes napi.h, itself or through its own header: the binding, not the core. */
function usesNodeApi(file: string): boolean {
  const header = join(SRC, file.replace(/\.cc$/, '.h'));
  return [join(SRC, file), header].some((f) => existsSync(f) && readFileSync(f, 'utf8').includes('<napi.h>'));
}

/** Compiles `main` with the core in `dir`; resolves with the program's path and the compiler's stderr. */
export function buildCoreProgram(dir: string, main: string, flags: string[] = []): { program: string; stderr: string } {
  writeFileSync(join(dir, 'main.cc'), main);
  const core = readdirSync(SRC).filter((f) => f.endsWith('.cc') && !sdkBackend(f) && !usesNodeApi(f));
  const program = join(dir, 't');
  const build = spawnSync(
    'c++',
    [
      '-std=c++17',
      '-pthread',
      ...flags,
      `-I${SRC}`,
      join(dir, 'main.cc'),
      ...core.map((f) => join(SRC, f)),
      '-o',
      program,
    ],
    { encoding: 'utf8' },
  );
  return { program, stderr: build.stderr };
}
