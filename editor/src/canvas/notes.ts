/**
 * Notes on the canvas: made (from the palette, the context menu, a clone, a loaded document),
 * their text set as one undoable step, and read back as the document's `notes:`. A note is a
 * Rete node (patch-node.ts NoteNode), so moving, selecting and deleting it are the canvas's own.
 */
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { HistoryPlugin } from 'rete-history-plugin';
import type { Graph, GraphNote } from '../../../runtime/graph/types.ts';
import { freshId } from '../../../runtime/graph/node-id.ts';
import { NODE_BOX, NoteNode } from './patch-node.ts';
import type { AreaExtra, Schemes } from './plugins.ts';

/** What a note says until it is written. */
const NEW_TEXT = 'Note';

export class CanvasNotes {
  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly history: HistoryPlugin<Schemes>,
    /** The document changed (a note's text). */
    private readonly onChange: () => void,
  ) {}

  all(): NoteNode[] {
    return this.editor.getNodes().filter((n): n is NoteNode => n instanceof NoteNode);
  }

  /** A note not yet on the canvas; a new one (no id given) opens for editing when shown, unless `edit` says otherwise (a pasted one). */
  make(text = NEW_TEXT, gid?: string, edit = gid === undefined): NoteNode {
    const id = gid ?? freshId('note', (x) => this.all().some((n) => n.gid === x));
    const note = new NoteNode(id, text);
    note.editOnMount = edit;
    note.commit = (t) => this.setText(note, t);
    (note as NoteNode & { clone(): NoteNode }).clone = () => this.make(note.text);
    return note;
  }

  /** Adds a note at `position` (graph coordinates); `edit` as for make(). */
  async add(position: { x: number; y: number }, text?: string, gid?: string, edit?: boolean): Promise<NoteNode> {
    const note = this.make(text, gid, edit);
    await this.editor.addNode(note);
    await this.area.translate(note.id, position);
    return note;
  }

  /** Sets a note's text, as one undoable step. */
  setText(note: NoteNode, text: string): void {
    const before = note.text;
    const apply = (t: string): void => {
      note.text = t;
      void this.area.update('node', note.id);
      this.onChange();
    };
    apply(text);
    this.history.add({ undo: () => apply(before), redo: () => apply(text) });
  }

  /**
   * Puts a document's notes on the canvas: at their place times `scale` (the spread the nodes'
   * layout got), or, without one, in a column right of the nodes (`nodes`: their places as written).
   */
  async load(notes: Graph['notes'], scale: number, nodes: readonly (readonly [number, number])[]): Promise<void> {
    const right = nodes.length ? Math.max(...nodes.map(([x]) => x * scale)) + NODE_BOX.width : 0;
    const top = nodes.length ? Math.min(...nodes.map(([, y]) => y * scale)) : 0;
    let free = 0;
    for (const [gid, n] of Object.entries(notes ?? {})) {
      const at = n.at
        ? { x: Math.round(n.at[0] * scale), y: Math.round(n.at[1] * scale) }
        : { x: right + 60, y: top + 120 * free++ };
      await this.add(at, n.text, gid);
    }
  }

  /** The canvas's notes as the document's `notes:` (none: no key), each with its place. */
  toGraph(): Pick<Graph, 'notes'> {
    const out: Record<string, GraphNote> = {};
    for (const n of this.all()) {
      const p = this.area.nodeViews.get(n.id)?.position;
      out[n.gid] = p ? { text: n.text, at: [Math.round(p.x), Math.round(p.y)] } : { text: n.text };
    }
    return Object.keys(out).length ? { notes: out } : {};
  }
}
