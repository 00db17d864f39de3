import type { NodeDecl } from '../types.ts';

export const hdf5Sink = {
  type: 'HDF5Sink',
  role: 'sink',
  inputs: [{ name: 'in', type: 'any', doc: 'Frames or spectra to record' }],
  outputs: [],
  params: {
    file: {
      kind: 'string',
      required: true,
      doc: "File to write; {date} and {time} are replaced by the run's start; missing directories are created",
    },
    group: { kind: 'string', default: '', doc: "Group inside the file; empty uses the run's start time" },
    dataset: {
      kind: 'string',
      default: 'frames',
      pattern: '[A-Za-z0-9_.-]+',
      doc: 'Name of the frames dataset in the group',
    },
    compression: { kind: 'enum', choices: ['none', 'gzip'], default: 'none', doc: 'Compression filter' },
    level: { kind: 'number', default: 4, min: 1, max: 9, integer: true, doc: 'gzip level (1 fastest, 9 smallest)' },
    chunkFrames: {
      kind: 'number',
      default: 1,
      min: 1,
      max: 4096,
      integer: true,
      unit: 'frames',
      doc: 'Frames per HDF5 chunk; with gzip, chunks are compressed whole',
    },
    flushEvery: {
      kind: 'number',
      default: 1,
      min: 0.01,
      max: 3600,
      unit: 's',
      doc: 'Flush to disk this often; a killed run loses at most this much',
    },
    maxFrames: {
      kind: 'number',
      default: 0,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
      unit: 'frames',
      doc: 'Record only the first this many frames (later ones are counted, not written); 0 records all',
    },
    ifExists: {
      kind: 'enum',
      choices: ['error', 'append', 'overwrite'],
      default: 'error',
      doc: 'What to do when the file exists: refuse, add a group, or replace it',
    },
  },
  pool: { threads: 1, unit: 'writer' },
  exclusive: { param: 'file', code: 'DUPLICATE_FILE' },
  caption: { param: 'file' },
  docs: {
    summary: 'Appends frames to an extendable dataset in an HDF5 file',
    description:
      'The recorder: one writer per file, in a worker of its own. Frames go to (N, ...shape) with their ' +
      'seq and timestamps beside them; the file is flushed every `flushEvery` seconds and readable by ' +
      'h5py at any moment after a flush.',
  },
} as const satisfies NodeDecl;
