import { describe, expect, test } from 'vitest';
import type { Plan } from '../../runtime/compile/plan.ts';
import { checkBindAddresses } from '../../runtime/exec/addresses.ts';
import { sock } from '../helpers/run-harness.ts';

// 192.0.2.1 is TEST-NET-1: never an address of this machine.
const plan = {
  sockets: [sock('push', 'PUSH', 'bind', 'tcp://192.0.2.1:5999', { hostName: 'camera-pc' })],
} as unknown as Plan;

describe('checkBindAddresses on an address this machine lacks', () => {
  test("started as that host's half: start this half there", async () => {
    const e = await checkBindAddresses(plan, new Set(['push']), 'camera-pc').catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'NOT_THIS_HOST', node: 'push' });
    expect((e as Error).message).toContain('Start this half there');
  });

  test("started as another host's half or the whole graph: start camera-pc's half there", async () => {
    for (const host of ['analysis-pc', undefined]) {
      const e = await checkBindAddresses(plan, new Set(['push']), host).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'NOT_THIS_HOST', node: 'push' });
      expect((e as Error).message).toContain("Start camera-pc's half there");
    }
  });
});
