/**
 * The minimap in real Chromium with real mouse events: a click on it centres the view there,
 * and Fit (on opening a graph, or the button) leaves no node under it.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

type Box = { x: number; y: number; width: number; height: number };
const boxOf = async (selector: string): Promise<Box> => (await page.locator(selector).first().boundingBox())!;
const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const holderStyle = () => page.locator('[data-testid=canvas] > div').first().getAttribute('style');

describe.skipIf(skip)('the minimap', () => {
  it('a click on the minimap centres the view on the place clicked', async () => {
    const name = 'minimap-click.yaml';
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera}',
        '  recorder: {type: HDF5Sink, params: {file: out/minimap.h5}}',
        'links:',
        '  - camera.out -> recorder.in',
        'layout:',
        '  camera: [0, 0]',
        '  recorder: [2400, 1400]',
        '',
      ].join('\n'),
    );
    await openGraphAt(page, url, name, 2);
    // Zoomed in on the camera: the recorder is out of view.
    const camera = centre(await boxOf('[data-node-id=camera]'));
    await page.mouse.move(camera.x, camera.y);
    for (let i = 0; i < 6; i++) {
      const before = await holderStyle();
      await page.mouse.wheel(0, -300);
      await eventually(holderStyle).not.toBe(before);
    }
    const canvas = await boxOf('[data-testid=canvas]');
    const far = await boxOf('[data-node-id=recorder]');
    expect(far.x > canvas.x + canvas.width || far.y > canvas.y + canvas.height).toBe(true);

    // One click on the recorder's place in the minimap (its second node, in canvas order).
    const mini = centre(
      await page
        .locator('[data-testid=minimap-node]')
        .nth(1)
        .boundingBox()
        .then((b) => b!),
    );
    await page.mouse.click(mini.x, mini.y);
    await eventually(async () => {
      const c = centre(await boxOf('[data-node-id=recorder]'));
      const mid = centre(canvas);
      return Math.max(Math.abs(c.x - mid.x), Math.abs(c.y - mid.y));
    }).toBeLessThan(40);
  });

  it('Fit leaves no node under the minimap, on opening and from the button', async () => {
    const name = 'minimap-fit.yaml';
    // A grid as wide for its height as the canvas: centred, its bottom-right node would sit under the
    // minimap. Its errors (no source, no sink) open the problems list, which makes the canvas lower.
    const ids = Array.from({ length: 12 }, (_, i) => `copy${i}`);
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'nodes:',
        ...ids.map((id) => `  ${id}: {type: Copy}`),
        'layout:',
        ...ids.map((id, i) => `  ${id}: [${(i % 4) * 300}, ${Math.floor(i / 4) * 260}]`),
        '',
      ].join('\n'),
    );
    for (const how of ['opened', 'Fit']) {
      if (how === 'opened') await openGraphAt(page, url, name, 12);
      else {
        await page.mouse.move(...(Object.values(centre(await boxOf('[data-testid=canvas]'))) as [number, number]));
        await page.mouse.wheel(0, 400);
        await page.getByTestId('fit').click();
      }
      await eventually(() => page.getByTestId('minimap').isVisible()).toBe(true);
      const minimap = await boxOf('[data-testid=minimap]');
      const canvas = await boxOf('[data-testid=canvas]');
      await eventually(async () => {
        const boxes = await page.locator('[data-testid=node]').evaluateAll((els) =>
          els.map((e) => {
            const r = e.getBoundingClientRect();
            return { id: (e as HTMLElement).dataset.nodeId, x: r.x, y: r.y, width: r.width, height: r.height };
          }),
        );
        return {
          underMinimap: boxes.filter((b) => overlap(b, minimap)).map((b) => b.id),
          outOfView: boxes
            .filter((b) => b.x < canvas.x || b.y < canvas.y || b.x + b.width > canvas.x + canvas.width)
            .map((b) => b.id),
        };
      }).toEqual({ underMinimap: [], outOfView: [] });
    }
  });
});
