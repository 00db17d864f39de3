/** Turning the run's counters into rates: the snapshots of the live table, --json and the editor. */
import { getNodeType } from '../../nodes/registry.ts';
import type { LinkState, Runner, SocketSource } from './run-state.ts';
import type { LinkRates, NodeRates, StatsSnapshot } from './types.ts';

export class StatsKeeper {
  private readonly prevNodes = new Map<string, { frames: number; bytes: number }>();
  private readonly prevLinks = new Map<string, { frames: number; bytes: number }>();
  private prevAt = Date.now();

  constructor(private readonly started: number) {}

  /** Counters now, and rates since the last snapshot. */
  snapshot(
    runners: ReadonlyMap<string, Runner>,
    links: ReadonlyMap<string, LinkState>,
    sources: readonly SocketSource[],
  ): StatsSnapshot {
    const now = Date.now();
    const dt = Math.max(1, now - this.prevAt) / 1000;
    this.prevAt = now;
    const nodes: Record<string, NodeRates> = {};
    let total = 0;
    let done = 0;
    let known = true;
    let anySource = false;
    for (const r of runners.values()) {
      const s = r.stats;
      const f = r.flow;
      const framesIn = Math.max(s.framesIn, f.framesIn);
      const framesOut = Math.max(s.framesOut, f.framesOut);
      const bytesIn = Math.max(s.bytesIn, f.bytesIn);
      const bytesOut = Math.max(s.bytesOut, f.bytesOut);
      // What the node handled: the larger of what came in and what went out. Monotonic, so a
      // rate is never negative (a node whose output nobody takes counts its out as it goes).
      const frames = Math.max(framesIn, framesOut);
      const bytes = Math.max(bytesIn, bytesOut);
      const prev = this.prevNodes.get(r.node.id) ?? { frames: 0, bytes: 0 };
      this.prevNodes.set(r.node.id, { frames, bytes });
      const busyNs = s.busyNs > 0 ? s.busyNs : f.busyNs;
      const waiting = r.state === 'starting' ? r.waiting?.() : undefined;
      const worked = Math.max(framesIn, framesOut);
      const peers = r.peers?.();
      nodes[r.node.id] = {
        type: r.node.type,
        framesIn,
        framesOut,
        bytesIn,
        bytesOut,
        bytesCopied: s.bytesCopied,
        dropped: s.dropped + f.dropped,
        errors: s.errors + f.errors,
        queueDepth: s.queueDepth + r.inbox.size,
        busyNs,
        fps: (frames - prev.frames) / dt,
        mbps: (bytes - prev.bytes) / 1e6 / dt,
        msPerFrame: worked > 0 ? busyNs / worked / 1e6 : 0,
        state: r.state,
        ...(s.framesStored !== undefined ? { framesStored: s.framesStored } : {}),
        ...(r.refused.size > 0 ? { refused: Object.fromEntries(r.refused) } : {}),
        ...(r.unheard > 0 ? { unheard: r.unheard } : {}),
        ...(waiting ? { waiting } : {}),
        ...(peers !== undefined ? { peers: Math.max(0, peers) } : {}),
      };
      if (r.isSource) {
        anySource = true;
        // The source's count param, as its type declares it: the progress bar's total.
        const param = getNodeType(r.node.type)?.progress?.param;
        const n = param === undefined ? 0 : Number(r.node.params[param] ?? 0);
        if (n > 0) {
          total += n;
          done += framesOut;
        } else known = false;
      }
    }
    for (const src of sources) if (src.sourceLike) known = false;
    const rates: Record<string, LinkRates> = {};
    for (const l of links.values()) {
      if (!runners.has(l.plan.from.node) && !runners.has(l.plan.to.node)) continue;
      const prev = this.prevLinks.get(l.plan.text) ?? { frames: 0, bytes: 0 };
      this.prevLinks.set(l.plan.text, { frames: l.frames, bytes: l.bytes });
      rates[l.plan.text] = {
        link: l.plan.text,
        frames: l.frames,
        bytes: l.bytes,
        dropped: l.dropped,
        queueDepth: l.queued,
        fps: (l.frames - prev.frames) / dt,
        mbps: (l.bytes - prev.bytes) / 1e6 / dt,
        lossless: l.plan.lossless,
      };
    }
    const snap: StatsSnapshot = { elapsedMs: now - this.started, nodes, links: rates };
    if (anySource && known && total > 0) snap.progress = { done: Math.min(done, total), total };
    return snap;
  }
}
