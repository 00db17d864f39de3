/**
 * The Python node's errors: a closed set of codes. Those of the start (the interpreter, the
 * script) come from the stage's open(), before any source starts; the others fail the node
 * between frames, the frames before them already passed on.
 */
import { PatchbayError } from '../../runtime/util/patchbay-error.ts';

export type PythonNodeErrorCode =
  /** The interpreter could not be started (no such file, not executable) or exited before the harness said it was ready (`python: /bin/false`). */
  | 'PYTHON_NOT_STARTED'
  /** The interpreter lacks numpy or pyzmq (zmq). */
  | 'PYTHON_MODULE_MISSING'
  /** `script` names no file. */
  | 'SCRIPT_MISSING'
  /** The script does not compile. */
  | 'SCRIPT_SYNTAX'
  /** The script raised while it was loaded. */
  | 'SCRIPT_FAILED'
  /** The script defines no `process` function. */
  | 'SCRIPT_NO_PROCESS'
  /** process() raised: the message ends with the traceback's last lines. */
  | 'PROCESS_RAISED'
  /** process() returned something that is not an array, a list of arrays or None, or an array of a dtype the wire format lacks. */
  | 'BAD_RESULT'
  /** A worker process died (killed, crashed) while the node ran. */
  | 'WORKER_DIED';

/** An error of the Python node, with the node's id beside the message. */
export class PythonNodeError extends PatchbayError<PythonNodeErrorCode> {
  constructor(code: PythonNodeErrorCode, message: string, node?: string) {
    super(code, message, { node });
  }
}
