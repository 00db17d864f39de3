/**
 * Push in an exported script: the ventilator. With a handshake it asks the sink (REQ, an empty
 * message) before the first frame, as the course's synchronised ventilator does; each frame
 * goes to one worker, in patchbay's wire format or pickled; end of stream to each worker of the
 * graph at the end (none in pickle mode).
 */
import { py, type PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { push } from './index.ts';

const template: PythonTemplate = {
  kind: 'sink',
  start(n) {
    const hs = n.sockets.handshake;
    if (!hs) return [];
    return [
      `# ${n.id}: ask the sink whether it is ready before the first frame (the course's synchronised start)`,
      `print(${py(`${n.id}: waiting for the sink at ${(n.params as ParamsOf<typeof push>).handshake}`)}, file=sys.stderr, flush=True)`,
      `${hs}.send(b"")`,
      `if wait_readable(${hs}):`,
      `    ${hs}.recv()`,
    ];
  },
  body(n) {
    const s = n.sockets.own!;
    return (n.params as ParamsOf<typeof push>).codec === 'pickle'
      ? [`${s}.send_pyobj(${n.input}.data)  # pickled, as the course sends it`]
      : [`send_frame(${s}, ${n.input})`];
  },
  end(n) {
    const s = n.sockets.own!;
    if ((n.params as ParamsOf<typeof push>).codec === 'pickle')
      return [`# ${n.id}: pickle mode sends no end of stream (recv_pyobj() could not read one)`];
    const workers = Math.max(1, n.peers);
    return [
      `# ${n.id}: end of stream, one for each of the graph's ${workers} worker${workers === 1 ? '' : 's'} (a worker stops at the first it sees)`,
      `${s}.setsockopt(zmq.SNDTIMEO, 5000)`,
      'try:',
      `    for _ in range(${workers}):`,
      `        send_eos(${s}, ${n.count})`,
      'except zmq.Again:',
      `    print(${py(`${n.id}: no worker took end of stream within 5 s`)}, file=sys.stderr)`,
    ];
  },
};

export default template;
