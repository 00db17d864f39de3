/**
 * Looking at the data, in real Chromium with real mouse events: a link clicked while a graph runs
 * is tapped, and its panel shows the last header that crossed it (seq advancing), its rates and
 * the frame's min/max, histogram and preview.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, IMG, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

/** Camera → HDF5Sink at a low rate (no socket, so no port), side by side. */
const GRAPH = `patchbay: 1
nodes:
  camera:
    type: Camera
    params: {width: 32, height: 24, fps: 4}
  recorder:
    type: HDF5Sink
    params: {file: out/link-tap.h5, ifExists: overwrite}
links:
  - camera.out -> recorder.in
layout:
  camera: [0, 0]
  recorder: [360, 40]
`;

/** Where on the screen the middle of a link's path is (on the curve itself, not its box). */
async function middleOf(path: ReturnType<Page['locator']>): Promise<{ x: number; y: number }> {
  return path.evaluate((p: SVGPathElement) => {
    const pt = p.getPointAtLength(p.getTotalLength() / 2);
    const m = p.getScreenCTM()!;
    return { x: pt.x * m.a + pt.y * m.c + m.e, y: pt.x * m.b + pt.y * m.d + m.f };
  });
}

const seq = async () => Number(await page.getByTestId('link-tap-seq').textContent());

describe.skipIf(skip)('tapping a link', () => {
  it('a link clicked while Camera → HDF5Sink runs shows the frames crossing it: seq advancing, dtype, shape, rates, min/max, histogram, preview', async () => {
    await writeFile(join(graphDir, 'link-tap.yaml'), GRAPH);
    await openGraphAt(page, url, 'link-tap.yaml', 2);
    // Idle, a clicked link only selects: no panel.
    const path = page.locator('svg[data-testid=link] path').first();
    let at = await middleOf(path);
    await page.mouse.click(at.x, at.y);
    await eventually(() => page.locator('svg[data-testid=link].selected').count()).toBe(1);
    expect(await page.getByTestId('link-tap').count()).toBe(0);
    // Click on the canvas away from everything: deselected.
    await page.mouse.click(at.x, at.y + 250);
    await eventually(() => page.locator('svg[data-testid=link].selected').count()).toBe(0);

    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('running');
    try {
      at = await middleOf(path);
      await page.mouse.click(at.x, at.y);
      const panel = page.getByTestId('link-tap');
      await eventually(() => panel.isVisible()).toBe(true);
      expect(await panel.getAttribute('data-link')).toBe('camera.out -> recorder.in');
      await eventually(() => page.getByTestId('link-tap-seq').count(), 30_000).toBe(1);
      const first = await seq();
      await eventually(seq, 10_000).toBeGreaterThan(first);
      expect(await page.getByTestId('link-tap-dtype').textContent()).toBe('uint8');
      expect(await page.getByTestId('link-tap-shape').textContent()).toBe('(24, 32)');
      expect(await page.getByTestId('link-tap-t').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      // min ≤ max, both grey levels; 16 bars; an image of the frame.
      const [min, max] = (await page.getByTestId('link-tap-range').textContent())!.split(' / ').map(Number);
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(255);
      expect(min).toBeLessThanOrEqual(max);
      expect(await page.locator('[data-testid=link-tap-histogram] rect').count()).toBe(16);
      expect(await page.getByTestId('link-tap-preview').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      // The link's rates, once the stats say frames move.
      await eventually(() => page.getByTestId('run-starting').count(), 30_000).toBe(0);
      await eventually(() => page.getByTestId('link-tap-rates').textContent()).toMatch(/^\s*[1-9][\d.]* fr\/s/);
      await page.screenshot({ path: join(IMG, 'editor-link-tap.png') });

      // Closing the panel deselects the link (and the server stops sending).
      await page.getByTestId('link-tap-close').click();
      await eventually(() => panel.count()).toBe(0);
      expect(await page.locator('svg[data-testid=link].selected').count()).toBe(0);
    } finally {
      await page.getByTestId('stop').click();
      await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    }
  });
});
