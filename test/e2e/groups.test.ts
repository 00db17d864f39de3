/**
 * Groups on the canvas in real Chromium with real mouse and keyboard events: a titled frame
 * around some nodes, made from the selection, titled, dragged by its title bar with its nodes,
 * ungrouped and undone; saved under `groups:` in the graph file with its comments kept, and back
 * on reload.
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

const frames = () => page.locator('[data-testid=group-frame]');
const frame = (id: string) => page.locator(`[data-testid=group-frame][data-group-id="${id}"]`);
const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
/** Waits until the group's title field has the keyboard (it takes it at the next frame). */
const writing = () =>
  eventually(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe(
    'group-title-field',
  );
const inside = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

const GRAPH = [
  'patchbay: 1',
  'nodes:',
  '  camera: {type: Camera, params: {fps: 10}}',
  '  fft: {type: FFT}',
  '  recorder: {type: HDF5Sink, params: {file: out/groups.h5}}',
  'links:',
  '  - camera.out -> fft.in',
  '  - fft.out -> recorder.in',
  '# Where each part runs.',
  'groups:',
  '  acquisition:',
  '    title: Camera PC',
  '    nodes: [camera]',
  'layout:',
  '  camera: [0, 0]',
  '  fft: [300, 0]',
  '  recorder: [600, 0]',
  '',
].join('\n');

async function save(name: string): Promise<string> {
  await page.getByTestId('save').click();
  await eventually(() => page.getByTestId('dirty').count()).toBe(0);
  return readFile(join(graphDir, name), 'utf8');
}

describe.skipIf(skip)('groups on the canvas', () => {
  it('a group is made from the selected nodes, titled, dragged with its nodes, ungrouped and undone, saved under groups: and back on reload', async () => {
    const name = 'groups.yaml';
    await writeFile(join(graphDir, name), GRAPH);
    await openGraphAt(page, url, name, 3);

    // The file's group: a frame around the camera, with its title.
    await eventually(() => frames().count()).toBe(1);
    expect(await frame('acquisition').getByTestId('group-title').textContent()).toBe('Camera PC');
    expect(inside(await box('[data-node-id=camera]'), await box('[data-group-id=acquisition]'))).toBe(true);

    // Nothing selected: Group says what to do.
    await page.getByTestId('group').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain('Select the nodes to group first');

    // The FFT and the recorder selected (click, Ctrl+click), grouped and titled.
    await page.locator('[data-node-id=fft] .pb-title').click();
    await page.locator('[data-node-id=recorder] .pb-title').click({ modifiers: ['Control'] });
    await page.getByTestId('group').click();
    await writing();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Analysis PC');
    await page.keyboard.press('Enter');
    await eventually(() => frame('group').getByTestId('group-title').textContent()).toBe('Analysis PC');
    for (const id of ['fft', 'recorder'])
      expect(inside(await box(`[data-node-id=${id}]`), await box('[data-group-id=group]'))).toBe(true);
    expect(inside(await box('[data-node-id=camera]'), await box('[data-group-id=group]'))).toBe(false);

    // Dragged by its title bar: both nodes move with it, the camera stays.
    const before = { fft: await box('[data-node-id=fft]'), camera: await box('[data-node-id=camera]') };
    const bar = await box('[data-group-id=group] [data-testid=group-title]');
    await page.mouse.move(bar.x + 10, bar.y + bar.height / 2);
    await page.mouse.down();
    await page.mouse.move(bar.x + 70, bar.y + 150, { steps: 8 });
    await page.mouse.up();
    const fft = await box('[data-node-id=fft]');
    expect(fft.x - before.fft.x).toBeCloseTo(60, -1);
    expect(fft.y - before.fft.y).toBeCloseTo(150 - bar.height / 2, -1);
    expect(await box('[data-node-id=camera]')).toEqual(before.camera);
    for (const id of ['fft', 'recorder'])
      expect(inside(await box(`[data-node-id=${id}]`), await box('[data-group-id=group]'))).toBe(true);

    // The file's group retitled by a double-click.
    await page.locator('[data-group-id=acquisition] [data-testid=group-title]').dblclick();
    await writing();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Bench camera');
    await page.keyboard.press('Enter');
    await eventually(() => frame('acquisition').getByTestId('group-title').textContent()).toBe('Bench camera');

    const text = await save(name);
    expect(text).toContain(
      '# Where each part runs.\ngroups:\n  acquisition:\n    title: Bench camera\n    nodes: [camera]\n  group:\n    title: Analysis PC\n    nodes: [fft, recorder]\nlayout:',
    );
    const { graph, errors } = loadGraph(text);
    expect(errors).toEqual([]);
    expect(graph!.layout!.fft[1]).toBeGreaterThan(50);

    // × ungroups (the nodes stay); Undo brings the group back.
    await frame('acquisition').getByTestId('group-remove').click();
    await eventually(() => frames().count()).toBe(1);
    expect(await page.locator('[data-testid=node]').count()).toBe(3);
    await page.locator('[data-node-id=camera] .pb-title').click();
    await page.keyboard.press('Control+z');
    await eventually(() => frames().count()).toBe(2);

    // Reloaded: both groups, their titles and members.
    await openGraphAt(page, url, name, 3);
    await eventually(() => frames().count()).toBe(2);
    expect(await frame('group').getByTestId('group-title').textContent()).toBe('Analysis PC');
    expect(inside(await box('[data-node-id=recorder]'), await box('[data-group-id=group]'))).toBe(true);
  });

  // Before, Copy and Paste took the nodes only: their note and their group were left behind.
  it('Copy and Paste take the selected notes and the groups whose nodes are all copied, with fresh ids', async () => {
    const name = 'groups-paste.yaml';
    await writeFile(
      join(graphDir, name),
      GRAPH.replace('layout:', 'notes:\n  about:\n    text: The camera on the bench.\n    at: [0, 450]\nlayout:'),
    );
    await openGraphAt(page, url, name, 3);
    await eventually(() => frames().count()).toBe(1);
    // The camera (its group's only node) and the note; the FFT alone (in no group).
    await page.locator('[data-node-id=camera] .pb-title').click();
    await page
      .getByTestId('note-text')
      .first()
      .click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+c');
    await eventually(() => page.getByTestId('message').textContent()).toContain('Copied 1 node and 1 note');
    await page.keyboard.press('Control+v');
    await eventually(() => page.locator('[data-testid=node]').count()).toBe(4);
    await eventually(() => page.locator('[data-testid=note]').count()).toBe(2);
    await eventually(() => frames().count()).toBe(2);
    const pasted = page.locator('[data-testid=group-frame]:not([data-group-id=acquisition])');
    expect(await pasted.getByTestId('group-title').textContent()).toBe('Camera PC');
    const pastedId = (await pasted.getAttribute('data-group-id'))!;
    expect(inside(await box('[data-node-id=camera2]'), await box(`[data-group-id="${pastedId}"]`))).toBe(true);
    expect(inside(await box('[data-node-id=camera]'), await box(`[data-group-id="${pastedId}"]`))).toBe(false);

    const { graph, errors } = loadGraph(await save(name));
    // The pasted camera feeds nothing yet: a warning, no error.
    expect(errors.map((e) => `${e.severity} ${e.code}`)).toEqual(['warning UNCONNECTED_OUTPUT']);
    expect(Object.values(graph!.notes!).map((n) => n.text)).toEqual([
      'The camera on the bench.',
      'The camera on the bench.',
    ]);
    expect(Object.values(graph!.groups!)).toEqual([
      { title: 'Camera PC', nodes: ['camera'] },
      { title: 'Camera PC', nodes: ['camera2'] },
    ]);

    // One Undo takes the pasted group away; the pasted nodes stay until undone in turn.
    await page.keyboard.press('Control+z');
    await eventually(() => frames().count()).toBe(1);
  });
});
