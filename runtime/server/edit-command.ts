/**
 * `patchbay edit [DIR] [--port N] [--no-open]`: builds the editor when its sources are newer
 * than its build, serves it with the graphs of DIR on 127.0.0.1, and runs until Ctrl-C.
 * The URL it prints carries the server's token; PATCHBAY_TOKEN sets it (an environment
 * variable, not a flag: every user of the machine can read a process's arguments).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CliCommand, CliIO } from '../cli/io.ts';
import { UsageError } from '../cli/usage.ts';

const EDITOR_ROOT = fileURLToPath(new URL('../../editor/', import.meta.url));
const NODES_ROOT = fileURLToPath(new URL('../../nodes/', import.meta.url));
const PROTOCOL = fileURLToPath(new URL('./protocol.ts', import.meta.url));

export interface EditArgs {
  dir: string;
  port: number;
  open: boolean;
}

/** Parses the command's argv; throws a UsageError naming the option, the expected and the received. */
export function parseEditArgs(argv: string[]): EditArgs {
  const args: EditArgs = { dir: 'graphs', port: 8080, open: true };
  let dirSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-open') args.open = false;
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? argv[++i] : a.slice('--port='.length);
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 0 || n > 65535) {
        throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(v ?? null)}`);
      }
      args.port = n;
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}; expected --port N or --no-open`);
    } else if (dirSet) {
      throw new UsageError(`expected one graph folder, got a second: ${a}`);
    } else {
      args.dir = a;
      dirSet = true;
    }
  }
  return args;
}

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path).catch((e: unknown) =>
    (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : Promise.reject(e),
  );
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of await readdir(path)) {
    if (e === 'dist' || e === 'node_modules') continue;
    newest = Math.max(newest, await newestMtime(join(path, e)));
  }
  return newest;
}

/** True when editor/dist is missing or older than anything it is built from. */
export async function editorBuildIsStale(): Promise<boolean> {
  const built = await newestMtime(join(EDITOR_ROOT, 'dist', 'index.html'));
  if (built === 0) return true;
  const sources = Math.max(await newestMtime(EDITOR_ROOT), await newestMtime(NODES_ROOT), await newestMtime(PROTOCOL));
  return sources > built;
}

/** Builds the editor with Vite into editor/dist. */
export async function buildEditor(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(EDITOR_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

/**
 * Opens the browser on a page of our own that redirects to the URL, as Jupyter does: the
 * browser's command line is readable by every user of the machine, the token must not be on it.
 * Returns what removes that page.
 */
async function openBrowser(url: string, io: CliIO): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-edit-'));
  const page = join(dir, 'open.html');
  const href = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  await writeFile(
    page,
    `<!doctype html><meta http-equiv="refresh" content="0;url=${href}"><a href="${href}">open the patchbay editor</a>\n`,
    { mode: 0o600 },
  );
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [pathToFileURL(page).href], { detached: true, stdio: 'ignore' });
  child.on('error', (e) =>
    io.stderr.write(`patchbay edit: could not open a browser (${e.message}); open the URL above yourself\n`),
  );
  child.unref();
  return () => rm(dir, { recursive: true, force: true });
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((ok) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      ok(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** The `edit` command. */
export const editCommand: CliCommand = async (argv, io) => {
  // A UsageError goes up to the CLI, which prints the usage line and exits with 2.
  const args = parseEditArgs(argv);
  const token = process.env.PATCHBAY_TOKEN || undefined;
  if (await editorBuildIsStale()) {
    io.stderr.write('patchbay edit: building the editor...\n');
    await buildEditor();
  }
  const { startEditorServer } = await import('./server.ts');
  const { ServerError } = await import('./graph-files.ts');
  let server;
  try {
    server = await startEditorServer({ dir: args.dir, port: args.port, staticDir: join(EDITOR_ROOT, 'dist'), token });
  } catch (e) {
    if (e instanceof ServerError || (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const what =
        e instanceof ServerError && e.code === 'BAD_TOKEN' ? `PATCHBAY_TOKEN: ${e.message}` : (e as Error).message;
      io.stderr.write(`patchbay edit: ${what}\n`);
      return 1;
    }
    throw e;
  }
  // Listening before the URL is out: a script that reads it and sends SIGTERM at once must get a
  // clean stop, not the default action of the signal (a CI run lost that race once).
  const stopped = untilSignal();
  io.stdout.write(`patchbay editor: ${server.url} (graphs in ${args.dir})\n`);
  io.stdout.write(
    '  open that URL: its token lets your browser in and keeps other users and programs of this machine out\n',
  );
  let removePage: (() => Promise<void>) | undefined;
  try {
    removePage = args.open ? await openBrowser(server.url, io) : undefined;
    await stopped;
  } finally {
    await server.close();
    await removePage?.();
  }
  return 0;
};
