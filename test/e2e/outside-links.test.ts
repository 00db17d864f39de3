/**
 * Dashed stubs to peers outside the graph, in real Chromium: a socket node whose only peers are
 * outside (a Publish for students' subscribers, a Subscribe to a publisher elsewhere) shows a
 * short dashed line from its endpoint, labelled with who is outside and, while the graph runs,
 * how many joined. Sockets that meet inside the graph get none.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Publisher, Subscriber } from 'zeromq';
import { uniqAddress } from '../helpers/run-harness.ts';
import { eventually, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

const stubs = () => page.locator('[data-testid=outside-link]');
const stub = (node: string) => page.locator(`[data-testid=outside-link][data-node="${node}"]`);
const label = (node: string) => stub(node).getByTestId('outside-link-label');

/** Writes a graph (nodes as YAML flow maps by id) and opens it. */
async function openGraph(name: string, nodes: Record<string, string>, links: string[]): Promise<void> {
  const lines = ['patchbay: 1', 'nodes:', ...Object.entries(nodes).map(([id, n]) => `  ${id}: ${n}`), 'links:'];
  await writeFile(join(graphDir, name), [...lines, ...links.map((l) => `  - ${l}`), ''].join('\n'));
  await openGraphAt(page, url, name, Object.keys(nodes).length);
}

describe.skipIf(skip)('links to peers outside the graph', () => {
  it('a Publish for outside subscribers and a Subscribe to an outside publisher get dashed stubs; sockets met in the graph do not', async () => {
    const [pub, sub, rep] = await Promise.all([uniqAddress('tcp'), uniqAddress('tcp'), uniqAddress('tcp')]);
    await openGraph(
      'outside-stubs.yaml',
      {
        camera: '{type: Camera, params: {width: 32, height: 32, fps: 10}}',
        publish: `{type: Publish, params: {endpoint: "${pub}"}}`,
        subscribe: `{type: Subscribe, params: {endpoint: "${sub}"}}`,
        recorder: '{type: HDF5Sink, params: {file: out/outside.h5, ifExists: overwrite}}',
        camera2: '{type: Camera, params: {width: 32, height: 32, fps: 10}}',
        reply: `{type: Reply, params: {endpoint: "${rep}"}}`,
        request: `{type: Request, params: {endpoint: "${rep}"}}`,
        recorder2: '{type: HDF5Sink, params: {file: out/outside2.h5, ifExists: overwrite}}',
      },
      [
        'camera.out -> publish.in',
        'subscribe.out -> recorder.in',
        'camera2.out -> reply.in',
        'request.out -> recorder2.in',
      ],
    );
    await eventually(() => stubs().count()).toBe(2);
    expect(await label('publish').textContent()).toBe('outside subscribers');
    expect(await label('subscribe').textContent()).toBe('outside publisher');
    expect(
      await stub('publish')
        .locator('path')
        .evaluate((p) => getComputedStyle(p).strokeDasharray),
    ).not.toBe('none');
    // The Reply and the Request meet each other: a network link between them, no stub.
    expect(await page.locator('[data-testid=network-link]').count()).toBe(1);

    // Out of the Publish on its right (frames go out), into the Subscribe on its left.
    const pubBox = (await page.locator('[data-node-id=publish]').boundingBox())!;
    const pubStub = (await stub('publish').locator('path').boundingBox())!;
    expect(pubStub.x).toBeGreaterThanOrEqual(pubBox.x + pubBox.width);
    const subBox = (await page.locator('[data-node-id=subscribe]').boundingBox())!;
    const subStub = (await stub('subscribe').locator('path').boundingBox())!;
    expect(subStub.x + subStub.width).toBeLessThanOrEqual(subBox.x);

    // The publisher linked to a subscriber of the graph: its peers are no longer all outside.
    const title = page.locator('[data-node-id=subscribe] .pb-title');
    await title.click();
    await page.getByTestId('param-endpoint').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(pub);
    await page.keyboard.press('Tab');
    await eventually(() => stubs().count()).toBe(0);
    // Undo: apart again, both stubs back.
    await title.click();
    await page.keyboard.press('Control+z');
    await eventually(() => stubs().count()).toBe(2);
  });

  it('while the graph runs, each stub says how many outside peers joined', async () => {
    // A relay between two outside programs of the test: its publisher in, a subscriber out.
    const [from, to] = await Promise.all([uniqAddress('tcp'), uniqAddress('tcp')]);
    await openGraph(
      'outside-running.yaml',
      {
        subscribe: `{type: Subscribe, params: {endpoint: "${from}"}}`,
        publish: `{type: Publish, params: {endpoint: "${to}", topic: relayed}}`,
      },
      ['subscribe.out -> publish.in'],
    );
    await eventually(() => label('publish').textContent()).toBe('outside subscribers');
    expect(await label('subscribe').textContent()).toBe('outside publisher');
    const source = new Publisher({ linger: 0 });
    const student = new Subscriber({ linger: 0 });
    try {
      await page.getByTestId('run').click();
      await eventually(() => label('publish').textContent(), 30_000).toBe('0 subscribers joined');
      expect(await label('subscribe').textContent()).toBe('0 publishers joined');
      await source.bind(from);
      student.connect(to);
      student.subscribe('relayed');
      await eventually(() => label('publish').textContent(), 15_000).toBe('1 subscriber joined');
      await eventually(() => label('subscribe').textContent(), 15_000).toBe('1 publisher joined');
      await page.getByTestId('stop').click();
      await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
      await eventually(() => label('publish').textContent()).toBe('outside subscribers');
    } finally {
      source.close();
      student.close();
    }
  });
});
