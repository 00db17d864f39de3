import type * as zmq from 'zeromq';
import { ExecError } from '../../runtime/exec/errors.ts';
import { attach, createSocket } from '../../runtime/exec/sockets.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import { decode, nowNs, WireError } from '../../runtime/wire/index.ts';
import { decodePickle, isPickle } from '../../runtime/wire/pickle.ts';
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
  const { rate, frames: limit, timeoutMs, request: text } = io.node.params as ParamsOf<typeof request>;
  let socket: zmq.Request | undefined;
  // The graph's own Reply, met in process: it answers with a reference to its frame, no bytes moved.
  const refs = plan.inproc && text === '' ? io.refs : undefined;
  const ask = refs ? refs.request : text === '' ? REQUEST_TEXT : text;

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
            await s.send(ask);
            parts = await s.receive();
          } catch (e) {
            if (io.signal.aborted) break;
            if ((e as { code?: string }).code === 'EAGAIN')
              throw new ExecError(
                'REQUEST_TIMEOUT',
                `no reply from ${plan.endpoint} within ${timeoutMs} ms`,
                io.node.id,
              );
            throw e;
          }
          const byRef = refs && parts.length === 1 ? refs.take(parts[0]) : undefined;
          if (byRef) {
            await io.emit('out', { ...byRef });
            n++;
            continue;
          }
          let msg;
          try {
            // A course server answers send_pyobj(frame): a pickled numpy array.
            msg =
              parts.length === 1 && isPickle(parts[0])
                ? { kind: 'frame' as const, seq: n, t: nowNs(), ...decodePickle(parts[0]) }
                : decode(parts).msg;
          } catch (e) {
            // Not a frame at all (a server of text, or of pickles of other things): asking again
            // would get the same answer forever. A frame that is broken is that frame's error.
            if (!looksLikeFrame(parts) || (e instanceof WireError && e.code === 'PICKLE_NOT_ARRAY'))
              throw new ExecError(
                'BAD_REPLY',
                `${plan.endpoint} answered ${describeReply(parts, e)}, not a frame: is it a frame server? (set request to what it expects, e.g. read)`,
                io.node.id,
              );
            io.warn(
              e instanceof WireError
                ? e
                : new WireError('BAD_HEADER', `reply could not be read: ${(e as Error).message}`),
            );
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

/** A reply shaped like a frame: patchbay's JSON header (and payload), or a pickle. */
function looksLikeFrame(parts: readonly Buffer[]): boolean {
  const first = parts[0];
  return first !== undefined && first.length > 0 && (first[0] === 0x7b /* { */ || isPickle(first));
}

/** What a server answered, in a few words: "the text \"Message Received\"", "a pickle of str". */
function describeReply(parts: readonly Buffer[], e: unknown): string {
  const first = parts[0] ?? Buffer.alloc(0);
  if (isPickle(first)) return (e as Error).message.replace(/;.*$/, '');
  const text = first.toString('utf8', 0, Math.min(first.length, 60));
  const printable = /^[\x20-\x7e]*$/.test(text);
  return printable
    ? `the text ${JSON.stringify(text)}${first.length > 60 ? '...' : ''}`
    : `${first.length} bytes that are neither a frame nor text`;
}
