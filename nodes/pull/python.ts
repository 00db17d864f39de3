/**
 * Pull in an exported script: its PULL (opened by the exporter) brings the frames; it stops
 * after `frames`; with a handshake it answers a ventilator's ready request with an empty
 * message once it is receiving, as the course's synchronised sink does.
 */
import type { PythonTemplate } from '../../runtime/export/template.ts';
import type { ParamsOf } from '../types.ts';
import type { pull } from './index.ts';

const template: PythonTemplate = {
  kind: 'step',
  body: (n, emit) => emit(n.input),
  framesLimit: (n) => (n.params as ParamsOf<typeof pull>).frames,
  serve: (n) =>
    n.sockets.handshake
      ? {
          socket: n.sockets.handshake,
          lines: [
            `${n.sockets.handshake}.recv()  # a ventilator asks whether this sink is ready`,
            `${n.sockets.handshake}.send(b"")`,
          ],
        }
      : undefined,
};

export default template;
