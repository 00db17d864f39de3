/**
 * The HDF5Sink's errors: a closed set of codes, each naming the file and, where it
 * applies, the parameter, what was expected and what was received.
 */
import { PatchbayError } from '../../runtime/util/patchbay-error.ts';

export type Hdf5SinkErrorCode =
  /** The file exists and `ifExists` is `error`. */
  | 'FILE_EXISTS'
  /** Another program (another run, an h5py writer or reader) has the file open and locked, or another HDF5Sink of this run writes it. */
  | 'FILE_IN_USE'
  /** A warning: the file could not be locked (the native addon that provides flock is missing); recorded unguarded. */
  | 'NOT_LOCKED'
  /** `ifExists: append` and the group is already in the file. */
  | 'GROUP_EXISTS'
  /** The file or its directory cannot be written (permissions, read-only file system). */
  | 'PERMISSION_DENIED'
  /** The disk is full. */
  | 'NO_SPACE'
  /** The file could not be created or opened for another reason (not HDF5, bad path...). */
  | 'OPEN_FAILED'
  /** HDF5 refused a write, resize or flush for another reason. */
  | 'WRITE_FAILED'
  /** A frame whose dtype, shape or size differs from the dataset's; refused, the sink goes on. */
  | 'FRAME_MISMATCH'
  /** A warning: a meta key the file cannot hold as an attribute (an empty name, a value over 60 000 bytes) is left out. */
  | 'META_NOT_STORED'
  /** A param value the writer cannot use (beyond what the declaration's limits check). */
  | 'BAD_PARAM'
  /** The writer's worker thread died or could not start. */
  | 'WORKER_FAILED'
  /** A call after close, or after a failure stopped the writer. */
  | 'WRITER_CLOSED';

/** What crosses the thread boundary: an Error's own fields do not survive a structured clone. */
export interface Hdf5SinkErrorData {
  code: Hdf5SinkErrorCode;
  message: string;
  file?: string;
  param?: string;
  expected?: string;
  received?: string;
  /** The operating system's or HDF5's own words, when they say more than the code. */
  detail?: string;
}

/** An HDF5Sink failure with a code from a closed set. */
export class Hdf5SinkError extends PatchbayError<Hdf5SinkErrorCode> {
  readonly file?: string;
  readonly param?: string;
  readonly expected?: string;
  readonly received?: string;
  readonly detail?: string;

  constructor(data: Omit<Hdf5SinkErrorData, 'message'> & { message?: string }) {
    super(data.code, data.message ?? describe(data));
    this.file = data.file;
    this.param = data.param;
    this.expected = data.expected;
    this.received = data.received;
    this.detail = data.detail;
  }

  /** A plain object for postMessage. */
  toData(): Hdf5SinkErrorData {
    const { code, message, file, param, expected, received, detail } = this;
    return { code, message, file, param, expected, received, detail };
  }

  static fromData(data: Hdf5SinkErrorData): Hdf5SinkError {
    return new Hdf5SinkError(data);
  }
}

/** ifExists: error, and the file is there. */
export function fileExistsError(file: string): Hdf5SinkError {
  return new Hdf5SinkError({
    code: 'FILE_EXISTS',
    file,
    param: 'ifExists',
    expected: 'a file that does not exist (or ifExists: append | overwrite)',
    received: 'an existing file',
  });
}

/** The message without the code: whoever prints the error prints its code once, beside it. */
function describe(d: Omit<Hdf5SinkErrorData, 'message'>): string {
  const parts: string[] = [];
  if (d.file !== undefined) parts.push(`file ${d.file}`);
  if (d.param !== undefined) parts.push(`param ${d.param}`);
  if (d.expected !== undefined) parts.push(`expected ${d.expected}`);
  if (d.received !== undefined) parts.push(`received ${d.received}`);
  let text = parts.length ? parts.join(': ') : d.code.toLowerCase().replace(/_/g, ' ');
  if (d.detail) text += ` (${d.detail})`;
  return text;
}

/** The code for an operating system error code (EACCES, ENOSPC...) met while writing `file`. */
export function codeForErrno(errno: string | undefined, fallback: Hdf5SinkErrorCode): Hdf5SinkErrorCode {
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'PERMISSION_DENIED';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'NO_SPACE';
    default:
      return fallback;
  }
}

/** The code for the operating system's message that HDF5 quotes in its error stack. */
export function codeForOsMessage(text: string | undefined, fallback: Hdf5SinkErrorCode): Hdf5SinkErrorCode {
  if (text === undefined) return fallback;
  if (/no space left|quota exceeded/i.test(text)) return 'NO_SPACE';
  if (/permission denied|read-only file system|operation not permitted/i.test(text)) return 'PERMISSION_DENIED';
  return fallback;
}
