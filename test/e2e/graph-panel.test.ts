/**
 * The Graph panel in real Chromium with real mouse and keyboard events: the graph's hosts: map
 * seen and edited, each node's host badge in its host's colour, a node moved to another host in
 * its inspector, what is saved read back from disk, and UNKNOWN_HOST on a node whose host left
 * the map.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadGraph } from '../../runtime/graph/index.ts';
import {
  eventually,
  IMG,
  openGraphAt,
  pageForTests,
  retypeOn,
  ROOT,
  selectNodeOn,
  skipWithoutBrowser,
} from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

const openGraph = (name: string, nodes: number) => openGraphAt(page, url, name, nodes);

const hostRow = (name: string) => page.locator(`[data-testid=host-row][data-host="${name}"]`);
const badge = (node: string) => page.locator(`[data-node-id="${node}"] [data-testid=node-host]`);
const colourOf = (l: ReturnType<Page['locator']>) => l.evaluate((el) => getComputedStyle(el).backgroundColor);

const retype = (field: ReturnType<Page['locator']>, text: string) => retypeOn(page, field, text);

/** Clicks the canvas where no node is: nothing is selected, so the Graph panel shows. */
async function clickEmptyCanvas(): Promise<void> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  await page.mouse.click(box.x + 20, box.y + box.height - 20);
  await eventually(() => page.getByTestId('graph-panel').isVisible()).toBe(true);
}

const selectNode = (id: string) => selectNodeOn(page, id);

describe.skipIf(skip)('the Graph panel', () => {
  it('shows and edits the hosts: map, moves a node to a new host in its inspector, saves it with the comments kept; a host gone from the map is UNKNOWN_HOST on its nodes', async () => {
    const name = 'graph-panel-two-hosts.yaml';
    await copyFile(join(ROOT, 'graphs/two-hosts.yaml'), join(graphDir, name));
    await openGraph(name, 4);

    // Nothing selected: the Graph panel, with both hosts and their addresses.
    const panel = page.getByTestId('graph-panel');
    expect(await panel.isVisible()).toBe(true);
    expect(await page.getByTestId('graph-name').inputValue()).toBe('two-hosts');
    expect(
      await page.locator('[data-testid=host-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host'))),
    ).toEqual(['camera-pc', 'analysis-pc']);
    expect(await hostRow('camera-pc').getByTestId('host-address').inputValue()).toBe('127.0.0.1');
    expect(await hostRow('analysis-pc').getByTestId('host-address').inputValue()).toBe('127.0.0.1');

    // Each node's badge has its host's colour, the one beside the host in the panel.
    const cameraPc = await colourOf(hostRow('camera-pc').getByTestId('host-swatch'));
    const analysisPc = await colourOf(hostRow('analysis-pc').getByTestId('host-swatch'));
    expect(cameraPc).not.toBe(analysisPc);
    expect(await badge('camera').textContent()).toBe('@camera-pc');
    expect(await colourOf(badge('camera'))).toBe(cameraPc);
    expect(await colourOf(badge('ventilator'))).toBe(cameraPc);
    expect(await colourOf(badge('worker'))).toBe(analysisPc);

    // The camera's PC gets its real address; a third machine joins.
    await retype(hostRow('camera-pc').getByTestId('host-address'), '192.0.2.10');
    await eventually(() => page.getByTestId('dirty').count()).toBe(1);
    await page.getByTestId('new-host-name').click();
    await page.keyboard.type('gpu-pc');
    await page.keyboard.press('Tab');
    await page.keyboard.type('192.0.2.30');
    await page.keyboard.press('Enter');
    await eventually(() => hostRow('gpu-pc').count()).toBe(1);
    expect(await hostRow('gpu-pc').getByTestId('host-address').inputValue()).toBe('192.0.2.30');
    expect(await page.getByTestId('new-host-name').inputValue()).toBe('');
    const gpuPc = await colourOf(hostRow('gpu-pc').getByTestId('host-swatch'));
    expect([cameraPc, analysisPc]).not.toContain(gpuPc);
    // A second host of the same name is refused where it is typed.
    await page.getByTestId('new-host-name').click();
    await page.keyboard.type('gpu-pc');
    await page.keyboard.press('Tab');
    await page.keyboard.type('192.0.2.31');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('host-refusal').textContent()).toContain('already a host');
    expect(await page.locator('[data-testid=host-row]').count()).toBe(3);

    // The worker moves to the new host: the inspector offers the map's names.
    await selectNode('worker');
    const select = page.getByTestId('node-host-select');
    expect(await select.inputValue()).toBe('analysis-pc');
    expect(await select.locator('option').allTextContents()).toEqual(['(none)', 'camera-pc', 'analysis-pc', 'gpu-pc']);
    await select.focus();
    await page.keyboard.type('gpu');
    await eventually(() => badge('worker').textContent()).toBe('@gpu-pc');
    expect(await colourOf(badge('worker'))).toBe(gpuPc);
    expect(await select.inputValue()).toBe('gpu-pc');

    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain(`Saved ${name}`);
    const text = await readFile(join(graphDir, name), 'utf8');
    const saved = loadGraph(text, name).graph!;
    expect(saved.hosts).toEqual({ 'camera-pc': '192.0.2.10', 'analysis-pc': '127.0.0.1', 'gpu-pc': '192.0.2.30' });
    expect(saved.nodes.worker.host).toBe('gpu-pc');
    expect(saved.nodes.camera.host).toBe('camera-pc');
    expect(saved.nodes.recorder.host).toBe('analysis-pc');
    expect(saved.nodes.ventilator.params.endpoint).toBe('tcp://camera-pc:5560');
    // The rest of the file is as it was written, comments included.
    const original = await readFile(join(ROOT, 'graphs/two-hosts.yaml'), 'utf8');
    for (const line of original.split('\n').filter((l) => l.trimStart().startsWith('#'))) expect(text).toContain(line);
    expect(text.slice(text.indexOf('links:'))).toBe(original.slice(original.indexOf('links:')));

    await clickEmptyCanvas();
    await page.screenshot({ path: join(IMG, 'editor-graph-panel.png') });

    // analysis-pc leaves the map while the recorder still runs there: the recorder says so.
    await hostRow('analysis-pc').getByTestId('host-remove').click();
    await eventually(() => hostRow('analysis-pc').count()).toBe(0);
    await eventually(() => page.locator('[data-node-id=recorder] [data-testid=node-error]').textContent()).toBe(
      'UNKNOWN_HOST',
    );
    expect(await page.locator('[data-node-id=recorder].invalid').count()).toBe(1);
    expect(await page.locator('[data-node-id=recorder] [data-testid=node-host].unknown').count()).toBe(1);
    expect(await page.locator('[data-testid=problem][data-code=UNKNOWN_HOST]').count()).toBe(1);
    // One undo puts it back.
    await page.keyboard.press('Control+z');
    await eventually(() => hostRow('analysis-pc').count()).toBe(1);
    await eventually(() => page.locator('[data-node-id=recorder] [data-testid=node-error]').count()).toBe(0);
  });

  it('renaming a host moves its nodes and the endpoints written with its name; undo takes it back', async () => {
    const name = 'graph-panel-rename.yaml';
    await copyFile(join(ROOT, 'graphs/two-hosts.yaml'), join(graphDir, name));
    await openGraph(name, 4);
    await retype(hostRow('camera-pc').getByTestId('host-name'), 'cam-pc');
    await eventually(() => badge('camera').textContent()).toBe('@cam-pc');
    expect(await badge('ventilator').textContent()).toBe('@cam-pc');
    await selectNode('ventilator');
    expect(await page.getByTestId('param-endpoint').inputValue()).toBe('tcp://cam-pc:5560');
    await eventually(() => page.getByTestId('problems').getAttribute('data-validating')).toBe('false');
    expect(await page.getByTestId('error-count').textContent()).toBe('0');
    await page.locator('[data-node-id=ventilator] .pb-title').click();
    await page.getByTestId('undo').click();
    await eventually(() => badge('camera').textContent()).toBe('@camera-pc');
    expect(await page.getByTestId('param-endpoint').inputValue()).toBe('tcp://camera-pc:5560');
  });

  it("a graph without hosts: takes a node's host as typed; while it runs the Graph panel is read-only", async () => {
    const name = 'graph-panel-run.yaml';
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 32, height: 32, fps: 20}}',
        '  recorder: {type: HDF5Sink, params: {file: out/graph-panel.h5, ifExists: overwrite}}',
        'links:',
        '  - camera.out -> recorder.in',
        '',
      ].join('\n'),
    );
    await openGraph(name, 2);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('running');
    await clickEmptyCanvas();
    await eventually(() => page.getByTestId('graph-read-only').isVisible()).toBe(true);
    expect(await page.getByTestId('graph-name').isDisabled()).toBe(true);
    expect(await page.getByTestId('new-host-name').isDisabled()).toBe(true);
    // Undo would change what runs: refused too.
    await page.keyboard.press('Control+z');
    await eventually(() => page.getByTestId('message').getAttribute('data-code')).toBe('RUNNING');
    await page.getByTestId('stop').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    await retype(page.getByTestId('graph-name'), 'renamed');
    await eventually(() => page.getByTestId('dirty').count()).toBe(1);

    // No map: the host is typed.
    await selectNode('recorder');
    expect(await page.getByTestId('node-host-select').count()).toBe(0);
    await retype(page.getByTestId('node-host-input'), 'lab-pc');
    await eventually(() => badge('recorder').textContent()).toBe('@lab-pc');
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain(`Saved ${name}`);
    const saved = loadGraph(await readFile(join(graphDir, name), 'utf8'), name).graph!;
    expect(saved.name).toBe('renamed');
    expect(saved.nodes.recorder.host).toBe('lab-pc');
  });
});
