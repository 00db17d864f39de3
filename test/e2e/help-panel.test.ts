/**
 * Help per node type, in real Chromium with real mouse events: opened from the palette's "?" and
 * from the inspector's, it says what the declaration says (summary, ports, params with their
 * docs and defaults, the socket lesson) and links to the node reference.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { push } from '../../nodes/push/index.ts';
import { join } from 'node:path';
import { eventually, IMG, openGraphAt, pageForTests, skipWithoutBrowser } from './page.ts';

const url = inject('editorUrl');
const skip = skipWithoutBrowser();

let page: Page;
pageForTests((opened) => (page = opened.page));

/** Clicks the centre of an element with the mouse, as a user does. */
async function clickOn(locator: ReturnType<Page['locator']>): Promise<void> {
  const box = (await locator.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe.skipIf(skip)('the help panel', () => {
  it("the palette's ? on Push opens its help: summary, a param's doc and default, the ventilator lesson, the docs link; × closes it", async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    const nodesBefore = await page.locator('[data-testid=node]').count();
    await clickOn(page.getByTestId('palette-help-Push'));
    const help = page.getByTestId('help');
    await eventually(() => help.isVisible()).toBe(true);
    expect(await help.getAttribute('data-type')).toBe('Push');
    expect(await page.getByTestId('help-summary').textContent()).toBe(push.docs.summary);
    expect(await page.getByTestId('help-param-doc-waitFor').textContent()).toBe(push.params.waitFor.doc);
    expect(await page.getByTestId('help-param-waitFor').textContent()).toContain('default 0');
    expect(await page.getByTestId('help-param-waitFor').textContent()).toContain('workers');
    expect(await page.getByTestId('help-lesson').textContent()).toContain('ventilator waits');
    expect(await page.getByTestId('help-docs-link').getAttribute('href')).toBe('docs/nodes.md#push');
    // The link leads somewhere: the server gives the node reference, with Push's heading.
    const doc = await page.evaluate(async (href) => (await fetch(href)).text(), 'docs/nodes.md');
    expect(doc).toContain('\n## Push\n');
    await page.screenshot({ path: join(IMG, 'editor-help.png') });
    // Asking for help adds no node.
    expect(await page.locator('[data-testid=node]').count()).toBe(nodesBefore);

    await clickOn(page.getByTestId('help-close'));
    await eventually(() => help.count()).toBe(0);
  });

  it("the inspector's ? opens the selected node's help; a click beside the panel closes it", async () => {
    await openGraphAt(page, url, 'push-pull.yaml', await countNodes('push-pull.yaml'));
    const id = await page.locator('[data-testid=node]').first().getAttribute('data-node-id');
    await clickOn(page.locator(`[data-node-id="${id}"] .pb-title`));
    await eventually(() => page.getByTestId('node-id-input').inputValue()).toBe(id);
    const type = (await page.locator('.inspector h2').textContent())!.trim();
    await clickOn(page.getByTestId('inspector-help'));
    await eventually(() => page.getByTestId('help').getAttribute('data-type')).toBe(type);
    // Beside the panel (the backdrop): closed.
    await page.mouse.click(10, 900);
    await eventually(() => page.getByTestId('help').count()).toBe(0);
  });
});

/** The number of nodes of a graph of the test's folder, as the server reads it. */
async function countNodes(name: string): Promise<number> {
  const graph = await page.evaluate(
    async (n) => (await (await fetch(`api/graphs/${n}`)).json()) as { graph: { nodes: Record<string, unknown> } },
    name,
  );
  return Object.keys(graph.graph.nodes).length;
}
