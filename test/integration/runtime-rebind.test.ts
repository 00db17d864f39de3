/**
 * A run started right after another in the same process (the editor's Run after Stop, one
 * test after another) binds the endpoints the last one just closed. ZeroMQ unbinds a closed
 * socket later, in its I/O thread; the bind waits for that instead of failing with
 * "Address already in use" (it did, now and then, on a loaded machine).
 */
import type * as zmq from 'zeromq';
import { expect, test } from 'vitest';
import { attach, createSocket } from '../../runtime/exec/sockets.ts';
import { sock, uniqAddress } from '../helpers/run-harness.ts';

test('an endpoint a closed socket of this process held is bound again at once, 200 times in a row', async () => {
  const endpoint = await uniqAddress('inproc');
  for (let i = 0; i < 200; i++) {
    const pub = createSocket('PUB', 4) as zmq.XPublisher;
    await attach(pub, sock('a', 'PUB', 'bind', endpoint));
    const sub = createSocket('SUB', 4) as zmq.Subscriber;
    await attach(sub, sock('b', 'SUB', 'connect', endpoint));
    sub.subscribe('');
    await pub.receive();
    await pub.send(['t', 'x']);
    pub.close();
    sub.close();
    // The next run's publisher, at once.
    const next = createSocket('PUB', 4);
    await attach(next, sock('a', 'PUB', 'bind', endpoint));
    next.close();
  }
});

test('an endpoint an open socket holds is still refused: SOCKET_ERROR naming it', async () => {
  const endpoint = await uniqAddress('inproc');
  const a = createSocket('PULL', 4);
  await attach(a, sock('a', 'PULL', 'bind', endpoint));
  const b = createSocket('PULL', 4);
  await expect(attach(b, sock('b', 'PULL', 'bind', endpoint))).rejects.toMatchObject({
    code: 'SOCKET_ERROR',
    message: expect.stringContaining(endpoint),
  });
  a.close();
  b.close();
});
