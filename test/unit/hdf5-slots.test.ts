/** The recorder's slab slots (nodes/hdf5-sink/slots.ts), taken and given back in order, reused most recently freed first; and its queue of frames to write (write-queue.ts). */
import { describe, expect, it } from 'vitest';
import { SlotPool } from '../../nodes/hdf5-sink/slots.ts';
import { WriteQueue } from '../../nodes/hdf5-sink/write-queue.ts';

describe('SlotPool', () => {
  it('reuses the slot just freed, so a writer that keeps up touches one slot of many', () => {
    const pool = new SlotPool(32);
    for (let i = 0; i < 100; i++) {
      expect(pool.take()).toBe(0);
      pool.written(1);
    }
    expect(pool.touched).toBe(1);
  });

  it('gives slots back in the order their frames were taken, and holds as many frames as it has slots', () => {
    const pool = new SlotPool(4);
    const taken = [pool.take(), pool.take(), pool.take(), pool.take()];
    expect(new Set(taken).size).toBe(4);
    expect(() => pool.take()).toThrow(/every slot/);
    pool.written(2);
    // The two oldest frames' slots are free again, the later of them first.
    expect([pool.take(), pool.take()]).toEqual([taken[1], taken[0]]);
    pool.written(4);
    expect(pool.touched).toBe(4);
  });
});

describe('WriteQueue', () => {
  it('holds frames that are not lent without a keep or a slot; lent ones use the keeps, and only they are given back', () => {
    const pool = new SlotPool(4);
    const queue = new WriteQueue(pool, 2);
    const given: number[] = [];
    for (let i = 0; i < 10; i++) queue.hold(new Uint8Array(1));
    // Ten frames waiting, none lent: every keep and every slot still free.
    expect(queue.canKeep).toBe(true);
    expect(pool.touched).toBe(0);
    queue.keep(new Uint8Array(1), () => given.push(10));
    queue.keep(new Uint8Array(1), () => given.push(11));
    expect(queue.canKeep).toBe(false);
    const slot = queue.slot();
    queue.written(11);
    expect(given).toEqual([10]);
    expect(queue.canKeep).toBe(true);
    queue.written(2);
    expect(given).toEqual([10, 11]);
    // The slot of the frame written last is free again.
    expect(pool.take()).toBe(slot);
  });
});
