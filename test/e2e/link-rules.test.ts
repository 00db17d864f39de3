/**
 * In real Chromium, the editor's checks give `patchbay validate`'s verdict on the cases where its
 * former copies of the rules drifted: endpoints in the inspector, links dropped on the canvas
 * (types and cycles through a publisher and the subscriber that meets it), node ids on rename.
 * Every expected code is asked of validate itself, on a file holding the same graph.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseLink } from '../../runtime/graph/link.ts';
import type { Graph } from '../../runtime/graph/types.ts';
import { missing } from '../helpers/env.ts';
import { validatingCli, type ValidatingCli } from '../unit/validate-cli.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = missing('Chromium (/usr/bin/chromium)', () => inject('browserWs') !== '');

let browser: Browser;
let page: Page;
let cli: ValidatingCli;

beforeAll(async () => {
  cli = await validatingCli();
  if (skip) return;
  browser = await chromium.connect(inject('browserWs'));
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  await page.goto(`${url}?token=${inject('editorToken')}`);
});

afterAll(async () => {
  await browser?.close();
  await cli?.close();
});

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });
const message = () => page.getByTestId('message');

/** Writes `graph` into the served folder and opens it, as a user opening a saved file. */
async function open(name: string, graph: Graph & { layout: Record<string, [number, number]> }): Promise<void> {
  await writeFile(
    join(graphDir, name),
    stringify(
      { ...graph, links: graph.links.map((l) => `${l.from.node}.${l.from.port} -> ${l.to.node}.${l.to.port}`) },
      { aliasDuplicateObjects: false },
    ),
  );
  await page.goto(`${url}?graph=${name}`);
  await page.waitForSelector('body[data-ready=true]');
  await poll(() => page.locator('[data-testid=node]').count()).toBe(Object.keys(graph.nodes).length);
}

async function pick(id: string): Promise<void> {
  await page.locator(`[data-node-id="${id}"] .pb-title`).click();
  await poll(() => page.getByTestId('node-id-input').inputValue()).toBe(id);
}

async function type(testid: string, value: string): Promise<void> {
  await page.getByTestId(testid).fill(value);
  await page.getByTestId(testid).blur();
}

/** Drags from an output socket to an input socket with the mouse. */
async function drag(text: string): Promise<void> {
  const l = parseLink(text)!;
  const at = async (testid: string) => {
    const b = (await page.getByTestId(testid).boundingBox())!;
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };
  const a = await at(`socket-out-${l.from.node}-${l.from.port}`);
  const b = await at(`socket-in-${l.to.node}-${l.to.port}`);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

const ep = { endpoint: 'tcp://127.0.0.1:5630' };

describe.skipIf(skip)("the editor's checks are validate's", () => {
  it('the inspector takes and refuses the drifted endpoints as validate does', async () => {
    const graph = {
      patchbay: 1 as const,
      nodes: { camera: { type: 'Camera', params: { frames: 1 } }, publish: { type: 'Publish', params: { ...ep } } },
      links: [parseLink('camera.out -> publish.in')!],
      layout: { camera: [0, 0] as [number, number], publish: [300, 0] as [number, number] },
    };
    await open('drifted-endpoints.yaml', graph);
    await pick('publish');
    const error = page.getByTestId('param-error-endpoint');
    for (const endpoint of [
      'tcp://h@st:5630',
      'tcp://[::ffff:1.2.3.4]:5630',
      'tcp://my host:5630',
      'tcp://host:000005630',
      'ipc:///tmp/a b',
    ]) {
      const byValidate = (
        await cli.validate({ ...graph, nodes: { ...graph.nodes, publish: { type: 'Publish', params: { endpoint } } } })
      ).find((e) => e.param === 'endpoint');
      // From the opposite verdict, so the field's state surely comes from this value.
      await type('param-endpoint', byValidate ? ep.endpoint : 'tcp://nowhere');
      await poll(() => error.count()).toBe(byValidate ? 0 : 1);
      await type('param-endpoint', endpoint);
      if (byValidate) {
        await poll(() => error.getAttribute('data-code')).toBe(byValidate.code);
        expect(await error.textContent(), endpoint).toContain(byValidate.message);
      } else await poll(() => error.count()).toBe(0);
    }
  });

  it('refuses a link with the error validate reports for it, through a publisher and its subscriber', async () => {
    const graph = {
      patchbay: 1 as const,
      nodes: {
        fft: { type: 'FFT', params: {} },
        publish: { type: 'Publish', params: { ...ep } },
        student: { type: 'Subscribe', params: { endpoint: 'tcp://localhost:5630' } },
        fft2: { type: 'FFT', params: {} },
        camera: { type: 'Camera', params: { frames: 1 } },
        pull: { type: 'Pull', params: {} },
        publish2: { type: 'Publish', params: { endpoint: 'tcp://127.0.0.1:5631' } },
        student2: { type: 'Subscribe', params: { endpoint: 'tcp://127.0.0.1:5631' } },
      },
      links: ['fft.out -> publish.in', 'camera.out -> pull.in', 'pull.out -> publish2.in'].map((t) => parseLink(t)!),
      layout: {
        fft: [0, 0],
        publish: [280, 0],
        student: [560, 0],
        fft2: [840, 0],
        camera: [0, 420],
        pull: [280, 420],
        publish2: [560, 420],
        student2: [840, 420],
      } as Record<string, [number, number]>,
    };
    await open('drifted-links.yaml', graph);
    const links = page.locator('svg[data-testid=link]');
    await poll(() => links.count()).toBe(3);
    // The old copy of the rules saw no type on a subscriber's output and no way from a publisher to its subscriber.
    for (const [text, code] of [
      ['student.out -> fft2.in', 'PORT_TYPE_MISMATCH'],
      ['student2.out -> pull.in', 'CYCLE'],
    ] as const) {
      const before = await cli.validate(graph);
      const after = await cli.validate({ ...graph, links: [...graph.links, parseLink(text)!] });
      const brought = after.find((e) => e.code === code && !before.some((b) => b.message === e.message));
      expect(brought, `validate on ${text}`).toBeDefined();
      await drag(text);
      await poll(() => message().getAttribute('data-code')).toBe(code);
      expect(await message().textContent()).toContain(brought!.message);
      expect(await links.count()).toBe(3);
    }
  });

  it('refuses a node id validate refuses, with its message', async () => {
    const graph = {
      patchbay: 1 as const,
      nodes: { copy: { type: 'Copy', params: {} } },
      links: [],
      layout: { copy: [0, 0] as [number, number] },
    };
    await open('drifted-ids.yaml', graph);
    await pick('copy');
    const byValidate = (await cli.validate({ ...graph, nodes: { Copy1: graph.nodes.copy } })).find(
      (e) => e.code === 'BAD_NODE_ID',
    );
    expect(byValidate).toBeDefined();
    await page.getByTestId('node-id-input').fill('Copy1');
    await page.getByTestId('node-id-input').press('Enter');
    await poll(() => message().getAttribute('data-code')).toBe('BAD_NODE_ID');
    expect(await message().textContent()).toContain(byValidate!.message);
    expect(await page.locator('[data-node-id="copy"]').count()).toBe(1);
  });
});
