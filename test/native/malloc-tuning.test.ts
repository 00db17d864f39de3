/**
 * A run sets glibc malloc's thresholds for its process (runtime/util/malloc.ts): frame-sized
 * buffers come from the heap, reused, instead of each being its own fresh mmap'd pages. Seen
 * through glibc's own count of the blocks it holds as mmap'd pages (mallinfo2).
 */
import { describe, expect, test } from 'vitest';
import { loadAddon } from '../../native/load-addon.ts';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';

describe.skipIf(process.env.MALLOC_MMAP_THRESHOLD_ !== undefined)('malloc thresholds', () => {
  test('after a run starts, 40 buffers of 2 MiB add no block of their own pages (glibc would map each anew)', async () => {
    const addon = loadAddon();
    const capture = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: 3, bytes: 8 } },
        { id: 'out', type: 'Capture' },
      ],
      ['src.out -> out.in'],
    );
    const summary = await runPlan(plan, { capture }).done;
    expect(summary.ok).toBe(true);
    const before = addon.mallocInfo()!;
    const kept: Buffer[] = [];
    for (let i = 0; i < 40; i++) kept.push(Buffer.allocUnsafe(2 * 2 ** 20).fill(i));
    const after = addon.mallocInfo()!;
    expect(kept).toHaveLength(40);
    expect(after.mmappedBlocks - before.mmappedBlocks).toBeLessThan(5);
  });
});
