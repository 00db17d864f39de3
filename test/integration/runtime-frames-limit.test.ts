/**
 * `frames: N` on a Pull or Subscribe fed by the graph's own producers: the node passes on
 * exactly N, the producers are stopped and drained, and the run ends by itself with nothing
 * lost and nothing hung; what came after the N-th is counted (OVER_FRAMES), not passed on.
 */
import { expect, test } from 'vitest';
import { captures, makePlan, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

test('Push -> Pull (frames: 10) -> sink, fed by an endless source: exactly 10 frames, exit 0', async () => {
  const [ep, own] = [await uniqAddress('tcp'), await uniqAddress('inproc')];
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'src', type: 'TestSource', params: { frames: 0, bytes: 64 } },
      { id: 'push', type: 'Push', params: { endpoint: ep } },
      { id: 'pull', type: 'Pull', params: { endpoint: own, frames: 10 } },
      { id: 'sink', type: 'Capture' },
    ],
    ['src.out -> push.in', 'push.out -> pull.in', 'pull.out -> sink.in'],
    // As the compiler lists them: the Pull's own socket, and the one its link from the Push gives it.
    [
      sock('push', 'PUSH', 'bind', ep),
      sock('pull', 'PULL', 'bind', own),
      sock('pull', 'PULL', 'connect', ep, { link: 'push.out -> pull.in' }),
    ],
  );
  const summary = await runPlan(plan, { capture: cap }).done;
  expect(summary.failures).toEqual([]);
  expect(summary.exitCode).toBe(0);
  expect(cap.of('sink').frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
  // What the Push had already dealt when the source stopped was let go, and said so.
  const over = summary.stats.nodes.pull.refused?.OVER_FRAMES ?? 0;
  expect(summary.stats.nodes.push.framesOut).toBe(10 + over);
});

test('two Push nodes into one Pull (frames: 10) with a slow sink: still exactly 10 passed on, not one per socket more', async () => {
  const [a, b, own] = [await uniqAddress('tcp'), await uniqAddress('tcp'), await uniqAddress('inproc')];
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'src1', type: 'TestSource', params: { frames: 0, bytes: 64 } },
      { id: 'src2', type: 'TestSource', params: { frames: 0, bytes: 64 } },
      { id: 'push1', type: 'Push', params: { endpoint: a } },
      { id: 'push2', type: 'Push', params: { endpoint: b } },
      { id: 'pull', type: 'Pull', params: { endpoint: own, frames: 10, hwm: 1 } },
      // Slow, so both of the Pull's sockets wait for room in its inbox at once.
      { id: 'sink', type: 'Capture', params: { delayMs: 20, delayEvery: 1 } },
    ],
    [
      'src1.out -> push1.in',
      'src2.out -> push2.in',
      'push1.out -> pull.in',
      'push2.out -> pull.in',
      'pull.out -> sink.in',
    ],
    [
      sock('push1', 'PUSH', 'bind', a),
      sock('push2', 'PUSH', 'bind', b),
      sock('pull', 'PULL', 'bind', own),
      sock('pull', 'PULL', 'connect', a, { link: 'push1.out -> pull.in' }),
      sock('pull', 'PULL', 'connect', b, { link: 'push2.out -> pull.in' }),
    ],
  );
  const summary = await runPlan(plan, { capture: cap, inprocCapacity: 1 }).done;
  expect(summary.failures).toEqual([]);
  expect(cap.of('sink').frames).toHaveLength(10);
});
