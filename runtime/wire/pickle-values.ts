/**
 * The values the pickle interpreter (pickle-decode.ts) builds on its stack, and the numpy array
 * they describe made into a frame: dtype, C order, little-endian.
 */
import { DTYPES, itemSize, shapeSize, WireError, type Frame } from './index.ts';
import { DTYPE_OF_CODE, KIND_NAMES, type Role } from './pickle-ops.ts';

export const bad = (message: string) => new WireError('BAD_PICKLE', message);

export interface PyBytes {
  kind: 'bytes';
  type: 'bytes' | 'bytearray';
  data: Uint8Array;
}
export interface PyGlobal {
  kind: 'global';
  name: string;
  role: Role;
}
export interface PyDType {
  kind: 'dtype';
  code: string;
  order: string;
  structured: boolean;
}
export interface ArrayState {
  shape: number[];
  dtype: PyDType;
  fortran: boolean;
  data: Uint8Array | undefined;
}
/** An ndarray: `_reconstruct` makes it empty (no state), BUILD or `_frombuffer` gives it its state. */
export interface PyArray {
  kind: 'array';
  state?: ArrayState;
}
/** Anything else, kept only as its Python type's name (list, dict, float, builtins.set, ...). */
export interface PyOther {
  kind: 'other';
  type: string;
}
/** A Python object as the interpreter holds it; a JS array is a tuple. */
export type Value =
  null | boolean | number | bigint | string | PyBytes | PyGlobal | PyDType | PyArray | PyOther | readonly Value[];

export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'tuple';
  if (isKind(v, 'global')) return `the name ${v.name}`;
  return isKind(v, 'bytes') || isKind(v, 'other') ? v.type : isKind(v, 'dtype') ? 'numpy.dtype' : 'numpy.ndarray';
}

/** Message text for a name the pickle chose: plain when it is a dotted identifier, quoted and cut otherwise. */
export function printable(s: string): string {
  return /^[\w.]{1,100}$/.test(s) ? s : JSON.stringify(s.slice(0, 100));
}

export function isKind<K extends string>(v: Value, kind: K): v is Extract<Value, { kind: K }> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { kind: string }).kind === kind;
}

export function dtypeName(d: PyDType): string {
  const m = /^([biufcmMOUSV])(\d+)$/.exec(d.code);
  if (d.structured) return `a structured dtype (${printable(d.code)})`;
  if (!m) return printable(d.code);
  const [, kind, n] = m;
  return 'iufc'.includes(kind)
    ? `${KIND_NAMES[kind]}${Number(n) * 8}`
    : kind === 'b' || kind === 'O'
      ? KIND_NAMES[kind]
      : `${KIND_NAMES[kind]} (${d.code})`;
}

/** numpy's NPY_MAXDIMS (64 in numpy 2, 32 before). */
export const MAX_DIMS = 64;

export function toFrame(a: ArrayState): Pick<Frame, 'dtype' | 'shape' | 'data'> {
  const dtype = a.dtype.structured ? undefined : DTYPE_OF_CODE.get(a.dtype.code);
  if (dtype === undefined || a.data === undefined)
    throw new WireError(
      'PICKLE_DTYPE',
      `an array of ${dtypeName(a.dtype)}; patchbay's dtypes are ${DTYPES.join(', ')}`,
    );
  if (a.shape.length === 0)
    throw new WireError('BAD_SHAPE', `a 0-d array (shape ()) of ${dtype}; a frame has at least one dimension`);
  // numpy's own limit: more would only cost time (a Fortran reorder steps through every dimension).
  if (a.shape.length > MAX_DIMS)
    throw new WireError('BAD_SHAPE', `an array of ${a.shape.length} dimensions; numpy has at most ${MAX_DIMS}`);
  const size = itemSize(dtype);
  const want = shapeSize(a.shape) * size;
  if (a.data.byteLength !== want)
    throw bad(
      `the array's data has ${a.data.byteLength} bytes; shape (${a.shape.join(', ')}) of ${dtype} needs ${want}`,
    );
  let data = a.data;
  // Complex numbers are two floats, each in the byte order of the dtype.
  if (a.dtype.order === '>' && size > 1) data = byteSwapped(data, dtype.startsWith('complex') ? size / 2 : size);
  if (a.fortran && a.shape.filter((d) => d > 1).length > 1) data = fortranToC(data, a.shape, size);
  return { dtype, shape: a.shape, data };
}

export function byteSwapped(src: Uint8Array, unit: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let i = 0; i < src.byteLength; i += unit) for (let b = 0; b < unit; b++) out[i + b] = src[i + unit - 1 - b];
  return out;
}

/** The elements of a Fortran-order buffer in C order: walks the C index with a counter, not recursion. */
export function fortranToC(src: Uint8Array, shape: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  const n = shape.length;
  const stride: number[] = [];
  for (let k = 0, s = size; k < n; s *= shape[k], k++) stride.push(s);
  const index = new Array<number>(n).fill(0);
  let from = 0;
  for (let to = 0; to < out.byteLength; to += size) {
    for (let b = 0; b < size; b++) out[to + b] = src[from + b];
    for (let k = n - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) {
        from += stride[k];
        break;
      }
      from -= stride[k] * (shape[k] - 1);
      index[k] = 0;
    }
  }
  return out;
}

export function shapeOf(v: Value, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
    throw bad(`${what} is not a tuple of non-negative integers`);
  return v as number[];
}

/** One pass over the message: a stack machine whose only effects are the values it builds. */
