/**
 * Sockets that meet over an endpoint rather than a link (a Request at a Reply's endpoint, a
 * Subscribe at a Publish's) drawn as dashed "network" links labelled with the endpoint. The
 * pairs are the validator's own (runtime/graph/graph-rules.ts `pairings`), so the canvas shows
 * what will run. They are drawn in an SVG layer under the nodes: not Rete connections, so they
 * cannot be picked, deleted or dragged; they follow the endpoints and the nodes. A socket node
 * whose only peers are outside the graph (runtime/graph/outside-peers.ts: a Publish for students'
 * subscribers, a Subscribe to a publisher elsewhere) gets a short dashed stub from its endpoint
 * line, labelled with who is outside, and while a graph runs, how many joined.
 */
import { watch } from 'vue';
import { checkGraph } from '../../../runtime/graph/graph-rules.ts';
import { outsidePeers, type OutsidePeer } from '../../../runtime/graph/outside-peers.ts';
import type { PatchEditor } from './patch-editor.ts';
import { NODE_BOX } from './patch-node.ts';
import { live } from '../store.ts';
import { outsideText, peersText } from '../socket-face.ts';

const SVG = 'http://www.w3.org/2000/svg';

/** Two socket nodes that meet at an endpoint: `from` sends frames to `to`. */
export interface NetworkLink {
  from: string;
  to: string;
  endpoint: string;
  /** Which of the two binds the endpoint (the other connects). */
  binder: string;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where the line from the centre of `b` towards `to` leaves the box. */
function edgePoint(b: Box, to: { x: number; y: number }): { x: number; y: number } {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = to.x - cx;
  const dy = to.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const t = Math.min(dx === 0 ? Infinity : b.w / 2 / Math.abs(dx), dy === 0 ? Infinity : b.h / 2 / Math.abs(dy));
  return { x: cx + dx * t, y: cy + dy * t };
}

/** Whether two boxes overlap. */
const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Where along the line from `s` to `e` the label goes: the middle, or the point nearest it where
 * the label covers no node (the line is drawn under the nodes, its label must stay readable).
 */
export function labelAt(
  s: { x: number; y: number },
  e: { x: number; y: number },
  text: string,
  boxes: readonly Box[],
): { x: number; y: number } {
  const w = 7.3 * text.length;
  const h = 16;
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    const x = s.x + (e.x - s.x) * t;
    const y = s.y + (e.y - s.y) * t - 6;
    const label = { x: x - w / 2, y: y - h + 4, w, h };
    if (!boxes.some((b) => overlap(b, label))) return { x, y };
  }
  return { x: (s.x + e.x) / 2, y: (s.y + e.y) / 2 - 6 };
}

export class NetworkLinks {
  private readonly svg = document.createElementNS(SVG, 'svg');
  private links: NetworkLink[] = [];
  private outside: OutsidePeer[] = [];
  /** Redraws the stubs' labels when a run's count of outside peers changes. */
  private readonly stopWatch = watch(
    () => `${live.runState} ${Object.entries(live.nodeStats).map(([id, n]) => `${id}:${n.peers ?? ''}`)}`,
    () => this.moved(),
  );
  private pairTimer: ReturnType<typeof setTimeout> | undefined;
  private frame = 0;

  constructor(private readonly pe: PatchEditor) {
    this.svg.classList.add('pb-network');
    this.svg.setAttribute('data-testid', 'network-links');
    // Under the nodes: the area's holder is transformed with zoom and pan, so the links follow.
    const holder = pe.area.area.content.holder;
    holder.insertBefore(this.svg, holder.firstChild);
  }

  /** The socket nodes whose peers are all outside the graph, now. */
  outsidePeers(): readonly OutsidePeer[] {
    return this.outside;
  }

  /** The pairs now (tests and the inspector read them). */
  current(): readonly NetworkLink[] {
    return this.links;
  }

  /** The graph changed (nodes, links, params): find the pairs again, once per burst of changes. */
  graphChanged(): void {
    clearTimeout(this.pairTimer);
    this.pairTimer = setTimeout(() => {
      this.pairTimer = undefined;
      const analysis = checkGraph(this.pe.ruleGraph(), this.pe.catalog);
      this.outside = outsidePeers(analysis);
      this.links = analysis.pairings.map((p) => ({
        from: p.sender.id,
        to: p.receiver.id,
        endpoint: p.connecter.endpoint ?? '',
        binder: p.binder.id,
      }));
      this.moved();
    }, 50);
  }

  /** Nodes moved: draw again at the next frame. */
  moved(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private box(gid: string): Box | undefined {
    return this.boxOf(this.pe.byGid(gid));
  }

  private boxOf(n: { id: string; width: number; height: number } | undefined): Box | undefined {
    const p = n && this.pe.area.nodeViews.get(n.id)?.position;
    return n && p ? { x: p.x, y: p.y, w: n.width, h: n.height } : undefined;
  }

  private draw(): void {
    this.svg.replaceChildren();
    const boxes = this.links.length
      ? this.pe.editor
          .getNodes()
          .map((n) => this.boxOf(n))
          .filter((b): b is Box => b !== undefined)
      : [];
    for (const l of this.links) {
      const a = this.box(l.from);
      const b = this.box(l.to);
      if (!a || !b) continue;
      const s = edgePoint(a, { x: b.x + b.w / 2, y: b.y + b.h / 2 });
      const e = edgePoint(b, { x: a.x + a.w / 2, y: a.y + a.h / 2 });
      const g = document.createElementNS(SVG, 'g');
      g.setAttribute('data-testid', 'network-link');
      g.setAttribute('data-from', l.from);
      g.setAttribute('data-to', l.to);
      g.setAttribute('data-endpoint', l.endpoint);
      const title = document.createElementNS(SVG, 'title');
      const connecter = l.binder === l.from ? l.to : l.from;
      title.textContent = `${l.binder} binds ${l.endpoint}, ${connecter} connects to it: frames go from ${l.from} to ${l.to} over the network, not over a link`;
      const line = document.createElementNS(SVG, 'path');
      line.setAttribute('d', `M ${s.x} ${s.y} L ${e.x} ${e.y}`);
      line.setAttribute('marker-end', 'url(#pb-network-arrow)');
      const text = document.createElementNS(SVG, 'text');
      const at = labelAt(s, e, l.endpoint, boxes);
      text.setAttribute('x', String(at.x));
      text.setAttribute('y', String(at.y));
      text.setAttribute('text-anchor', 'middle');
      text.setAttribute('data-testid', 'network-link-label');
      text.textContent = l.endpoint;
      g.append(title, line, text);
      this.svg.append(g);
    }
    for (const o of this.outside) this.drawOutside(o);
    this.svg.prepend(this.arrow());
  }

  /** A short dashed stub from a socket node's endpoint line to its outside peers, out of the node or into it. */
  private drawOutside(o: OutsidePeer): void {
    const n = this.pe.byGid(o.node);
    const b = this.boxOf(n);
    if (!n || !b) return;
    const y =
      b.y + NODE_BOX.title + NODE_BOX.port * (n.decl.inputs.length + n.decl.outputs.length) + NODE_BOX.endpoint / 2;
    const [x0, x1] = o.sends ? [b.x + b.w + 4, b.x + b.w + 64] : [b.x - 64, b.x - 4];
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('data-testid', 'outside-link');
    g.setAttribute('data-node', o.node);
    g.classList.add('outside');
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${o.node} ${o.sends ? 'sends to' : 'receives from'} peers outside the graph at ${o.endpoint}`;
    const line = document.createElementNS(SVG, 'path');
    line.setAttribute('d', `M ${x0} ${y} L ${x1} ${y}`);
    line.setAttribute('marker-end', 'url(#pb-network-arrow)');
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('x', String(o.sends ? x1 + 6 : x0 - 6));
    text.setAttribute('y', String(y + 4));
    text.setAttribute('text-anchor', o.sends ? 'start' : 'end');
    text.setAttribute('data-testid', 'outside-link-label');
    const peers = live.runState === 'idle' ? undefined : live.nodeStats[o.node]?.peers;
    text.textContent = peers === undefined ? outsideText(n.decl) : peersText(n.decl, peers);
    g.append(title, line, text);
    this.svg.append(g);
  }

  private arrow(): SVGDefsElement {
    const defs = document.createElementNS(SVG, 'defs');
    const marker = document.createElementNS(SVG, 'marker');
    for (const [k, v] of Object.entries({
      id: 'pb-network-arrow',
      viewBox: '0 0 10 10',
      refX: '9',
      refY: '5',
      markerWidth: '8',
      markerHeight: '8',
      orient: 'auto-start-reverse',
    }))
      marker.setAttribute(k, v);
    const tip = document.createElementNS(SVG, 'path');
    tip.setAttribute('d', 'M 0 0 L 10 5 L 0 10 z');
    marker.append(tip);
    defs.append(marker);
    return defs;
  }

  destroy(): void {
    this.stopWatch();
    clearTimeout(this.pairTimer);
    cancelAnimationFrame(this.frame);
    this.svg.remove();
  }
}
