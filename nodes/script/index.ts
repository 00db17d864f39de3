import type { NodeDecl } from '../types.ts';

export const script = {
  type: 'Script',
  role: 'compute',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames for the function' }],
  outputs: [{ name: 'out', type: 'any', doc: 'What the function returns: a frame, several, or none' }],
  params: {
    module: {
      kind: 'string',
      required: true,
      doc: 'A .ts or .js file whose default export is (frame, header) => frame | frames | undefined',
    },
    threads: {
      kind: 'number',
      default: 1,
      min: 1,
      max: 64,
      integer: true,
      unit: 'threads',
      doc: 'Worker threads calling the function; frames leave in the order they came',
    },
  },
  pool: { threads: 'threads', unit: 'thread' },
  caption: { param: 'module' },
  docs: {
    summary: 'Your own step in TypeScript or JavaScript, on a pool of threads',
    description:
      'Calls the default export of `module` for each frame, on `threads` worker threads: ' +
      '(frame, header) => frame | frames | undefined, a frame being { data, shape, dtype } with ' +
      "data a typed array. Frames leave in the order they came, each result with its input's seq. " +
      'An exception fails the node with its message; the frames before it are kept.',
  },
} as const satisfies NodeDecl;
