/**
 * Box selection in real Chromium with real mouse events: Shift+drag on empty canvas selects the
 * nodes and notes wholly inside the rectangle (Ctrl+Shift adds to the selection), and Delete and
 * Copy/Paste then act on all of them. A plain drag still pans.
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

const nodes = () => page.locator('[data-testid=node]');
const selected = () =>
  page
    .locator('[data-testid=node].selected, [data-testid=note].selected')
    .evaluateAll((els) =>
      els.map((e) => (e as HTMLElement).dataset.nodeId ?? `note:${(e as HTMLElement).dataset.noteId}`).sort(),
    );

/** Three nodes in a row and a note under the first two; links camera -> copy -> recorder. */
const GRAPH = [
  'patchbay: 1',
  'nodes:',
  '  camera: {type: Camera, params: {fps: 10, frames: 20}}',
  '  copy: {type: Copy}',
  '  recorder: {type: HDF5Sink, params: {file: out/box.h5}}',
  'links:',
  '  - camera.out -> copy.in',
  '  - copy.out -> recorder.in',
  'notes:',
  '  about:',
  '    text: The camera and its copy.',
  '    at: [0, 420]',
  'layout:',
  '  camera: [0, 0]',
  '  copy: [300, 0]',
  '  recorder: [600, 0]',
  '',
].join('\n');

/** The screen box of an element (of a node by id, or a note by `note:id`). */
async function boxOf(id: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const sel = id.startsWith('note:') ? `[data-note-id="${id.slice(5)}"]` : `[data-node-id="${id}"]`;
  return (await page.locator(sel).boundingBox())!;
}

/** Shift+drags (Ctrl+Shift with `add`) a rectangle from (x0, y0) to (x1, y1), screen pixels. */
async function boxDrag(x0: number, y0: number, x1: number, y1: number, add = false): Promise<void> {
  await page.keyboard.down('Shift');
  if (add) await page.keyboard.down('Control');
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 4 });
  // The rectangle is drawn while the mouse moves.
  expect(await page.getByTestId('box-select').isVisible()).toBe(true);
  await page.mouse.move(x1, y1, { steps: 4 });
  await page.mouse.up();
  if (add) await page.keyboard.up('Control');
  await page.keyboard.up('Shift');
  expect(await page.getByTestId('box-select').count()).toBe(0);
}

describe.skipIf(skip)('box selection', () => {
  it('Shift+drag on empty canvas selects the nodes and notes wholly inside; Delete removes them all', async () => {
    const name = 'box-select.yaml';
    await writeFile(join(graphDir, name), GRAPH);
    await openGraphAt(page, url, name, 3);
    const camera = await boxOf('camera');
    const copy = await boxOf('copy');
    const recorder = await boxOf('recorder');
    const note = await boxOf('note:about');

    // Around camera, copy and the note; the recorder is cut by the rectangle, so it stays out.
    const transformBefore = await page.locator('[data-testid=canvas] > div').first().getAttribute('style');
    await boxDrag(camera.x - 20, camera.y - 20, recorder.x + recorder.width / 2, note.y + note.height + 20);
    await eventually(selected).toEqual(['camera', 'copy', 'note:about']);
    // The view did not pan: the drag drew the rectangle instead.
    expect(await page.locator('[data-testid=canvas] > div').first().getAttribute('style')).toBe(transformBefore);

    // Ctrl+Shift adds the recorder to what is selected.
    await boxDrag(
      recorder.x - 10,
      recorder.y - 10,
      recorder.x + recorder.width + 10,
      recorder.y + recorder.height + 10,
      true,
    );
    await eventually(selected).toEqual(['camera', 'copy', 'note:about', 'recorder']);

    // A plain Shift+drag around the copy alone replaces the selection.
    await boxDrag(copy.x - 10, copy.y - 10, copy.x + copy.width + 10, copy.y + copy.height + 10);
    await eventually(selected).toEqual(['copy']);

    // Box again, then Delete: both nodes, their links and the note go, the recorder stays.
    await boxDrag(camera.x - 20, camera.y - 20, recorder.x + recorder.width / 2, note.y + note.height + 20);
    await eventually(selected).toEqual(['camera', 'copy', 'note:about']);
    await page.keyboard.press('Delete');
    await eventually(() => nodes().count()).toBe(1);
    expect(await page.locator('[data-testid=note]').count()).toBe(0);
    expect(await page.locator('svg[data-testid=link]').count()).toBe(0);
    expect(await nodes().first().getAttribute('data-node-id')).toBe('recorder');
  });

  it('Copy and Paste act on the nodes a box selected, with the link between them', async () => {
    const name = 'box-copy.yaml';
    await writeFile(join(graphDir, name), GRAPH);
    await openGraphAt(page, url, name, 3);
    const camera = await boxOf('camera');
    const copy = await boxOf('copy');
    // The camera is the taller (its preview): the rectangle goes below it.
    await boxDrag(camera.x - 20, camera.y - 20, copy.x + copy.width + 20, camera.y + camera.height + 20);
    await eventually(selected).toEqual(['camera', 'copy']);
    await page.keyboard.press('Control+c');
    await eventually(() => page.getByTestId('message').textContent()).toContain('Copied 2 nodes');
    await page.keyboard.press('Control+v');
    await eventually(() => nodes().count()).toBe(5);
    // The pasted pair is selected and linked: camera -> copy was copied with them.
    await eventually(selected).toEqual(['camera2', 'copy2']);
    expect(await page.locator('svg[data-testid=link]').count()).toBe(3);
  });
});
