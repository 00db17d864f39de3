import type * as zmq from 'zeromq';
import { ExecError } from '../../runtime/exec/errors.ts';
import { attach, createSocket } from '../../runtime/exec/sockets.ts';
import type { StageFactory } from '../../runtime/exec/stage.ts';
import { encode, type Frame } from '../../runtime/wire/index.ts';
import { encodePickle } from '../../runtime/wire/pickle.ts';
import type { ParamsOf } from '../types.ts';
import type { reply } from './index.ts';

/** What a course camera server answers a client's `stop` with (text, as send_string sends it). */
const STOPPING = 'Stopping server';

/**
 * Reply: a REP socket answering each request with the latest frame. A client never gets the
 * same frame twice in a row: a request waits for a frame newer than the last reply. After the
 * input has ended, every request is answered with end of stream (carrying the frames received),
 * until the run closes. With `codec: pickle` it is the course's camera server: any request
 * (`read`) gets the latest frame pickled, `stop` gets the text "Stopping server", and after the
 * input has ended the last frame is sent again (a course client knows no end of stream).
 */
const replyStage: StageFactory = (io) => {
  const pickle = (io.node.params as ParamsOf<typeof reply>).codec === 'pickle';
  const plan = io.sockets?.find((s) => s.type === 'REP');
  if (!plan) throw new ExecError('BAD_PLAN', 'the plan gives this Reply node no REP socket', io.node.id);
  let socket: zmq.Reply | undefined;
  let latest: Frame | undefined;
  let lastSent: Frame | undefined;
  let received = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };
  const next = async (): Promise<Frame | undefined> => {
    while (!ended && (latest === undefined || latest === lastSent)) await new Promise<void>((r) => (wake = r));
    return latest !== lastSent ? latest : undefined;
  };

  async function serve(s: zmq.Reply): Promise<void> {
    for (;;) {
      let request: Buffer[];
      try {
        request = await s.receive();
      } catch (e) {
        if (s.closed) return;
        throw e;
      }
      if (pickle && request.length === 1 && request[0].toString() === 'stop') {
        await s.send(STOPPING);
        continue;
      }
      // The graph's own Request, in process: it takes the frame itself (a course client's pickles
      // keep their own seq, so a pickle server answers it with pickles too).
      const byRef =
        io.refs && !pickle && request.length === 1 && request[0].toString() === io.refs.request ? io.refs : undefined;
      let frame = await next();
      if (s.closed) return;
      if (!frame && pickle) frame = latest;
      if (frame) {
        lastSent = frame;
        io.stats.framesOut++;
        io.stats.bytesOut += frame.data.byteLength;
        await s.send(byRef ? byRef.ref(frame) : pickle ? encodePickle(frame) : encode(frame));
      } else {
        await s.send(encode({ kind: 'eos', seq: received }));
      }
    }
  }

  return {
    async open() {
      socket = createSocket('REP', plan.hwm) as zmq.Reply;
      await attach(socket, plan);
      serve(socket).catch((e: Error) =>
        io.warn(new ExecError('SOCKET_ERROR', `REP ${plan.endpoint}: ${e.message}`, io.node.id)),
      );
    },
    async receive(_port, frame) {
      received++;
      latest = frame;
      changed();
    },
    async end() {
      ended = true;
      changed();
    },
    async close() {
      ended = true;
      changed();
      if (socket && !socket.closed) socket.close();
    },
  };
};

export default replyStage;
