/** The recorder's slab slots (nodes/hdf5-sink/slots.ts): taken and given back in order, reused most recently freed first. */
import { describe, expect, it } from 'vitest';
import { SlotPool } from '../../nodes/hdf5-sink/slots.ts';

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
