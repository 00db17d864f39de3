import * as zmq from 'zeromq';
import { afterEach, describe, expect, test } from 'vitest';
import { Mailbox } from '../../runtime/exec/mailbox.ts';
import { SendQueue } from '../../runtime/exec/send-queue.ts';

describe('Mailbox (the in-process hand-off)', () => {
  test('the producer waits when it is full and goes on when the consumer takes', async () => {
    const box = new Mailbox<number>(2);
    await box.put(1);
    await box.put(2);
    let third = false;
    const p = box.put(3).then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    expect(await box.take()).toBe(1);
    await p;
    expect(third).toBe(true);
    expect([await box.take(), await box.take()]).toEqual([2, 3]);
  });

  test('a take waits for the next put; order is kept over many items', async () => {
    const box = new Mailbox<number>(3);
    const got: number[] = [];
    const consumer = (async () => {
      for (let i = 0; i < 1000; i++) got.push(await box.take());
    })();
    for (let i = 0; i < 1000; i++) await box.put(i);
    await consumer;
    expect(got).toEqual([...Array(1000).keys()]);
  });

  test('unblock lets waiting producers through (a failed consumer must not hang them)', async () => {
    const box = new Mailbox<number>(1);
    await box.put(1);
    const p = box.put(2);
    box.unblock();
    await p;
    await box.put(3);
    expect(box.size).toBe(3);
  });

  test('capacity must be a positive integer', () => {
    expect(() => new Mailbox(0)).toThrow(RangeError);
  });
});

describe('SendQueue (one pending send per socket)', () => {
  const opened: zmq.Socket[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  test('concurrent senders through the queue: no EBUSY, every message arrives in order', async () => {
    const pull = new zmq.Pull({ linger: 0 });
    const push = new zmq.Push({ linger: 0, sendHighWaterMark: 2 });
    opened.push(pull, push);
    await pull.bind('inproc://send-queue-test');
    push.connect('inproc://send-queue-test');
    // Without the queue, a second send while one is pending (no peer yet) throws EBUSY synchronously.
    const lonely = new zmq.Push({ linger: 0 });
    await lonely.bind('inproc://send-queue-nobody');
    const pending = lonely.send('x');
    expect(() => lonely.send('y')).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    lonely.close();
    await expect(pending).rejects.toMatchObject({ code: 'EAGAIN' });
    const q = new SendQueue(push);
    const sends = Array.from({ length: 200 }, (_, i) => q.send([String(i), Buffer.alloc(1024, i)]));
    const got: string[] = [];
    for (let i = 0; i < 200; i++) got.push((await pull.receive())[0].toString());
    await Promise.all(sends);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(q.depth).toBe(0);
  });
});
