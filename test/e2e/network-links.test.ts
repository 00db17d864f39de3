/**
 * The socket patterns made visible, in real Chromium with real mouse and keyboard events:
 * sockets that meet at an endpoint drawn as a dashed network link labelled with it (and gone
 * when the endpoint changes), bind/connect and the endpoint on each socket node's face, and,
 * while a graph runs, "starting" until the first frame and the outside peers that joined.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Publisher, Pull, Push, Subscriber } from 'zeromq';
import { uniqAddress } from '../helpers/run-harness.ts';
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

const network = () => page.locator('[data-testid=network-link]');
const face = (node: string) => page.locator(`[data-node-id="${node}"] [data-testid=node-face]`);
const onNode = (node: string, testid: string) => page.locator(`[data-node-id="${node}"] [data-testid=${testid}]`);

const selectNode = (id: string) => selectNodeOn(page, id);

const retype = (field: ReturnType<Page['locator']>, text: string) => retypeOn(page, field, text);

const CAMERA = '{type: Camera, params: {width: 32, height: 32, fps: 20}}';

/**
 * Writes a graph of `nodes` (YAML flow maps by id, `$` standing for a free tcp endpoint: never
 * one of the example graphs' ports) and `links`, and opens it; returns the endpoint.
 */
async function writeGraph(name: string, nodes: Record<string, string>, links: string[]): Promise<string> {
  const endpoint = await uniqAddress('tcp');
  const lines = [
    'patchbay: 1',
    'nodes:',
    ...Object.entries(nodes).map(([id, node]) => `  ${id}: ${node.replaceAll('$', endpoint)}`),
  ];
  await writeFile(join(graphDir, name), [...lines, 'links:', ...links.map((l) => `  - ${l}`), ''].join('\n'));
  await openGraph(name, Object.keys(nodes).length);
  return endpoint;
}

/** Runs the open graph until `node` waits for its outside peer (waitFor: 1). */
async function runUntilWaiting(node: string, text: string): Promise<void> {
  await page.getByTestId('run').click();
  await eventually(() => onNode(node, 'node-waiting').textContent(), 30_000).toBe(text);
}

async function stop(): Promise<void> {
  await page.getByTestId('stop').click();
  await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
}

describe.skipIf(skip)('the socket patterns on the canvas', () => {
  it('req-rep: the Request and the Reply that meet at tcp://127.0.0.1:5556 are joined by a dashed network link that follows the nodes and goes when the endpoint changes; each face says who binds and who connects', async () => {
    const name = 'network-req-rep.yaml';
    await copyFile(join(ROOT, 'graphs/req-rep.yaml'), join(graphDir, name));
    await openGraph(name, 4);

    // One network link, from the Reply (it sends) to the Request, labelled with the endpoint.
    await eventually(() => network().count()).toBe(1);
    const link = network().first();
    expect(await link.getAttribute('data-from')).toBe('reply');
    expect(await link.getAttribute('data-to')).toBe('request');
    expect(await link.getAttribute('data-endpoint')).toBe('tcp://127.0.0.1:5556');
    expect(await link.getByTestId('network-link-label').textContent()).toBe('tcp://127.0.0.1:5556');
    expect(await link.locator('path').evaluate((p) => getComputedStyle(p).strokeDasharray)).not.toBe('none');
    // Not a link of the graph: the two links drawn are camera -> reply and request -> recorder.
    expect(await page.locator('svg[data-testid=link]').count()).toBe(2);

    // Who binds, who connects, on the nodes themselves.
    expect(await face('reply').textContent()).toBe('binds tcp://127.0.0.1:5556');
    expect(await face('request').textContent()).toBe('connects tcp://127.0.0.1:5556');
    expect(await face('camera').count()).toBe(0);

    // The dashed link follows a node dragged with the mouse.
    const before = await link.locator('path').getAttribute('d');
    const title = (await page.locator('[data-node-id=request] .pb-title').boundingBox())!;
    await page.mouse.move(title.x + 20, title.y + title.height / 2);
    await page.mouse.down();
    await page.mouse.move(title.x - 80, title.y + 120, { steps: 8 });
    await page.mouse.up();
    await eventually(() => link.locator('path').getAttribute('d')).not.toBe(before);

    // The teaching view: the Reply selected, its lesson in the inspector.
    await selectNode('reply');
    await eventually(() => page.getByTestId('inspector').textContent()).toContain(
      'request (Request, REQ) connects to this endpoint',
    );
    await page.screenshot({ path: join(IMG, 'editor-teaching.png') });

    // The Request elsewhere: they no longer meet, the dashed link goes; its face follows.
    await selectNode('request');
    await retype(page.getByTestId('param-endpoint'), 'tcp://127.0.0.1:5557');
    await eventually(() => network().count()).toBe(0);
    expect(await face('request').textContent()).toBe('connects tcp://127.0.0.1:5557');
    // Undo: back at the Reply's endpoint, the dashed link is drawn again.
    await page.locator('[data-node-id=request] .pb-title').click();
    await page.keyboard.press('Control+z');
    await eventually(() => network().count()).toBe(1);
    expect(await face('request').textContent()).toBe('connects tcp://127.0.0.1:5556');
  });

  it("a Subscribe on a Publish's endpoint is drawn met too, from the publisher to the subscriber", async () => {
    const endpoint = await writeGraph(
      'network-pub-sub.yaml',
      {
        camera: CAMERA,
        publish: '{type: Publish, params: {endpoint: "$"}}',
        subscribe: '{type: Subscribe, params: {endpoint: "$"}}',
        recorder: '{type: HDF5Sink, params: {file: out/network-pub-sub.h5, ifExists: overwrite}}',
      },
      ['camera.out -> publish.in', 'subscribe.out -> recorder.in'],
    );
    await eventually(() => network().count()).toBe(1);
    expect(await network().first().getAttribute('data-from')).toBe('publish');
    expect(await network().first().getAttribute('data-to')).toBe('subscribe');
    expect(await face('publish').textContent()).toBe(`binds ${endpoint}`);
    expect(await face('subscribe').textContent()).toBe(`connects ${endpoint}`);
  });

  it('while a graph runs: "starting" until the first frame, the publisher waiting for 1 subscriber (0 joined); an outside subscriber joins, the count goes to 1 and the nodes turn running', async () => {
    const endpoint = await writeGraph(
      'network-waiting.yaml',
      { camera: CAMERA, publish: '{type: Publish, params: {endpoint: "$", topic: camera, waitFor: 1}}' },
      ['camera.out -> publish.in'],
    );
    const student = new Subscriber({ linger: 0 });
    try {
      await runUntilWaiting('publish', 'waiting for 1 subscriber (0 joined)');
      expect(await onNode('publish', 'node-peers').textContent()).toBe('0 subscribers joined');
      expect(await onNode('camera', 'node-starting').textContent()).toBe('starting…');
      expect(await onNode('publish', 'node-starting').textContent()).toBe('starting…');
      expect(await page.locator('[data-node-id=camera].health-starting').count()).toBe(1);
      expect(await page.getByTestId('run-starting').isVisible()).toBe(true);
      // Nothing moves yet: the link shows no rate.
      expect(await page.locator('svg[data-testid=link].health-starting').count()).toBe(1);
      expect(await page.locator('svg[data-testid=link] [data-testid=link-label]').count()).toBe(0);
      await page.screenshot({ path: join(IMG, 'editor-starting.png') });

      student.connect(endpoint);
      student.subscribe('camera');
      await eventually(() => onNode('publish', 'node-peers').textContent(), 15_000).toBe('1 subscriber joined');
      await eventually(() => onNode('camera', 'node-starting').count(), 15_000).toBe(0);
      expect(await page.getByTestId('run-starting').count()).toBe(0);
      await eventually(async () => Number(await onNode('camera', 'node-frames').textContent()), 15_000).toBeGreaterThan(
        0,
      );
      expect(await page.locator('[data-node-id=camera].health-ok').count()).toBe(1);
      await eventually(() => page.locator('svg[data-testid=link] [data-testid=link-label]').textContent()).toContain(
        'fr/s',
      );
      const [, header] = await student.receive();
      expect(JSON.parse(header.toString()).kind).toBe('frame');

      await stop();
      expect(await onNode('camera', 'node-starting').count()).toBe(0);
    } finally {
      student.close();
    }
  });

  it('a ventilator counts the outside workers that joined it, live on its face', async () => {
    const endpoint = await writeGraph(
      'network-ventilator.yaml',
      { camera: CAMERA, ventilator: '{type: Push, params: {endpoint: "$", waitFor: 1}}' },
      ['camera.out -> ventilator.in'],
    );
    const worker = new Pull({ linger: 0 });
    try {
      expect(await face('ventilator').textContent()).toBe(`binds ${endpoint}`);
      await runUntilWaiting('ventilator', 'waiting for 1 worker (0 joined)');
      expect(await onNode('ventilator', 'node-peers').textContent()).toBe('0 workers joined');
      worker.connect(endpoint);
      await eventually(() => onNode('ventilator', 'node-peers').textContent(), 15_000).toBe('1 worker joined');
      await eventually(() => onNode('camera', 'node-starting').count(), 15_000).toBe(0);
      const [header] = await worker.receive();
      expect(JSON.parse(header.toString()).kind).toBe('frame');
      await stop();
    } finally {
      worker.close();
    }
  });

  it('a Subscribe to a publisher outside the graph shows it joined once connected', async () => {
    const endpoint = await writeGraph(
      'network-outside-publisher.yaml',
      {
        student: '{type: Subscribe, params: {endpoint: "$"}}',
        recorder: '{type: HDF5Sink, params: {file: out/network-outside.h5, ifExists: overwrite}}',
      },
      ['student.out -> recorder.in'],
    );
    expect(await face('student').textContent()).toBe(`connects ${endpoint}`);
    const teacher = new Publisher({ linger: 0 });
    try {
      await teacher.bind(endpoint);
      await page.getByTestId('run').click();
      await eventually(() => onNode('student', 'node-peers').textContent(), 30_000).toBe('1 publisher joined');
      // Nothing sent yet: still starting.
      expect(await onNode('recorder', 'node-starting').count()).toBe(1);
      await stop();
    } finally {
      teacher.close();
    }
  });

  it('a Pull counts the outside workers that connected to it', async () => {
    const endpoint = await writeGraph(
      'network-outside-workers.yaml',
      {
        sink: '{type: Pull, params: {endpoint: "$"}}',
        recorder: '{type: HDF5Sink, params: {file: out/network-workers.h5, ifExists: overwrite}}',
      },
      ['sink.out -> recorder.in'],
    );
    expect(await face('sink').textContent()).toBe(`binds ${endpoint}`);
    const workers = [new Push({ linger: 0 }), new Push({ linger: 0 })];
    try {
      await page.getByTestId('run').click();
      await eventually(() => onNode('sink', 'node-peers').textContent(), 30_000).toBe('0 workers joined');
      for (const w of workers) w.connect(endpoint);
      await eventually(() => onNode('sink', 'node-peers').textContent(), 15_000).toBe('2 workers joined');
      workers.pop()!.close();
      await eventually(() => onNode('sink', 'node-peers').textContent(), 15_000).toBe('1 worker joined');
      await stop();
    } finally {
      for (const w of workers) w.close();
    }
  });
});
