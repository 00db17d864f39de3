/**
 * Groups on the canvas (`groups:` in the document): a titled frame drawn around some nodes, under
 * them, following them as they move. The title bar is the group's handle: drag it to move its
 * nodes together, double-click the title to write it, × to ungroup (the nodes stay). Members are
 * kept by Rete id, so a node renamed stays in its group, and one deleted comes back in it on Undo.
 */
import type { NodeEditor } from 'rete';
import type { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import type { HistoryPlugin } from 'rete-history-plugin';
import type { Graph, GraphGroup } from '../../../runtime/graph/types.ts';
import { freshId } from '../../../runtime/graph/node-id.ts';
import type { CanvasNode } from './patch-node.ts';
import type { AreaExtra, Schemes } from './plugins.ts';

/** Room around the members, and the title bar's height above them. */
const PAD = 18;
const TITLE = 26;

export interface CanvasGroup {
  gid: string;
  title?: string;
  /** Rete ids of the member nodes, in order. */
  members: string[];
}

export class GroupFrames {
  private groups: CanvasGroup[] = [];
  private readonly layer = document.createElement('div');
  private frame = 0;
  /** The group whose title is being written, if any (the redraw leaves its field alone). */
  private editing?: CanvasGroup;

  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly history: HistoryPlugin<Schemes>,
    private readonly selector: ReturnType<typeof AreaExtensions.selector>,
    /** The document changed (a group made, retitled or removed). */
    private readonly onChange: () => void,
  ) {
    this.layer.className = 'pb-groups';
    this.layer.dataset.testid = 'groups';
    // Under the nodes and the network links: the holder is transformed with zoom and pan.
    const holder = area.area.content.holder;
    holder.insertBefore(this.layer, holder.firstChild);
    area.addPipe((ctx) => {
      if (['nodetranslated', 'nodecreated', 'noderemoved', 'nodeupdated'].includes(ctx.type)) this.redraw();
      return ctx;
    });
  }

  all(): readonly CanvasGroup[] {
    return this.groups;
  }

  /** Frames `nodes` in a new group, one step of Undo; without a `title` (a pasted group has one), its title opens for writing. */
  create(nodes: readonly CanvasNode[], title?: string): CanvasGroup | undefined {
    if (nodes.length === 0) return undefined;
    const group: CanvasGroup = {
      gid: freshId('group', (x) => this.groups.some((g) => g.gid === x)),
      title: title ?? 'Group',
      members: nodes.map((n) => n.id),
    };
    this.step(
      () => this.groups.push(group),
      () => (this.groups = this.groups.filter((g) => g !== group)),
    );
    if (title === undefined) this.editing = group;
    this.draw();
    return group;
  }

  /** Ungroups (the nodes stay), one step of Undo. */
  remove(group: CanvasGroup): void {
    const at = this.groups.indexOf(group);
    this.step(
      () => (this.groups = this.groups.filter((g) => g !== group)),
      () => this.groups.splice(at, 0, group),
    );
  }

  setTitle(group: CanvasGroup, title: string): void {
    const before = group.title;
    this.step(
      () => (group.title = title),
      () => (group.title = before),
    );
  }

  /** Puts a document's groups on the canvas; `idOf` finds a member's Rete id from its node id. */
  load(groups: Graph['groups'], idOf: (gid: string) => string | undefined): void {
    this.groups = Object.entries(groups ?? {}).map(([gid, g]) => ({
      gid,
      title: g.title,
      members: g.nodes.map(idOf).filter((id): id is string => id !== undefined),
    }));
    this.redraw();
  }

  /** The groups with a member on the canvas as the document's `groups:` (none: no key); `gidOf` names a member. */
  toGraph(gidOf: (id: string) => string | undefined): Pick<Graph, 'groups'> {
    const out: Record<string, GraphGroup> = {};
    for (const g of this.groups) {
      const nodes = g.members.map(gidOf).filter((gid): gid is string => gid !== undefined);
      if (nodes.length) out[g.gid] = g.title === undefined ? { nodes } : { title: g.title, nodes };
    }
    return Object.keys(out).length ? { groups: out } : {};
  }

  /** An edit as one undoable step, drawn at once. */
  private step(forward: () => unknown, back: () => unknown): void {
    const apply = (f: () => unknown) => () => {
      f();
      this.draw();
      this.onChange();
    };
    apply(forward)();
    this.history.add({ undo: apply(back), redo: apply(forward) });
  }

  /** Nodes moved or changed: draw again at the next frame. */
  redraw(): void {
    // A title being written keeps its field (a redraw would make a new one); the end of it draws.
    if (this.frame || this.editing) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    this.layer.replaceChildren();
    for (const g of this.groups) {
      const boxes = g.members.flatMap((id) => {
        const n = this.editor.getNode(id);
        const p = this.area.nodeViews.get(id)?.position;
        return n && p ? [{ x: p.x, y: p.y, w: n.width, h: n.height }] : [];
      });
      if (boxes.length === 0) continue;
      const x = Math.min(...boxes.map((b) => b.x)) - PAD;
      const y = Math.min(...boxes.map((b) => b.y)) - PAD - TITLE;
      const w = Math.max(...boxes.map((b) => b.x + b.w)) + PAD - x;
      const h = Math.max(...boxes.map((b) => b.y + b.h)) + PAD - y;
      const frame = document.createElement('div');
      frame.className = 'pb-group';
      frame.dataset.testid = 'group-frame';
      frame.dataset.groupId = g.gid;
      Object.assign(frame.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px` });
      frame.append(this.titleBar(g));
      this.layer.append(frame);
    }
  }

  private titleBar(g: CanvasGroup): HTMLElement {
    const bar = document.createElement('div');
    bar.className = 'pb-group-bar';
    bar.style.height = `${TITLE}px`;
    bar.title = 'A group: drag here to move its nodes, double-click the title to write it, × to ungroup';
    // Neither the area's pan nor its double-click zoom: the bar is the group's own.
    bar.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      if ((e.target as Element).closest('button, input')) return;
      this.drag(g, e);
    });
    bar.addEventListener('dblclick', (e) => {
      e.stopPropagation();
      this.editing = g;
      this.draw();
    });
    if (this.editing === g) {
      const field = document.createElement('input');
      field.className = 'pb-group-field';
      field.dataset.testid = 'group-title-field';
      field.value = g.title ?? '';
      let done = false;
      const end = (keep: boolean) => {
        if (done) return;
        done = true;
        this.editing = undefined;
        if (keep && field.value !== (g.title ?? '')) this.setTitle(g, field.value);
        else this.draw();
      };
      field.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') end(true);
        else if (e.key === 'Escape') end(false);
      });
      field.addEventListener('blur', () => end(true));
      bar.append(field);
      requestAnimationFrame(() => {
        field.focus();
        field.select();
      });
    } else {
      const title = document.createElement('span');
      title.className = 'pb-group-title';
      title.dataset.testid = 'group-title';
      title.textContent = g.title ?? g.gid;
      bar.append(title);
    }
    const ungroup = document.createElement('button');
    ungroup.className = 'pb-group-remove';
    ungroup.dataset.testid = 'group-remove';
    ungroup.title = 'Ungroup (the nodes stay)';
    ungroup.textContent = '×';
    ungroup.addEventListener('click', () => this.remove(g));
    bar.append(ungroup);
    return bar;
  }

  /** Moves the group's nodes with the pointer, from a press on its title bar. */
  private drag(g: CanvasGroup, down: PointerEvent): void {
    // The node picked last drags the selection with it (rete-area-plugin's selectableNodes): each
    // member is moved here once, so none is picked while the group moves.
    this.selector.release();
    let last = { x: down.clientX, y: down.clientY };
    const move = (e: PointerEvent) => {
      const k = this.area.area.transform.k;
      const dx = (e.clientX - last.x) / k;
      const dy = (e.clientY - last.y) / k;
      last = { x: e.clientX, y: e.clientY };
      for (const id of g.members) {
        const p = this.area.nodeViews.get(id)?.position;
        if (p) void this.area.translate(id, { x: p.x + dx, y: p.y + dy });
      }
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.layer.remove();
  }
}
