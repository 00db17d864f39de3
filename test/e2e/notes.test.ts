/**
 * Notes on the canvas in real Chromium with real mouse and keyboard events: added from the
 * context menu and the palette, written, moved, undone, deleted; saved under `notes:` in the
 * graph file with its comments kept, and back on reload.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadGraph } from '../../runtime/graph/index.ts';
import { eventually, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

const notes = () => page.locator('[data-testid=note]');
const noteText = (id: string) => page.locator(`[data-note-id="${id}"] [data-testid=note-text]`);
/** Waits until the note's text field has the keyboard (it takes it a moment after the double-click). */
const writing = () =>
  eventually(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe(
    'note-field',
  );

const GRAPH = [
  'patchbay: 1',
  '# The bench camera.',
  'nodes:',
  '  camera: {type: Camera, params: {fps: 10, frames: 20}}',
  '  recorder: {type: HDF5Sink, params: {file: out/notes.h5, ifExists: overwrite}}',
  'links:',
  '  - camera.out -> recorder.in',
  'layout:',
  '  camera: [0, 0]',
  '  recorder: [300, 0]',
  '',
].join('\n');

/** A point of the canvas where nothing is, from its corner. */
async function canvasAt(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  return { x: box.x + x, y: box.y + y };
}

async function save(name: string): Promise<string> {
  await page.getByTestId('save').click();
  await eventually(() => page.getByTestId('dirty').count()).toBe(0);
  return readFile(join(graphDir, name), 'utf8');
}

describe.skipIf(skip)('notes on the canvas', () => {
  it('a note added from the context menu is written, moved, saved under notes: with the comments kept, and back on reload', async () => {
    const name = 'notes.yaml';
    await writeFile(join(graphDir, name), GRAPH);
    await openGraphAt(page, url, name, 2);

    // Right-click where nothing is: the menu offers a note; it opens for writing.
    const at = await canvasAt(500, 520);
    await page.mouse.click(at.x, at.y, { button: 'right' });
    await page.locator('[data-testid=context-menu-item]', { hasText: /^Note$/ }).click();
    await eventually(() => notes().count()).toBe(1);
    await writing();
    await page.keyboard.type('Frames go\nto the recorder.');
    // A click on the canvas ends the writing.
    const empty = await canvasAt(60, 560);
    await page.mouse.click(empty.x, empty.y);
    await eventually(() => noteText('note').textContent()).toBe('Frames go\nto the recorder.');

    const first = loadGraph(await save(name)).graph!.notes!;
    expect(first.note.text).toBe('Frames go\nto the recorder.');

    // Dragged by the mouse, it moves; saved, its place follows; the file's comment stays.
    const box = (await notes().first().boundingBox())!;
    await page.mouse.move(box.x + 30, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 180, box.y + 100, { steps: 8 });
    await page.mouse.up();
    const text = await save(name);
    expect(text).toContain('# The bench camera.');
    expect(text).toMatch(
      /\nnotes:\n {2}note:\n {4}text: \|-\n {6}Frames go\n {6}to the recorder\.\n {4}at: \[-?\d+, -?\d+\]\nlayout:/,
    );
    const { graph, errors } = loadGraph(text);
    expect(errors).toEqual([]);
    const moved = graph!.notes!.note.at!;
    expect(moved[0]).toBeGreaterThan(first.note.at![0] + 50);
    expect(moved[1]).toBeGreaterThan(first.note.at![1] + 30);

    // Reloaded: the note is back with its text.
    await openGraphAt(page, url, name, 2);
    await eventually(() => notes().count()).toBe(1);
    expect(await noteText('note').textContent()).toBe('Frames go\nto the recorder.');

    // Double-click edits; Escape leaves the text as it was; a new text is one step of Undo.
    await noteText('note').dblclick();
    await writing();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('thrown away');
    expect(await page.getByTestId('note-field').inputValue()).toBe('thrown away');
    await page.keyboard.press('Escape');
    await eventually(() => noteText('note').textContent()).toBe('Frames go\nto the recorder.');
    await noteText('note').dblclick();
    await writing();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('The recorder writes out/notes.h5.');
    await page.mouse.click(empty.x, empty.y);
    await eventually(() => noteText('note').textContent()).toBe('The recorder writes out/notes.h5.');
    await page.keyboard.press('Control+z');
    await eventually(() => noteText('note').textContent()).toBe('Frames go\nto the recorder.');

    // Clicked and deleted: gone from the canvas and from the file, the nodes untouched.
    await noteText('note').click();
    await page.keyboard.press('Delete');
    await eventually(() => notes().count()).toBe(0);
    expect(await page.locator('[data-testid=node]').count()).toBe(2);
    const after = await save(name);
    expect(after).not.toContain('notes:');
    expect(after).toContain('# The bench camera.');
  });

  it('a note comes from the palette too, by drag and drop or a double-click, and is not a node of the graph', async () => {
    const name = 'notes-palette.yaml';
    await writeFile(join(graphDir, name), GRAPH);
    await openGraphAt(page, url, name, 2);
    await page.getByTestId('palette-note').dragTo(page.getByTestId('canvas'), { targetPosition: { x: 420, y: 480 } });
    await eventually(() => notes().count()).toBe(1);
    await writing();
    await page.keyboard.type('dropped');
    await page.keyboard.press('Control+Enter');
    await eventually(() => noteText('note').textContent()).toBe('dropped');
    // Where it was dropped: under the pointer.
    const box = (await notes().first().boundingBox())!;
    const drop = await canvasAt(420, 480);
    expect(Math.abs(box.x - drop.x)).toBeLessThan(5);
    expect(Math.abs(box.y - drop.y)).toBeLessThan(5);

    await page.getByTestId('palette-note').dblclick();
    await eventually(() => notes().count()).toBe(2);
    await writing();
    await page.keyboard.type('clicked');
    await page.keyboard.press('Control+Enter');
    await eventually(() => noteText('note2').textContent()).toBe('clicked');

    // Two notes, still two nodes: validation, links and the inspector know nothing of notes.
    expect(await page.locator('[data-testid=node]').count()).toBe(2);
    expect(await page.getByTestId('error-count').textContent()).toBe('0');
    const { graph } = loadGraph(await save(name));
    expect(Object.keys(graph!.nodes)).toEqual(['camera', 'recorder']);
    expect(Object.entries(graph!.notes!).map(([id, n]) => [id, n.text])).toEqual([
      ['note', 'dropped'],
      ['note2', 'clicked'],
    ]);
  });
});
