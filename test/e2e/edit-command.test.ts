/** `patchbay edit` as a user runs it: the real CLI in a child process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEditArgs } from '../../runtime/server/edit-command.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'edit', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, exit, out: () => stdout, err: () => stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchbay-edit-'));
  await writeFile(join(dir, 'one.yaml'), 'patchbay: 1\nnodes: {}\nlinks: []\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('patchbay edit', () => {
  it('serves the folder on 127.0.0.1, prints the URL and stops cleanly on SIGTERM', async () => {
    const p = start([dir, '--port', '0', '--no-open']);
    await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+\//.test(p.out()), { timeout: 120_000, interval: 50 }).toBe(true);
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(p.out())![0];
    const list = (await (await fetch(`${url}api/graphs`)).json()) as { graphs: { name: string }[] };
    expect(list.graphs.map((g) => g.name)).toEqual(['one.yaml']);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('exits 1 naming a graph folder that does not exist', async () => {
    const p = start([join(dir, 'missing'), '--port', '0', '--no-open']);
    expect(await p.exit).toBe(1);
    expect(p.err()).toContain('missing');
  });

  it('exits 2 on a bad port', async () => {
    const p = start([dir, '--port', 'eighty', '--no-open']);
    expect(await p.exit).toBe(2);
  });
});

describe('parseEditArgs', () => {
  it('defaults to graphs/ on 8080, opening a browser', () => {
    expect(parseEditArgs([])).toEqual({ dir: 'graphs', port: 8080, open: true });
  });
  it('takes a folder, --port N, --port=N and --no-open', () => {
    expect(parseEditArgs(['lab', '--port', '9000', '--no-open'])).toEqual({ dir: 'lab', port: 9000, open: false });
    expect(parseEditArgs(['--port=0'])).toMatchObject({ port: 0 });
  });
  it('refuses a port out of range and an unknown option with a usage error', () => {
    expect(() => parseEditArgs(['--port', '70000'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseEditArgs(['--host', 'x'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
