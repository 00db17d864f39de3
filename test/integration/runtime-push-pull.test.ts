import { describe, expect, test } from 'vitest';
import { captures, makePlan, runPlan, sock, uniqAddress, type Transport } from '../helpers/run-harness.ts';

describe.each<Transport>(['tcp', 'ipc', 'inproc'])('PUSH to two PULL workers over %s', (proto) => {
  test('10^4 small frames: none lost, every seq exactly once, one worker slow', async () => {
    const ep = await uniqAddress(proto);
    const N = 10_000;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 64 } },
        { id: 'push', type: 'Push', params: { endpoint: ep } },
        { id: 'fast', type: 'Capture' },
        // Slow enough that its pipe fills and round robin skips it: end of stream must still reach it.
        { id: 'slow', type: 'Capture', params: { delayMs: 1, delayEvery: 20 } },
      ],
      ['src.out -> push.in', 'push.out -> fast.in', 'push.out -> slow.in'],
      [
        sock('push', 'PUSH', 'bind', ep),
        sock('fast', 'PULL', 'connect', ep, { link: 'push.out -> fast.in' }),
        sock('slow', 'PULL', 'connect', ep, { link: 'push.out -> slow.in' }),
      ],
    );
    const run = runPlan(plan, { capture: cap });
    const summary = await run.done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(summary.lost).toBe(0);
    const seqs = [...cap.of('fast').frames, ...cap.of('slow').frames].map((f) => f.seq).sort((a, b) => a - b);
    expect(seqs.length).toBe(N);
    expect(seqs.every((s, i) => s === i)).toBe(true);
    expect(cap.of('fast').ended && cap.of('slow').ended).toBe(true);
    expect(cap.of('slow').frames.length).toBeGreaterThan(0);
    expect(summary.stats.nodes.push.framesOut).toBe(N);
    expect(summary.stats.links['push.out -> fast.in'].frames + summary.stats.links['push.out -> slow.in'].frames).toBe(
      N,
    );
  });
});
