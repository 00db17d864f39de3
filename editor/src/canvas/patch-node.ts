/**
 * What the canvas holds: a node (its graph id, declaration, params and box size) and a link.
 * The node view (components/PatchNodeView.vue) and the editor (patch-editor.ts) both build
 * on this module, which imports neither.
 */
import { ClassicPreset } from 'rete';
import type { NodeDecl } from '../../../nodes/types.ts';

const socket = new ClassicPreset.Socket('patchbay');

/** Layout of a node's box, shared with PatchNodeView so the minimap and auto-arrange see true sizes. */
export const NODE_BOX = { width: 190, title: 44, port: 30, stats: 40, preview: 132, footer: 12, endpoint: 32 };

/** A node on the canvas: its graph id, declaration and params (only those the user set). */
export class PatchNode extends ClassicPreset.Node {
  width = NODE_BOX.width;
  height: number;
  /** The host the graph places it on (`host:`), shown as a badge in the node's colour for that host. */
  host?: string;
  constructor(
    public gid: string,
    public readonly decl: NodeDecl,
    public params: Record<string, unknown>,
  ) {
    super(decl.type);
    // Every port accepts several links at Rete's level: the graph rules (runtime/graph/refuse-link.ts) decide and say why.
    for (const p of decl.inputs) this.addInput(p.name, new ClassicPreset.Input(socket, p.name, true));
    for (const p of decl.outputs) this.addOutput(p.name, new ClassicPreset.Output(socket, p.name, true));
    this.height =
      NODE_BOX.title +
      NODE_BOX.port * (decl.inputs.length + decl.outputs.length) +
      NODE_BOX.stats +
      (decl.socket ? NODE_BOX.endpoint : 0) +
      (decl.preview ? NODE_BOX.preview : 0) +
      NODE_BOX.footer;
  }
}

export class PatchLink extends ClassicPreset.Connection<PatchNode, PatchNode> {
  linkText = '';
}
