/**
 * Writes frames as the pickles a course script's `recv_pyobj()` (pickle.loads) turns into numpy
 * arrays, and the str a REQ/REP course server answers with.
 */
import { DTYPES, isDType, itemSize, shapeSize, WireError, type Frame } from './index.ts';
import { NUMPY_CODE, OP } from './pickle-ops.ts';

/**
 * One message that pickle.loads turns into an equal numpy array, under numpy 1.x and 2.x.
 *
 * The array is written the way numpy 1.x pickles one at protocol 3:
 * `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')` given the state
 * `(1, shape, dtype, False, rawdata)`. `numpy.core` because numpy 1.x cannot import
 * `numpy._core`, while numpy 2 keeps `numpy.core.multiarray._reconstruct` importable, without
 * a warning, for old pickles. Protocol 3 because it is the first with a bytes opcode (BINBYTES,
 * so the payload is written as is; protocol 2 would write it as latin1 text), every Python 3
 * reads it, and it needs neither frames nor a memo. A payload past BINBYTES's 4 GiB takes
 * protocol 4's BINBYTES8.
 */
export function encodePickle(frame: Pick<Frame, 'dtype' | 'data'> & { shape: readonly number[] }): Buffer {
  const { dtype, shape, data } = frame;
  if (!isDType(dtype))
    throw new WireError('BAD_DTYPE', `dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
  if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new WireError(
      'BAD_SHAPE',
      `shape must be a non-empty list of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  const want = shapeSize(shape) * itemSize(dtype);
  if (data.byteLength !== want)
    throw new WireError(
      'SIZE_MISMATCH',
      `payload has ${data.byteLength} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${want}`,
    );
  const big = data.byteLength > 0xffffffff;
  const head = [
    OP.PROTO,
    big ? 4 : 3,
    ...global('numpy.core.multiarray', '_reconstruct'),
    ...global('numpy', 'ndarray'),
    OP.BININT1,
    0,
    OP.TUPLE1,
    OP.SHORT_BINBYTES,
    1,
    0x62 /* b */,
    OP.TUPLE3,
    OP.REDUCE,
    OP.MARK,
    OP.BININT1,
    1,
    OP.MARK,
    ...shape.flatMap(int),
    OP.TUPLE,
    // numpy.dtype('u2', False, True) given (3, '<', None, None, None, -1, -1, 0), as numpy writes it.
    ...global('numpy', 'dtype'),
    ...str(NUMPY_CODE[dtype]),
    OP.NEWFALSE,
    OP.NEWTRUE,
    OP.TUPLE3,
    OP.REDUCE,
    OP.MARK,
    OP.BININT1,
    3,
    ...str(itemSize(dtype) === 1 ? '|' : '<'),
    OP.NONE,
    OP.NONE,
    OP.NONE,
    ...int(-1),
    ...int(-1),
    OP.BININT1,
    0,
    OP.TUPLE,
    OP.BUILD,
    OP.NEWFALSE,
    ...(big ? [OP.BINBYTES8, ...le(data.byteLength, 8)] : [OP.BINBYTES, ...le(data.byteLength, 4)]),
  ];
  return Buffer.concat([Buffer.from(head), data, Buffer.from([OP.TUPLE, OP.BUILD, OP.STOP])]);
}

/** A pickle of the Python str `s` (protocol 3), as a course REQ/REP server's `send_pyobj('Stopping server')` sends. */
export function encodePickleString(s: string): Buffer {
  return Buffer.from([OP.PROTO, 3, ...str(s), OP.STOP]);
}

function le(n: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++, n = Math.floor(n / 256)) out.push(n % 256);
  return out;
}

function ascii(s: string): number[] {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
}

function global(module: string, name: string): number[] {
  return [OP.GLOBAL, ...ascii(`${module}\n${name}\n`)];
}

function str(s: string): number[] {
  const utf8 = Buffer.from(s, 'utf8');
  return [OP.BINUNICODE, ...le(utf8.byteLength, 4), ...utf8];
}

/** The shortest opcode for an int (shape dimensions reach 2^53, past BININT: LONG1's two's complement). */
function int(n: number): number[] {
  if (n >= 0 && n < 0x100) return [OP.BININT1, n];
  if (n >= 0 && n < 0x10000) return [OP.BININT2, ...le(n, 2)];
  if (n >= -(2 ** 31) && n < 2 ** 31) return [OP.BININT, ...le(n >>> 0, 4)];
  const bytes = le(n, 8);
  while (bytes.length > 1 && bytes.at(-1) === 0 && (bytes.at(-2) as number) < 0x80) bytes.pop();
  return [OP.LONG1, bytes.length, ...bytes];
}
