/**
 * The canvas: Rete's editor and plugins set up for patchbay's node types, and the
 * conversion between what is on the canvas and the graph document.
 */
import { NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { AutoArrangePlugin } from 'rete-auto-arrange-plugin';
import { HistoryPlugin } from 'rete-history-plugin';
import { Clipboard } from './clipboard.ts';
import { usePlugins, type AreaExtra, type Schemes } from './plugins.ts';
import type { NodeDecl } from '../../../nodes/types.ts';
import type { Graph, GraphError, GraphLink, GraphNode } from '../../../runtime/graph/types.ts';
// The runtime's own rules, not a copy: a link or an id the editor takes, validate takes too.
import { formatLink as linkText } from '../../../runtime/graph/link.ts';
import { freshId, nodeIdProblem } from '../../../runtime/graph/node-id.ts';
import { refuseLink } from '../../../runtime/graph/refuse-link.ts';
import { isDefault, ownDecl } from '../../../runtime/graph/param-rules.ts';
import { NoteNode, PatchLink, PatchNode, type CanvasNode } from './patch-node.ts';
import { acceptDrops, NOTE, ViewFit, placeholderDecl, spreadFactor } from './placement.ts';
import { CanvasNotes } from './notes.ts';
import { GroupFrames } from './groups.ts';
import { Selection } from './selection.ts';
import { live } from '../store.ts';

/** Why an edit is refused while a graph runs. */
export const RUNNING: Refusal = {
  code: 'RUNNING',
  message: 'the graph is running: stop it to edit (what runs is what is shown)',
};

/** Room between layers for a link's rate label. */
const ARRANGE = { options: { 'elk.spacing.nodeNode': '60', 'elk.layered.spacing.nodeNodeBetweenLayers': '140' } };

/** Why a link was refused: the error validate would report for it. */
export type Refusal = Pick<GraphError, 'message'> & { code: GraphError['code'] | 'RUNNING' };

export interface PatchEditorHooks {
  /** The graph changed (`layout`: only positions). */
  onChange(kind: 'graph' | 'layout'): void;
  onSelect(node: PatchNode | undefined): void;
  onRefuse(refusal: Refusal): void;
}

export class PatchEditor {
  readonly editor = new NodeEditor<Schemes>();
  readonly area: AreaPlugin<Schemes, AreaExtra>;
  private readonly history = new HistoryPlugin<Schemes>();
  private readonly arrange = new AutoArrangePlugin<Schemes>();
  private readonly types: Map<string, NodeDecl>;
  readonly catalog: readonly NodeDecl[];
  private readonly selector = AreaExtensions.selector();
  private readonly selection: Selection;
  readonly notes: CanvasNotes;
  readonly groups: GroupFrames;
  private readonly view: ViewFit;
  private quiet = 0;
  /** Set while a graph runs: edits are refused (RUNNING), so what runs is what is shown. */
  readOnly = false;
  private readonly clipboard: Clipboard;

  constructor(
    container: HTMLElement,
    catalog: readonly NodeDecl[],
    private readonly hooks: PatchEditorHooks,
  ) {
    this.catalog = catalog;
    this.types = new Map(catalog.map((d) => [d.type, d]));
    const area = new AreaPlugin<Schemes, AreaExtra>(container);
    this.area = area;
    this.notes = new CanvasNotes(this.editor, area, this.history, () => this.hooks.onChange('graph'));
    this.groups = new GroupFrames(this.editor, area, this.history, this.selector, () => this.hooks.onChange('graph'));
    this.clipboard = new Clipboard(this.notes, this.groups);
    this.selection = new Selection(this.editor, area, this.selector, () => this.hooks.onSelect(this.selected()[0]));
    usePlugins(this.editor, area, {
      catalog,
      makeNode: (type) => this.makeNode(type, {}),
      makeNote: () => this.notes.make(),
      history: this.history,
      arrange: this.arrange,
      selector: this.selector,
    });

    this.editor.addPipe((ctx) => {
      // While a graph runs the graph does not change (nodes may still be moved around; notes never run).
      if (
        this.readOnly &&
        this.quiet === 0 &&
        ['nodecreate', 'noderemove', 'connectioncreate', 'connectionremove'].includes(ctx.type) &&
        !('data' in ctx && ctx.data instanceof NoteNode)
      ) {
        this.hooks.onRefuse(RUNNING);
        return undefined;
      }
      if (ctx.type === 'connectioncreate') {
        if (this.quiet === 0) {
          const refusal = this.refusalFor(ctx.data);
          if (refusal) {
            this.hooks.onRefuse(refusal);
            return undefined;
          }
        }
        // Set before 'connectioncreated': the area (an earlier child) renders the link on that signal.
        ctx.data.linkText = this.textOf(ctx.data);
        live.linkTexts[ctx.data.id] = ctx.data.linkText;
      }
      if (ctx.type === 'connectionremoved') delete live.linkTexts[ctx.data.id];
      if (['nodecreated', 'noderemoved', 'connectioncreated', 'connectionremoved'].includes(ctx.type)) {
        this.hooks.onChange('graph');
      }
      return ctx;
    });
    area.addPipe((ctx) => {
      if (ctx.type === 'nodetranslated') this.hooks.onChange('layout');
      if (ctx.type === 'nodepicked') this.hooks.onSelect(this.patchNode(ctx.data.id));
      // A click anywhere but on a link (which stops it) unselects the link.
      if (ctx.type === 'pointerdown') live.selectedLink = undefined;
      if (ctx.type === 'pointerup') setTimeout(() => this.hooks.onSelect(this.selected()[0]), 0);
      return ctx;
    });

    this.view = new ViewFit(area, () => this.editor.getNodes());
    acceptDrops(area, (what, at) => {
      if (what === NOTE) return void this.notes.add(at).then((n) => this.select(n));
      if (this.readOnly) return this.hooks.onRefuse(RUNNING);
      void this.addNode(what, {}, at).then((n) => this.select(n));
    });
  }

  /** The declaration of a type, or an Error naming it. */
  decl(type: string): NodeDecl {
    const d = this.types.get(type);
    if (!d)
      throw new Error(
        `unknown node type ${JSON.stringify(type)}; expected one of ${[...this.types.keys()].join(', ')}`,
      );
    return d;
  }

  private makeNode(type: string, params: Record<string, unknown>, gid?: string, decl = this.decl(type)): PatchNode {
    const id = gid ?? freshId(type, (x) => this.byGid(x) !== undefined);
    const node = new PatchNode(id, decl, { ...params });
    (node as PatchNode & { clone(): PatchNode }).clone = () => this.makeNode(type, { ...node.params }, undefined, decl);
    return node;
  }

  /** The graph's nodes on the canvas (not the notes). */
  nodes(): PatchNode[] {
    return this.editor.getNodes().filter((n): n is PatchNode => n instanceof PatchNode);
  }

  /** The node of a Rete id, unless that is a note. */
  private patchNode(id: string): PatchNode | undefined {
    const n = this.editor.getNode(id);
    return n instanceof PatchNode ? n : undefined;
  }

  byGid(gid: string): PatchNode | undefined {
    return this.nodes().find((n) => n.gid === gid);
  }

  private textOf(c: PatchLink): string {
    const s = this.patchNode(c.source);
    const t = this.patchNode(c.target);
    return linkText({
      from: { node: s?.gid ?? '?', port: c.sourceOutput },
      to: { node: t?.gid ?? '?', port: c.targetInput },
    });
  }

  /** Nodes and links as the graph rules read them (positions left out: they never matter there). */
  ruleGraph(): Graph {
    const nodes: Record<string, GraphNode> = {};
    for (const n of this.nodes()) nodes[n.gid] = { type: n.decl.type, params: n.params };
    return { patchbay: 1, nodes, links: this.links() };
  }

  private links(): GraphLink[] {
    return this.editor.getConnections().map((c) => ({
      from: { node: this.patchNode(c.source)?.gid ?? '?', port: c.sourceOutput },
      to: { node: this.patchNode(c.target)?.gid ?? '?', port: c.targetInput },
    }));
  }

  private refusalFor(c: PatchLink): Refusal | undefined {
    const s = this.patchNode(c.source);
    const t = this.patchNode(c.target);
    if (!s || !t) return undefined;
    return refuseLink(
      this.ruleGraph(),
      { from: { node: s.gid, port: c.sourceOutput }, to: { node: t.gid, port: c.targetInput } },
      this.catalog,
    );
  }

  /** Adds a node of `type` at `position` (graph coordinates). */
  async addNode(
    type: string,
    params: Record<string, unknown> = {},
    position = { x: 0, y: 0 },
    gid?: string,
    decl?: NodeDecl,
  ): Promise<PatchNode> {
    const node = this.makeNode(type, params, gid, decl ?? this.decl(type));
    await this.editor.addNode(node);
    await this.area.translate(node.id, position);
    return node;
  }

  /** Links two ports by graph ids; returns the refusal when the rules say no. */
  async link(l: GraphLink, checked = true): Promise<Refusal | undefined> {
    const s = this.byGid(l.from.node);
    const t = this.byGid(l.to.node);
    if (!s || !t)
      return { code: 'UNKNOWN_NODE', message: `link ${linkText(l)}: no node ${s ? l.to.node : l.from.node}` };
    if (checked) {
      const r = refuseLink(this.ruleGraph(), l, this.catalog);
      if (r) return r;
    }
    this.quiet++;
    try {
      await this.editor.addConnection(new PatchLink(s, l.from.port, t, l.to.port));
    } finally {
      this.quiet--;
    }
    return undefined;
  }

  /** The selected nodes (not notes). */
  selected(): PatchNode[] {
    return this.selection.all().filter((n): n is PatchNode => n instanceof PatchNode);
  }

  /** Selects a node or note alone. */
  select(node: CanvasNode): void {
    this.selection.add(node, true);
    this.hooks.onSelect(node instanceof PatchNode ? node : undefined);
  }

  /** Replaces everything on the canvas with `graph` (links the rules would refuse are kept: validation marks them). */
  async load(graph: Graph): Promise<void> {
    this.quiet++;
    try {
      await this.editor.clear();
      const entries = Object.entries(graph.nodes);
      const given = graph.layout ?? {};
      const raw = entries.map(([gid], i) => given[gid] ?? ([i * 260, 0] as [number, number]));
      const decls = entries.map(([gid, n]) => this.types.get(n.type) ?? placeholderDecl(gid, n.type, graph));
      const scale = spreadFactor(
        raw,
        decls.map((d) => new PatchNode('x', d, {})),
      );
      await this.notes.load(graph.notes, scale, raw);
      for (const [i, [gid, n]] of entries.entries()) {
        const node = await this.addNode(
          n.type,
          { ...n.params },
          { x: Math.round(raw[i][0] * scale), y: Math.round(raw[i][1] * scale) },
          gid,
          decls[i],
        );
        if (typeof n.host === 'string') {
          node.host = n.host;
          await this.area.update('node', node.id);
        }
      }
      for (const l of graph.links) {
        if (!this.byGid(l.from.node) || !this.byGid(l.to.node)) continue;
        await this.link(l, false);
      }
      this.groups.load(graph.groups, (gid) => this.byGid(gid)?.id);
      if (!graph.layout || Object.keys(graph.layout).length === 0) await this.arrange.layout(this.arrangeOptions());
    } finally {
      this.quiet--;
    }
    this.history.clear();
    await this.fit();
  }

  /** The graph document of what is on the canvas. */
  toGraph(meta: Pick<Graph, 'name' | 'description' | 'hosts' | 'secure'> = {}): Graph {
    const nodes: Record<string, GraphNode> = {};
    const layout: Record<string, [number, number]> = {};
    for (const n of this.nodes()) {
      nodes[n.gid] =
        n.host === undefined
          ? { type: n.decl.type, params: { ...n.params } }
          : { type: n.decl.type, host: n.host, params: { ...n.params } };
      const p = this.area.nodeViews.get(n.id)?.position;
      if (p) layout[n.gid] = [Math.round(p.x), Math.round(p.y)];
    }
    const groups = this.groups.toGraph((id) => this.patchNode(id)?.gid);
    const g: Graph = { patchbay: 1, nodes, links: this.links(), ...groups, ...this.notes.toGraph(), layout };
    if (meta.name) g.name = meta.name;
    if (meta.description) g.description = meta.description;
    if (meta.hosts !== undefined) g.hosts = meta.hosts;
    if (meta.secure !== undefined) g.secure = meta.secure;
    return g;
  }

  /** Sets a param (undefined or the default removes it), as one undoable step. */
  setParam(node: PatchNode, key: string, value: unknown): void {
    const before = node.params[key];
    this.edit((forward) => {
      const v = forward ? value : before;
      // What the saved document leaves out, so the canvas and the file agree on what is set.
      const decl = ownDecl(node.decl.params, key);
      if (v === undefined || (decl && isDefault(decl, v))) delete node.params[key];
      else node.params[key] = v;
      this.hooks.onSelect(node);
      return [node];
    });
  }

  /**
   * An edit beside the canvas's own (a node's host, the graph's hosts: map) as one undoable step:
   * `apply(true)` makes it, `apply(false)` takes it back; each returns the nodes to redraw.
   */
  edit(apply: (forward: boolean) => readonly PatchNode[]): void {
    if (this.readOnly) return this.hooks.onRefuse(RUNNING);
    const step = (forward: boolean): void => {
      for (const n of apply(forward)) void this.area.update('node', n.id);
      this.hooks.onChange('graph');
    };
    step(true);
    this.history.add({ undo: () => step(false), redo: () => step(true) });
  }

  /** Renames a node (its id in the graph), as one undoable step; returns why not, if not. */
  rename(node: PatchNode, gid: string): string | undefined {
    if (this.readOnly) return RUNNING.message;
    const bad = nodeIdProblem(gid);
    if (bad) return bad;
    if (gid !== node.gid && this.byGid(gid)) return `${gid} is already taken`;
    const before = node.gid;
    this.edit((forward) => {
      node.gid = forward ? gid : before;
      for (const c of this.editor.getConnections()) {
        if (c.source === node.id || c.target === node.id) {
          c.linkText = this.textOf(c);
          live.linkTexts[c.id] = c.linkText;
        }
      }
      this.hooks.onSelect(node);
      return [node];
    });
    return undefined;
  }

  async removeNodes(nodes: PatchNode[]): Promise<void> {
    for (const n of nodes) {
      for (const c of this.editor.getConnections()) {
        if (c.source === n.id || c.target === n.id) await this.editor.removeConnection(c.id);
      }
      await this.editor.removeNode(n.id);
    }
    this.hooks.onSelect(undefined);
  }

  /** Removes the selected nodes (with their links) and notes, or the link clicked last. */
  async removeSelected(): Promise<void> {
    const link = live.selectedLink;
    live.selectedLink = undefined;
    if (link !== undefined && this.editor.getConnection(link)) {
      await this.editor.removeConnection(link);
      return;
    }
    const notes = this.selection.all().filter((n) => n instanceof NoteNode);
    await this.removeNodes(this.selected());
    for (const n of notes) await this.editor.removeNode(n.id);
  }

  /** Copies the selected nodes and notes, the links among the nodes and the groups around them; says how many of each. */
  copy(): { nodes: number; notes: number } {
    const sel = this.selected();
    const notes = this.selection.all().filter((n): n is NoteNode => n instanceof NoteNode);
    this.clipboard.copy(sel, notes, (n) => this.area.nodeViews.get(n.id)?.position, this.links());
    return { nodes: sel.length, notes: notes.length };
  }

  /** Pastes the copy beside the originals (each paste a step further) with fresh ids (clipboard.ts); what was pasted is selected. */
  async paste(): Promise<CanvasNode[]> {
    const added = await this.clipboard.paste(
      (n, position) => this.addNode(n.type, n.params, position, undefined, n.decl),
      (l) => this.link(l, false),
    );
    if (added.length === 0) return added;
    this.selection.clear();
    for (const n of added) this.selection.add(n);
    this.hooks.onSelect(added.find((n): n is PatchNode => n instanceof PatchNode));
    return added;
  }

  undo(): Promise<void> {
    return this.replay('undo');
  }

  redo(): Promise<void> {
    return this.replay('redo');
  }

  private async replay(which: 'undo' | 'redo'): Promise<void> {
    if (this.readOnly) return this.hooks.onRefuse(RUNNING);
    this.quiet++;
    try {
      await this.history[which]();
    } finally {
      this.quiet--;
    }
  }

  /** Elk lays out the nodes only: a note stays where it was put, beside what it is about. */
  private arrangeOptions(): typeof ARRANGE & { nodes: PatchNode[] } {
    return { ...ARRANGE, nodes: this.nodes() };
  }

  async autoArrange(): Promise<void> {
    await this.arrange.layout(this.arrangeOptions());
    await this.fit();
    this.hooks.onChange('layout');
  }

  /** Zooms so every node and note is in view, none under the minimap. */
  fit(): Promise<void> {
    return this.view.fit();
  }

  /** Redraws every node and link (after validation or new stats). */
  refresh(): void {
    for (const n of this.editor.getNodes()) void this.area.update('node', n.id);
    for (const c of this.editor.getConnections()) void this.area.update('connection', c.id);
  }

  destroy(): void {
    this.groups.destroy();
    this.view.destroy();
    this.selection.destroy();
    this.area.destroy();
  }
}
