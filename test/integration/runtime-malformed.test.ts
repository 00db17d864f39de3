import * as zmq from 'zeromq';
import { afterEach, expect, test } from 'vitest';
import { encode } from '../../runtime/wire/index.ts';
import type { NodeFailure } from '../../runtime/exec/types.ts';
import { captures, makePlan, numberedFrame, runPlan, sock, uniqAddress } from '../helpers/run-harness.ts';

const opened: zmq.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

/** Ten ways a message can be wrong, sent in turn. */
const BAD: (Buffer | string)[][] = [
  ['not json'],
  ['{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[4]}'],
  ['{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[4]}', Buffer.alloc(3)],
  ['{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint12","shape":[4]}', Buffer.alloc(4)],
  ['{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":"4"}', Buffer.alloc(4)],
  ['{"v":2,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[4]}', Buffer.alloc(4)],
  ['[1,2,3]', Buffer.alloc(4)],
  ['{"v":1,"kind":"frame","seq":0,"t":0,"dtype":"uint8","shape":[4]}', Buffer.alloc(4), Buffer.alloc(4)],
  ['{"v":1,"kind":"eos","seq":3}', Buffer.alloc(1)],
  [Buffer.from([0xff, 0xfe, 0x00]), Buffer.alloc(4)],
];

test('1000 malformed messages to a Pull node are counted and dropped; good frames still pass', async () => {
  const ep = await uniqAddress('tcp');
  const cap = captures();
  const plan = makePlan(
    [
      { id: 'pull', type: 'Pull', params: { endpoint: ep } },
      { id: 'sink', type: 'Capture' },
    ],
    ['pull.out -> sink.in'],
    [sock('pull', 'PULL', 'bind', ep)],
  );
  const run = runPlan(plan, { capture: cap });
  const warnings: NodeFailure[] = [];
  run.on('warning', (w) => warnings.push(w));
  const push = new zmq.Push({ linger: 1000 });
  opened.push(push);
  push.connect(ep);
  for (let i = 0; i < 1000; i++) {
    await push.send(BAD[i % BAD.length]);
    if (i % 100 === 0) await push.send(encode(numberedFrame(i / 100, 8)));
  }
  await push.send(encode({ kind: 'eos', seq: 10 }));
  const summary = await run.done;
  expect(summary.failures).toEqual([]);
  expect(summary.exitCode).toBe(0);
  expect(summary.stats.nodes.pull.errors).toBe(1000);
  expect(cap.of('sink').frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Shown once per kind, not 1000 times.
  expect(warnings.every((w) => w.node === 'pull')).toBe(true);
  expect(new Set(warnings.map((w) => w.code)).size).toBe(warnings.length);
  expect(warnings.map((w) => w.code).sort()).toEqual([
    'BAD_DTYPE',
    'BAD_HEADER',
    'BAD_JSON',
    'BAD_SHAPE',
    'SIZE_MISMATCH',
    'TOO_FEW_PARTS',
    'TOO_MANY_PARTS',
  ]);
});
