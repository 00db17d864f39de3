import type { NodeDecl } from '../types.ts';
import { endpointParam } from '../common.ts';

export const request = {
  type: 'Request',
  role: 'socket',
  inputs: [],
  outputs: [{ name: 'out', type: 'any', doc: 'Each reply: the latest frame of the Reply node' }],
  params: {
    endpoint: endpointParam('The Reply endpoint to connect to, e.g. tcp://127.0.0.1:5556', true),
    rate: { kind: 'number', default: 10, min: 0.001, max: 100_000, unit: 'Hz', doc: 'How often to ask for a frame' },
    frames: {
      kind: 'number',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
      unit: 'frames',
      doc: 'Stop after this many replies; 0 runs until stopped',
    },
    timeoutMs: {
      kind: 'number',
      default: 5000,
      min: 1,
      max: 3_600_000,
      integer: true,
      unit: 'ms',
      doc: 'Give up on a reply after this long',
    },
    request: {
      kind: 'string',
      default: '',
      doc: "The text of each request, e.g. read for the course's camera server; empty sends patchbay's own request",
    },
  },
  socket: { own: 'REQ', side: 'connect', role: 'client' },
  progress: { param: 'frames' },
  docs: {
    summary: 'REQ socket: asks a Reply node for a frame at a set rate',
    description:
      'The client connects a REQ socket and sends a request; it must receive the reply before it may ' +
      'ask again (lock-step). Each reply is the frame the server had most recently.',
  },
} as const satisfies NodeDecl;
