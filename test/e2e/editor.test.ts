/**
 * The editor in real Chromium against `patchbay edit`: build a graph by drag and drop, set
 * params in the inspector, save, open the example graphs, refuse wrong links, run a graph.
 */
import { beforeEach, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadGraph, serializeGraph } from '../../runtime/graph/index.ts';
import type { Graph } from '../../runtime/graph/types.ts';
import {
  dropNodeOn,
  eventually,
  explainedOn,
  IMG,
  linkOn,
  pageForTests,
  ROOT,
  selectNodeOn,
  skipWithoutBrowser,
} from './page.ts';
import { freePort } from '../helpers/run-harness.ts';
import { Publisher, Subscriber } from 'zeromq';
import { encode, nowNs } from '../../runtime/wire/index.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();

let browser: Browser;
let context: BrowserContext;
let page: Page;
// Unsaved-changes questions and "Save as" names are answered by each test through dialogAnswer.
pageForTests(
  (opened) => ({ browser, context, page } = opened),
  (type, message) => dialogAnswer(type, message),
);

let dialogAnswer: (type: string, message: string) => string | boolean | undefined = () => true;

async function openEditor(query = ''): Promise<void> {
  await page.goto(url + query);
  await page.waitForSelector('body[data-ready=true]');
}

const nodes = () => page.locator('[data-testid=node]');
const links = () => page.locator('svg[data-testid=link]');

const dropNode = (type: string, x: number, y: number) => dropNodeOn(page, type, x, y);
const connect = (from: string, to: string) => linkOn(page, from, to);
const selectNode = (id: string) => selectNodeOn(page, id);

async function setParam(key: string, value: string): Promise<void> {
  const field = page.getByTestId(`param-${key}`);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else {
    await field.fill(value);
    await field.blur();
  }
}

async function rename(id: string): Promise<void> {
  await page.getByTestId('node-id-input').fill(id);
  await page.getByTestId('node-id-input').press('Enter');
  await eventually(() => page.locator(`[data-node-id="${id}"]`).count()).toBe(1);
}

const explained = (body: () => Promise<void>) => explainedOn(page, body);

/** A node's preview is drawn and is not a blank picture. */
async function expectPreview(id: string): Promise<void> {
  const img = page.locator(`[data-node-id=${id}] [data-testid=node-preview]`);
  await eventually(() => img.isVisible(), 15_000).toBe(true);
  await eventually(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  const distinct = await img.evaluate((el) => {
    const im = el as HTMLImageElement;
    const c = document.createElement('canvas');
    c.width = im.naturalWidth;
    c.height = im.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(im, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add(d[i]);
    return seen.size;
  });
  expect(distinct, id).toBeGreaterThan(8);
}

async function newGraph(): Promise<void> {
  dialogAnswer = () => true;
  await page.getByTestId('new').click();
  await eventually(() => nodes().count()).toBe(0);
}

describe.skipIf(skip)('editor in Chromium', () => {
  beforeEach(() => {
    dialogAnswer = () => true;
  });

  it('Fit brings every node into view without moving any (Arrange would lay them out again)', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 60, 150);
    await dropNode('HDF5Sink', 420, 150);
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    // Pan the view far away: the nodes are out of sight.
    await page.mouse.move(canvas.x + 20, canvas.y + 20);
    await page.mouse.down();
    await page.mouse.move(canvas.x + canvas.width - 20, canvas.y + canvas.height - 20, { steps: 5 });
    await page.mouse.up();
    const inView = async () => {
      const boxes = await Promise.all(
        ['camera', 'hdf5sink'].map((id) => page.locator(`[data-node-id=${id}]`).boundingBox()),
      );
      return boxes.every(
        (b) =>
          b &&
          b.x >= canvas.x &&
          b.y >= canvas.y &&
          b.x + b.width <= canvas.x + canvas.width &&
          b.y + b.height <= canvas.y + canvas.height,
      );
    };
    expect(await inView()).toBe(false);
    const before = await page.evaluate(
      () => document.querySelector('[data-node-id=camera]')!.parentElement!.style.transform,
    );
    await page.getByTestId('fit').click();
    await eventually(inView).toBe(true);
    // The node itself did not move on the canvas: only the view did.
    expect(
      await page.evaluate(() => document.querySelector('[data-node-id=camera]')!.parentElement!.style.transform),
    ).toBe(before);
  });

  it('the palette finds node types by what a user means: "record", "zeromq"', async () => {
    await openEditor();
    await page.getByTestId('palette-search').fill('record');
    await eventually(() => page.getByTestId('palette-HDF5Sink').isVisible()).toBe(true);
    expect(await page.getByTestId('palette-FFT').count()).toBe(0);
    await page.getByTestId('palette-search').fill('zeromq');
    await eventually(() => page.getByTestId('palette-Push').isVisible()).toBe(true);
    await page.getByTestId('palette-search').fill('');
  });

  it('a clicked link is deleted with Delete; pasting twice puts each copy a step further, selected', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 60, 150);
    await dropNode('HDF5Sink', 420, 150);
    await connect('camera.out', 'hdf5sink.in');
    await eventually(() => links().count()).toBe(1);
    // Click the link's path (its middle), then Delete.
    const path = page.locator('svg[data-testid=link] path').first();
    const box = (await path.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await eventually(() => page.locator('svg[data-testid=link].selected').count()).toBe(1);
    await page.keyboard.press('Delete');
    await eventually(() => links().count()).toBe(0);
    expect(await nodes().count()).toBe(2);

    await selectNode('camera');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await eventually(() => nodes().count()).toBe(3);
    await page.keyboard.press('Control+v');
    await eventually(() => nodes().count()).toBe(4);
    const at = async (id: string) => (await page.locator(`[data-node-id=${id}]`).boundingBox())!;
    const [a, b] = [await at('camera2'), await at('camera3')];
    // Not on the same spot: the second paste lands a step further.
    expect(Math.abs(a.x - b.x) + Math.abs(a.y - b.y)).toBeGreaterThan(20);
    await eventually(() =>
      page.locator('[data-node-id=camera3].selected, [data-node-id=camera3] .selected').count(),
    ).toBeGreaterThan(0);
  });

  it('a number typo (abc, -) or an emptied required file is refused with its code, never silently taken as the default', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 100, 150);
    await dropNode('HDF5Sink', 400, 150);
    await selectNode('camera');
    await setParam('fps', '25');
    for (const typo of ['abc', '-']) {
      await setParam('fps', typo);
      await eventually(() => page.getByTestId('param-error-fps').getAttribute('data-code')).toBe('BAD_PARAM_TYPE');
    }
    // The param keeps what it had: the typo was not taken, nor the default.
    await setParam('fps', '25');
    await eventually(() => page.getByTestId('param-error-fps').count()).toBe(0);
    await selectNode('hdf5sink');
    await setParam('file', 'out/a.h5');
    await setParam('file', '');
    await eventually(() => page.getByTestId('param-error-file').getAttribute('data-code')).toBe('MISSING_PARAM');
  });

  it("a node naming a file (a Script's module, a recorder's file) shows its name on the canvas, the whole path on hover", async () => {
    await openEditor();
    await newGraph();
    await dropNode('Script', 200, 150);
    const caption = page.locator('[data-node-id=script] [data-testid=node-caption]');
    expect(await caption.count()).toBe(0);
    await selectNode('script');
    await setParam('module', 'steps/threshold.ts');
    await eventually(() => caption.textContent()).toBe('threshold.ts');
    expect(await caption.getAttribute('title')).toBe('steps/threshold.ts');
  });

  it('builds the PUB/SUB graph by drag and drop, sets params, saves the YAML the CLI writes', async () => {
    await openEditor();
    await newGraph();
    // Drop points are relative to the canvas (about 1050 × 880 px here): left to right, as the data flows.
    await dropNode('Camera', 30, 150);
    await dropNode('Publish', 290, 150);
    await dropNode('FFT', 560, 20);
    await dropNode('HDF5Sink', 560, 340);
    await dropNode('HDF5Sink', 290, 520);
    expect(await page.locator('[data-testid=node-gid]').allTextContents()).toEqual([
      'camera',
      'publish',
      'fft',
      'hdf5sink',
      'hdf5sink2',
    ]);

    await selectNode('camera');
    await setParam('width', '256');
    await setParam('height', '256');
    await setParam('fps', '50');
    await setParam('frames', '100');
    // The inspector refuses a value outside the declared limits and says which.
    await setParam('fps', '-5');
    await eventually(() => page.getByTestId('param-error-fps').isVisible()).toBe(true);
    await setParam('fps', '50');
    await eventually(() => page.getByTestId('param-error-fps').count()).toBe(0);

    await selectNode('publish');
    await eventually(() => page.getByTestId('pattern-lesson').textContent()).toContain('high-water mark');
    await setParam('endpoint', 'tcp://127.0.0.1:notaport');
    await eventually(() => page.getByTestId('param-error-endpoint').isVisible()).toBe(true);
    await setParam('endpoint', 'tcp://127.0.0.1:5591');
    await setParam('topic', 'camera_frame');

    await selectNode('fft');
    await setParam('threads', '1');
    await setParam('output', 'log-magnitude');

    await selectNode('hdf5sink');
    await rename('spectra');
    await setParam('file', 'out/spectra.h5');
    await selectNode('hdf5sink2');
    await rename('recorder');
    await setParam('file', 'out/frames.h5');

    await connect('camera.out', 'publish.in');
    await connect('publish.out', 'fft.in');
    await connect('fft.out', 'spectra.in');
    await connect('publish.out', 'recorder.in');
    await eventually(() => links().count()).toBe(4);
    await eventually(() => page.getByTestId('problems').getAttribute('data-validating')).toBe('false');
    expect(await page.getByTestId('error-count').textContent()).toBe('0');
    expect(await page.getByTestId('warning-count').textContent()).toBe('0');
    await eventually(() => page.locator('[data-testid=node-error]').count()).toBe(0);
    await eventually(() => page.getByTestId('dirty').isVisible()).toBe(true);

    await page.getByTestId('arrange').click();
    await selectNode('publish'); // the picture shows the inspector teaching PUB/SUB
    await page.screenshot({ path: join(IMG, 'editor-idle.png') });

    dialogAnswer = (type) => (type === 'prompt' ? 'pubsub-built.yaml' : true);
    await page.getByTestId('save-as').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain('Saved pubsub-built.yaml');
    await eventually(() => page.getByTestId('dirty').count()).toBe(0);

    const text = await readFile(join(graphDir, 'pubsub-built.yaml'), 'utf8');
    const loaded = loadGraph(text);
    expect(loaded.errors).toEqual([]);
    const expected: Graph = {
      patchbay: 1,
      nodes: {
        camera: { type: 'Camera', params: { width: 256, height: 256, fps: 50, frames: 100 } },
        publish: { type: 'Publish', params: { endpoint: 'tcp://127.0.0.1:5591', topic: 'camera_frame' } },
        fft: { type: 'FFT', params: { threads: 1, output: 'log-magnitude' } },
        spectra: { type: 'HDF5Sink', params: { file: 'out/spectra.h5' } },
        recorder: { type: 'HDF5Sink', params: { file: 'out/frames.h5' } },
      },
      links: [
        { from: { node: 'camera', port: 'out' }, to: { node: 'publish', port: 'in' } },
        { from: { node: 'publish', port: 'out' }, to: { node: 'fft', port: 'in' } },
        { from: { node: 'fft', port: 'out' }, to: { node: 'spectra', port: 'in' } },
        { from: { node: 'publish', port: 'out' }, to: { node: 'recorder', port: 'in' } },
      ],
    };
    const { layout, ...rest } = loaded.graph!;
    expect(rest).toEqual(expected);
    expect(Object.keys(layout ?? {})).toEqual(['camera', 'publish', 'fft', 'spectra', 'recorder']);
    // Byte for byte what the CLI writes for this graph.
    expect(text).toBe(serializeGraph({ ...expected, layout }));
  });

  it('opens every example graph in graphs/ with its nodes and links', async () => {
    const names = existsSync(join(ROOT, 'graphs'))
      ? (await readdir(join(ROOT, 'graphs'))).filter((n) => n.endsWith('.yaml')).sort()
      : [];
    expect(names.length).toBeGreaterThan(0);
    await openEditor();
    for (const name of names) {
      const { graph, errors } = loadGraph(await readFile(join(ROOT, 'graphs', name), 'utf8'), name);
      expect(
        errors.filter((e) => e.severity === 'error'),
        name,
      ).toEqual([]);
      await page.getByTestId('file-select').selectOption(name);
      await eventually(() => page.getByTestId('message').textContent()).toContain(`Opened ${name}`);
      expect(await nodes().count(), name).toBe(Object.keys(graph!.nodes).length);
      await eventually(() => links().count()).toBe(graph!.links.length);
    }
  });

  it('refuses a mistyped link and says why', async () => {
    await openEditor();
    await newGraph();
    await dropNode('FFT', 200, 200);
    await dropNode('FFT', 600, 200);
    await connect('fft.out', 'fft2.in');
    await eventually(() => page.getByTestId('message').getAttribute('data-code')).toBe('PORT_TYPE_MISMATCH');
    await eventually(() => page.getByTestId('message').textContent()).toContain('spectrum');
    await eventually(() => page.getByTestId('message').isVisible()).toBe(true);
    expect(await links().count()).toBe(0);
  });

  it('refuses a plain output feeding two inputs (fan-out needs Copy, Publish or Push)', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 150, 200);
    await dropNode('FFT', 550, 100);
    await dropNode('HDF5Sink', 550, 420);
    await connect('camera.out', 'fft.in');
    await eventually(() => links().count()).toBe(1);
    await connect('camera.out', 'hdf5sink.in');
    await eventually(() => page.getByTestId('message').getAttribute('data-code')).toBe('FAN_OUT_WITHOUT_COPY');
    expect(await links().count()).toBe(1);
  });

  it('undoes and redoes, copies and pastes nodes with the links among them, deletes', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 150, 200);
    await dropNode('HDF5Sink', 550, 200);
    await connect('camera.out', 'hdf5sink.in');
    await eventually(() => links().count()).toBe(1);
    await page.getByTestId('undo').click();
    await eventually(() => links().count()).toBe(0);
    await page.getByTestId('redo').click();
    await eventually(() => links().count()).toBe(1);

    await selectNode('camera');
    await page.locator('[data-node-id="hdf5sink"] .pb-title').click({ modifiers: ['Control'] });
    await page.getByTestId('copy').click();
    await page.getByTestId('paste').click();
    await eventually(() => nodes().count()).toBe(4);
    await eventually(() => links().count()).toBe(2);
    await eventually(() => page.locator('svg[data-link="camera2.out -> hdf5sink2.in"]').count()).toBe(1);

    await selectNode('camera2');
    await page.getByTestId('delete').click();
    await eventually(() => nodes().count()).toBe(3);
    await eventually(() => links().count()).toBe(1);
  });

  it('opens a file from disk, downloads the YAML, asks before dropping unsaved changes', async () => {
    await openEditor();
    const text =
      'patchbay: 1\n# from a student\nnodes:\n  camera:\n    type: Camera\n  copy:\n    type: Copy\n  rec:\n    type: HDF5Sink\n    params: {file: out/a.h5}\nlinks:\n  - camera.out -> copy.in\n  - copy.out -> rec.in\n';
    await page
      .getByTestId('open-disk-input')
      .setInputFiles({ name: 'student.yaml', mimeType: 'application/yaml', buffer: Buffer.from(text) });
    await eventually(() => nodes().count()).toBe(3);
    await eventually(() => links().count()).toBe(2);

    // The download is what the CLI would write, comments kept.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    const chunks: Buffer[] = [];
    for await (const c of await download.createReadStream()) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    expect(body).toContain('# from a student');
    expect(loadGraph(body).errors).toEqual([]);

    // Unsaved changes: dismissing the question keeps the canvas as it is.
    await dropNode('FFT', 500, 500);
    await eventually(() => page.getByTestId('dirty').count()).toBe(1);
    const asked: string[] = [];
    dialogAnswer = (type) => {
      asked.push(type);
      return false;
    };
    await page.getByTestId('new').click();
    await eventually(async () => asked.length).toBe(1);
    expect(asked).toEqual(['confirm']);
    expect(await nodes().count()).toBe(4);
  });

  it('adds a node from the canvas context menu', async () => {
    await openEditor();
    await newGraph();
    const box = (await page.getByTestId('canvas').boundingBox())!;
    await page.mouse.click(box.x + 300, box.y + 300, { button: 'right' });
    await page.locator('[data-testid=context-menu-item]', { hasText: /^Copy$/ }).click();
    await eventually(() => page.locator('[data-node-type=Copy]').count()).toBe(1);
  });

  it("shows every node's host (placement) and keeps it through an edit and a save", async () => {
    const name = 'placed.yaml';
    await writeFile(
      join(graphDir, name),
      'patchbay: 1\nnodes:\n  camera:\n    type: Camera\n    host: camera-pc\n    params: {fps: 10}\n  rec:\n    type: HDF5Sink\n    host: analysis-pc\n    params: {file: out/p.h5}\nlinks:\n  - camera.out -> rec.in\n',
    );
    await openEditor(`?graph=${name}`);
    await eventually(() => nodes().count()).toBe(2);
    // Each node says where it runs.
    expect(await page.locator('[data-node-id=camera] [data-testid=node-host]').textContent()).toBe('@camera-pc');
    expect(await page.locator('[data-node-id=rec] [data-testid=node-host]').textContent()).toBe('@analysis-pc');
    await selectNode('camera');
    await setParam('fps', '20');
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain(`Saved ${name}`);
    const saved = loadGraph(await readFile(join(graphDir, name), 'utf8')).graph!;
    expect(saved.nodes.camera).toEqual({ type: 'Camera', host: 'camera-pc', params: { fps: 20 } });
    expect(saved.nodes.rec.host).toBe('analysis-pc');
  });

  it('a file changed on disk since it was opened is not overwritten without asking: cancel keeps it, confirm replaces it', async () => {
    const name = 'shared.yaml';
    const original =
      'patchbay: 1\nnodes:\n  camera:\n    type: Camera\n    params: {fps: 10}\n  rec:\n    type: HDF5Sink\n    params: {file: out/s.h5}\nlinks:\n  - camera.out -> rec.in\n';
    await writeFile(join(graphDir, name), original);
    await openEditor(`?graph=${name}`);
    await eventually(() => nodes().count()).toBe(2);
    // Another tab, a text editor or git pull changes the file meanwhile.
    const theirs = original.replace('fps: 10', 'fps: 15');
    await writeFile(join(graphDir, name), theirs);
    await selectNode('camera');
    await setParam('fps', '20');
    dialogAnswer = () => false;
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain('changed on disk');
    expect(await readFile(join(graphDir, name), 'utf8')).toBe(theirs);
    dialogAnswer = () => true;
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain(`Saved ${name}`);
    expect(loadGraph(await readFile(join(graphDir, name), 'utf8')).graph!.nodes.camera.params).toEqual({ fps: 20 });
  });

  it('keeps a node of an unknown type (marked) through a save, with its params and links', async () => {
    const name = 'typo.yaml';
    await writeFile(
      join(graphDir, name),
      'patchbay: 1\nnodes:\n  camera:\n    type: Camra\n    params: {fps: 10}\n  rec:\n    type: HDF5Sink\n    params: {file: out/t.h5}\nlinks:\n  - camera.out -> rec.in\n',
    );
    await openEditor(`?graph=${name}`);
    await eventually(() => nodes().count()).toBe(2);
    await eventually(() => links().count()).toBe(1);
    await eventually(() => page.locator('[data-node-id=camera].invalid').count()).toBe(1);
    await eventually(() => page.locator('[data-testid=problem][data-code=UNKNOWN_TYPE]').count()).toBe(1);
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain(`Saved ${name}`);
    const saved = loadGraph(await readFile(join(graphDir, name), 'utf8')).graph!;
    expect(saved.nodes.camera).toEqual({ type: 'Camra', params: { fps: 10 } });
    expect(saved.links).toHaveLength(1);
  });

  it('explains who binds and who connects across an endpoint shared by two socket nodes', async () => {
    const name = 'lesson.yaml';
    await writeFile(
      join(graphDir, name),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera}',
        '  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:5601"}}',
        '  student: {type: Subscribe, params: {endpoint: "tcp://127.0.0.1:5601"}}',
        '  rec: {type: HDF5Sink, params: {file: out/l.h5}}',
        'links:',
        '  - camera.out -> publish.in',
        '  - student.out -> rec.in',
        '',
      ].join('\n'),
    );
    await openEditor(`?graph=${name}`);
    await eventually(() => nodes().count()).toBe(4);
    await selectNode('student');
    const lesson = page.getByTestId('pattern-lesson');
    await eventually(() => lesson.textContent()).toContain('connects to tcp://127.0.0.1:5601');
    expect(await lesson.textContent()).toContain('publish (Publish, PUB) binds this endpoint');
    await selectNode('publish');
    await eventually(() => lesson.textContent()).toContain('student (Subscribe, SUB) connects to this endpoint');
  });

  it('a refused value stays in its field beside its error while the graph changes elsewhere; typing a good one clears it', async () => {
    await openEditor();
    await newGraph();
    await dropNode('Camera', 200, 200);
    await selectNode('camera');
    await setParam('fps', '50');
    await setParam('fps', '-5');
    await eventually(() => page.getByTestId('param-error-fps').isVisible()).toBe(true);
    // Another param changes the graph (a new version re-renders the panel) while -5 is refused.
    await setParam('frames', '120');
    await eventually(() => page.getByTestId('param-frames').inputValue()).toBe('120');
    expect(await page.getByTestId('param-fps').inputValue()).toBe('-5');
    await setParam('fps', '50');
    await eventually(() => page.getByTestId('param-error-fps').count()).toBe(0);
  });

  it('marks validation errors on the node concerned', async () => {
    await openEditor();
    await newGraph();
    await dropNode('HDF5Sink', 300, 200);
    // HDF5Sink needs a file, and a graph needs a source.
    await eventually(() => page.locator('[data-node-id="hdf5sink"].invalid').count()).toBe(1);
    await eventually(() => page.locator('[data-testid=problem][data-code=MISSING_PARAM]').count()).toBe(1);
    // Run refuses it as `patchbay run` would: nothing starts, the problems stay marked.
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain('does not run');
    expect(await page.getByTestId('run-state').textContent()).toBe('idle');
    await eventually(() => page.locator('[data-node-id="hdf5sink"].invalid').count()).toBe(1);
  });

  it('runs a graph fed by an outside publisher: rates change, the FFT shows a preview, stop ends it', async () => {
    // A student's publisher: 128×128 uint8 frames with a bright moving spot, 40 per second.
    const pub = new Publisher({ linger: 0, sendHighWaterMark: 4 });
    await pub.bind('tcp://127.0.0.1:*');
    const endpoint = pub.lastEndpoint!;
    let seq = 0;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        const data = new Uint8Array(128 * 128);
        for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seq) & 31;
        const cx = 20 + (seq % 80);
        for (let y = 50; y < 70; y++) for (let x = cx; x < cx + 20; x++) data[y * 128 + x] = 250;
        await pub.send(
          encode(
            { kind: 'frame', seq: seq++, t: nowNs(), dtype: 'uint8', shape: [128, 128], data },
            'camera_frame',
          ) as Buffer[],
        );
        await new Promise((ok) => setTimeout(ok, 25));
      }
    })();
    try {
      const file = 'e2e-subscribe.yaml';
      await writeFile(
        join(graphDir, file),
        [
          'patchbay: 1',
          'nodes:',
          '  student:',
          '    type: Subscribe',
          `    params: {endpoint: "${endpoint}", topics: [camera_frame]}`,
          '  fft:',
          '    type: FFT',
          '    params: {threads: 1}',
          '  recorder:',
          '    type: HDF5Sink',
          '    params: {file: out/e2e-subscribe.h5, ifExists: overwrite}',
          'links:',
          '  - student.out -> fft.in',
          '  - fft.out -> recorder.in',
          '',
        ].join('\n'),
      );
      await openEditor(`?graph=${file}`);
      await eventually(() => nodes().count()).toBe(3);
      await explained(async () => {
        await page.getByTestId('run').click();
        await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('running');
        const frames = page.locator('[data-node-id=fft] [data-testid=node-frames]');
        await eventually(() => frames.isVisible(), 30_000).toBe(true);
        const first = Number(await frames.textContent());
        await eventually(async () => Number(await frames.textContent()), 15_000).toBeGreaterThan(first);
        await eventually(
          async () => Number(await page.locator('[data-node-id=fft] [data-testid=node-fps]').textContent()),
          15_000,
        ).toBeGreaterThan(0);
        await eventually(() =>
          page.locator('svg[data-link="fft.out -> recorder.in"] [data-testid=link-label]').textContent(),
        ).toContain('fr/s');
        await expectPreview('fft');
        await page.screenshot({ path: join(IMG, 'editor-running-subscribe.png') });
        await page.getByTestId('stop').click();
        await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
      });
    } finally {
      sending = false;
      await sender;
      pub.close();
    }
  });

  it('a publisher waiting for students says so on its node: "waiting for 2 subscribers (1 joined)"', async () => {
    // A free port, asked of the kernel: never one of the example graphs'.
    const probe = new Publisher();
    await probe.bind('tcp://127.0.0.1:*');
    const endpoint = probe.lastEndpoint!;
    probe.close();
    const file = 'e2e-waiting.yaml';
    await writeFile(
      join(graphDir, file),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 64, height: 64, fps: 30}}',
        `  publish: {type: Publish, params: {endpoint: "${endpoint}", topic: camera, waitFor: 2}}`,
        'links:',
        '  - camera.out -> publish.in',
        '',
      ].join('\n'),
    );
    const student = new Subscriber({ linger: 0 });
    try {
      await openEditor(`?graph=${file}`);
      await eventually(() => nodes().count()).toBe(2);
      await page.getByTestId('run').click();
      const waiting = page.locator('[data-node-id=publish] [data-testid=node-waiting]');
      await eventually(() => waiting.textContent(), 30_000).toBe('waiting for 2 subscribers (0 joined)');
      student.connect(endpoint);
      student.subscribe('camera');
      await eventually(() => waiting.textContent(), 15_000).toBe('waiting for 2 subscribers (1 joined)');
      await page.getByTestId('stop').click();
      await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    } finally {
      student.close();
    }
  });

  it('a second tab and a reload during a run show the running graph, its live stats and Stop; the address bar names the graph', async () => {
    const file = 'e2e-shared-run.yaml';
    await writeFile(
      join(graphDir, file),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 64, height: 64, fps: 30}}',
        '  recorder: {type: HDF5Sink, params: {file: out/e2e-shared.h5, ifExists: overwrite}}',
        'links:',
        '  - camera.out -> recorder.in',
        '',
      ].join('\n'),
    );
    await openEditor();
    await page.getByTestId('file-select').selectOption(file);
    await eventually(() => nodes().count()).toBe(2);
    await eventually(async () => new URL(page.url()).searchParams.get('graph')).toBe(file);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('running');
    const other = await context.newPage();
    try {
      // A tab opened without naming any graph.
      await other.goto(url);
      await other.waitForSelector('body[data-ready=true]');
      await eventually(() => other.locator('[data-testid=node]').count()).toBe(2);
      expect(await other.getByTestId('run-state').textContent()).toBe('running');
      await eventually(async () => new URL(other.url()).searchParams.get('graph')).toBe(file);
      const frames = other.locator('[data-node-id=camera] [data-testid=node-frames]');
      const before = Number(await frames.textContent());
      await eventually(async () => Number(await frames.textContent()), 15_000).toBeGreaterThan(before);
      // A reload of the first tab shows it too.
      await page.reload();
      await page.waitForSelector('body[data-ready=true]');
      await eventually(() => nodes().count()).toBe(2);
      await eventually(() => page.getByTestId('run-state').textContent()).toBe('running');
      // Stop from the second tab ends the run for both.
      await other.getByTestId('stop').click();
      await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    } finally {
      await other.close();
    }
  });

  it('while a graph runs the canvas is read-only: a param, a drop or a Delete is refused and says why; after Stop edits work again', async () => {
    const file = 'e2e-read-only.yaml';
    await writeFile(
      join(graphDir, file),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 64, height: 64, fps: 30}}',
        '  recorder: {type: HDF5Sink, params: {file: out/e2e-ro.h5, ifExists: overwrite}}',
        'links:',
        '  - camera.out -> recorder.in',
        '',
      ].join('\n'),
    );
    await openEditor(`?graph=${file}`);
    await eventually(() => nodes().count()).toBe(2);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('running');
    await selectNode('camera');
    await eventually(() => page.getByTestId('inspector-read-only').isVisible()).toBe(true);
    expect(await page.getByTestId('param-fps').isDisabled()).toBe(true);
    await page.getByTestId('palette-FFT').dragTo(page.getByTestId('canvas'), { targetPosition: { x: 300, y: 400 } });
    await eventually(() => page.getByTestId('message').textContent()).toContain('stop it to edit');
    expect(await nodes().count()).toBe(2);
    await page.keyboard.press('Delete');
    expect(await nodes().count()).toBe(2);
    await page.getByTestId('stop').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    await selectNode('camera');
    await setParam('fps', '12');
    await eventually(() => page.getByTestId('param-fps').inputValue()).toBe('12');
    await dropNode('FFT', 300, 400);
  });

  it("the end of a run says what went wrong whole: a failing node's message in the inspector and the message bar; drops per node; progress belongs to its graph", async () => {
    const failing = 'e2e-fails.yaml';
    await writeFile(join(graphDir, 'out-exists.h5'), 'not empty');
    await writeFile(
      join(graphDir, failing),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 32, height: 32, fps: 0, frames: 20}}',
        `  recorder: {type: HDF5Sink, params: {file: ${JSON.stringify(join(graphDir, 'out-exists.h5'))}}}`,
        'links:',
        '  - camera.out -> recorder.in',
        '',
      ].join('\n'),
    );
    await openEditor(`?graph=${failing}`);
    await eventually(() => nodes().count()).toBe(2);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    await eventually(() => page.getByTestId('message').textContent()).toMatch(
      /recorder: FILE_EXISTS: .*out-exists\.h5/,
    );
    await selectNode('recorder');
    await eventually(() => page.getByTestId('inspector-failure').textContent()).toContain('out-exists.h5');

    const dropping = 'e2e-drops.yaml';
    await writeFile(
      join(graphDir, dropping),
      [
        'patchbay: 1',
        'nodes:',
        '  camera: {type: Camera, params: {width: 32, height: 32, fps: 0, frames: 50}}',
        `  publish: {type: Publish, params: {endpoint: "tcp://127.0.0.1:${await freePort()}"}}`,
        'links:',
        '  - camera.out -> publish.in',
        '',
      ].join('\n'),
    );
    await openEditor(`?graph=${dropping}`);
    await eventually(() => nodes().count()).toBe(2);
    await page.getByTestId('run').click();
    await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    // Published to nobody: "finished", and how many were dropped where.
    await eventually(() => page.getByTestId('message').textContent()).toMatch(
      /Run finished .*frames dropped: .*publish 50/,
    );
    await eventually(() => page.getByTestId('progress').textContent()).toBe('50 / 50');
    await page.getByTestId('file-select').selectOption(failing);
    await eventually(() => page.locator('[data-node-id=recorder]').count()).toBe(1);
    await eventually(() => page.getByTestId('progress').count()).toBe(0);
  });

  it('runs a graph: rates change on nodes and links, Camera and FFT show previews', async () => {
    const runFile = 'e2e-run.yaml';
    await writeFile(
      join(graphDir, runFile),
      [
        'patchbay: 1',
        'name: e2e-run',
        'nodes:',
        '  camera:',
        '    type: Camera',
        '    params: {width: 256, height: 256, fps: 30}',
        '  fft:',
        '    type: FFT',
        '    params: {threads: 1}',
        '  recorder:',
        '    type: HDF5Sink',
        '    params: {file: out/e2e-run.h5, ifExists: overwrite}',
        'links:',
        '  - camera.out -> fft.in',
        '  - fft.out -> recorder.in',
        '',
      ].join('\n'),
    );
    await openEditor(`?graph=${runFile}`);
    await eventually(() => nodes().count()).toBe(3);
    await explained(async () => {
      await page.getByTestId('run').click();
      const frames = page.locator('[data-node-id=camera] [data-testid=node-frames]');
      const failure = page.locator('[data-testid=node-failure]');
      // A node that fails shows why on itself: say so instead of waiting out the timeout.
      await eventually(async () => {
        if ((await failure.count()) > 0) return `failed: ${await failure.first().getAttribute('title')}`;
        return (await frames.isVisible()) ? 'frames' : 'waiting';
      }, 30_000).toBe('frames');
      expect(await page.getByTestId('run-state').textContent()).toBe('running');
      const first = Number(await frames.textContent());
      await eventually(async () => Number(await frames.textContent()), 15_000).toBeGreaterThan(first);
      await eventually(
        async () => Number(await page.locator('[data-node-id=camera] [data-testid=node-fps]').textContent()),
        15_000,
      ).toBeGreaterThan(0);
      await eventually(() =>
        page.locator('svg[data-link="camera.out -> fft.in"] [data-testid=link-label]').textContent(),
      ).toContain('fr/s');
      await expectPreview('camera');
      await expectPreview('fft');
      // Frames reach the end of the pipeline: the recorder counts them.
      await eventually(
        async () => Number(await page.locator('[data-node-id=recorder] [data-testid=node-frames]').textContent()),
        20_000,
      ).toBeGreaterThan(0);
      await eventually(
        async () => Number(await page.locator('[data-node-id=fft] [data-testid=node-fps]').textContent()),
        20_000,
      ).toBeGreaterThan(0);
      await page.screenshot({ path: join(IMG, 'editor-running.png') });
      await page.getByTestId('stop').click();
      await eventually(() => page.getByTestId('run-state').textContent(), 30_000).toBe('idle');
    });
  });
});

describe.skipIf(skip)('the editor behind its token', () => {
  it('a browser without the printed URL gets the page but no graphs, no run channel, and is told why', async () => {
    const stranger = await browser.newContext();
    try {
      const p = await stranger.newPage();
      const ws: string[] = [];
      p.on('websocket', (s) => ws.push(s.url()));
      await p.goto(url);
      await p.waitForSelector('body[data-ready=true]');
      await eventually(() => p.getByTestId('message').getAttribute('data-code')).toBe('TOKEN_REQUIRED');
      expect(await p.locator('[data-testid=file-select] option').count()).toBeLessThanOrEqual(1);
      expect(await p.getByTestId('run-state').textContent()).toBe('offline');
      // Cookies are the same for every port of a host: another editor's token must not open this one.
      await stranger.addCookies([{ name: `patchbay_token_${new URL(url).port}`, value: 'x'.repeat(43), url }]);
      await p.goto(url);
      await p.waitForSelector('body[data-ready=true]');
      await eventually(() => p.getByTestId('message').getAttribute('data-code')).toBe('BAD_TOKEN');
    } finally {
      await stranger.close();
    }
  });

  it('the page opened from the printed URL keeps the token as an HttpOnly, SameSite=Strict cookie and connects its run channel', async () => {
    const cookies = await context.cookies(url);
    const cookie = cookies.find((c) => c.name === `patchbay_token_${new URL(url).port}`);
    expect(cookie).toMatchObject({ value: inject('editorToken'), httpOnly: true, sameSite: 'Strict', path: '/' });
    await openEditor();
    await eventually(() => page.getByTestId('run-state').textContent()).toBe('idle');
    expect(await page.evaluate(() => document.cookie)).not.toContain(inject('editorToken'));
  });
});
