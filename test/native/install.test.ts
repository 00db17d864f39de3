/**
 * native/install.mjs skips the addon's build when its stamp, a hash of what the build reads,
 * matches the last build's. A file the build reads but the hash leaves out goes stale
 * silently: nodes/fft/simd/fft2.c, which native/src/fft2-avx2.cc includes, was left out, so
 * a change to the FFT kernel kept the old native code after `npm install`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'patchbay-install-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function install(dir: string, flag: string): string {
  const r = spawnSync(process.execPath, [join(dir, 'native/install.mjs'), flag], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('native/install.mjs', () => {
  it('hashes the files native/src includes from elsewhere, and a change to one changes the stamp', () => {
    expect(install(ROOT, '--sources').split('\n')).toContain('../nodes/fft/simd/fft2.c');
    // A copy of what the build reads, so the kernel can be changed without touching the repository.
    for (const f of [
      'native/binding.gyp',
      'native/configure.mjs',
      'native/install.mjs',
      'native/src',
      'nodes/fft/simd',
    ])
      cpSync(join(ROOT, f), join(copy, f), { recursive: true });
    const before = install(copy, '--stamp');
    expect(before).toBe(install(ROOT, '--stamp'));
    appendFileSync(join(copy, 'nodes/fft/simd/fft2.c'), '/* changed */\n');
    expect(install(copy, '--stamp')).not.toBe(before);
  });
});
