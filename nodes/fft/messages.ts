/** The messages between the FFT stage (main thread) and its Piscina workers. */
import type { InputDType, OutputMode, Precision } from './fft2.ts';

/**
 * One frame to transform. Pixels never travel in the message: the input sits in the
 * shared slab at `inOffset` (shared with every worker, never copied), or, for the native
 * transform, where the frame lies: at the address `at`, held by the stage until the result.
 */
export interface FftTask {
  /** The input slab, shared with every worker. */
  slab: SharedArrayBuffer;
  inOffset: number;
  /** Where the frame's bytes are in this process's memory (nativeAddress), instead of the slab. */
  at?: number;
  /** The frame's size in bytes, with `at`. */
  inBytes?: number;
  dtype: InputDType;
  height: number;
  width: number;
  /** C of an (H, W, C) frame, interleaved as numpy's C order has it; 1 for an (H, W) frame. */
  channels: number;
  output: OutputMode;
  shift: boolean;
  precision: Precision;
  /**
   * Where the spectrum goes, for large spectra: a plain ArrayBuffer the main thread allocated
   * and moved here in the transfer list (why: MAIN_ALLOC_BYTES in stage.ts). Without it the
   * worker allocates one.
   */
  out?: ArrayBuffer;
}

export interface FftResult {
  /**
   * The spectrum, in the task's ArrayBuffer (or, without one, the worker's own) moved (not
   * copied) to the main thread: it becomes the output frame's payload, and the main thread's
   * garbage collector frees it once nobody holds the frame.
   */
  out: ArrayBuffer;
  /** Nanoseconds the worker spent on the transform. */
  busyNs: number;
  /** Payload bytes the worker copied (into and out of WebAssembly memory; none natively). */
  bytesCopied: number;
}

/** A spectrum's buffer, not zero-filled (the transform writes every byte): saves clearing 8 MiB per 1024x1024 spectrum. */
export function newSpectrumBuffer(bytes: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
}
