/**
 * What the canvas holds: a node (its graph id, declaration, params and box size), a note and a link.
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

/** The minimap: its side in px and its distance from the canvas's bottom-right corner (the preset's CSS). */
export const MINIMAP = { size: 180, margin: 24 };

/** A note's box: its width, and its height until the view has measured the text. */
export const NOTE_BOX = { width: 250, height: 64 };

/**
 * A note on the canvas (`notes:` in the document): free text in a box. A Rete node without
 * ports, so it is dragged, selected, deleted and undone as the nodes are; the runtime never
 * sees it.
 */
export class NoteNode extends ClassicPreset.Node {
  width = NOTE_BOX.width;
  height = NOTE_BOX.height;
  /** Opens the text for editing once the view is mounted (a note just added). */
  editOnMount = false;
  /** Sets the text as one undoable step (the editor sets this when it makes the note). */
  commit: (text: string) => void = (text) => {
    this.text = text;
  };
  constructor(
    /** Its key under `notes:`. */
    public gid: string,
    public text: string,
  ) {
    super('note');
  }
}

/** Anything Rete holds as a node: a patchbay node or a note. */
export type CanvasNode = PatchNode | NoteNode;

export class PatchLink extends ClassicPreset.Connection<PatchNode, PatchNode> {
  linkText = '';
}
