/**
 * The wire format (docs/wire-format.md): a frame is [topic?] + JSON header + one C-order
 * little-endian payload. End of stream is a header with kind "eos" and no payload.
 */
import { PatchbayError } from '../util/patchbay-error.ts';

export const DTYPES = ['uint8', 'uint16', 'int16', 'int32', 'float32', 'float64', 'complex64', 'complex128'] as const;
export type DType = (typeof DTYPES)[number];

const ITEM_SIZE: Record<DType, number> = {
  uint8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
  complex64: 8,
  complex128: 16,
};

/** Bytes per element of a dtype. */
export function itemSize(dtype: DType): number {
  return ITEM_SIZE[dtype];
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export interface Frame {
  kind: 'frame';
  /** Counts from 0 at the source; carried through every stage. */
  seq: number;
  /** Acquisition time, nanoseconds since the Unix epoch. */
  t: bigint;
  dtype: DType;
  shape: number[];
  meta?: Record<string, unknown>;
  /** The payload: exactly prod(shape) * itemSize(dtype) bytes. */
  data: Uint8Array;
}

export interface Eos {
  kind: 'eos';
  /** How many frames the source sent. */
  seq: number;
  /**
   * Who sends it: a publisher's id, unique to it and its run. A subscriber fed by several
   * publishers counts each once, however often it is sent again (docs/wire-format.md).
   */
  from?: string;
}

/** Longest `from` an end of stream may carry, characters. */
export const EOS_FROM_LIMIT = 128;

export type Message = Frame | Eos;

export type WireErrorCode =
  | 'TOO_FEW_PARTS'
  | 'TOO_MANY_PARTS'
  | 'BAD_JSON'
  | 'BAD_HEADER'
  | 'BAD_DTYPE'
  | 'BAD_SHAPE'
  | 'SIZE_MISMATCH'
  /** `t` is not a finite integer within int64 nanoseconds (what the HDF5 `timestamps` dataset holds). */
  | 'BAD_TIME'
  /** The header is larger than HEADER_LIMIT bytes. */
  | 'HEADER_TOO_LARGE'
  /** `meta` nests deeper than META_DEPTH_LIMIT. */
  | 'META_TOO_DEEP'
  /** A valid pickle (pyzmq `send_pyobj`) of something other than a numpy array: a dict, a str, ... */
  | 'PICKLE_NOT_ARRAY'
  /** A pickle that is malformed, truncated, or names an opcode or global patchbay does not run. */
  | 'BAD_PICKLE'
  /** A pickled numpy array of a dtype patchbay has no name for (int64, object, ...). */
  | 'PICKLE_DTYPE';

/**
 * Limits on what a header may carry. A header is small by design (the frame is the payload):
 * 64 KiB is also HDF5's limit for one attribute, where a recorder keeps constant meta.
 */
export const HEADER_LIMIT = 64 * 1024;
/** How deep `meta` may nest: plenty for settings, far from what a recursive reader cannot take. */
export const META_DEPTH_LIMIT = 32;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A message that does not parse. Receivers count and drop these; they never crash. */
export class WireError extends PatchbayError<WireErrorCode> {
  constructor(code: WireErrorCode, message: string) {
    super(code, message);
  }
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The current time in nanoseconds since the Unix epoch. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/** The JSON header text. `t` is written as a bare integer so Python reads it exactly. */
export function encodeHeader(msg: Message): string {
  if (msg.kind === 'eos')
    return `{"v":1,"kind":"eos","seq":${msg.seq}${msg.from === undefined ? '' : `,"from":${JSON.stringify(msg.from)}`}}`;
  const meta = msg.meta && Object.keys(msg.meta).length > 0 ? `,"meta":${JSON.stringify(msg.meta)}` : '';
  return `{"v":1,"kind":"frame","seq":${msg.seq},"t":${msg.t.toString()},"dtype":"${msg.dtype}","shape":${JSON.stringify(msg.shape)}${meta}}`;
}

/** The parts of a message on a socket; the payload is sent as is (never copied, never written again). */
export function encode(msg: Message, topic?: string): (Buffer | Uint8Array | string)[] {
  const parts: (Buffer | Uint8Array | string)[] = [];
  if (topic !== undefined) parts.push(topic);
  parts.push(encodeHeader(msg));
  if (msg.kind === 'frame') parts.push(msg.data);
  return parts;
}

const T_FIELD = /"t"\s*:\s*(-?\d+)(?=\s*[,}])/g;

/**
 * How deep the JSON text nests, counted in one pass without recursion, so a hostile header
 * 100 000 levels deep is refused before anything recursive (a structured clone, an HDF5
 * attribute writer) meets it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) max = Math.max(max, ++depth);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}

/** `t` as int64 nanoseconds, from the number JSON.parse gave and the header's own digits. */
function readTime(value: unknown, text: string): bigint {
  let t: bigint | undefined;
  // 20 characters hold every int64; more digits are out of range whatever they say.
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) t = BigInt(value);
  else if (typeof value === 'number' && Number.isFinite(value)) {
    // JSON.parse rounds numbers past 2^53: read the digits from the text instead.
    // A "t" inside meta may come first: take the digits of the one that is this t.
    const digits = [...text.matchAll(T_FIELD)].map((m) => m[1]).find((d) => d.length <= 20 && Number(d) === value);
    t = digits !== undefined ? BigInt(digits) : Math.abs(value) < 2 ** 64 ? BigInt(Math.round(value)) : undefined;
  }
  if (t === undefined || t < INT64_MIN || t > INT64_MAX)
    throw new WireError(
      'BAD_TIME',
      `t must be an integer of nanoseconds within int64 (number or string), got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  return t;
}

/** Parses a header (UTF-8 JSON) and payload. Throws WireError. */
export function decodeParts(header: Uint8Array, payload: Uint8Array | undefined): Message {
  if (header.byteLength > HEADER_LIMIT)
    throw new WireError('HEADER_TOO_LARGE', `header has ${header.byteLength} bytes, at most ${HEADER_LIMIT}`);
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('utf8');
  if (jsonDepth(text) > META_DEPTH_LIMIT + 1)
    throw new WireError('META_TOO_DEEP', `meta nests deeper than ${META_DEPTH_LIMIT} levels`);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(text);
  } catch {
    throw new WireError('BAD_JSON', 'header is not JSON');
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h))
    throw new WireError('BAD_HEADER', 'header is not an object');
  if (h.v !== 1) throw new WireError('BAD_HEADER', `unsupported header version ${JSON.stringify(h.v)}`);
  if (!Number.isSafeInteger(h.seq) || (h.seq as number) < 0)
    throw new WireError('BAD_HEADER', 'seq must be a non-negative integer');
  if (h.kind === 'eos') {
    if (payload !== undefined) throw new WireError('TOO_MANY_PARTS', 'eos carries no payload');
    if (h.from === undefined) return { kind: 'eos', seq: h.seq as number };
    if (typeof h.from !== 'string' || h.from.length === 0 || h.from.length > EOS_FROM_LIMIT)
      throw new WireError('BAD_HEADER', `eos "from" must be a string of 1 to ${EOS_FROM_LIMIT} characters`);
    return { kind: 'eos', seq: h.seq as number, from: h.from };
  }
  if (h.kind !== 'frame') throw new WireError('BAD_HEADER', `unknown kind ${JSON.stringify(h.kind)}`);
  if (!isDType(h.dtype)) throw new WireError('BAD_DTYPE', `unknown dtype ${JSON.stringify(h.dtype)}`);
  const shape = h.shape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new WireError('BAD_SHAPE', 'shape must be a non-empty list of non-negative integers');
  const t = readTime(h.t, text);
  if (payload === undefined) throw new WireError('TOO_FEW_PARTS', 'frame without payload');
  const want = shapeSize(shape) * itemSize(h.dtype);
  if (payload.byteLength !== want)
    throw new WireError(
      'SIZE_MISMATCH',
      `payload has ${payload.byteLength} bytes, shape ${JSON.stringify(shape)} of ${h.dtype} needs ${want}`,
    );
  const frame: Frame = {
    kind: 'frame',
    seq: h.seq as number,
    t,
    dtype: h.dtype,
    shape: shape as number[],
    data: payload,
  };
  if (h.meta !== undefined) {
    if (typeof h.meta !== 'object' || h.meta === null || Array.isArray(h.meta))
      throw new WireError('BAD_HEADER', 'meta must be an object');
    frame.meta = h.meta as Record<string, unknown>;
  }
  return frame;
}

/** Parses the parts received from a socket; `withTopic` for PUB/SUB. Throws WireError. */
export function decode(parts: readonly Uint8Array[], withTopic = false): { topic?: string; msg: Message } {
  const off = withTopic ? 1 : 0;
  if (parts.length < off + 1)
    throw new WireError('TOO_FEW_PARTS', `expected at least ${off + 1} parts, got ${parts.length}`);
  if (parts.length > off + 2)
    throw new WireError('TOO_MANY_PARTS', `expected at most ${off + 2} parts, got ${parts.length}`);
  const msg = decodeParts(parts[off], parts[off + 1]);
  return withTopic ? { topic: Buffer.from(parts[0]).toString('utf8'), msg } : { msg };
}

type TypedArray = Uint8Array | Uint16Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** The typed array each dtype's pixels are read as (complex dtypes: interleaved re/im floats). */
export const VIEW_OF: Record<
  DType,
  { new (b: ArrayBufferLike, offset: number, length: number): TypedArray; BYTES_PER_ELEMENT: number }
> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  complex64: Float32Array,
  complex128: Float64Array,
};

/** A typed view of a frame's payload (no copy when aligned; complex dtypes give interleaved re/im floats). */
export function typedView(frame: Pick<Frame, 'dtype' | 'data'>): TypedArray {
  const { data } = frame;
  const ctor = VIEW_OF[frame.dtype];
  const bpe = ctor.BYTES_PER_ELEMENT;
  if (data.byteOffset % bpe === 0) return new ctor(data.buffer, data.byteOffset, data.byteLength / bpe);
  // A copy of its own (a Buffer's slice() would be a view, whose .buffer is all of its pool).
  return new ctor(new Uint8Array(data).buffer, 0, data.byteLength / bpe);
}
