import type { NodeDecl } from '../types.ts';
import { bindParam, endpointParam, framesLimitParam, handshakeParam, hwmParam, maxMessageParam } from '../common.ts';

export const pull = {
  type: 'Pull',
  role: 'socket',
  inputs: [{ name: 'in', type: 'any', many: true, doc: 'Frames from any number of producers' }],
  outputs: [{ name: 'out', type: 'any', doc: 'Frames fair-queued from all producers' }],
  params: {
    endpoint: endpointParam('Where the sink binds, e.g. tcp://127.0.0.1:5558; empty gives an inproc endpoint'),
    hwm: hwmParam(4),
    maxMessageMiB: maxMessageParam,
    bind: bindParam(true),
    frames: framesLimitParam,
    handshake: handshakeParam(
      "Where to answer a ventilator's ready request (REP, bound) once this sink is ready, as the course's synchronised sink does, e.g. tcp://*:5557; empty: none",
    ),
  },
  socket: { own: 'PULL', side: 'bind', peerIn: 'PUSH', role: 'sink', handshake: 'REP' },
  docs: {
    summary: 'PULL socket: the sink, fair-queued fan-in from many workers',
    description:
      'The sink binds a PULL socket and every worker connects a PUSH socket to it. Messages from all ' +
      'workers are fair-queued. Nothing is dropped: a worker whose queue is full waits.',
  },
} as const satisfies NodeDecl;
