/**
 * The one base of every error patchbay throws: a code from its own closed set (a union type
 * per part: ExecErrorCode, WireErrorCode, Hdf5SinkErrorCode, ...), the node concerned when
 * there is one, a human message, and the cause it wraps. Callers branch on `code`, never on
 * the wording.
 */
export class PatchbayError<C extends string = string> extends Error {
  readonly code: C;
  /** The node concerned, when the error is one node's. */
  readonly node?: string;

  constructor(code: C, message: string, options: { node?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.node !== undefined) this.node = options.node;
  }
}
