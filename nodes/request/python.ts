/**
 * Request in an exported script: the client. It asks `rate` times a second (the course's
 * `read`, or patchbay's own request), in lock step; a reply is a frame (wire format or a
 * pickle), or end of stream, which ends it. No reply within `timeoutMs`, or one that is no
 * frame, fails the script (exit status 1), as the node fails the run.
 */
import { py, type PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { request } from './index.ts';

/** What a Request node sends when its `request` param is empty (nodes/request/stage.ts). */
const PATCHBAY_REQUEST = '{"v":1,"kind":"request"}';

type Params = ParamsOf<typeof request>;

const template: PythonTemplate = {
  kind: 'source',
  body(n, emit) {
    const { request: text, timeoutMs, endpoint } = n.params as Params;
    const s = n.sockets.own!;
    const fail = (why: string) => [
      `    print(${py(`${n.id}: ${why}`)}, file=sys.stderr)`,
      '    status = 1',
      '    break',
    ];
    return [
      `${s}.send_string(${py(text === '' ? PATCHBAY_REQUEST : text)})`,
      `if not ${s}.poll(${timeoutMs}):`,
      ...fail(`no reply from ${endpoint} within ${timeoutMs} ms (REQUEST_TIMEOUT)`),
      `${n.name}_reply = decode(${s}.recv_multipart(), id(${s}))`,
      `if ${n.name}_reply is None:  # the server's end of stream`,
      '    break',
      `if ${n.name}_reply is DROPPED:`,
      ...fail(`${endpoint} answered something that is not a frame (BAD_REPLY): is it a frame server?`),
      ...emit(`${n.name}_reply`),
    ];
  },
  framesLimit: (n) => (n.params as Params).frames,
  period: (n) => 1 / (n.params as Params).rate,
};

export default template;
