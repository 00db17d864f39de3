/** `patchbay edit` as a user runs it: the real CLI in a child process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEditArgs } from '../../runtime/server/edit-command.ts';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'edit', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATCHBAY_TOKEN: '', ...env },
  });
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
  it('serves the folder on 127.0.0.1, prints the URL with a fresh token and stops cleanly on SIGTERM', async () => {
    const printed = async (): Promise<{ url: string; token: string; p: ReturnType<typeof start> }> => {
      const p = start([dir, '--port', '0', '--no-open']);
      const re = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([A-Za-z0-9_-]+)\s/;
      await expect.poll(() => re.test(p.out()), { timeout: 120_000, interval: 50 }).toBe(true);
      const [, url, token] = re.exec(p.out())!;
      return { url, token, p };
    };
    const { url, token, p } = await printed();
    // 32 random bytes in base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await fetch(`${url}api/graphs`)).status).toBe(401);
    const list = (await (
      await fetch(`${url}api/graphs`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { graphs: { name: string }[] };
    expect(list.graphs.map((g) => g.name)).toEqual(['one.yaml']);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    const second = await printed();
    expect(second.token).not.toBe(token);
    second.p.child.kill('SIGTERM');
    expect(await second.p.exit).toBe(0);
  });

  it('takes its token from PATCHBAY_TOKEN, and refuses one too short to be a secret', async () => {
    const token = 'scripts-and-tests-set-their-own-token-0123456789';
    const p = start([dir, '--port', '0', '--no-open'], { PATCHBAY_TOKEN: token });
    await expect.poll(() => p.out().includes(`?token=${token}`), { timeout: 120_000, interval: 50 }).toBe(true);
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(p.out())![0];
    expect((await fetch(`${url}api/graphs?token=${token}`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    const weak = start([dir, '--port', '0', '--no-open'], { PATCHBAY_TOKEN: 'secret' });
    expect(await weak.exit).toBe(1);
    expect(weak.err()).toContain('PATCHBAY_TOKEN');
    expect(weak.out()).not.toContain('http://');
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
