import type { NodeDecl } from '../types.ts';

export const hdf5Source = {
  type: 'HDF5Source',
  role: 'source',
  inputs: [],
  outputs: [{ name: 'out', type: 'any', doc: "The recorded frames, one per index of the dataset's first axis" }],
  params: {
    file: { kind: 'string', required: true, doc: 'HDF5 file to replay (a patchbay recording, or any file h5py wrote)' },
    group: {
      kind: 'string',
      default: '',
      doc: "Group holding the dataset; empty: the last group (by name) that has it, else the file's top level",
    },
    dataset: {
      kind: 'string',
      default: 'frames',
      doc: 'The (N, ...) dataset: each index of its first axis is one frame',
    },
    fps: {
      kind: 'number',
      default: 0,
      min: 0,
      max: 1_000_000,
      unit: 'frames/s',
      doc: 'Pace of the replay; 0 sends as fast as downstream takes them (nothing dropped)',
    },
    realtime: {
      kind: 'boolean',
      default: false,
      doc: 'Pace by the recorded timestamps (the gaps between frames as they were recorded); needs a timestamps dataset',
    },
    start: {
      kind: 'number',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
      unit: 'frames',
      doc: 'First index replayed',
    },
    stop: {
      kind: 'number',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
      unit: 'frames',
      doc: 'Index replaying stops before; 0: the end of the dataset',
    },
    loop: { kind: 'boolean', default: false, doc: 'Start again from `start` after `stop`, until the run is stopped' },
  },
  caption: { param: 'file' },
  docs: {
    summary: 'Replays frames recorded in an HDF5 file, so a pipeline can be built away from the camera',
    description:
      'Reads an (N, ...) dataset frame by frame, from a patchbay recording or any file h5py wrote. ' +
      'Where the recording has seq and timestamps beside its frames, they are sent with each frame; ' +
      'otherwise seq counts from 0 and t is the replay time. At fps 0 frames go as fast as the ' +
      'pipeline takes them, none dropped; fps or realtime paces them like a camera.',
  },
} as const satisfies NodeDecl;
