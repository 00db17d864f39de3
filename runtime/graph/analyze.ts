/**
 * The graph rules bound to the node registry, for `validate`, `load` and the compiler. The rules
 * themselves (graph-rules.ts) take the node types as an argument, so the editor's bundle can
 * run them without the registry, whose node types carry worker-side code.
 */
import { nodeTypes } from '../../nodes/registry.ts';
import type { Graph } from './types.ts';
import { checkGraph, type Analysis } from './graph-rules.ts';

export type { Analysis, Edge, Issue, NodeInfo, Pairing, Where } from './graph-rules.ts';

/** Every problem with a graph, errors and warnings, in a stable order. */
export function analyzeGraph(graph: Graph): Analysis {
  return checkGraph(graph, nodeTypes);
}
