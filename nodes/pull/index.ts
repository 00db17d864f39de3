import type { NodeDecl } from '../types.ts';
import { bindParam, endpointParam, hwmParam, maxMessageParam } from '../common.ts';

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
  },
  socket: { own: 'PULL', side: 'bind', peerIn: 'PUSH', role: 'sink' },
  docs: {
    summary: 'PULL socket: the sink, fair-queued fan-in from many workers',
    description:
      'The sink binds a PULL socket and every worker connects a PUSH socket to it. Messages from all ' +
      'workers are fair-queued. Nothing is dropped: a worker whose queue is full waits.',
  },
} as const satisfies NodeDecl;
