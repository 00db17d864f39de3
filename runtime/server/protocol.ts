/**
 * Messages over the editor's WebSocket (`/ws`), both ways. The editor app imports these
 * types too, so the two sides cannot drift apart.
 */
import type { Graph, GraphError } from '../graph/types.ts';
import type { NodeFailure, RunSummary, StatsSnapshot } from '../exec/types.ts';

/** From the editor to the server. */
export type ClientMessage =
  /** Runs a graph as the editor holds it (saved or not). One run at a time per server. */
  | { op: 'run'; graph: Graph; name?: string }
  /** Stops the sources; end of stream drains every stage. A second stop forces the end. */
  | { op: 'stop' }
  /** Sends this editor the frames crossing `link` ("a.out -> b.in"), as `tap` messages, until `untap` or another `tap`. */
  | { op: 'tap'; link: string }
  | { op: 'untap' };

export type RunState = 'idle' | 'starting' | 'running' | 'stopping';

/** From the server to every connected editor. */
export type ServerMessage =
  | { type: 'status'; state: RunState; name?: string }
  /**
   * To an editor that connects (a second tab, a reload) while a graph runs: the graph as it was
   * started, its latest stats and its failures so far, so the tab shows the run it can stop.
   */
  | { type: 'running'; name?: string; graph: Graph; stats?: StatsSnapshot; failures: NodeFailure[] }
  /** The graph did not compile: nothing was started. */
  | { type: 'refused'; errors: GraphError[] }
  | { type: 'stats'; stats: StatsSnapshot }
  | { type: 'failure'; failure: NodeFailure }
  | { type: 'done'; summary: RunSummary }
  /**
   * A frame preview: `width` × `height` grey levels (8 bits), or as many RGB triples for a
   * colour frame, base64. At most 5 per second per node, at most 256 px on the long side;
   * spectra are shown as log-magnitude.
   */
  | {
      type: 'preview';
      node: string;
      seq: number;
      width: number;
      height: number;
      scale: 'linear' | 'log';
      pixels: string;
      dtype: string;
      shape: number[];
    }
  | TapMessage
  | { type: 'error'; code: string; message: string; details?: unknown };

/**
 * To the editor tapping `link` only: the header of a frame that crossed it (`t` in nanoseconds since
 * the Unix epoch, as a decimal string), its values' min, max and histogram (16 bins from min to max;
 * complex values by magnitude) and a grey preview (as `preview`'s pixels, 128 px at most). At most 5 per second.
 */
export interface TapMessage {
  type: 'tap';
  link: string;
  seq: number;
  t: string;
  dtype: string;
  shape: number[];
  meta?: Record<string, unknown>;
  min: number;
  max: number;
  histogram: number[];
  preview?: { width: number; height: number; pixels: string };
}
