import type { NodeDecl } from '../types.ts';

export const copy = {
  type: 'Copy',
  role: 'fanout',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames to fan out' }],
  outputs: [{ name: 'out', type: 'any', many: true, doc: 'Every branch gets every frame' }],
  params: {
    mode: {
      kind: 'enum',
      choices: ['shallow', 'deep'],
      default: 'shallow',
      doc: 'shallow: every branch shares one buffer; deep: each branch gets its own copy',
    },
  },
  docs: {
    summary: 'In-process fan-out: shallow (shared buffer) or deep (a copy per branch)',
    description:
      'The lesson on shallow and deep copies. A shallow copy hands the same buffer to every branch: ' +
      'cheap, but a branch that writes into it changes what the others see. A deep copy gives each ' +
      'branch its own bytes. Nothing is dropped: the slowest branch sets the pace.',
  },
} as const satisfies NodeDecl;
