/**
 * Copy and paste on the canvas: the copied nodes (type, params, position) and the links among
 * them. Each paste of the same clip lands a step further from the originals, with fresh ids.
 */
import type { NodeDecl } from '../../../nodes/types.ts';
import type { GraphLink } from '../../../runtime/graph/types.ts';
import type { PatchNode } from './patch-node.ts';

interface ClipNode {
  gid: string;
  type: string;
  decl: NodeDecl;
  params: Record<string, unknown>;
  position: { x: number; y: number };
}

export class Clipboard {
  private nodes: ClipNode[] = [];
  private links: GraphLink[] = [];
  /** Pastes of the current clip so far: each lands a step further from the originals. */
  private pastes = 0;

  /** Keeps `nodes` and those of `links` that join two of them. */
  copy(
    nodes: PatchNode[],
    positionOf: (n: PatchNode) => { x: number; y: number } | undefined,
    links: GraphLink[],
  ): void {
    this.pastes = 0;
    const ids = new Set(nodes.map((n) => n.gid));
    this.nodes = nodes.map((n) => ({
      gid: n.gid,
      type: n.decl.type,
      decl: n.decl,
      params: structuredClone(n.params),
      position: { ...(positionOf(n) ?? { x: 0, y: 0 }) },
    }));
    this.links = links.filter((l) => ids.has(l.from.node) && ids.has(l.to.node));
  }

  /** Adds a copy of each node (`add` gives it its fresh id) and the links among the copies; returns the copies. */
  async paste(
    add: (n: ClipNode, position: { x: number; y: number }) => Promise<PatchNode>,
    link: (l: GraphLink) => Promise<unknown>,
  ): Promise<PatchNode[]> {
    if (this.nodes.length === 0) return [];
    const step = ++this.pastes;
    const rename = new Map<string, string>();
    const added: PatchNode[] = [];
    for (const n of this.nodes) {
      const node = await add(
        { ...n, params: structuredClone(n.params) },
        { x: n.position.x + 40 * step, y: n.position.y + 60 * step },
      );
      rename.set(n.gid, node.gid);
      added.push(node);
    }
    for (const l of this.links)
      await link({
        from: { node: rename.get(l.from.node)!, port: l.from.port },
        to: { node: rename.get(l.to.node)!, port: l.to.port },
      });
    return added;
  }
}
