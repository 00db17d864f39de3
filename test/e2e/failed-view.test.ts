/**
 * The failed view in real Chromium, and its screenshot for docs/editor.md: a run whose recorder
 * cannot open its file ends at once; the recorder is red with its code on its face, the inspector
 * gives its whole message, the message bar says which node failed and how, and the other nodes
 * are not shown running.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, IMG, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

const node = (id: string) => page.locator(`[data-node-id="${id}"]`);

describe.skipIf(skip)('a failed run', () => {
  it('shows the failing node red with its whole message, says so in the message bar, and the rest stopped', async () => {
    // A smaller window than the other tests': the picture goes into docs/editor.md.
    await page.setViewportSize({ width: 1280, height: 760 });
    const existing = join(graphDir, 'out', 'failed-view.h5');
    await mkdir(join(graphDir, 'out'), { recursive: true });
    await writeFile(existing, 'a recording from yesterday');
    const name = 'failed-view.yaml';
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'name: failed-view',
        "description: The recorder refuses to write over yesterday's recording (ifExists is fail).",
        'nodes:',
        '  camera: {type: Camera, params: {width: 64, height: 48, fps: 20, frames: 200}}',
        '  fft: {type: FFT, params: {threads: 1}}',
        `  recorder: {type: HDF5Sink, params: {file: ${JSON.stringify(existing)}}}`,
        'links:',
        '  - camera.out -> fft.in',
        '  - fft.out -> recorder.in',
        'layout:',
        '  camera: [0, 0]',
        '  fft: [300, 0]',
        '  recorder: [600, 0]',
        '',
      ].join('\n'),
    );
    await openGraphAt(page, url, name, 3);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');

    // The message bar: which node, its code, and what it said.
    await eventually(() => page.getByTestId('message').getAttribute('class')).toContain('error');
    expect(await page.getByTestId('message').textContent()).toMatch(/recorder: FILE_EXISTS: .*failed-view\.h5/);
    // The recorder red, its code on its face; the camera and the FFT stopped (not green, not starting).
    expect(await node('recorder').getAttribute('class')).toContain('health-failed');
    expect(await node('recorder').getByTestId('node-failure').textContent()).toMatch(/^FILE_EXISTS: /);
    for (const id of ['camera', 'fft']) {
      await eventually(() => node(id).getAttribute('class')).toContain('health-stopped');
      expect(await node(id).getByTestId('node-stopped').textContent()).toBe('stopped');
      expect(await node(id).getByTestId('node-starting').count()).toBe(0);
    }

    // Selected: its whole message in the inspector.
    await node('recorder').locator('.pb-title').click();
    await eventually(() => page.getByTestId('inspector-failure').textContent()).toContain(existing);
    await page.screenshot({ path: join(IMG, 'editor-failed.png') });
  });

  // Before, the links of a run that failed mid-way kept the green of their last rates.
  it('a node failing mid-run: its links and those of the nodes it stopped are drawn stopped, not green', async () => {
    const name = 'failed-mid-run.yaml';
    const raises = fileURLToPath(new URL('../fixtures/script-node/raises.js', import.meta.url));
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'name: failed-mid-run',
        'nodes:',
        '  camera: {type: Camera, params: {width: 64, height: 48, fps: 25, frames: 400}}',
        `  step: {type: Script, params: {module: ${JSON.stringify(raises)}, threads: 1}}`,
        `  recorder: {type: HDF5Sink, params: {file: ${JSON.stringify(join(graphDir, 'out', 'failed-mid-run.h5'))}, ifExists: overwrite}}`,
        'links:',
        '  - camera.out -> step.in',
        '  - step.out -> recorder.in',
        'layout:',
        '  camera: [0, 0]',
        '  step: [300, 0]',
        '  recorder: [600, 0]',
        '',
      ].join('\n'),
    );
    await openGraphAt(page, url, name, 3);
    await page.getByTestId('run').click();
    const link = (text: string) => page.locator(`[data-testid="link"][data-link="${text}"]`);
    // Frames flow first: the links turn green with their rates.
    await eventually(() => link('camera.out -> step.in').getAttribute('class'), 30_000).toContain('health-ok');
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    expect(await page.getByTestId('message').textContent()).toMatch(/step: .*the detector is saturated/);
    for (const text of ['camera.out -> step.in', 'step.out -> recorder.in']) {
      const cls = (await link(text).getAttribute('class')) ?? '';
      expect(cls, text).toContain('health-stopped');
      expect(cls, text).not.toContain('health-ok');
    }
  });
});
