/**
 * What is selected on the canvas: nodes and notes, through rete-area-plugin's selector.
 */
import type { NodeEditor } from 'rete';
import type { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra, Schemes } from './plugins.ts';
import type { CanvasNode } from './patch-node.ts';

export class Selection {
  constructor(
    private readonly editor: NodeEditor<Schemes>,
    private readonly area: AreaPlugin<Schemes, AreaExtra>,
    private readonly selector: ReturnType<typeof AreaExtensions.selector>,
  ) {}

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

  destroy(): void {}
}
