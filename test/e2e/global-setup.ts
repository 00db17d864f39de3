/**
 * Starts the editor once for every e2e test: builds it if stale, runs `patchbay edit` on a
 * copy of graphs/ in a temporary folder (so saves never touch the repository), and launches
 * one headless Chromium that the tests connect to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:PORT/ of the editor (without its token), or '' when it could not start. */
    editorUrl: string;
    /** The token `patchbay edit` printed in its URL: pages get it as a cookie by opening editorUrl?token=... */
    editorToken: string;
    /** The line `patchbay edit` printed with its URL (`patchbay editor: http://... (graphs in DIR)`). */
    editorBanner: string;
    /** The folder the editor serves (a copy of graphs/). */
    graphDir: string;
    /** Playwright's endpoint for the shared Chromium, or '' when Chromium is missing. */
    browserWs: string;
    /** Why the editor or the browser is missing (printed by tests that skip locally). */
    setupProblem: string;
  }
}

/** The URL `patchbay edit` prints, http://127.0.0.1:PORT/?token=TOKEN, and the line it is on. */
function waitForUrl(child: ChildProcess): Promise<{ url: string; token: string; banner: string }> {
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`patchbay edit printed no URL in 120 s; stderr: ${err}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(https?:\/\/127\.0\.0\.1:\d+\/)\?token=([A-Za-z0-9._~-]+)\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ url: m[1], token: m[2], banner: out.split('\n').find((l) => l.includes(m[0].trim()))! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(`[patchbay edit] ${d.toString()}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`patchbay edit exited with ${code} before serving; stderr: ${err}`));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const graphDir = await mkdtemp(join(tmpdir(), 'patchbay-e2e-'));
  await mkdir(join(graphDir, 'out'));
  if (existsSync(join(ROOT, 'graphs'))) {
    await cp(join(ROOT, 'graphs'), graphDir, { recursive: true, filter: (src) => !src.endsWith('.h5') });
  }
  // Build first, here, so the time it takes is not charged to the server's start.
  const { editorBuildIsStale, buildEditor } = await import('../../runtime/server/edit-command.ts');
  if (await editorBuildIsStale()) await buildEditor();

  const child = spawn(process.execPath, [join(ROOT, 'bin/patchbay.js'), 'edit', graphDir, '--port', '0', '--no-open'], {
    cwd: graphDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const { url: editorUrl, token: editorToken, banner } = await waitForUrl(child);

  let browser: BrowserServer | undefined;
  let problem = '';
  if (existsSync(CHROMIUM)) {
    browser = await chromium.launchServer({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  } else {
    problem = `${CHROMIUM} is not installed`;
  }
  project.provide('editorUrl', editorUrl);
  project.provide('editorToken', editorToken);
  project.provide('editorBanner', banner);
  project.provide('graphDir', graphDir);
  project.provide('browserWs', browser?.wsEndpoint() ?? '');
  project.provide('setupProblem', problem);

  return async () => {
    await browser?.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(graphDir, { recursive: true, force: true });
  };
}
