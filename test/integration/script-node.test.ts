/**
 * The Script node: a TypeScript module's default export called on a pool of threads, frames
 * in order, exact; list and undefined results; an exception fails the node with its message
 * and keeps the frames before it; a module that cannot load fails before any frame.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import type { Frame } from '../../runtime/wire/index.ts';
import { tempDir } from '../hdf5/harness.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/script-node/${name}`, import.meta.url));

const graph = (module: string, file: string, frames = 100, threads = 2) => `patchbay: 1
name: script
nodes:
  camera: {type: Camera, params: {width: 32, height: 16, fps: 0, frames: ${frames}}}
  step: {type: Script, params: {module: "${module}", threads: ${threads}}}
  recorder: {type: HDF5Sink, params: {file: "${file}"}}
links:
  - camera.out -> step.in
  - step.out -> recorder.in
`;

async function run(yaml: string) {
  const { graph: g, errors } = loadGraph(yaml);
  expect(errors.filter((e) => e.severity === 'error')).toEqual([]);
  const seen: Record<string, Frame[]> = { camera: [], step: [] };
  const summary = await runGraph(compileGraph(g!), {
    graphText: yaml,
    tap: (node, f) => seen[node]?.push({ ...f, data: f.data.slice() }),
  }).done;
  return { summary, seen };
}

describe('Script node', () => {
  test('a TypeScript threshold on 2 threads: every frame exact and in order', async () => {
    const { summary, seen } = await run(graph(fixture('threshold.ts'), join(tempDir(), 'out.h5')));
    expect(summary.failures).toEqual([]);
    expect(seen.step.map((f) => f.seq)).toEqual([...Array(100).keys()]);
    for (const [i, f] of seen.step.entries()) {
      expect(f.shape).toEqual([16, 32]);
      expect(Array.from(f.data)).toEqual(Array.from(seen.camera[i].data, (p) => (p > 128 ? 255 : 0)));
    }
    expect(summary.stats.nodes.recorder.framesStored).toBe(100);
  });

  test("a list result emits each frame with the input's seq; undefined drops the frame", async () => {
    const { summary, seen } = await run(graph(fixture('many.js'), join(tempDir(), 'out.h5'), 6));
    expect(summary.failures).toEqual([]);
    expect(seen.step.map((f) => f.seq)).toEqual([0, 0, 2, 2, 4, 4]);
    expect(Array.from(seen.step[1].data)).toEqual(Array.from(seen.camera[0].data, (p) => p >> 1));
  });

  test('an exception on frame 50 fails the node with its message; the 50 frames before it are in the file', async () => {
    const { summary } = await run(graph(fixture('raises.js'), join(tempDir(), 'out.h5')));
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]).toMatchObject({
      node: 'step',
      code: 'STAGE_FAILED',
      message: expect.stringContaining('raises.js threw on frame 50: the detector is saturated'),
    });
    // The frames the node had taken in after the 50th are lost, and the summary says so.
    expect(summary.failures.slice(1).map((f) => f.code)).toEqual((summary.lost ?? 0) > 0 ? ['FRAMES_LOST'] : []);
    expect(summary.stats.nodes.recorder.framesStored).toBe(50);
  });

  test('a module that cannot load fails at start, before any frame: no such file, a syntax error, no default export', async () => {
    const cases: [string, string][] = [
      [join(tempDir(), 'missing.ts'), 'does not exist'],
      [fixture('syntax-error.js'), 'could not be loaded'],
      [fixture('no-default.js'), 'has no default export function'],
    ];
    for (const [module, says] of cases) {
      const { summary } = await run(graph(module, join(tempDir(), 'out.h5')));
      expect(
        summary.failures.map((f) => f.code),
        module,
      ).toEqual(['STAGE_FAILED']);
      expect(summary.failures[0].message).toContain(says);
      expect(summary.stats.nodes.camera.framesOut).toBe(0);
    }
  });

  test('a function that throws on every frame, on 2 threads: one failure, reported; nothing unhandled takes the process down', async () => {
    const { summary } = await run(graph(fixture('always-raises.js'), join(tempDir(), 'out.h5'), 40));
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]).toMatchObject({
      node: 'step',
      code: 'STAGE_FAILED',
      message: expect.stringContaining('threw on frame 0: never works'),
    });
  });
});
