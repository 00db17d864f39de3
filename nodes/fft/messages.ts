/** The messages between the FFT stage (main thread) and its Piscina workers. */
import type { InputDType, OutputMode, Precision } from './fft2.ts';

/**
 * One frame to transform. Pixels never travel in the message: the input sits in the
 * shared slab at `inOffset`, and the worker writes the spectrum into `out`, a shared
 * buffer of the frame's own (both are shared with the worker, never copied).
 */
export interface FftTask {
  /** The input slab, shared with every worker. */
  slab: SharedArrayBuffer;
  inOffset: number;
  /** A fresh buffer for this frame's spectrum: it becomes the output frame's payload. */
  out: SharedArrayBuffer;
  dtype: InputDType;
  height: number;
  width: number;
  output: OutputMode;
  shift: boolean;
  precision: Precision;
}

export interface FftResult {
  /** Nanoseconds the worker spent on the transform. */
  busyNs: number;
  /** Payload bytes the worker copied (into and out of WebAssembly memory). */
  bytesCopied: number;
}
