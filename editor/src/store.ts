/**
 * What the canvas shows besides the graph itself: validation errors, live rates, previews.
 * One reactive object shared by every node's Vue instance (Rete mounts each node apart).
 */
import { reactive } from 'vue';
import { parseLink } from '../../runtime/graph/link.ts';
import type { GraphError } from '../../runtime/graph/types.ts';
import type { LinkRates, NodeFailure, NodeRates, StatsSnapshot } from '../../runtime/exec/types.ts';
import type { TapMessage } from '../../runtime/server/protocol.ts';

export const live = reactive({
  /** Validation errors by node id and by link text ("a.out -> b.in"). */
  nodeErrors: {} as Record<string, GraphError[]>,
  linkErrors: {} as Record<string, GraphError[]>,
  nodeStats: {} as Record<string, NodeRates>,
  linkStats: {} as Record<string, LinkRates>,
  /** PNG data URLs of the latest preview per node. */
  previews: {} as Record<string, string>,
  failures: {} as Record<string, NodeFailure>,
  /** "a.out -> b.in" by Rete connection id (it changes when a node is renamed). */
  linkTexts: {} as Record<string, string>,
  /** The Rete connection id of the link clicked last (Delete removes it), if any. */
  selectedLink: undefined as string | undefined,
  /** The names of the graph's hosts: map, in order: a node's host badge takes its colour from its host's place. */
  hostNames: [] as string[],
  /** The server's run state: while it is not idle, nodes without a frame yet show "starting". */
  runState: 'idle' as 'idle' | 'starting' | 'running' | 'stopping',
  /** A frame has moved in this run (set from the stats by noteStats). */
  flowing: false,
  /** The last frame seen on the tapped link (the selected one), and the one before it. */
  tap: undefined as TapMessage | undefined,
  tapBefore: undefined as TapMessage | undefined,
});

/** Takes a run's stats into the store. */
export function noteStats(s: StatsSnapshot): void {
  Object.assign(live.nodeStats, s.nodes);
  Object.assign(live.linkStats, s.links);
  if (!live.flowing) live.flowing = Object.values(s.nodes).some((n) => n.framesOut > 0 || n.framesIn > 0);
}

/**
 * Whether the run is still starting: the server has not begun, or no frame has moved yet
 * (worker pools loading, sources waiting for outside peers). A node looks running only after.
 */
export function runStarting(): boolean {
  if (live.runState === 'idle') return false;
  return live.runState === 'starting' || !live.flowing;
}

/** Clears what a run left on the canvas. */
export function clearRun(): void {
  for (const k of Object.keys(live.nodeStats)) delete live.nodeStats[k];
  for (const k of Object.keys(live.linkStats)) delete live.linkStats[k];
  for (const k of Object.keys(live.previews)) delete live.previews[k];
  for (const k of Object.keys(live.failures)) delete live.failures[k];
  live.flowing = false;
}

export type Health = 'idle' | 'ok' | 'busy' | 'dropping' | 'failed';

/** A node the run reported failed (its failure, or its last state). */
export function nodeFailed(id: string): boolean {
  return live.failures[id] !== undefined || live.nodeStats[id]?.state === 'failed';
}

/** After a run: a node that neither finished nor failed was stopped when another one failed. */
export function nodeStopped(id: string): boolean {
  const s = live.nodeStats[id];
  return live.runState === 'idle' && s !== undefined && s.state !== 'done' && s.state !== 'failed';
}

/**
 * After a run: a link ("a.out -> b.in") with a failed or stopped node at either end stopped
 * with it. Its last rates are not a flow still going, so it is not drawn green.
 */
export function linkStopped(text: string): boolean {
  if (live.runState !== 'idle') return false;
  const link = parseLink(text);
  return !!link && [link.from.node, link.to.node].some((id) => nodeStopped(id) || nodeFailed(id));
}

/** A node's or link's colour: dropping frames or failed is red, a queue building up is amber. */
export function healthOf(s: { dropped: number; queueDepth: number; fps: number } | undefined, failed = false): Health {
  if (failed) return 'failed';
  if (!s) return 'idle';
  if (s.dropped > 0) return 'dropping';
  if (s.queueDepth > 2) return 'busy';
  return 'ok';
}
