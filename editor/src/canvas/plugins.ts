/**
 * The Rete plugins of the canvas and their presets: links by drag, Vue rendering with
 * patchbay's node, note and link views, the context menu of node types and notes, the minimap, auto-arrange
 * and history. PatchEditor (patch-editor.ts) owns them; this only wires them up.
 */
import type { GetSchemes, NodeEditor } from 'rete';
import { AreaExtensions, type AreaPlugin } from 'rete-area-plugin';
import { ConnectionPlugin, Presets as ConnectionPresets } from 'rete-connection-plugin';
import { Presets, VuePlugin, type VueArea2D } from 'rete-vue-plugin';
import { Presets as ArrangePresets, type AutoArrangePlugin } from 'rete-auto-arrange-plugin';
import { ContextMenuPlugin, Presets as ContextMenuPresets, type ContextMenuExtra } from 'rete-context-menu-plugin';
import { MinimapPlugin, type MinimapExtra } from 'rete-minimap-plugin';
import { Presets as HistoryPresets, type HistoryPlugin } from 'rete-history-plugin';
import type { NodeDecl } from '../../../nodes/types.ts';
import PatchNodeView from '../components/PatchNodeView.vue';
import PatchLinkView from '../components/PatchLinkView.vue';
import NoteView from '../components/NoteView.vue';
import { MINIMAP, NoteNode, type CanvasNode, type PatchLink } from './patch-node.ts';

export type Schemes = GetSchemes<CanvasNode, PatchLink>;

export type AreaExtra = VueArea2D<Schemes> | ContextMenuExtra | MinimapExtra;

export interface CanvasParts {
  catalog: readonly NodeDecl[];
  /** A fresh node of a type, for the context menu. */
  makeNode: (type: string) => CanvasNode;
  /** A fresh note, for the context menu. */
  makeNote: () => NoteNode;
  history: HistoryPlugin<Schemes>;
  arrange: AutoArrangePlugin<Schemes>;
  selector: ReturnType<typeof AreaExtensions.selector>;
}

/** Adds the canvas's plugins to `editor` and `area`, in the order Rete needs them. */
export function usePlugins(
  editor: NodeEditor<Schemes>,
  area: AreaPlugin<Schemes, AreaExtra>,
  { catalog, makeNode, makeNote, history, arrange, selector }: CanvasParts,
): void {
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new VuePlugin<Schemes, AreaExtra>();
  const contextMenu = new ContextMenuPlugin<Schemes>({
    items: ContextMenuPresets.classic.setup([
      ['Note', makeNote],
      ...catalog.map((d) => [d.type, () => makeNode(d.type)] as [string, () => CanvasNode]),
    ]),
  });
  const minimap = new MinimapPlugin<Schemes>({ boundViewport: true });

  AreaExtensions.selectableNodes(area, selector, { accumulating: AreaExtensions.accumulateOnCtrl() });
  render.addPreset(
    Presets.classic.setup({
      customize: {
        node: ({ payload }) => (payload instanceof NoteNode ? NoteView : PatchNodeView) as never,
        connection: () => PatchLinkView as never,
      },
    }),
  );
  render.addPreset(Presets.contextMenu.setup({ delay: 200 }));
  render.addPreset(Presets.minimap.setup({ size: MINIMAP.size }));
  connection.addPreset(ConnectionPresets.classic.setup());
  arrange.addPreset(ArrangePresets.classic.setup());
  // Ctrl+Z / Ctrl+Y are the app's (undo() and redo() below), which refuse while a graph runs.
  history.addPreset(HistoryPresets.classic.setup());

  editor.use(area);
  area.use(connection);
  area.use(render);
  area.use(arrange);
  area.use(contextMenu);
  area.use(minimap);
  panOnMinimapClick(area);
  area.use(history);
  AreaExtensions.simpleNodesOrder(area);
}

/**
 * A click on the minimap centres the view there (the preset pans on a double-click only, or by
 * dragging its viewport rectangle): the same mapping as its double-click, from the latest render.
 */
function panOnMinimapClick(area: AreaPlugin<Schemes, AreaExtra>): void {
  let point: ((x: number, y: number) => void) | undefined;
  area.addPipe((ctx) => {
    if (ctx.type === 'render' && ctx.data.type === 'minimap') {
      const data = ctx.data;
      point = (x, y) => data.point(x, y);
    }
    return ctx;
  });
  let down: { x: number; y: number } | undefined;
  const minimapOf = (e: Event) => (e.target as Element | null)?.closest?.('[data-testid=minimap]');
  area.container.addEventListener(
    'pointerdown',
    (e) => (down = minimapOf(e) ? { x: e.clientX, y: e.clientY } : undefined),
    true,
  );
  area.container.addEventListener('click', (e) => {
    const map = minimapOf(e);
    // A drag of the viewport rectangle ends in a click too: that one has moved the view already.
    const moved = !down || Math.abs(e.clientX - down.x) > 3 || Math.abs(e.clientY - down.y) > 3;
    if (!map || !point || moved) return;
    const box = map.getBoundingClientRect();
    point((e.clientX - box.left) / MINIMAP.size, (e.clientY - box.top) / MINIMAP.size);
  });
}
