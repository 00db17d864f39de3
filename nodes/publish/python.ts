/**
 * Publish in an exported script: each frame on its PUB (opened by the exporter) under its
 * topic, in patchbay's wire format or pickled for the course's `recv_pyobj()`; end of stream
 * to every subscriber at the end (none in pickle mode).
 */
import { py, type PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { publish } from './index.ts';

const template: PythonTemplate = {
  kind: 'sink',
  body(n) {
    const { topic, codec } = n.params as ParamsOf<typeof publish>;
    const s = n.sockets.own!;
    if (codec === 'pickle')
      return [
        `${s}.send_string(${py(topic)}, zmq.SNDMORE)`,
        `${s}.send_pyobj(${n.input}.data)  # pickled, as the course sends it`,
      ];
    return [`send_frame(${s}, ${n.input}, topic=${py(topic)})`];
  },
  end(n) {
    const { topic, codec } = n.params as ParamsOf<typeof publish>;
    const s = n.sockets.own!;
    if (codec === 'pickle') return [`# ${n.id}: pickle mode sends no end of stream (recv_pyobj() could not read one)`];
    return [
      `# ${n.id}: end of stream, again while patchbay's subscribers (which leave at it) are subscribed`,
      `if not publish_eos(${s}, ${n.count}, topic=${py(topic)}):`,
      `    print(${py(`${n.id}: a subscriber did not take end of stream within 30 s`)}, file=sys.stderr)`,
    ];
  },
};

export default template;
