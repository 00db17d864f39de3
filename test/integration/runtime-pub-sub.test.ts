import { describe, expect, test } from 'vitest';
import { captures, makePlan, runPlan, sock, uniqAddress, type Transport } from '../helpers/run-harness.ts';

describe.each<Transport>(['tcp', 'inproc'])('PUB to a fast and a slow subscriber over %s', (proto) => {
  test('drops are counted per subscriber link and equal what is missing', async () => {
    const ep = await uniqAddress(proto);
    const N = 400;
    const cap = captures();
    const plan = makePlan(
      [
        { id: 'src', type: 'TestSource', params: { frames: N, bytes: 256 * 1024 } },
        { id: 'pub', type: 'Publish', params: { endpoint: ep, topic: 'cam', hwm: 2 } },
        { id: 'fast', type: 'Capture' },
        { id: 'slow', type: 'Capture', params: { delayMs: 5 } },
      ],
      ['src.out -> pub.in', 'pub.out -> fast.in', 'pub.out -> slow.in'],
      [
        sock('pub', 'PUB', 'bind', ep, { hwm: 2 }),
        sock('fast', 'SUB', 'connect', ep, { link: 'pub.out -> fast.in', topics: ['cam'], hwm: 2 }),
        sock('slow', 'SUB', 'connect', ep, { link: 'pub.out -> slow.in', topics: ['cam'], hwm: 2 }),
      ],
    );
    const summary = await runPlan(plan, { capture: cap }).done;
    expect(summary.failures).toEqual([]);
    // PUB/SUB may drop by design: not a loss on a lossless path.
    expect(summary.exitCode).toBe(0);
    const slow = cap.of('slow').frames;
    const fast = cap.of('fast').frames;
    const links = summary.stats.links;
    expect(slow.length).toBeLessThan(N);
    expect(links['pub.out -> slow.in'].dropped).toBe(N - slow.length);
    expect(links['pub.out -> fast.in'].dropped).toBe(N - fast.length);
    expect(summary.stats.nodes.pub.dropped).toBe(2 * N - slow.length - fast.length);
    // Whatever arrived, arrived once and in order.
    for (const got of [slow, fast])
      expect(got.map((f) => f.seq)).toEqual([...new Set(got.map((f) => f.seq))].sort((a, b) => a - b));
    expect(cap.of('slow').ended && cap.of('fast').ended).toBe(true);
  });
});
