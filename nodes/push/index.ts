import type { NodeDecl } from '../types.ts';
import { bindParam, codecParam, endpointParam, handshakeParam, hwmParam } from '../common.ts';

export const push = {
  type: 'Push',
  role: 'socket',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames to hand out' }],
  outputs: [{ name: 'out', type: 'any', many: true, doc: 'Each frame goes to exactly one worker, round robin' }],
  params: {
    endpoint: endpointParam('Where the ventilator binds, e.g. tcp://127.0.0.1:5557; empty gives an inproc endpoint'),
    hwm: hwmParam(4),
    bind: bindParam(true),
    waitFor: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 10_000,
      integer: true,
      unit: 'workers',
      doc: "Outside workers (e.g. students' scripts) to wait for before the source starts; needs a tcp or ipc endpoint",
    },
    codec: codecParam,
    handshake: handshakeParam(
      "A sink's ready socket (REP) to ask before the first frame, as the course's synchronised ventilator does, e.g. tcp://127.0.0.1:5557; empty: none",
    ),
  },
  socket: { own: 'PUSH', side: 'bind', peerOut: 'PULL', role: 'ventilator', handshake: 'REQ' },
  docs: {
    summary: 'PUSH socket: the ventilator, each frame to one worker',
    description:
      'The ventilator binds a PUSH socket and workers connect with PULL sockets. Frames are dealt ' +
      'round robin, one per worker in turn. Nothing is dropped: when every worker is busy and the ' +
      'high-water mark is reached, the ventilator waits.',
  },
} as const satisfies NodeDecl;
