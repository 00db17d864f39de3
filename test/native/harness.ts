/**
 * Runs one source stage the way the executor does, with a capture sink on `out`.
 */
import type { PlanNode } from '../../runtime/compile/plan.ts';
import { emptyStats, type StageFactory, type StageIO } from '../../runtime/exec/stage.ts';
import type { Frame, Message } from '../../runtime/wire/index.ts';
import { camera } from '../../nodes/camera/index.ts';
import { withDefaults } from '../../runtime/graph/param-rules.ts';

export function cameraNode(params: Record<string, unknown>): PlanNode {
  return { id: 'camera', type: 'Camera', params: withDefaults(camera, params) };
}

export interface Captured {
  io: StageIO;
  frames: Frame[];
  abort: AbortController;
  /** What the stage said through io.note (no errors). */
  notes: Error[];
}

/**
 * Opens, runs and closes the stage; `onFrame` is the consumer (its promise is backpressure),
 * `opened` is called between open() and run() (to stop a run that sends nothing, say).
 * Resolves with what run() resolved or rejected with.
 */
export async function runSource(
  factory: StageFactory,
  node: PlanNode,
  onFrame: (frame: Frame, c: Captured) => Promise<void> | void = () => {},
  opened: (c: Captured) => void = () => {},
): Promise<Captured & { count?: number; error?: unknown; ended: number; closed: number }> {
  const abort = new AbortController();
  const frames: Frame[] = [];
  const c: Captured = { frames, abort, notes: [], io: undefined as never };
  c.io = {
    node,
    graphText: '',
    startedAt: new Date(),
    stats: emptyStats(),
    signal: abort.signal,
    warn: (e) => {
      throw e;
    },
    note: (e) => c.notes.push(e),
    emit: async (port: string, msg: Message) => {
      if (port !== 'out' || msg.kind !== 'frame') throw new Error(`unexpected emit on ${port}: ${msg.kind}`);
      frames.push(msg);
      await onFrame(msg, c);
    },
  };
  const stage = await factory(c.io);
  // When run() settled and when close() returned (performance.now()), for tests that time them.
  let ended = 0;
  let outcome: { count?: number; error?: unknown };
  try {
    await stage.open?.();
    opened(c);
    outcome = { count: await stage.run!() };
  } catch (error) {
    outcome = { error };
  } finally {
    ended = performance.now();
    await stage.close?.();
  }
  return { ...c, ...outcome, ended, closed: performance.now() };
}
