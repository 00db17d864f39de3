/**
 * glibc malloc's thresholds for frame-sized blocks. By default glibc serves every block over
 * 128 KiB from fresh mmap'd pages and unmaps it on free, so each frame-sized buffer (a 1 MiB
 * Buffer, a ZeroMQ message, a numpy temporary) is page-faulted in anew. Where page faults are
 * dear, as in virtual machines, that costs more than moving the frame: reading 1 MiB into a
 * fresh Buffer took 1.3-1.7 ms here, into a reused one 0.1-0.15 ms (docs/performance.md). With
 * these thresholds freed blocks stay in the heap for the next frame, at the price of up to
 * 128 MiB of freed memory kept per process.
 *
 * Python processes patchbay starts get them as environment variables; this Node process sets
 * them once a run starts (the native addon's mallopt), unless the user set them.
 */
import { addonIfBuilt } from '../../native/load-addon.ts';

export const MALLOC_MMAP_THRESHOLD = 32 * 2 ** 20;
export const MALLOC_TRIM_THRESHOLD = 128 * 2 ** 20;

/** For processes patchbay starts (a user's own settings win: spread the environment after). */
export const MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: String(MALLOC_MMAP_THRESHOLD),
  MALLOC_TRIM_THRESHOLD_: String(MALLOC_TRIM_THRESHOLD),
};

let tuned: boolean | undefined;

/**
 * Sets the thresholds for this process, once. False when the user set their own (they were read
 * at start), where malloc is not glibc's, or when the addon is not built (runs go on as before).
 */
export function tuneMalloc(): boolean {
  if (tuned !== undefined) return tuned;
  if (process.env.MALLOC_MMAP_THRESHOLD_ !== undefined || process.env.MALLOC_TRIM_THRESHOLD_ !== undefined)
    return (tuned = false);
  // Without the addon a run still works (the emulator and recorders say why they cannot).
  tuned = addonIfBuilt()?.tuneMalloc(MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD) ?? false;
  return tuned;
}
