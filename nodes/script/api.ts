/**
 * What a Script node's module sees (import these types in your module): a frame is its
 * pixels as a typed array, its shape and its dtype; the header carries seq, t and meta.
 */
import type { DType } from '../../runtime/wire/index.ts';

export type Pixels = Uint8Array | Uint16Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface ScriptFrame {
  /** The pixels, C order (complex dtypes: interleaved re, im as Float32Array/Float64Array). */
  data: Pixels;
  shape: number[];
  dtype: DType;
}

export interface ScriptHeader {
  seq: number;
  /** Acquisition time, ns since the Unix epoch. */
  t: bigint;
  meta?: Record<string, unknown>;
}

/** The default export of a Script node's module. Return undefined (or []) to drop the frame. */
export type ScriptFunction = (
  frame: ScriptFrame,
  header: ScriptHeader,
) => ScriptFrame | ScriptFrame[] | undefined | Promise<ScriptFrame | ScriptFrame[] | undefined>;
