/**
 * The committed nodes/fft/simd/fft2.wasm is what nodes/fft/simd/build.sh makes of fft2.c today.
 * Where the addon's native transform does not run (no addon built, a CPU without AVX2 and FMA),
 * and for the fast precision everywhere, the FFT node runs this module: a change to fft2.c that
 * is not rebuilt leaves those paths on older code. It did: the module had been built before two
 * changes to the row pass. clang's output depends on its version, and the module is built with
 * Debian 12's LLVM 14, so the comparison is byte for byte with that toolchain.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { commandWorks, missing } from '../helpers/env.ts';

const SIMD = fileURLToPath(new URL('../../nodes/fft/simd/', import.meta.url));

function clangMajor(): number | undefined {
  const r = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /clang version (\d+)\./.exec(r.stdout) : null;
  return m ? Number(m[1]) : undefined;
}

const skip = missing(
  'clang 14 and wasm-ld (Debian 12: clang lld)',
  () => clangMajor() === 14 && commandWorks('wasm-ld'),
);

describe.skipIf(skip)('the committed fft2.wasm', () => {
  test('is, byte for byte, what build.sh makes of fft2.c', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fft2-wasm-'));
    try {
      const built = join(dir, 'fft2.wasm');
      const r = spawnSync('sh', [join(SIMD, 'build.sh'), built], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const same = readFileSync(built).equals(readFileSync(join(SIMD, 'fft2.wasm')));
      expect(same, 'nodes/fft/simd/fft2.wasm is out of date: run sh nodes/fft/simd/build.sh and commit it').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
