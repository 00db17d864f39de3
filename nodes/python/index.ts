import type { NodeDecl } from '../types.ts';

export const python = {
  type: 'Python',
  role: 'compute',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames of any dtype and shape: process() gets each as a numpy array' }],
  outputs: [
    {
      name: 'out',
      type: 'any',
      doc: "What process() returns: one frame per array, in input order, with the input frame's seq, t and meta",
    },
  ],
  params: {
    script: {
      kind: 'string',
      required: true,
      doc:
        'A .py file defining process(frame, header): frame is a numpy array (the received bytes, not a copy), header a dict ' +
        'with seq, t (ns), dtype, shape and meta (a dict process() may change); it returns an array, a list of arrays ' +
        '(several frames with that seq), or None (the frame is dropped). Relative paths are from the working directory',
    },
    python: {
      kind: 'string',
      default: 'python3',
      doc: "The interpreter (a name on PATH or a path, e.g. a virtualenv's bin/python); it needs numpy and pyzmq",
    },
    workers: {
      kind: 'number',
      default: 1,
      min: 1,
      max: 64,
      integer: true,
      unit: 'processes',
      doc: 'Interpreter processes working on frames in parallel; order is kept. Each has its own module state (a running background is per process)',
    },
  },
  pool: { threads: 'workers', unit: 'process' },
  caption: { param: 'script' },
  docs: {
    summary: 'Your own processing step, written in Python with numpy',
    description:
      "The course's worker, written by you: each frame is given to process(frame, header) in your script, run by " +
      '`workers` Python processes that patchbay starts and supervises. Frames reach them through shared memory, ' +
      "their headers in patchbay's wire format over ipc:// sockets (no pickles, no copy on the Python side), and " +
      'come back in the order they came in. The ' +
      "script's prints appear in the run's output prefixed with the node's id; an exception in process() stops the " +
      'run with its traceback, the frames before it passed on.',
  },
} as const satisfies NodeDecl;
