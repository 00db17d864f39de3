/**
 * docs/architecture.md's worked example, compiled and run: a node type defined in a test's
 * fixture folder is registered, and from then on the validator, the compiler and the executor
 * treat it as one of their own.
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { defineNodeType, getNodeType, registerNodeType } from '../../nodes/registry.ts';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { tempDir } from '../hdf5/harness.ts';
import { invert } from '../fixtures/node-types/invert/index.ts';

registerNodeType(defineNodeType(invert, () => import('../fixtures/node-types/invert/stage.ts')));

const graphText = (file: string, max = 255) => `patchbay: 1
name: inverted
nodes:
  camera: {type: Camera, params: {width: 16, height: 8, fps: 0, frames: 5}}
  invert: {type: Invert, params: {max: ${max}}}
  recorder: {type: HDF5Sink, params: {file: "${file}"}}
links:
  - camera.out -> invert.in
  - invert.out -> recorder.in
`;

describe('a node type defined outside nodes/', () => {
  test('is validated by its declaration: an unknown param and a value out of range are refused with codes', () => {
    expect(getNodeType('Invert')).toBe(invert);
    const bad = loadGraph(graphText('x.h5', 300).replace('max: 300', 'max: 300, gain: 2'));
    expect(bad.errors.map((e) => e.code).sort()).toEqual(['PARAM_OUT_OF_RANGE', 'UNKNOWN_PARAM']);
  });

  test('compiles and runs in a graph: every frame comes out inverted, and the recorder stores them', async () => {
    const file = join(tempDir(), 'inverted.h5');
    const { graph, errors } = loadGraph(graphText(file));
    expect(errors.filter((e) => e.severity === 'error')).toEqual([]);
    const plan = compileGraph(graph!);
    expect(plan.startOrder).toEqual(['recorder', 'invert', 'camera']);
    const seen: Record<string, Frame[]> = { camera: [], invert: [] };
    const run = runGraph(plan, {
      graphText: graphText(file),
      tap: (node, f) => seen[node]?.push({ ...f, data: f.data.slice() }),
    });
    const summary = await run.done;
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode).toBe(0);
    expect(seen.invert.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    for (const [i, f] of seen.invert.entries())
      expect(Array.from(f.data)).toEqual(Array.from(seen.camera[i].data, (p) => 255 - p));
    expect(summary.stats.nodes.recorder.framesStored).toBe(5);
  });
});
