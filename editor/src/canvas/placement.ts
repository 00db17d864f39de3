/**
 * Putting things on the canvas: what the palette drops, a node type the registry does not know
 * kept as a placeholder, a saved layout spread so no two boxes overlap at the editor's sizes, and
 * the view fitted to them beside the minimap.
 */
import type { AreaPlugin } from 'rete-area-plugin';
import type { NodeDecl } from '../../../nodes/types.ts';
import type { Graph } from '../../../runtime/graph/types.ts';
import type { AreaExtra, Schemes } from './plugins.ts';
import { MINIMAP, type CanvasNode } from './patch-node.ts';

/** The palette's drag data: a node type's name, or NOTE for a note. */
export const DRAG_DATA = 'application/x-patchbay-node';
export const NOTE = '#note';

/** Drops from the palette (HTML5 drag and drop): `drop` gets what was dragged and where the pointer is, in graph coordinates. */
export function acceptDrops(
  area: AreaPlugin<Schemes, AreaExtra>,
  drop: (what: string, at: { x: number; y: number }) => void,
): void {
  area.container.addEventListener('dragover', (e) => e.preventDefault());
  area.container.addEventListener('drop', (e) => {
    const what = e.dataTransfer?.getData(DRAG_DATA);
    if (!what) return;
    e.preventDefault();
    area.area.setPointerFrom(e);
    drop(what, { ...area.area.pointer });
  });
}

/**
 * A node type the registry does not know (a typo, or a newer file): kept on the canvas with
 * the ports its links use and its params untouched, so saving never drops it; validation
 * marks it UNKNOWN_TYPE.
 */
export function placeholderDecl(gid: string, type: string, graph: Graph): NodeDecl {
  const ins = new Set(graph.links.filter((l) => l.to.node === gid).map((l) => l.to.port));
  const outs = new Set(graph.links.filter((l) => l.from.node === gid).map((l) => l.from.port));
  return {
    type,
    role: 'compute',
    inputs: [...ins].map((name) => ({ name, type: 'any' as const, many: true, doc: '' })),
    outputs: [...outs].map((name) => ({ name, type: 'any' as const, many: true, doc: '' })),
    params: {},
    docs: {
      summary: `Unknown node type ${type}`,
      description: `patchbay has no node type ${type}; its params are kept as they are.`,
    },
  };
}

/**
 * How much to spread a saved layout so that no two boxes overlap at the editor's node
 * sizes (layouts written by hand or for smaller boxes would otherwise pile up).
 */
export function spreadFactor(
  at: readonly (readonly [number, number])[],
  boxes: readonly { width: number; height: number }[],
  gap = 24,
): number {
  const overlaps = (s: number): boolean => {
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        const [xi, yi] = [at[i][0] * s, at[i][1] * s];
        const [xj, yj] = [at[j][0] * s, at[j][1] * s];
        if (
          xi < xj + boxes[j].width + gap &&
          xj < xi + boxes[i].width + gap &&
          yi < yj + boxes[j].height + gap &&
          yj < yi + boxes[i].height + gap
        )
          return true;
      }
    }
    return false;
  };
  let s = 1;
  while (s < 4 && overlaps(s)) s += 0.05;
  return s;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where Fit puts the view (`k` the zoom, at most 1:1; `x`, `y` the pan) so every box is in view
 * and none under the minimap in the bottom-right `corner` (its width and height in screen
 * pixels): centred in the whole view when that leaves the corner free, else in the part of the
 * view beside the corner or above it, whichever shows the boxes larger.
 */
export function fitView(
  boxes: readonly Box[],
  view: { w: number; h: number },
  corner: { w: number; h: number },
  scale = 0.9,
): { k: number; x: number; y: number } {
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const bw = Math.max(...boxes.map((b) => b.x + b.w)) - left || 1;
  const bh = Math.max(...boxes.map((b) => b.y + b.h)) - top || 1;
  const into = (w: number, h: number) => {
    const k = Math.min((w / bw) * scale, (h / bh) * scale, 1);
    return { k, x: w / 2 - (left + bw / 2) * k, y: h / 2 - (top + bh / 2) * k };
  };
  const whole = into(view.w, view.h);
  const underCorner = boxes.some(
    (b) => (b.x + b.w) * whole.k + whole.x > view.w - corner.w && (b.y + b.h) * whole.k + whole.y > view.h - corner.h,
  );
  if (!underCorner) return whole;
  const beside = into(view.w - corner.w, view.h);
  const above = into(view.w, view.h - corner.h);
  return beside.k >= above.k ? beside : above;
}

/**
 * Fit: zooms so every node and note is in view (fitView), none under the minimap. While the view
 * Fit made is untouched, a canvas resized (the problems list opening below it) is fitted again.
 */
export class ViewFit {
  private fitted?: { x: number; y: number; k: number };
  private readonly resized = new ResizeObserver(() => {
    const t = this.area.area.transform;
    if (this.fitted && t.x === this.fitted.x && t.y === this.fitted.y && t.k === this.fitted.k) void this.fit();
  });

  constructor(
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly nodes: () => readonly CanvasNode[],
  ) {
    this.resized.observe(area.container);
  }

  async fit(): Promise<void> {
    const boxes = this.nodes().flatMap((n) => {
      const p = this.area.nodeViews.get(n.id)?.position;
      return p ? [{ x: p.x, y: p.y, w: n.width, h: n.height }] : [];
    });
    if (boxes.length === 0) return;
    const corner = MINIMAP.size + MINIMAP.margin + 12;
    const { container, area: view } = this.area;
    const t = fitView(boxes, { w: container.clientWidth, h: container.clientHeight }, { w: corner, h: corner });
    // As AreaExtensions.zoomAt does: the pan set directly, then the zoom about the origin.
    view.transform.x = t.x;
    view.transform.y = t.y;
    await view.zoom(t.k, 0, 0);
    this.fitted = { ...view.transform };
  }

  destroy(): void {
    this.resized.disconnect();
  }
}
