import type { NodeDecl } from '../types.ts';
import { bindParam, endpointParam, framesLimitParam, hwmParam, maxMessageParam } from '../common.ts';

export const subscribe = {
  type: 'Subscribe',
  role: 'socket',
  inputs: [],
  outputs: [{ name: 'out', type: 'any', doc: 'Frames received from the publisher' }],
  params: {
    endpoint: endpointParam('The publisher to connect to, e.g. tcp://127.0.0.1:5555', true),
    topics: { kind: 'string[]', default: [''], doc: 'Topic prefixes to subscribe to; [""] takes everything' },
    hwm: hwmParam(4),
    maxMessageMiB: maxMessageParam,
    bind: bindParam(false),
    frames: framesLimitParam,
  },
  socket: { own: 'SUB', side: 'connect', role: 'subscriber' },
  docs: {
    summary: 'SUB socket: frames from a publisher outside this graph, filtered by topic',
    description:
      'The subscriber connects to a publisher (another graph, or a Python script) and keeps only ' +
      'messages whose topic starts with one of its filters. Frames published before the subscriber ' +
      'joined are never seen (the slow-joiner effect).',
  },
} as const satisfies NodeDecl;
