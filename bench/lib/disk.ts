/**
 * `dd` for the disk benches, and the priming every timed disk writer gets before it.
 *
 * On a virtual machine whose guest hands its free memory back to the host (free page
 * reporting, virtio-balloon), the page cache's pace depends on how long the memory a writer
 * takes lay free: every page the host took back faults in again at first write. Measured here
 * with dd of 1500 × 2 MiB, right after removing a file of the same size (docs/performance-hdf5.md):
 * 3.1–7.0 GB/s at once, 2.1–2.8 after half a second, 0.8–1.2 after 5 s, when 1–1.5 GB had been
 * reported. So that the writers compared meet the same machine, each timed one starts right
 * after an untimed dd of its bytes, removed: the guest's memory is backed again, as in a long
 * recording whose page cache recycles its own pages.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Seconds `dd` took to write `blocks` 2 MiB blocks from /dev/zero to `file` (kept); fdatasync'd if asked. */
export function ddSeconds(file: string, blocks: number, sync = false): number {
  const t0 = performance.now();
  const r = spawnSync(
    'dd',
    ['if=/dev/zero', `of=${file}`, 'bs=2M', `count=${blocks}`, ...(sync ? ['conv=fdatasync'] : [])],
    { encoding: 'utf8' },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`dd failed: ${r.error?.message ?? r.stderr}`);
  return seconds;
}

/** An untimed dd of `blocks` blocks into `dir`, removed: what each timed disk writer starts after. */
export function primePageCache(dir: string, blocks: number): void {
  const file = join(dir, 'prime.bin');
  ddSeconds(file, blocks);
  rmSync(file, { force: true });
}
