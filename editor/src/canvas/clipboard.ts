/**
 * Copy and paste on the canvas: the copied nodes (type, params, position), the links among
 * them, the copied notes, and the groups whose nodes were all copied. Each paste of the same
 * clip lands a step further from the originals, with fresh ids.
 */
import type { NodeDecl } from '../../../nodes/types.ts';
import type { GraphLink } from '../../../runtime/graph/types.ts';
import type { GroupFrames } from './groups.ts';
import type { CanvasNotes } from './notes.ts';
import type { CanvasNode, NoteNode, PatchNode } from './patch-node.ts';

type Position = { x: number; y: number };

interface ClipNode {
  gid: string;
  type: string;
  decl: NodeDecl;
  params: Record<string, unknown>;
  position: Position;
}

interface ClipNote {
  text: string;
  position: Position;
}

interface ClipGroup {
  title?: string;
  /** The members' graph ids among the copied nodes. */
  members: string[];
}

export class Clipboard {
  private nodes: ClipNode[] = [];
  private links: GraphLink[] = [];
  private notes: ClipNote[] = [];
  private groups: ClipGroup[] = [];
  /** Pastes of the current clip so far: each lands a step further from the originals. */
  private pastes = 0;

  constructor(
    private readonly canvasNotes: CanvasNotes,
    private readonly canvasGroups: GroupFrames,
  ) {}

  /** Keeps `nodes`, `notes`, the `links` that join two of the nodes, and the groups all of whose nodes are among them. */
  copy(
    nodes: PatchNode[],
    notes: NoteNode[],
    positionOf: (n: CanvasNode) => Position | undefined,
    links: GraphLink[],
  ): void {
    this.pastes = 0;
    const ids = new Set(nodes.map((n) => n.gid));
    const gidOf = new Map(nodes.map((n) => [n.id, n.gid]));
    const at = (n: CanvasNode): Position => ({ ...(positionOf(n) ?? { x: 0, y: 0 }) });
    this.nodes = nodes.map((n) => ({
      gid: n.gid,
      type: n.decl.type,
      decl: n.decl,
      params: structuredClone(n.params),
      position: at(n),
    }));
    this.links = links.filter((l) => ids.has(l.from.node) && ids.has(l.to.node));
    this.notes = notes.map((n) => ({ text: n.text, position: at(n) }));
    this.groups = this.canvasGroups
      .all()
      .filter((g) => g.members.length > 0 && g.members.every((m) => gidOf.has(m)))
      .map((g) => ({ title: g.title, members: g.members.map((m) => gidOf.get(m)!) }));
  }

  /**
   * Adds a copy of each node (`add` gives it its fresh id), the links among the copies, the
   * notes, and the groups around the copies; returns the pasted nodes and notes.
   */
  async paste(
    add: (n: ClipNode, position: Position) => Promise<PatchNode>,
    link: (l: GraphLink) => Promise<unknown>,
  ): Promise<CanvasNode[]> {
    if (this.nodes.length === 0 && this.notes.length === 0) return [];
    const step = ++this.pastes;
    const moved = (p: Position): Position => ({ x: p.x + 40 * step, y: p.y + 60 * step });
    const pasted = new Map<string, PatchNode>();
    const added: CanvasNode[] = [];
    for (const n of this.nodes) {
      const node = await add({ ...n, params: structuredClone(n.params) }, moved(n.position));
      pasted.set(n.gid, node);
      added.push(node);
    }
    for (const l of this.links)
      await link({
        from: { node: pasted.get(l.from.node)!.gid, port: l.from.port },
        to: { node: pasted.get(l.to.node)!.gid, port: l.to.port },
      });
    // A pasted note keeps its text as it is: it does not open for writing as a new one does.
    for (const n of this.notes) added.push(await this.canvasNotes.add(moved(n.position), n.text, undefined, false));
    for (const g of this.groups)
      this.canvasGroups.create(
        g.members.map((gid) => pasted.get(gid)!),
        g.title,
      );
    return added;
  }
}
