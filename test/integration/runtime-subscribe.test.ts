import * as zmq from 'zeromq';
import { afterEach, expect, test } from 'vitest';
import { encode } from '../../runtime/wire/index.ts';
import { captures, makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

test('Subscribe: frames from an outside publisher, filtered by topic; gaps and end of stream count what was missed', async () => {
  const ep = await uniqAddress('tcp');
  const pub = new zmq.XPublisher({ linger: 1000 });
  opened.push(pub);
  await pub.bind(ep);
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'sub', type: 'Subscribe', params: { endpoint: ep, topics: ['cam'] } },
      { id: 'sink', type: 'Capture' },
    ],
    ['sub.out -> sink.in'],
    [sock('sub', 'SUB', 'connect', ep, { topics: ['cam'] })],
  );
  const run = runPlan(plan, { capture: cap });
  // Wait for the node's subscription, so nothing is lost to the slow joiner.
  const [subscription] = await pub.receive();
  expect(subscription.toString('latin1')).toBe('\x01cam');
  // Frames 0..19 on "camera" (prefix matches), with 5..7 never sent (as if dropped);
  // frames on "other" must not arrive.
  for (let i = 0; i < 20; i++) {
    if (i >= 5 && i <= 7) continue;
    await pub.send(encode(numberedFrame(i, 64), 'camera'));
    await pub.send(encode(numberedFrame(1000 + i, 64), 'other'));
  }
  // The publisher says it sent 22: the 2 frames after 19 are a tail that only end of stream reveals.
  await pub.send(encode({ kind: 'eos', seq: 22 }, 'cam'));
  const summary = await run.done;
  expect(summary.exitCode).toBe(0);
  const seqs = cap.of('sink').frames.map((f) => f.seq);
  expect(seqs).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 12 }, (_, i) => 8 + i)]);
  expect(summary.stats.nodes.sub.dropped).toBe(22 - seqs.length);
});

test('two graphs: one publishes (waiting for one outside subscriber), the other subscribes; every frame arrives and both end', async () => {
  const ep = await uniqAddress('tcp');
  const cap = captures();
  const N = 300;
  const publisher = makePlan(
    [
      { id: 'src', type: 'TestSource', params: { frames: N, bytes: 2048 } },
      { id: 'pub', type: 'Publish', params: { endpoint: ep, topic: 'cam', waitFor: 1, hwm: 1000 } },
    ],
    ['src.out -> pub.in'],
    [sock('pub', 'PUB', 'bind', ep, { hwm: 1000 })],
  );
  const subscriber = makePlan(
    [
      { id: 'sub', type: 'Subscribe', params: { endpoint: ep, topics: ['cam'], hwm: 1000 } },
      { id: 'sink', type: 'Capture' },
    ],
    ['sub.out -> sink.in'],
    [sock('sub', 'SUB', 'connect', ep, { topics: ['cam'], hwm: 1000 })],
  );
  const a = runPlan(publisher);
  const b = runPlan(subscriber, { capture: cap });
  const [sa, sb] = await Promise.all([a.done, b.done]);
  expect(sa.exitCode).toBe(0);
  expect(sb.exitCode).toBe(0);
  expect(cap.of('sink').frames.map((f) => f.seq)).toEqual([...Array(N).keys()]);
  expect(sb.stats.nodes.sub.dropped).toBe(0);
});
