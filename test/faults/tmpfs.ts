/**
 * Small tmpfs mounts for the fault tests: a disk that fills at a known size, on the real
 * kernel. Mounting needs root (CI runs as root); without it a test skips locally with the
 * reason, and fails under CI (test/helpers/env.ts `missing`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSync as run } from '../helpers/child.ts';
import { missing } from '../helpers/env.ts';

/** Why tmpfs tests cannot run here (undefined when they can, and always under CI). */
export const noTmpfs = missing('permission to mount a tmpfs (root)', () => {
  const probe = mkdtempSync(path.join(tmpdir(), 'patchbay-tmpfs-probe-'));
  try {
    const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
    if (ok) run('umount', [probe]);
    return ok;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
});

/** A tmpfs of `size` (mount's syntax: 2m, 512k) at a new directory; `unmount` takes it away with its files. */
export function mountTmpfs(size: string): { dir: string; unmount(): void } {
  const parent = mkdtempSync(path.join(tmpdir(), 'patchbay-tmpfs-'));
  const dir = path.join(parent, 'mnt');
  mkdirSync(dir);
  run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    dir,
    unmount() {
      run('umount', [dir]);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
