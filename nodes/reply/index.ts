import type { NodeDecl } from '../types.ts';
import { bindParam, codecParam, endpointParam } from '../common.ts';

export const reply = {
  type: 'Reply',
  role: 'socket',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames; the latest one is kept to answer requests' }],
  outputs: [],
  params: {
    endpoint: endpointParam('Where the server binds, e.g. tcp://127.0.0.1:5556; empty gives an inproc endpoint'),
    bind: bindParam(true),
    codec: codecParam,
  },
  socket: { own: 'REP', side: 'bind', role: 'server' },
  docs: {
    summary: 'REP socket: answers each request with the latest frame',
    description:
      'The server binds a REP socket, receives a request and sends exactly one reply, then waits for ' +
      'the next request. Frames that arrive between requests replace each other: a client sees the ' +
      'latest frame, not every frame.',
  },
} as const satisfies NodeDecl;
