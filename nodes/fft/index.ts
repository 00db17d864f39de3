import type { NodeDecl } from '../types.ts';

export const fft = {
  type: 'FFT',
  role: 'compute',
  inputs: [{ name: 'in', type: 'frame', doc: 'Frames (uint8, uint16, float32 or float64)' }],
  outputs: [{ name: 'out', type: 'spectrum', doc: 'The 2D Fourier transform of each frame' }],
  params: {
    threads: { kind: 'number', default: 2, min: 1, max: 64, integer: true, unit: 'workers', doc: 'Workers in the pool computing transforms in parallel' },
    output: {
      kind: 'enum',
      choices: ['complex', 'half', 'magnitude', 'log-magnitude', 'power'],
      default: 'magnitude',
      doc: 'complex: numpy fft2 (complex128); half: numpy rfft2; magnitude, log-magnitude, power: float32 for display',
    },
    shift: { kind: 'boolean', default: false, doc: 'Move the zero frequency to the centre (fftshift)' },
    precision: { kind: 'enum', choices: ['exact', 'fast'], default: 'exact', doc: 'exact: float64, equal to numpy; fast: float32' },
  },
  docs: {
    summary: 'Worker pool computing the 2D FFT of each frame',
    description:
      'The course\'s worker: each frame is transformed by one of `threads` workers. Order is kept: ' +
      'frames leave in the order they came in.',
  },
} as const satisfies NodeDecl;
