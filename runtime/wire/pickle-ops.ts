/**
 * The vocabulary of the pickles patchbay reads and writes: opcodes by their CPython names, the
 * numpy dtype codes, and the globals a numpy array pickle may name (with what each does when
 * called). Tables only; pickle-decode.ts interprets, pickle-encode.ts writes.
 */
import type { DType } from './index.ts';

/** The pickle opcodes patchbay reads or writes, by their names in CPython's Lib/pickle.py. */
// prettier-ignore
export const OP = {
  MARK: 0x28, EMPTY_TUPLE: 0x29, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, BINBYTES: 0x42, SHORT_BINBYTES: 0x43, BINFLOAT: 0x47, BININT: 0x4a,
  BININT1: 0x4b, BININT2: 0x4d, NONE: 0x4e, REDUCE: 0x52, BINUNICODE: 0x58, EMPTY_LIST: 0x5d, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63,
  DICT: 0x64, APPENDS: 0x65, BINGET: 0x68, LONG_BINGET: 0x6a, LIST: 0x6c, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74,
  SETITEMS: 0x75, EMPTY_DICT: 0x7d, PROTO: 0x80, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a,
  SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, NEXT_BUFFER: 0x97, READONLY_BUFFER: 0x98,
} as const;

/** Opcodes pickle has that no numpy array at protocol 2 to 5 needs: named in refusals. */
// prettier-ignore
export const REFUSED_OPS: Record<number, string> = {
  0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4c: 'LONG', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x53: 'STRING',
  0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x67: 'GET', 0x69: 'INST', 0x6f: 'OBJ', 0x70: 'PUT',
  0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x8b: 'LONG4', 0x92: 'NEWOBJ_EX',
};
export const OP_NAMES = new Map<number, string>([
  ...Object.entries(OP).map(([k, v]) => [v, k] as const),
  ...Object.entries(REFUSED_OPS).map(([k, v]) => [Number(k), v] as const),
]);

/** numpy's code for each DType (`dtype.str` without its byte order): what a pickled numpy.dtype is made from. */
export const NUMPY_CODE: Record<DType, string> = {
  uint8: 'u1',
  uint16: 'u2',
  int16: 'i2',
  int32: 'i4',
  float32: 'f4',
  float64: 'f8',
  complex64: 'c8',
  complex128: 'c16',
};
export const DTYPE_OF_CODE = new Map(Object.entries(NUMPY_CODE).map(([d, c]) => [c, d as DType]));
export const KIND_NAMES: Record<string, string> = {
  b: 'bool',
  i: 'int',
  u: 'uint',
  f: 'float',
  c: 'complex',
  M: 'datetime64',
  m: 'timedelta64',
  O: 'object',
  U: 'str',
  S: 'bytes',
  V: 'void',
};

/** What a whitelisted global does when called; `named` ones are never called, only named as what the pickle holds. */
export type Role = 'reconstruct' | 'ndarray' | 'dtype' | 'frombuffer' | 'encode' | 'bytes' | 'named';
export const GLOBALS = new Map<string, Role>([
  ['numpy.core.multiarray._reconstruct', 'reconstruct'],
  ['numpy._core.multiarray._reconstruct', 'reconstruct'],
  ['numpy.ndarray', 'ndarray'],
  ['numpy.dtype', 'dtype'],
  ['numpy.core.numeric._frombuffer', 'frombuffer'],
  ['numpy._core.numeric._frombuffer', 'frombuffer'],
  // Protocol 2 writes Python 3 bytes as _codecs.encode(str, 'latin1'), and empty bytes as bytes().
  ['_codecs.encode', 'encode'],
  ['builtins.bytes', 'bytes'],
  ...[
    'builtins.set',
    'builtins.frozenset',
    'builtins.bytearray',
    'builtins.complex',
    'builtins.range',
    'builtins.slice',
    'collections.OrderedDict',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
  ].map((g) => [g, 'named'] as const),
]);
