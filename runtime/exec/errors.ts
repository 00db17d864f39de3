import { PatchbayError } from '../util/patchbay-error.ts';

/** The closed set of codes a run reports (NodeFailure.code, thrown ExecErrors). */
export type ExecErrorCode =
  /** No nodes/<type>/stage.ts for a node type (or it has no default export). */
  | 'STAGE_MISSING'
  /** A stage threw or rejected (open, run, receive, end). */
  | 'STAGE_FAILED'
  /** The plan names a node, link or socket that does not fit together. */
  | 'BAD_PLAN'
  /** A socket could not bind or connect. */
  | 'SOCKET_ERROR'
  /** A socket binds a tcp address this machine does not have (a host's half started on another machine). */
  | 'NOT_THIS_HOST'
  /** A peer on another host went away mid-run (its process ended, or the network between them). */
  | 'PEER_LOST'
  /** A secure (CURVE) socket refused a peer: its key is not one of the graph's hosts, or it spoke no CURVE. */
  | 'PEER_REFUSED'
  /** A Request node waited longer than `timeoutMs` for a reply. */
  | 'REQUEST_TIMEOUT'
  /** A Request node's server answered something that is not a frame (text, a pickle of something else). */
  | 'BAD_REPLY'
  /** Frames the graph's producers sent after a Pull or Subscribe took its `frames`, before they stopped: not passed on. */
  | 'OVER_FRAMES'
  /** Frames went missing on a lossless path (PUSH/PULL, in-process). */
  | 'FRAMES_LOST'
  /** A second stop (Ctrl-C twice) ended the run without draining. */
  | 'FORCED_STOP'
  /** A producer outside the graph disconnected without sending end of stream (crashed, or sent a message over the size limit). */
  | 'PEER_LEFT'
  /** An end of stream from outside says fewer frames were sent than arrived: not believed, no drops counted from it. */
  | 'BAD_EOS';

/** An error of the executor or of a stage, with a code from the closed set. */
export class ExecError extends PatchbayError<ExecErrorCode> {
  constructor(code: ExecErrorCode, message: string, node?: string) {
    // The node is reported beside the message (NodeFailure.node), not inside it.
    super(code, message, { node });
  }
}

/** The code of any error: its own `code` when it is a string, else STAGE_FAILED. */
export function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'STAGE_FAILED';
}
