/**
 * The messages between the Python stage and its harness processes (nodes/python/harness.py).
 * Headers travel on a PAIR socket per worker: the stage sends the frame's wire header
 * (runtime/wire) with the slot its pixels lie in, the harness answers with a reply naming where
 * in the slot's output file each result lies (harness.py's docstring has the whole protocol).
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

/** The harness's answer to one frame. `pinned`: process() kept the frame, so its slot is never written again. */
export type Reply =
  | {
      kind: 'out';
      outputs: { dtype: DType; shape: number[]; offset: number; bytes: number }[];
      meta: Record<string, unknown>;
      pinned: boolean;
    }
  | { kind: 'error'; code: 'PROCESS_RAISED' | 'BAD_RESULT'; message: string };
