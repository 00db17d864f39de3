import type { Graph, GraphError } from './types.ts';
import { analyzeGraph } from './analyze.ts';

/** Every error and warning of a graph built in memory (the editor's); positions are added by loadGraph. */
export function validateGraph(graph: Graph): GraphError[] {
  return analyzeGraph(graph).issues.map((i) => i.error);
}
