/**
 * A small ext4 file system on a loop device, for behaviour that is ext4's own (Linux's
 * default for a lab PC's disk). Like tmpfs.ts: needs root (CI runs as root), skips locally
 * without it with the reason, fails under CI.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSync as run } from '../helpers/child.ts';
import { missing } from '../helpers/env.ts';

/** Why ext4 tests cannot run here (undefined when they can, and always under CI). */
export const noExt4 = missing('mkfs.ext4 and permission to mount a loop device (root)', () => {
  if (spawnSync('mkfs.ext4', ['-V'], { stdio: 'ignore' }).status !== 0) return false;
  try {
    mountExt4(8).unmount();
    return true;
  } catch {
    return false;
  }
});

/** An ext4 of `mib` MiB (an image file in the temporary directory) mounted at a new directory. */
export function mountExt4(mib: number): { dir: string; unmount(): void } {
  const parent = mkdtempSync(path.join(tmpdir(), 'patchbay-ext4-'));
  const image = path.join(parent, 'fs.img');
  const dir = path.join(parent, 'mnt');
  mkdirSync(dir);
  const fd = openSync(image, 'w');
  ftruncateSync(fd, mib * 2 ** 20);
  closeSync(fd);
  try {
    run('mkfs.ext4', ['-q', '-F', image]);
    run('mount', ['-o', 'loop', image, dir]);
  } catch (e) {
    rmSync(parent, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    unmount() {
      run('umount', [dir]);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/**
 * Whether any of the file's bytes wait in the page cache with no disk blocks yet (ext4's
 * delayed allocation), by filefrag's extent flags: what a close that starts writeback ends.
 */
export function hasDelayedBlocks(file: string): boolean {
  const r = spawnSync('filefrag', ['-v', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`filefrag -v ${file}: ${r.stderr}`);
  return /delalloc/.test(r.stdout);
}
