/**
 * Every message between the HDF5Sink stage and its writer (writer-host.ts): on the stage's
 * thread with libhdf5, in a worker thread with h5wasm.
 * Pixels never travel in these: they sit in a SharedArrayBuffer slab of `slots` frame
 * slots that the stage fills in order and the writer empties in order, or (libhdf5, one
 * frame per chunk, uncompressed) in the frame's own buffer, which the stage keeps until
 * the writer has written it (`at`: its address).
 */
import type { DType } from '../../runtime/wire/index.ts';
import type { Hdf5SinkErrorData } from './errors.ts';
import type { H5LibraryName } from './library.ts';
import type { WriterOptions } from './writer.ts';

export type ToWriter =
  /** Create the file and group; answered by `opened` or `failed`. */
  | { type: 'open'; options: WriterOptions; flushEvery: number }
  /** The first frame fixed the layout: here is the slab its frames will arrive in. */
  | { type: 'begin'; dtype: DType; shape: number[]; slab: SharedArrayBuffer; slots: number; batchFrames: number }
  /** Slot `slot` holds the next frame; or, with `at`, its bytes are at that address (the slot is unused). */
  | { type: 'frame'; slot: number; at?: number; seq: number; t: bigint; meta?: Record<string, unknown> }
  /** No more frames: write what is queued, flush, close; answered by `closed` or `failed`. */
  | { type: 'end' };

export type FromWriter =
  | { type: 'opened'; file: string; group: string; library: H5LibraryName }
  /**
   * `frames` frames have left the slab and are in the dataset; their slots (and the frames
   * the stage kept for it) are free again.
   * `nsPerFrame`: what writing a frame costs now, which bounds how many may wait.
   */
  | { type: 'written'; frames: number; busyNs: number; nsPerFrame: number }
  /** HDF5 flushed with `frames` frames in the dataset: a killed process keeps at least these. */
  | { type: 'flushed'; frames: number }
  | { type: 'closed'; frames: number; busyNs: number }
  /** Something the writer left out and went on (meta it cannot store): the stage warns. */
  | { type: 'warning'; error: Hdf5SinkErrorData }
  /** The writer stopped; `frames` is what the file holds (as of its last good flush when the close failed too). */
  | { type: 'failed'; error: Hdf5SinkErrorData; frames: number };
