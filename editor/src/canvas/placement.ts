/**
 * Putting things on the canvas: what the palette drops, a node type the registry does not know
 * kept as a placeholder, and a saved layout spread so no two boxes overlap at the editor's sizes.
 */
import type { AreaPlugin } from 'rete-area-plugin';
import type { NodeDecl } from '../../../nodes/types.ts';
import type { Graph } from '../../../runtime/graph/types.ts';
import type { AreaExtra, Schemes } from './plugins.ts';

/** The palette's drag data: a node type's name, or NOTE for a note. */
export const DRAG_DATA = 'application/x-patchbay-node';
export const NOTE = '#note';

/** Drops from the palette (HTML5 drag and drop): `drop` gets what was dragged and where the pointer is, in graph coordinates. */
export function acceptDrops(
  area: AreaPlugin<Schemes, AreaExtra>,
  drop: (what: string, at: { x: number; y: number }) => void,
): void {
  area.container.addEventListener('dragover', (e) => e.preventDefault());
  area.container.addEventListener('drop', (e) => {
    const what = e.dataTransfer?.getData(DRAG_DATA);
    if (!what) return;
    e.preventDefault();
    area.area.setPointerFrom(e);
    drop(what, { ...area.area.pointer });
  });
}

/**
 * A node type the registry does not know (a typo, or a newer file): kept on the canvas with
 * the ports its links use and its params untouched, so saving never drops it; validation
 * marks it UNKNOWN_TYPE.
 */
export function placeholderDecl(gid: string, type: string, graph: Graph): NodeDecl {
  const ins = new Set(graph.links.filter((l) => l.to.node === gid).map((l) => l.to.port));
  const outs = new Set(graph.links.filter((l) => l.from.node === gid).map((l) => l.from.port));
  return {
    type,
    role: 'compute',
    inputs: [...ins].map((name) => ({ name, type: 'any' as const, many: true, doc: '' })),
    outputs: [...outs].map((name) => ({ name, type: 'any' as const, many: true, doc: '' })),
    params: {},
    docs: {
      summary: `Unknown node type ${type}`,
      description: `patchbay has no node type ${type}; its params are kept as they are.`,
    },
  };
}

/**
 * How much to spread a saved layout so that no two boxes overlap at the editor's node
 * sizes (layouts written by hand or for smaller boxes would otherwise pile up).
 */
export function spreadFactor(
  at: readonly (readonly [number, number])[],
  boxes: readonly { width: number; height: number }[],
  gap = 24,
): number {
  const overlaps = (s: number): boolean => {
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        const [xi, yi] = [at[i][0] * s, at[i][1] * s];
        const [xj, yj] = [at[j][0] * s, at[j][1] * s];
        if (
          xi < xj + boxes[j].width + gap &&
          xj < xi + boxes[i].width + gap &&
          yi < yj + boxes[j].height + gap &&
          yj < yi + boxes[i].height + gap
        )
          return true;
      }
    }
    return false;
  };
  let s = 1;
  while (s < 4 && overlaps(s)) s += 0.05;
  return s;
}
