import { describe, expect, test } from 'vitest';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';

const plan = (mode: 'shallow' | 'deep') =>
  makePlan(
    [
      { id: 'src', type: 'TestSource', params: { frames: 50, bytes: 1000 } },
      { id: 'copy', type: 'Copy', params: { mode } },
      // `a` writes into every frame it gets.
      { id: 'a', type: 'Capture', params: { mutate: true } },
      { id: 'b', type: 'Capture' },
    ],
    ['src.out -> copy.in', 'copy.out -> a.in', 'copy.out -> b.in'],
  );

describe('Copy', () => {
  test('deep: each branch has its own bytes, a write in one is not seen by the other', async () => {
    const cap = captures();
    const summary = await runPlan(plan('deep'), { capture: cap }).done;
    expect(summary.exitCode).toBe(0);
    const a = cap.of('a').frames;
    const b = cap.of('b').frames;
    expect(a.length).toBe(50);
    expect(b.length).toBe(50);
    for (let i = 0; i < 50; i++) {
      expect(a[i].data.buffer).not.toBe(b[i].data.buffer);
      expect(a[i].data.every((x) => x === 0xee)).toBe(true);
      expect(new DataView(b[i].data.buffer, b[i].data.byteOffset).getUint32(0, true)).toBe(i);
      expect(b[i].data[999]).toBe(i & 0xff);
    }
    expect(summary.stats.nodes.copy.bytesCopied).toBe(2 * 50 * 1000);
  });

  test('shallow: both branches get the same buffer, nothing copied', async () => {
    const cap = captures();
    const summary = await runPlan(plan('shallow'), { capture: cap }).done;
    expect(summary.exitCode).toBe(0);
    const a = cap.of('a').frames;
    const b = cap.of('b').frames;
    expect(b.length).toBe(50);
    for (let i = 0; i < 50; i++) {
      expect(b[i].data).toBe(a[i].data);
      // The write of branch a shows in branch b: that is what shallow means.
      expect(b[i].data.every((x) => x === 0xee)).toBe(true);
    }
    expect(summary.stats.nodes.copy.bytesCopied).toBe(0);
  });

  test('deep, from a Camera: its frames are Buffers (views), and each branch still gets its own bytes', async () => {
    const cap = captures();
    const camera = makePlan(
      [
        { id: 'src', type: 'Camera', params: { width: 64, height: 32, pixelFormat: 'Mono8', fps: 0, frames: 20 } },
        { id: 'copy', type: 'Copy', params: { mode: 'deep' } },
        { id: 'a', type: 'Capture', params: { mutate: true } },
        { id: 'b', type: 'Capture' },
      ],
      ['src.out -> copy.in', 'copy.out -> a.in', 'copy.out -> b.in'],
    );
    const summary = await runPlan(camera, { capture: cap }).done;
    expect(summary.failures).toEqual([]);
    const b = cap.of('b').frames;
    expect(b).toHaveLength(20);
    // A Buffer's slice() is a view: branch a's writes showed in branch b (and in the camera's buffer).
    for (const f of b) expect(f.data.every((x) => x === 0xee)).toBe(false);
  });
});
