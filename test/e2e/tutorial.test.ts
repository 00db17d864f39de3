/**
 * docs/tutorial.md's editor steps, in real Chromium with real mouse and keyboard events, against
 * `patchbay edit` (what `npm start` runs; global-setup.ts starts it): New, Camera, Publish and FFT
 * dragged from the palette, the refused link, the HDF5Sink and the links, the params of the doc's
 * YAML typed in the inspector, Save as (the file the doc shows), Run, Stop, the recording read by
 * the doc's h5py command, and the student's script joining a run in the editor. Each picture the doc shows is
 * taken by its step (docs/img/tutorial with UPDATE_SCREENSHOTS=1, else test-output/img/tutorial).
 * The publisher binds a free port of its own instead of the doc's 5555.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  dropNodeOn,
  eventually,
  explainedOn,
  IMG,
  linkOn,
  pageForTests,
  retypeOn,
  ROOT,
  selectNodeOn,
  skipWithoutBrowser,
} from './page.ts';
import { uniqAddress } from '../helpers/run-harness.ts';
import { missing, PYTHON, pythonHas } from '../helpers/env.ts';
import { start, type Child } from '../helpers/child.ts';
import { fenced, pictures, samplesAfter, shCommands, unlike } from '../helpers/doc-blocks.ts';

const url = inject('editorUrl');
const graphDir = inject('graphDir');
const skip = skipWithoutBrowser();
const noPython = missing('Python 3 with pyzmq, numpy and h5py', () => pythonHas('zmq', 'numpy', 'h5py'));

const DOC = readFileSync(join(ROOT, 'docs/tutorial.md'), 'utf8');
/** The endpoint the doc's publisher binds, and the graph the doc says Save as writes. */
const DOC_ENDPOINT = 'tcp://127.0.0.1:5555';
const DOC_GRAPH = fenced(DOC, 'yaml').find((b) => b.startsWith('patchbay: 1'))!;
const SHOTS = join(IMG, 'tutorial');
mkdirSync(SHOTS, { recursive: true });

let page: Page;
pageForTests(
  (opened) => (page = opened.page),
  (type) => (type === 'prompt' ? 'tutorial.yaml' : true),
);

let endpoint = '';
const taken = new Set<string>();
const startedAt = Date.now();
const students: Child[] = [];

beforeAll(async () => {
  endpoint = await uniqAddress('tcp');
});
afterAll(() => {
  for (const s of students) s.kill('SIGKILL');
});

/** The doc's text with the test's endpoint in place of 5555. */
const withOurEndpoint = (text: string) => text.replaceAll(DOC_ENDPOINT, endpoint);

const nodes = () => page.locator('[data-testid=node]');
const links = () => page.locator('svg[data-testid=link]');
const onNode = (id: string, testid: string) => page.locator(`[data-node-id="${id}"] [data-testid=${testid}]`);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, name) });
  taken.add(name);
}

const dropNode = (type: string, x: number, y: number) => dropNodeOn(page, type, x, y);
const drag = (from: string, to: string) => linkOn(page, from, to);
const selectNode = (id: string) => selectNodeOn(page, id);

/** Types a param's value into its field (a list: the choice is picked). */
async function setParam(key: string, value: string): Promise<void> {
  const field = page.getByTestId(`param-${key}`);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await retypeOn(page, field, value);
  await eventually(() => field.inputValue()).toBe(value);
}

const runState = () => page.getByTestId('run-state').textContent();
const count = async (id: string, testid: string) => Number(await onNode(id, testid).textContent());

/** Runs the graph on the canvas until frames reach the recorder and both previews are drawn. */
async function runUntilRecording(): Promise<void> {
  await page.getByTestId('run').click();
  await explainedOn(page, async () => {
    await eventually(runState, 30_000).toBe('running');
    await eventually(() => page.getByTestId('run-starting').count(), 30_000).toBe(0);
    await eventually(() => count('recorder', 'node-frames'), 30_000).toBeGreaterThan(0);
    for (const id of ['camera', 'fft'])
      await eventually(
        () => onNode(id, 'node-preview').evaluate((el) => (el as HTMLImageElement).naturalWidth),
        15_000,
      ).toBeGreaterThan(0);
    await eventually(() => count('fft', 'node-fps'), 15_000).toBeGreaterThan(0);
  });
}

async function stop(): Promise<void> {
  await page.getByTestId('stop').click();
  await eventually(runState, 30_000).toBe('idle');
}

/** The doc's command starting with `prefix`, with the test's endpoint. */
function docCommand(prefix: string): { argv: string[]; input?: string } {
  const c = shCommands(DOC).find((c) => c.line.startsWith(prefix));
  if (!c) throw new Error(`docs/tutorial.md has no command "${prefix} ..."`);
  const [cmd, ...args] = withOurEndpoint(c.line).split(/\s+/);
  return { argv: [cmd === 'python3' ? PYTHON : cmd, ...args], input: c.input };
}

describe.skipIf(skip)('docs/tutorial.md in the editor', () => {
  const graph = parse(DOC_GRAPH) as {
    nodes: Record<string, { type: string; params?: Record<string, unknown> }>;
    links: string[];
  };

  it('1. npm start is patchbay edit, which prints the address the doc shows; New gives an empty graph', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toMatch(/ bin\/patchbay\.js edit$/);
    // global-setup.ts ran `patchbay edit` on a copy of graphs/, on a free port.
    const [sample] = samplesAfter(DOC, 'npm start');
    const token = /token=([^ ]+)/.exec(sample)![1];
    expect(token).toHaveLength(inject('editorToken').length);
    const banner = inject('editorBanner')
      .replace(url, 'http://127.0.0.1:8080/')
      .replace(inject('editorToken'), token)
      .replace(graphDir, 'graphs');
    expect(banner).toBe(sample.trim());

    await page.setViewportSize({ width: 1360, height: 860 });
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    await page.getByTestId('new').click();
    await eventually(() => nodes().count()).toBe(0);
    await eventually(() => page.getByTestId('graph-panel').isVisible()).toBe(true);
    await shot('1-new.png');
  });

  it('2. Camera, Publish and FFT dragged from the palette get ids from their types; a second link from the camera is refused (FAN_OUT_WITHOUT_COPY); then publish -> fft, the HDF5Sink and fft -> hdf5sink', async () => {
    // Left to right as the frames flow, the recorder under the FFT (the canvas is 810 × 740 px here).
    const at: Record<string, [number, number]> = {
      Camera: [10, 30],
      Publish: [300, 100],
      FFT: [590, 30],
      HDF5Sink: [590, 350],
    };
    const types = Object.values(graph.nodes).map((n) => n.type);
    expect(types).toEqual(['Camera', 'Publish', 'FFT', 'HDF5Sink']);
    for (const type of types.slice(0, 3)) await dropNode(type, ...at[type]);
    expect(await page.locator('[data-testid=node-gid]').allTextContents()).toEqual(['camera', 'publish', 'fft']);
    expect(DOC).toContain('`FAN_OUT_WITHOUT_COPY`');
    await drag('camera.out', 'publish.in');
    await eventually(() => links().count()).toBe(1);
    await drag('camera.out', 'fft.in');
    await eventually(() => page.getByTestId('message').getAttribute('data-code')).toBe('FAN_OUT_WITHOUT_COPY');
    expect(await links().count()).toBe(1);
    await shot('2-refused.png');

    // The doc's links, the recorder under its default id until step 3 renames it.
    expect(graph.links).toEqual(['camera.out -> publish.in', 'publish.out -> fft.in', 'fft.out -> recorder.in']);
    await drag('publish.out', 'fft.in');
    await dropNode('HDF5Sink', ...at.HDF5Sink);
    expect(await page.locator('[data-node-id=hdf5sink] [data-testid=node-gid]').textContent()).toBe('hdf5sink');
    await drag('fft.out', 'hdf5sink.in');
    await eventually(() => links().count()).toBe(3);
    await eventually(() => page.getByTestId('problems').getAttribute('data-validating')).toBe('false');
    // What is left: the recorder's file.
    expect(await page.getByTestId('error-count').textContent()).toBe('1');
    expect(await page.locator('[data-testid=problem][data-code=MISSING_PARAM]').count()).toBe(1);
  });

  it("3. the params of the doc's YAML typed in the inspector; Save as writes the doc's YAML (and a layout)", async () => {
    for (const [id, node] of Object.entries(graph.nodes)) {
      const given = id === 'recorder' ? 'hdf5sink' : id;
      await selectNode(given);
      if (given !== id) {
        await retypeOn(page, page.getByTestId('node-id-input'), id);
        await eventually(() => page.locator(`[data-node-id="${id}"]`).count()).toBe(1);
        await selectNode(id);
      }
      for (const [key, value] of Object.entries(node.params ?? {})) await setParam(key, withOurEndpoint(String(value)));
    }
    await eventually(() => page.getByTestId('problems').getAttribute('data-validating')).toBe('false');
    expect(await page.getByTestId('error-count').textContent()).toBe('0');
    expect(await page.getByTestId('warning-count').textContent()).toBe('0');
    await selectNode('publish');
    await eventually(() => page.getByTestId('pattern-lesson').textContent()).toContain('high-water mark');
    await eventually(() => onNode('publish', 'node-endpoint').textContent()).toContain(endpoint);
    await shot('3-publisher.png');

    await page.getByTestId('save-as').click();
    await eventually(() => page.getByTestId('message').textContent()).toContain('Saved tutorial.yaml');
    const saved = readFileSync(join(graphDir, 'tutorial.yaml'), 'utf8');
    const [body, layout] = saved.split(/^layout:\n/m);
    expect(body).toBe(withOurEndpoint(DOC_GRAPH));
    expect(parse(layout)).toEqual(Object.fromEntries(Object.keys(graph.nodes).map((id) => [id, expect.any(Array)])));
  });

  it('4. Run: rates on the nodes and links, both previews; Stop: the run finished, the file closed', async () => {
    await runUntilRecording();
    await explainedOn(page, async () => {
      // The picture shows the run going steadily: 3 s of frames recorded, no queue building up.
      await eventually(() => count('recorder', 'node-frames'), 30_000).toBeGreaterThanOrEqual(30);
      const queues = async () => (await page.locator('[data-testid=node-queue]').allTextContents()).map(Number);
      await eventually(async () => Math.max(...(await queues())), 15_000).toBeLessThan(3);
      await eventually(() =>
        page.locator('svg[data-link="fft.out -> recorder.in"] [data-testid=link-label]').textContent(),
      ).toContain('fr/s');
    });
    await shot('4-running.png');
    await stop();
    await eventually(() => page.getByTestId('message').textContent()).toContain('Run finished');
    await shot('5-stopped.png');
  });

  it.skipIf(noPython)("5. the doc's h5py command reads the recording: one group, (N, 240, 320) float64 spectra", () => {
    const { argv, input } = docCommand('python3 -');
    const r = spawnSync(argv[0], argv.slice(1), { cwd: graphDir, input, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(unlike(samplesAfter(DOC, 'python3 -')[0], r.stdout), r.stdout).toEqual([]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [, n, first, last] = /\((\d+), 240, 320\) float64 seq (\d+) to (\d+)$/.exec(lines[0])!.map(Number);
    expect(n).toBeGreaterThan(0);
    expect(first).toBe(0);
    expect(last).toBeGreaterThanOrEqual(n - 1);
  });

  it.skipIf(noPython)(
    "7. the student's script joins a run in the editor: the publisher counts 1 subscriber joined",
    async () => {
      // The last run's "Run finished" would stand in the picture of this one: dismissed.
      await page.locator('[data-testid=message] button.close').click();
      await runUntilRecording();
      const { argv } = docCommand('python3 examples/python/subscriber.py');
      const student = start(argv[0], argv.slice(1), { cwd: ROOT });
      students.push(student);
      await student.line((l) => l.startsWith('seq '));
      await eventually(() => onNode('publish', 'node-peers').textContent(), 15_000).toBe('1 subscriber joined');
      await shot('6-student.png');
      await stop();
      const { code, stdout, stderr } = await student.exit;
      expect(code, stderr).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(summary.received).toBeGreaterThan(0);
      expect(summary.received + summary.missed).toBe(summary.sent);
    },
  );

  it('every picture the doc shows was taken by a step of this run', () => {
    const shown = pictures(DOC, 'tutorial');
    expect(shown.length).toBeGreaterThanOrEqual(6);
    // Without Python (never under CI) the student's step did not run, nor take its picture.
    const expected = noPython ? shown.filter((name) => taken.has(name)) : shown;
    expect([...taken].sort()).toEqual([...expected].sort());
    for (const name of taken) expect(statSync(join(SHOTS, name)).mtimeMs).toBeGreaterThanOrEqual(startedAt);
  });
});
