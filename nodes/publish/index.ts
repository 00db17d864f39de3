import type { NodeDecl } from '../types.ts';
import { bindParam, codecParam, endpointParam, hwmParam } from '../common.ts';

export const publish = {
  type: 'Publish',
  role: 'socket',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames to publish' }],
  outputs: [
    {
      name: 'out',
      type: 'any',
      many: true,
      doc: 'Every subscriber gets every frame (or drops at its high-water mark)',
    },
  ],
  params: {
    endpoint: endpointParam('Where the publisher binds, e.g. tcp://127.0.0.1:5555; empty gives an inproc endpoint'),
    topic: { kind: 'string', default: '', doc: 'Topic sent before each frame; subscribers filter on its prefix' },
    hwm: hwmParam(4),
    bind: bindParam(true),
    waitFor: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 10_000,
      integer: true,
      unit: 'subscribers',
      doc: "Outside subscribers (e.g. students' scripts) to wait for before the source starts",
    },
    codec: codecParam,
  },
  socket: { own: 'PUB', side: 'bind', peerOut: 'SUB', role: 'publisher' },
  docs: {
    summary: 'PUB socket: every subscriber gets every frame, topics filter',
    description:
      'The publisher binds and subscribers connect. Each message goes to every subscriber whose ' +
      'topic filter matches. A slow subscriber does not slow the publisher: when its high-water mark ' +
      'is reached, frames for it are dropped, and patchbay counts every drop per subscriber.',
  },
} as const satisfies NodeDecl;
