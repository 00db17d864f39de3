/**
 * h5wasm as patchbay uses it, for every node type that reads or writes HDF5 (the recorder
 * today, a replaying source next): loading it once per thread, the HDF5 type of each wire
 * dtype, and HDF5's error stack captured instead of printed.
 */
import fs from 'node:fs';
import type { DType } from '../../runtime/wire/index.ts';

export type H5 = (typeof import('h5wasm/node'))['default'];
export type H5Module = Awaited<H5['ready']>;
export type H5File = InstanceType<H5['File']>;
export type H5Group = InstanceType<H5['Group']>;
export type H5Dtype = Parameters<H5Group['create_dataset']>[0]['dtype'];

let loading: Promise<{ h5: H5; M: H5Module }> | undefined;

/** Loads h5wasm once per thread (about 90 ms). */
export function loadH5wasm(): Promise<{ h5: H5; M: H5Module }> {
  loading ??= import('h5wasm/node').then(async (mod) => ({ h5: mod.default, M: await mod.default.ready }));
  return loading;
}

/** The HDF5 type of each wire dtype; complex is the compound {r, i} that h5py reads as numpy complex. */
export const H5_DTYPE: Record<DType, H5Dtype> = {
  uint8: '<B',
  uint16: '<H',
  int16: '<h',
  int32: '<i',
  float32: '<f',
  float64: '<d',
  complex64: [
    ['r', '<f'],
    ['i', '<f'],
  ],
  complex128: [
    ['r', '<d'],
    ['i', '<d'],
  ],
};

export interface Diag {
  /** HDF5's error stack, as it would have been printed. */
  text: string;
  /** The operating system's message quoted in the stack ("No space left on device"). */
  osMessage?: string;
  /** The innermost HDF5 complaint. */
  summary?: string;
}

type WriteSync = typeof fs.writeSync;

/**
 * Runs one synchronous h5wasm call with HDF5's error stack captured instead of printed.
 * h5wasm reports most failures only by printing that stack to fd 2 through fs.writeSync
 * and returning a negative id or status, so the stack is where the reason is.
 */
export function captureDiag<T>(fn: () => T): { value: T; diag?: Diag } {
  const original: WriteSync = fs.writeSync;
  const chunks: string[] = [];
  const capture = function (
    fd: number,
    buffer: string | NodeJS.ArrayBufferView,
    a?: unknown,
    b?: unknown,
    c?: unknown,
  ): number {
    if (fd !== 2) return (original as (...args: unknown[]) => number).call(fs, fd, buffer, a, b, c);
    if (typeof buffer === 'string') {
      chunks.push(buffer);
      return Buffer.byteLength(buffer);
    }
    const offset = typeof a === 'number' ? a : 0;
    const length = typeof b === 'number' ? b : buffer.byteLength - offset;
    chunks.push(Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString('utf8'));
    return length;
  };
  (fs as { writeSync: unknown }).writeSync = capture;
  let value: T;
  try {
    value = fn();
  } finally {
    (fs as { writeSync: WriteSync }).writeSync = original;
  }
  if (chunks.length === 0) return { value };
  return { value, diag: parseDiag(chunks.join('')) };
}

/** The operating system's message and the innermost complaint of an HDF5 error stack as H5Eprint prints it (h5wasm's, libhdf5's). */
export function parseDiag(text: string): Diag {
  const os = /error message = '([^']*)'/.exec(text)?.[1];
  const frames = [...text.matchAll(/#\d+: .* in ([A-Za-z0-9_]+\(\)): (.*)/g)];
  const last = frames.at(-1);
  return { text, osMessage: os, summary: last ? `${last[1]}: ${last[2]}` : undefined };
}
