/**
 * A page of the editor in the shared Chromium (test/e2e/global-setup.ts), opened as a user does,
 * for the browser tests.
 */
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missing } from '../helpers/env.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where screenshots go: docs/img only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the tree as it found it. */
export const IMG = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/img') : join(ROOT, 'test-output/img');
mkdirSync(IMG, { recursive: true });

/** Why the browser tests skip here (Chromium missing), or undefined. */
export function skipWithoutBrowser(): string | undefined {
  return missing('Chromium (/usr/bin/chromium)', () => inject('browserWs') !== '');
}

/** Polls until the page agrees (playwright-core has no web-first assertions of its own). */
export const eventually = <T>(fn: () => Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout, interval: 50 });

/**
 * A page that opened the URL `patchbay edit` printed, once: the token is then a cookie and the
 * address bar is clean. `answer` answers the page's questions (unsaved changes, "Save as" names):
 * false dismisses, a string is typed, true or undefined accepts.
 */
export async function openPage(
  answer: (type: string, message: string) => string | boolean | undefined = () => true,
): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  const browser = await chromium.connect(inject('browserWs'));
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${inject('editorUrl')}?token=${inject('editorToken')}`);
  if (new URL(page.url()).searchParams.has('token'))
    throw new Error(`the token stayed in the address bar: ${page.url()}`);
  page.on('pageerror', (e) => process.stderr.write(`editor page error: ${e.stack ?? e.message}\n`));
  page.on('dialog', (d) => {
    const a = answer(d.type(), d.message());
    void (a === false ? d.dismiss() : d.accept(String(a ?? '')));
  });
  return { browser, context, page };
}

/**
 * Opens a page (openPage) before the tests of the calling file and closes it after them; `use`
 * receives the page, its context and browser. Nothing is opened when the tests skip.
 */
export function pageForTests(
  use: (opened: { browser: Browser; context: BrowserContext; page: Page }) => void,
  answer?: Parameters<typeof openPage>[0],
): void {
  let opened: Awaited<ReturnType<typeof openPage>> | undefined;
  beforeAll(async () => {
    if (skipWithoutBrowser()) return;
    opened = await openPage(answer);
    use(opened);
  });
  afterAll(async () => {
    await opened?.context.close();
    await opened?.browser.close();
  });
}

/** Opens the editor on graph `name` of the test's graph folder and waits for its `nodes` nodes. */
export async function openGraphAt(page: Page, url: string, name: string, nodes: number): Promise<void> {
  await page.goto(`${url}?graph=${name}`);
  await page.waitForSelector('body[data-ready=true]');
  await eventually(() => page.locator('[data-testid=node]').count()).toBe(nodes);
}

/** Replaces a field's text as a user does: click, select all, type, Tab away (which commits it). */
export async function retypeOn(page: Page, field: ReturnType<Page['locator']>, text: string): Promise<void> {
  await field.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

/** Drags a node type from the palette onto the canvas, (x, y) from the canvas's corner, and waits for the node. */
export async function dropNodeOn(page: Page, type: string, x: number, y: number): Promise<void> {
  const nodes = page.locator('[data-testid=node]');
  const before = await nodes.count();
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
  await eventually(() => nodes.count()).toBe(before + 1);
}

async function center(page: Page, testid: string): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId(testid).boundingBox();
  if (!box) throw new Error(`${testid} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a link from an output socket to an input socket with the mouse, as a user does: ('camera.out', 'fft.in'). */
export async function linkOn(page: Page, from: string, to: string): Promise<void> {
  const [fn, fp] = from.split('.');
  const [tn, tp] = to.split('.');
  const a = await center(page, `socket-out-${fn}-${fp}`);
  const b = await center(page, `socket-in-${tn}-${tp}`);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

/** Selects a node by clicking its title, and waits for the inspector to show it. */
export async function selectNodeOn(page: Page, id: string): Promise<void> {
  await page.locator(`[data-node-id="${id}"] .pb-title`).click();
  await eventually(() => page.getByTestId('node-id-input').inputValue()).toBe(id);
}

/** What the page says about a run, to explain a failed wait. */
async function runDiagnosis(page: Page): Promise<string> {
  const msg = (await page.getByTestId('message').count()) > 0 ? await page.getByTestId('message').textContent() : '';
  const failures = await page
    .locator('[data-testid=node-failure]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  const stats = await page.locator('[data-testid=node-stats]').allTextContents();
  return `state=${await page.getByTestId('run-state').textContent()} message=${msg} failures=${JSON.stringify(failures)} stats=${JSON.stringify(stats)}`;
}

/** Runs `body`; a failure carries what the page said about the run. */
export async function explainedOn(page: Page, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    (e as Error).message += `\n  page: ${await runDiagnosis(page)}`;
    throw e;
  }
}
