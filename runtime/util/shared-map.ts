/**
 * Files mapped into this process's memory (the addon's mmap, native/src/shared-map.cc), for
 * frames shared with another process through /dev/shm: moving a frame in or out is then a
 * memcpy, where write(2) and read(2) on the same file cost about four times as much here
 * (the kernel's per-page work; docs/custom-nodes.md). Without the addon, callers fall back to
 * reading and writing the file.
 */
import { fstatSync } from 'node:fs';
import { addonIfBuilt, loadAddon } from '../../native/load-addon.ts';

let available: boolean | undefined;

/** Whether files can be mapped here (the addon is built); asked once. */
export function canMapFiles(): boolean {
  available ??= typeof addonIfBuilt()?.mapFile === 'function';
  return available;
}

/**
 * The whole of an open file, at least `bytes` long, as a shared, writable mapping; the file is
 * never shortened while the mapping lives (a page past its end would raise SIGBUS). Call only
 * when canMapFiles().
 */
export function mapWhole(fd: number, bytes: number): Uint8Array {
  const size = fstatSync(fd).size;
  if (size < bytes) throw new RangeError(`the file holds ${size} bytes, fewer than the ${bytes} to map`);
  return new Uint8Array(loadAddon().mapFile(fd, size));
}
