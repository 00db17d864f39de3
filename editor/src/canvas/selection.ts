/**
 * What is selected on the canvas (nodes and notes, through rete-area-plugin's selector) and box
 * selection: Shift+drag on the canvas draws a rectangle and selects the nodes and notes wholly
 * inside it (Ctrl+Shift adds them to the selection). Rete's area has no box selection of its own.
 */
import type { NodeEditor } from 'rete';
import type { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra, Schemes } from './plugins.ts';
import type { CanvasNode } from './patch-node.ts';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether `inner` lies wholly inside `outer`. */
export const inside = (inner: Rect, outer: Rect): boolean =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.w <= outer.x + outer.w &&
  inner.y + inner.h <= outer.y + outer.h;

export class Selection {
  private box?: { el: HTMLDivElement; x0: number; y0: number; x1: number; y1: number; add: boolean };

  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly selector: ReturnType<typeof AreaExtensions.selector>,
    /** The selection changed by a box. */
    private readonly onBox: () => void,
  ) {
    // Capture on window: the area's own pointerdown (which pans) must not see a Shift+drag.
    window.addEventListener('pointerdown', this.down, true);
  }

  /** The selected nodes and notes, in canvas order. */
  all(): CanvasNode[] {
    return this.editor.getNodes().filter((n) => n.selected);
  }

  /** Adds a node or note to the selection; `alone`: the others are unselected first. */
  add(node: CanvasNode, alone = false): void {
    if (alone) this.clear(node);
    void this.selector.add(
      {
        id: node.id,
        label: 'node',
        translate: () => undefined,
        unselect: () => {
          node.selected = false;
          void this.area.update('node', node.id);
        },
      },
      !alone,
    );
    node.selected = true;
    void this.area.update('node', node.id);
  }

  /** Unselects everything (but `keep`). */
  clear(keep?: CanvasNode): void {
    for (const n of this.all()) if (n !== keep) void this.selector.remove({ id: n.id, label: 'node' });
  }

  private readonly down = (e: PointerEvent): void => {
    const container = this.area.container;
    const target = e.target as Element | null;
    if (!e.shiftKey || e.button !== 0 || !target || !container.contains(target)) return;
    // On empty canvas only: a Shift+drag that starts on a node or note moves it, as any drag does.
    if (this.editor.getNodes().some((n) => this.area.nodeViews.get(n.id)?.element.contains(target))) return;
    e.stopPropagation();
    e.preventDefault();
    const at = this.local(e);
    const el = document.createElement('div');
    el.className = 'pb-box-select';
    el.dataset.testid = 'box-select';
    container.append(el);
    this.box = { el, x0: at.x, y0: at.y, x1: at.x, y1: at.y, add: e.ctrlKey || e.metaKey };
    this.draw();
    window.addEventListener('pointermove', this.move, true);
    window.addEventListener('pointerup', this.up, true);
  };

  private readonly move = (e: PointerEvent): void => {
    if (!this.box) return;
    e.stopPropagation();
    const at = this.local(e);
    this.box.x1 = at.x;
    this.box.y1 = at.y;
    this.draw();
  };

  private readonly up = (e: PointerEvent): void => {
    const box = this.box;
    if (!box) return;
    e.stopPropagation();
    this.box = undefined;
    box.el.remove();
    window.removeEventListener('pointermove', this.move, true);
    window.removeEventListener('pointerup', this.up, true);
    // The rectangle in graph coordinates: the area's transform is a pan (x, y) then a zoom (k).
    const { x, y, k } = this.area.area.transform;
    const rect = {
      x: (Math.min(box.x0, box.x1) - x) / k,
      y: (Math.min(box.y0, box.y1) - y) / k,
      w: Math.abs(box.x1 - box.x0) / k,
      h: Math.abs(box.y1 - box.y0) / k,
    };
    const hits = this.editor.getNodes().filter((n) => {
      const p = this.area.nodeViews.get(n.id)?.position;
      return p !== undefined && inside({ x: p.x, y: p.y, w: n.width, h: n.height }, rect);
    });
    if (!box.add) this.clear();
    for (const n of hits) this.add(n);
    this.onBox();
  };

  /** A pointer's place in the container, in screen pixels. */
  private local(e: PointerEvent): { x: number; y: number } {
    const r = this.area.container.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private draw(): void {
    const b = this.box!;
    Object.assign(b.el.style, {
      left: `${Math.min(b.x0, b.x1)}px`,
      top: `${Math.min(b.y0, b.y1)}px`,
      width: `${Math.abs(b.x1 - b.x0)}px`,
      height: `${Math.abs(b.y1 - b.y0)}px`,
    });
  }

  destroy(): void {
    window.removeEventListener('pointerdown', this.down, true);
    window.removeEventListener('pointermove', this.move, true);
    window.removeEventListener('pointerup', this.up, true);
    this.box?.el.remove();
  }
}
