/**
 * The messages between the Python stage and its harness processes (nodes/python/harness.py).
 * Frames travel on a PAIR socket per worker in patchbay's wire format (runtime/wire): the
 * stage sends [wire header, payload], the harness answers [reply, payload...].
 */
import type { DType } from '../../runtime/wire/index.ts';

/** The harness's one line on file descriptor 3 at start: ready, or why not. */
export type StartReport =
  | { ok: true; executable: string; pid: number; numpy: string }
  | { error: 'MODULE_MISSING'; module: string; package: string; pip: string; executable: string; detail: string }
  | {
      error: 'SCRIPT_MISSING' | 'SCRIPT_SYNTAX' | 'SCRIPT_FAILED' | 'SCRIPT_NO_PROCESS';
      path: string;
      executable: string;
      detail?: string;
    };

/** The first part of the harness's answer to one frame; an `out` reply's payloads follow it, one part each. */
export type Reply =
  | { kind: 'out'; outputs: { dtype: DType; shape: number[] }[]; meta: Record<string, unknown> }
  | { kind: 'error'; code: 'PROCESS_RAISED' | 'BAD_RESULT'; message: string };
