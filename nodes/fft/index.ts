import type { NodeDecl } from '../types.ts';

export const fft = {
  type: 'FFT',
  role: 'compute',
  inputs: [
    { name: 'in', type: 'frame', doc: 'Frames (uint8, uint16, float32 or float64), [H, W] or colour [H, W, C]' },
  ],
  outputs: [
    {
      name: 'out',
      type: 'spectrum',
      doc: 'The 2D Fourier transform of each frame (of each channel of a colour frame)',
    },
  ],
  params: {
    threads: {
      kind: 'number',
      default: 2,
      min: 1,
      max: 64,
      integer: true,
      unit: 'workers',
      doc: 'Workers in the pool computing transforms in parallel',
    },
    output: {
      kind: 'enum',
      choices: ['complex', 'half', 'magnitude', 'log-magnitude', 'power'],
      default: 'magnitude',
      doc:
        'complex: numpy fft2, shape [H, W]; half: numpy rfft2, shape [H, W/2+1] (a colour frame [H, W, C] gives ' +
        '[H, W, C] and [H, W/2+1, C], fft2(x, axes=(0, 1))); magnitude: |X|; ' +
        'log-magnitude: log1p(|X|), for display; power: |X|². Complex modes give complex128 (exact) or ' +
        'complex64 (fast); the others float64 (exact) or float32 (fast)',
    },
    shift: {
      kind: 'boolean',
      default: false,
      doc: 'Move the zero frequency to the centre (numpy fftshift over height and width, axes=(0, 1); for half, axis 0 only, like fftshift(x, axes=0))',
    },
    precision: {
      kind: 'enum',
      choices: ['exact', 'fast'],
      default: 'exact',
      doc: 'exact: float64, equal to numpy within 1e-9 of the largest value; fast: float32, within 1e-5 (log-magnitude 1e-3; docs/fft.md)',
    },
  },
  pool: { threads: 'threads', unit: 'thread' },
  // Spectra are shown with the zero frequency in the centre, as a physicist expects to see them
  // (unless already shifted, or half a spectrum), on a log scale unless already logarithmic.
  preview: {
    scale: 'log',
    shift: true,
    when: [
      { param: 'output', value: 'log-magnitude', set: { scale: 'linear' } },
      { param: 'output', value: 'half', set: { shift: false } },
      { param: 'shift', value: true, set: { shift: false } },
    ],
  },
  docs: {
    summary: 'Worker pool computing the 2D FFT of each frame',
    description:
      "The course's worker: each frame is transformed by one of `threads` workers. Order is kept: " +
      'frames leave in the order they came in, with their seq, time and meta. Frames of any size ' +
      "(uint8, uint16, float32, float64) give the same numbers as numpy's fft2 / rfft2; colour frames " +
      "[H, W, C] (a webcam's BGR) are transformed channel by channel, as fft2(x, axes=(0, 1)); a frame it " +
      'cannot transform is counted and skipped.',
  },
} as const satisfies NodeDecl;
