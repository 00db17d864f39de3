/**
 * One run at a time, driven from the editor: compile, start through the executor that
 * `patchbay run` uses, forward stats and failures, and turn emitted frames into previews.
 */
import { join } from 'node:path';
import { getNodeType, type ParamValues } from '../../nodes/registry.ts';
import { serializeGraph } from '../graph/index.ts';
import type { Graph } from '../graph/types.ts';
import type { NodeFailure, RunGraph, RunHandle, RunSummary, StatsSnapshot } from '../exec/types.ts';
import type { Frame } from '../wire/index.ts';
import { ServerError } from './graph-files.ts';
import { bodyGraph } from './body.ts';
import { pixelsBase64, previewImage, PreviewThrottle, type PreviewOptions } from './preview.ts';
import type { ClientMessage, RunState, ServerMessage } from './protocol.ts';
import { LinkTaps, type TapClient } from './link-tap.ts';

/** How the preview of a node's frames is drawn (its type's declaration says), or undefined when the node gets none. */
function previewOptionsFor(type: string, params: ParamValues): PreviewOptions | undefined {
  const p = getNodeType(type)?.preview;
  if (!p) return undefined;
  let opts: PreviewOptions = { scale: p.scale, shift: p.shift };
  for (const rule of p.when ?? []) if (params[rule.param] === rule.value) opts = { ...opts, ...rule.set };
  return opts;
}

export class RunSession {
  private state: RunState = 'idle';
  private name: string | undefined;
  private current: RunHandle | undefined;
  private ended: Promise<void> | undefined;
  /** The run as an editor joining it needs it: the graph, its latest stats, its failures. */
  private shown: { graph: Graph; stats?: StatsSnapshot; failures: NodeFailure[] } | undefined;
  /** The links editors tapped; they outlive runs, so a link tapped before Run shows its first frames. */
  private readonly taps = new LinkTaps();

  constructor(
    private readonly broadcast: (msg: ServerMessage) => void,
    /** The graph folder: a run of a saved file finds its key files (secure: true) beside it. */
    private readonly folder?: string,
  ) {}

  status(): { state: RunState; name?: string } {
    return this.name === undefined ? { state: this.state } : { state: this.state, name: this.name };
  }

  /** For an editor connecting now: the running graph, when one runs. */
  joining(): ServerMessage | undefined {
    if (this.state === 'idle' || !this.shown) return undefined;
    return { type: 'running', ...(this.name === undefined ? {} : { name: this.name }), ...this.shown };
  }

  private setState(state: RunState): void {
    this.state = state;
    this.broadcast({ type: 'status', ...this.status() });
  }

  /** `client`: who sent it, for the ops that answer it alone (tap, untap). */
  async handle(msg: ClientMessage, client?: TapClient): Promise<void> {
    if (msg.op === 'run') return this.run(msg.graph, msg.name);
    if (msg.op === 'stop') return this.stop();
    if ((msg.op === 'tap' || msg.op === 'untap') && client)
      return msg.op === 'tap' ? this.taps.tap(client, msg.link) : this.taps.untap(client);
    throw new ServerError(
      'BAD_REQUEST',
      `op must be run, stop, tap or untap, got ${JSON.stringify((msg as { op?: unknown }).op)}`,
    );
  }

  /** A client gone: its tap with it. */
  leave(client: TapClient): void {
    this.taps.untap(client);
  }

  private async run(graph: Graph, name?: string): Promise<void> {
    if (this.state !== 'idle')
      throw new ServerError('RUN_IN_PROGRESS', `a graph is already ${this.state}; stop it first`);
    // The same shape check as the HTTP API's: the compiler trusts the types a Graph declares.
    const g: Graph = bodyGraph({ graph }, 'msg.graph');
    if (name !== undefined && typeof name !== 'string')
      throw new ServerError('BAD_REQUEST', `name must be a string, got ${typeof name}`);
    this.name = name;
    this.shown = { graph: g, failures: [] };
    this.setState('starting');
    try {
      // Lazily imported: the editor opens and validates graphs even on a machine where the
      // runtime's native parts (zeromq, the camera addon) fail to load.
      const [{ compileGraph }, exec] = await Promise.all([
        import('../compile/index.ts'),
        import('../exec/executor.ts'),
      ]);
      const runGraph: RunGraph = exec.runGraph;
      const graphText = serializeGraph(g);
      let plan;
      try {
        plan = compileGraph(g);
      } catch (e) {
        const errors = (e as { errors?: unknown }).errors;
        if (Array.isArray(errors)) {
          this.broadcast({ type: 'refused', errors });
          this.name = undefined;
          this.setState('idle');
          return;
        }
        throw e;
      }
      const throttle = new PreviewThrottle(200);
      const previews = new Map<string, PreviewOptions>();
      for (const n of plan.nodes) {
        const opts = previewOptionsFor(n.type, n.params);
        if (opts) previews.set(n.id, opts);
      }
      const tap = (node: string, frame: Frame): void => {
        this.taps.frame(node, frame);
        const opts = previews.get(node);
        if (!opts || !throttle.take(node)) return;
        const img = previewImage(frame, opts);
        if (!img) return;
        this.broadcast({
          type: 'preview',
          node,
          seq: frame.seq,
          width: img.width,
          height: img.height,
          scale: opts.scale,
          pixels: pixelsBase64(img),
          dtype: frame.dtype,
          shape: frame.shape,
        });
      };
      const handle = runGraph(plan, {
        graphText,
        tap,
        statsIntervalMs: 500,
        ...(name && this.folder ? { graphFile: join(this.folder, name) } : {}),
      });
      this.current = handle;
      const shown = this.shown!;
      handle.on('stats', (stats: StatsSnapshot) => {
        shown.stats = stats;
        this.broadcast({ type: 'stats', stats });
      });
      handle.on('failure', (failure: NodeFailure) => {
        shown.failures.push(failure);
        this.broadcast({ type: 'failure', failure });
      });
      this.setState('running');
      this.ended = handle.done.then((summary: RunSummary) => {
        this.broadcast({ type: 'done', summary });
        this.current = undefined;
        this.name = undefined;
        this.setState('idle');
      });
    } catch (e) {
      this.current = undefined;
      this.name = undefined;
      this.setState('idle');
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
        throw new ServerError('RUNTIME_MISSING', `the runtime could not be loaded: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  private async stop(): Promise<void> {
    if (!this.current) throw new ServerError('NOT_RUNNING', 'no graph is running');
    if (this.state !== 'stopping') this.setState('stopping');
    this.current.stop();
  }

  /** Stops a run, if any, and waits for its end (a second stop forces it after 5 s). */
  async close(): Promise<void> {
    if (!this.current || !this.ended) return;
    this.current.stop();
    const forced = setTimeout(() => this.current?.stop(), 5000);
    await this.ended;
    clearTimeout(forced);
  }
}
