/** The messages between the FFT stage (main thread) and its Piscina workers. */
import type { InputDType, OutputMode, Precision } from './fft2.ts';

/**
 * One frame to transform. Pixels never travel in the message: the input sits in the
 * shared slab at `inOffset`, the worker writes the result at `outOffset`.
 */
export interface FftTask {
  /** The slab, shared (not copied) with every worker. */
  slab: SharedArrayBuffer;
  inOffset: number;
  outOffset: number;
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
}
