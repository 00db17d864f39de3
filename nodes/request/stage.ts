import type * as zmq from 'zeromq';
import { ExecError } from '../../runtime/exec/errors.ts';
import { attach, createSocket } from '../../runtime/exec/sockets.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import { decode, WireError } from '../../runtime/wire/index.ts';
import type { ParamsOf } from '../types.ts';
import type { request } from './index.ts';

/** The request a Request node sends; a Reply answers any message, so a Python REQ may send anything. */
export const REQUEST_TEXT = '{"v":1,"kind":"request"}';

/**
 * Request: a REQ socket asking for a frame `rate` times a second, in lock step (one reply
 * before the next request). Ends after `frames` replies, at the server's end of stream, or
 * when the run stops; a reply later than `timeoutMs` fails the node (REQUEST_TIMEOUT).
 */
const requestStage: StageFactory = (io) => {
  const plan = io.sockets?.find((s) => s.type === 'REQ');
  if (!plan) throw new ExecError('BAD_PLAN', 'the plan gives this Request node no REQ socket', io.node.id);
  const { rate, frames: limit, timeoutMs } = io.node.params as ParamsOf<typeof request>;
  let socket: zmq.Request | undefined;

  return {
    async open() {
      socket = createSocket('REQ', plan.hwm ?? 1, { receiveTimeout: timeoutMs }) as zmq.Request;
      await attach(socket, plan);
    },
    async run() {
      const s = socket!;
      const onAbort = () => s.close();
      io.signal.addEventListener('abort', onAbort, { once: true });
      const interval = 1000 / rate;
      let due = performance.now();
      let n = 0;
      try {
        while (!io.signal.aborted && (limit === 0 || n < limit)) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          // Behind schedule (a slow server): ask again at once, but do not burst to catch up.
          due = Math.max(due + interval, performance.now());
          if (io.signal.aborted) break;
          let parts: Buffer[];
          try {
            await s.send(REQUEST_TEXT);
            parts = await s.receive();
          } catch (e) {
            if (io.signal.aborted) break;
            if ((e as { code?: string }).code === 'EAGAIN')
              throw new ExecError('REQUEST_TIMEOUT', `no reply from ${plan.endpoint} within ${timeoutMs} ms`, io.node.id);
            throw e;
          }
          let msg;
          try {
            msg = decode(parts).msg;
          } catch (e) {
            // Whatever is wrong with one reply is that reply's error: counted, never the run's.
            io.warn(e instanceof WireError ? e : new WireError('BAD_HEADER', `reply could not be read: ${(e as Error).message}`));
            continue;
          }
          if (msg.kind === 'eos') break;
          await io.emit('out', msg);
          n++;
        }
      } finally {
        io.signal.removeEventListener('abort', onAbort);
      }
      return n;
    },
    async close() {
      if (socket && !socket.closed) socket.close();
    },
  };
};

export default requestStage;
