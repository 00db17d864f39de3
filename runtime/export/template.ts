/**
 * The contract between `patchbay export --python` and a node type's folder: each type that can
 * be written out as course-style Python gives a `PythonTemplate` in `nodes/<type>/python.ts`
 * (registered with its NodeTypeDef). The exporter (this folder) knows no type by name: it
 * groups nodes into processes, opens the sockets the plan lists, writes the loop that drives
 * the process, and asks each node's template for the Python of its part.
 *
 * Inside the generated `main()` every node's code is inlined, in one function: plain local
 * variables hold a node's state (prefix them with `n.name`). A frame is the prelude's
 * `Frame(data, seq, t)` (a numpy array and its wire header's seq and t). The prelude's module
 * global `stopping` turns true on Ctrl-C or SIGTERM; `status` is main()'s exit status (set
 * it to 1 and `break` when a source fails).
 */
import type { ParamValues } from '../../nodes/types.ts';

/** One node as its template sees it. */
export interface PyNode {
  id: string;
  /** The id made into a Python identifier: the prefix of this node's variables. */
  name: string;
  /** PlanNode.params, defaults applied. */
  params: ParamValues;
  /** The variable holding the frame this node takes in (a `Frame`), for steps and sinks. */
  input: string;
  /** How many frames this node has handled before this one (the exporter counts after each body). */
  count: string;
  /** Python names of the sockets the plan gives this node as its own, opened by the exporter. */
  sockets: { own?: string; handshake?: string };
  /** How many of the graph's consumers its own socket has (a ventilator's workers, a publisher's subscribers). */
  peers: number;
}

/** What a node type writes into an exported script. Each hook returns lines of Python, unindented. */
export interface PythonTemplate {
  /**
   * source: makes frames (its body makes one per turn of the exporter's loop, and may `break`);
   * step: one frame in (`n.input`), none or more out through `emit`; sink: consumes.
   */
  kind: 'source' | 'step' | 'sink';
  /** Modules to import beyond zmq, numpy, json, pickle, signal, sys and time, e.g. ['h5py']. */
  imports?: readonly string[];
  /** Before "ready" is printed: state, files. */
  setup?(n: PyNode): string[];
  /** After "ready", before the first frame: waiting for a peer (a ventilator's handshake). */
  start?(n: PyNode): string[];
  /** One frame: `emit(expr)` gives the lines that hand the frame `expr` to every consumer of the node's output. */
  body(n: PyNode, emit: (frameExpr: string) => string[]): string[];
  /**
   * A socket this node answers requests on (a server's REP, a sink's handshake REP): the
   * exporter polls it while the process waits, and runs `lines` when a request is there.
   */
  serve?(n: PyNode): { socket: string; lines: string[] } | undefined;
  /** End of stream (or Ctrl-C): answer what is pending, send end of stream, close files. */
  end?(n: PyNode): string[];
  /** A source's or receiving node's frame limit: the process stops after this many (0: no limit). */
  framesLimit?(n: PyNode): number;
  /** A source's seconds between frames (0: as fast as it goes). */
  period?(n: PyNode): number;
}

/** A string as a Python literal (JSON's escapes are Python's for the strings params hold). */
export function py(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** Lines indented by `levels` steps of four spaces. */
export function indent(lines: readonly string[], levels = 1): string[] {
  const pad = '    '.repeat(levels);
  return lines.map((l) => (l === '' ? l : pad + l));
}

/**
 * Text from the graph (its name, a file name, a topic) made safe inside a Python comment or
 * docstring: no line breaks or control characters (a newline would end a comment and start
 * code), no closing triple quote, backslashes doubled.
 */
export function pyText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ')
    .replace(/"""/g, '""\\"');
}
