/**
 * Triggers (`trigger: off | software | LineN`) and the no-frame watchdog: on the emulator (a
 * software trigger per frame, no line wired), then on the fake GigE Vision camera in a private
 * network namespace: a camera left in trigger mode runs again, a software trigger fired by an
 * upstream link makes exactly N frames (recorded, read back by h5py), a camera waiting for a
 * line trigger is not lost, and a killed one is CAMERA_LOST within 3 s with its frames kept.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import createCameraStage from '../../nodes/camera/stage.ts';
import { compileGraph } from '../../runtime/compile/index.ts';
import { runGraph } from '../../runtime/exec/executor.ts';
import { loadGraph } from '../../runtime/graph/index.ts';
import { PYTHON, missing, pythonHas } from '../helpers/env.ts';
import { captures, makePlan, runPlan } from '../helpers/run-harness.ts';
import { besideFakeGv, fakeGvMissing } from './fake-gv.ts';
import { cameraNode, runSource } from './harness.ts';

const noFakeGv = fakeGvMissing() ?? missing('Debian python3-h5py', () => pythonHas('h5py', 'numpy'));
const dir = mkdtempSync(join(tmpdir(), 'patchbay-trigger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A graph run in this process as `patchbay run` runs it: loaded, validated, compiled. */
async function run(yaml: string) {
  const loaded = loadGraph(yaml, 'trigger.yaml');
  const errors = loaded.errors.filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
  return runGraph(compileGraph(loaded.graph!), { graphText: yaml }).done;
}

/** A ticker camera whose frames trigger a second camera, recorded by an HDF5Sink. */
const triggered = (camera: string, file: string, ticks = 7) => `patchbay: 1
nodes:
  ticker: {type: Camera, params: {width: 8, height: 8, fps: 20, frames: ${ticks}}}
  camera: {type: Camera, params: {${camera}, trigger: software}}
  rec: {type: HDF5Sink, params: {file: ${file}, group: g}}
links:
  - ticker.out -> camera.trigger
  - camera.out -> rec.in
`;

describe('triggers on the emulator', () => {
  it('software, nothing linked: exactly `frames` frames, one per trigger, each fired once the last was answered', async () => {
    // fps 0: no rate to fall behind, so no tick is counted as dropped however loaded the machine.
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, fps: 0, frames: 6, trigger: 'software' }),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.frames[0].meta).toMatchObject({ trigger: 'software' });
    expect(r.io.stats.dropped).toBe(0);
  });

  it('software from an upstream link: as many frames as arrive on the trigger input, then the end', async () => {
    const file = join(dir, 'emulator.h5');
    const summary = await run(triggered('width: 32, height: 16', file));
    expect(summary.failures).toEqual([]);
    expect(summary.stats.nodes.camera).toMatchObject({ framesIn: 7, framesOut: 7, dropped: 0 });
    expect(summary.stats.nodes.rec.framesStored).toBe(7);
  });

  it('a line trigger nobody fires: no frame, no error, and the run stops when asked', async () => {
    const r = await runSource(
      createCameraStage,
      cameraNode({ width: 32, height: 16, fps: 50, trigger: 'Line0', triggerActivation: 'FallingEdge' }),
      undefined,
      (c) => setTimeout(() => c.abort.abort(), 600),
    );
    expect(r.error).toBeUndefined();
    expect(r.frames).toEqual([]);
  });

  it('a linked trigger input with trigger off is refused by validation; a plan made without it fails at start, naming the param', async () => {
    const yaml = triggered('width: 32, height: 16', join(dir, 'never.h5')).replace(', trigger: software', '');
    await expect(run(yaml)).rejects.toThrow(
      'node camera: its trigger input is linked (ticker.out -> camera.trigger) but trigger is off: set trigger: software, or remove the link',
    );
    // The stage's own check stays, for plans made without validation.
    const plan = makePlan(
      [
        { id: 'ticker', type: 'Camera', params: { width: 8, height: 8, fps: 20, frames: 3 } },
        { id: 'camera', type: 'Camera', params: { width: 32, height: 16 } },
        { id: 'out', type: 'Capture' },
      ],
      ['ticker.out -> camera.trigger', 'camera.out -> out.in'],
    );
    const summary = await runPlan(plan, { capture: captures() }).done;
    expect(summary.failures).toContainEqual(expect.objectContaining({ code: 'BAD_ARGUMENT', node: 'camera' }));
  });
});

describe.skipIf(noFakeGv)('triggers and the watchdog on the fake GigE Vision camera', () => {
  it('off undoes a trigger mode left behind; software triggers from a link make exactly N frames; waiting for a line is not lost; killed, it is CAMERA_LOST within 3 s', async () => {
    const { code, out, err } = await besideFakeGv(
      `env H5DIR=${dir} node bin/run-ts.js test/native/fixtures/gige-trigger.ts`,
    );
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      leftOn: { before: string; frames: number; error?: string };
      linked: { failures: string[]; file: string; cameraOut: number };
      rate: { frames: number; error?: string };
      waiting: { frames: number; error?: string; waitedMs: number };
      killed: { frames: number; code?: string; lostAfterMs: number; closeMs: number };
    };
    // arv-tool left FrameStart waiting for a software trigger; trigger: off (the default) turned it off.
    expect(r.leftOn).toEqual({ before: 'On', frames: 3 });
    expect(r.linked.failures).toEqual([]);
    expect(r.linked.cameraOut).toBe(7);
    const py = spawnSync(
      PYTHON,
      ['-c', 'import sys, h5py; d = h5py.File(sys.argv[1], "r")["g/frames"]; print(d.shape, d.dtype)', r.linked.file],
      { encoding: 'utf8' },
    );
    expect(py.stdout.trim()).toBe('(7, 32, 64) uint8');
    expect(r.rate).toEqual({ frames: 5 });
    // Two and a half seconds without a frame, the camera answering: waiting for a trigger, not lost.
    expect(r.waiting.frames).toBe(0);
    expect(r.waiting.error).toBeUndefined();
    expect(r.waiting.waitedMs).toBeGreaterThanOrEqual(2500);
    // Killed after 5 frames: those were sent, then CAMERA_LOST (its camera stopped) within 3 s, and closing did not wait on it.
    expect(r.killed.frames).toBeGreaterThanOrEqual(5);
    expect(r.killed.code).toBe('CAMERA_LOST');
    expect(r.killed.lostAfterMs).toBeLessThan(3000);
    expect(r.killed.closeMs).toBeLessThan(1000);
  }, 90_000);
});
